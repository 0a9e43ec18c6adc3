#include "zpscan/sched.h"

#include <stdlib.h>
#include <string.h>

zp_status zp_sched_init(zp_sched *s, MPI_Comm comm, int64_t npend, int dynamic)
{
    memset(s, 0, sizeof *s);
    s->node = MPI_COMM_NULL;
    s->win = MPI_WIN_NULL;
    s->round = -1;
    ZP_MPI(MPI_Comm_rank(comm, &s->rank));
    ZP_MPI(MPI_Comm_size(comm, &s->nranks));
    s->npend = npend;
    s->dynamic = dynamic;
    s->per_round = (int64_t)s->nranks * (dynamic ? ZP_SCHED_K : 1);
    s->nrounds = (npend + s->per_round - 1) / s->per_round;
    if (!dynamic) return ZP_OK;

    /* the node: its ranks, and where its share sits in a round (nodes ordered by the rank of
     * their first member, so every rank computes the same layout) */
    ZP_MPI(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, s->rank, MPI_INFO_NULL, &s->node));
    /* tests only: ZPSCAN_TEST_RANKS_PER_NODE=K cuts each node into "nodes" of K ranks, so the
     * cross-node path (static shares between nodes) runs on one machine */
    const char *kenv = getenv("ZPSCAN_TEST_RANKS_PER_NODE");
    if (kenv && *kenv) {
        const int k = atoi(kenv), world = s->rank;
        int lr;
        ZP_MPI(MPI_Comm_rank(s->node, &lr));
        MPI_Comm sub;
        ZP_MPI(MPI_Comm_split(s->node, k > 0 ? lr / k : 0, world, &sub));
        ZP_MPI(MPI_Comm_free(&s->node));
        s->node = sub;
    }
    int nlocal, lrank, leader = s->rank;
    ZP_MPI(MPI_Comm_size(s->node, &nlocal));
    ZP_MPI(MPI_Comm_rank(s->node, &lrank));
    ZP_MPI(MPI_Bcast(&leader, 1, MPI_INT, 0, s->node));
    int *leaders = malloc((size_t)s->nranks * sizeof *leaders);
    if (!leaders) ZP_FAIL(ZP_ENOMEM, "out of memory for the tile schedule");
    const int rc = MPI_Allgather(&leader, 1, MPI_INT, leaders, 1, MPI_INT, comm);
    int before = 0;
    for (int j = 0; rc == MPI_SUCCESS && j < s->nranks; ++j) before += leaders[j] < leader;
    free(leaders);
    ZP_MPI(rc);
    s->node_off = (int64_t)before * ZP_SCHED_K;
    s->node_n = (int64_t)nlocal * ZP_SCHED_K;

    /* the node's ticket counter, in memory its ranks share */
    int64_t *base = NULL;
    ZP_MPI(MPI_Win_allocate_shared(lrank == 0 ? (MPI_Aint)sizeof(int64_t) : 0, sizeof(int64_t), MPI_INFO_NULL,
                                   s->node, &base, &s->win));
    MPI_Aint sz;
    int du;
    ZP_MPI(MPI_Win_shared_query(s->win, 0, &sz, &du, &s->counter));
    ZP_MPI(MPI_Win_lock_all(MPI_MODE_NOCHECK, s->win));
    if (lrank == 0) __atomic_store_n(s->counter, 0, __ATOMIC_SEQ_CST);
    ZP_MPI(MPI_Win_sync(s->win));
    ZP_MPI(MPI_Barrier(s->node));
    return ZP_OK;
}

/* this node's share of round r: [*lo, *lo + *n) of the pending list */
static void share(const zp_sched *s, int64_t r, int64_t *lo, int64_t *n)
{
    int64_t a = r * s->per_round + s->node_off, b = a + s->node_n;
    if (a > s->npend) a = s->npend;
    if (b > s->npend) b = s->npend;
    *lo = a;
    *n = b - a;
}

int64_t zp_sched_next(zp_sched *s, int64_t r)
{
    if (r != s->round) { /* a new round: everything of the previous one was taken */
        if (s->dynamic && s->round >= 0) {
            int64_t lo, n, nlocal = s->node_n / ZP_SCHED_K;
            share(s, s->round, &lo, &n);
            s->ticket_base += n + nlocal; /* each rank's last ticket of a round finds it empty */
        }
        s->round = r;
        s->calls = 0;
    }
    if (!s->dynamic) {
        if (s->calls++) return ZP_SCHED_END;
        const int64_t k = r * s->per_round + s->rank;
        return k < s->npend ? k : ZP_SCHED_NONE;
    }
    int64_t lo, n;
    share(s, r, &lo, &n);
    const int64_t off = __atomic_fetch_add(s->counter, 1, __ATOMIC_SEQ_CST) - s->ticket_base;
    return off < n ? lo + off : ZP_SCHED_END;
}

int64_t zp_sched_round_end(const zp_sched *s, int64_t r)
{
    const int64_t e = (r + 1) * s->per_round;
    return e < s->npend ? e : s->npend;
}

zp_status zp_sched_free(zp_sched *s)
{
    if (s->win != MPI_WIN_NULL) {
        ZP_MPI(MPI_Win_unlock_all(s->win));
        ZP_MPI(MPI_Win_free(&s->win));
    }
    if (s->node != MPI_COMM_NULL) ZP_MPI(MPI_Comm_free(&s->node));
    return ZP_OK;
}
