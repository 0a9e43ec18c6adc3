/* Compute threads inside a rank: a small pool of workers that run jobs in numbered slots,
 * so the thread that owns MPI and HDF5 writes one finished tile while the workers compute
 * the next ones. The workers make no MPI or HDF5 call (MPI_THREAD_FUNNELED suffices) and
 * block every signal (the batch system's SIGTERM reaches the thread that polls for it).
 * With 0 workers a job runs inline in zp_pipe_submit: the single-threaded scan. */
#ifndef ZPSCAN_PIPE_H
#define ZPSCAN_PIPE_H

#include <mpi.h>
#include <stdint.h>

#include "zpscan/error.h"

/* worker: 0 .. nworkers-1 (0 inline), each worker runs one job at a time; slot and job as
 * given to zp_pipe_submit */
typedef void (*zp_pipe_fn)(void *ctx, int worker, int slot, int64_t job);

typedef struct zp_pipe zp_pipe;

/* nworkers >= 0 threads, nslots >= 1. ZP_ENOMEM when memory or a thread cannot be had (the
 * threads already started are stopped again); the caller may then retry with 0 workers. */
zp_status zp_pipe_init(zp_pipe **p, int nworkers, int nslots, zp_pipe_fn fn, void *ctx);
/* Queue `job` in `slot`, which must be free (never submitted, or waited for since). Jobs
 * start in submission order. */
void zp_pipe_submit(zp_pipe *p, int slot, int64_t job);
/* Block until the job in `slot` has finished; the slot is free again. */
void zp_pipe_wait(zp_pipe *p, int slot);
int zp_pipe_workers(const zp_pipe *p);
/* Waits for every queued job, stops and joins the workers. NULL is accepted. */
void zp_pipe_free(zp_pipe *p);

/* The compute threads a rank should run when the user did not say: the CPUs this rank may
 * run on, shared out among the ranks of the node whose CPU sets overlap it (ranks bound to
 * their own cores get all of theirs; unbound ranks split the node), and in a SLURM step at
 * most SLURM_CPUS_PER_TASK (1 when unset). At least 1. Collective over comm. */
zp_status zp_pipe_auto_threads(MPI_Comm comm, int *nthreads);

#endif
