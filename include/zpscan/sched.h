/* Which rank computes which pending tile. Work goes in rounds: every tile of round r is
 * written before any rank passes the round's end (the scan's per-round flags reduction),
 * so a checkpoint after round r covers exactly the tiles of rounds <= r, whoever computed
 * them (accumulators are integer counts and minima: results do not depend on the split).
 *
 * static:  round r = tiles r*P .. r*P+P-1, tile r*P+rank to each rank (what collective tile
 *          writes need: every rank makes one write call per round).
 * dynamic: round r = the next K*P tiles (K = ZP_SCHED_K); each node (ranks sharing memory) gets a share of
 *          K tiles per rank, and its ranks take them one by one from a counter in shared
 *          memory, so a rank slowed by the OS or a noisy neighbour takes fewer instead of
 *          making every other rank wait at the round's end. */
#ifndef ZPSCAN_SCHED_H
#define ZPSCAN_SCHED_H

#include <mpi.h>
#include <stdint.h>

#include "zpscan/error.h"

enum { ZP_SCHED_END = -1, ZP_SCHED_NONE = -2 };
enum { ZP_SCHED_K = 32 }; /* tiles per rank per round, dynamic: K = 8 left 0.09-0.21 s of end-of-round waits in a 2 s scan, 32 leaves 0.03-0.05 */

typedef struct {
    int dynamic;
    int rank, nranks;
    int64_t npend, per_round, nrounds;
    /* static: calls made in the current round */
    int64_t round, calls;
    /* dynamic: this node's share of a round, the shared ticket counter */
    int64_t node_off, node_n; /* in units of tiles: offset of the share within a round block, size */
    int64_t ticket_base;      /* tickets issued on this node before the current round */
    MPI_Comm node;
    MPI_Win win;
    int64_t *counter;
} zp_sched;

/* Collective. dynamic = 0: static rounds (required when tile writes are collective). */
zp_status zp_sched_init(zp_sched *s, MPI_Comm comm, int64_t npend, int dynamic);

/* The next pending-list index for this rank in round r (rounds are taken in order 0, 1, ...):
 * an index, ZP_SCHED_NONE (static only: no tile, but the round's collective write call is
 * due), or ZP_SCHED_END (the round is over for this rank). */
int64_t zp_sched_next(zp_sched *s, int64_t r);

/* The end of round r in the pending list: indices < this are done after the round. */
int64_t zp_sched_round_end(const zp_sched *s, int64_t r);

/* Collective (every rank, or none: call it on the paths all ranks take). */
zp_status zp_sched_free(zp_sched *s);

#endif
