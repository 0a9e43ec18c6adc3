#include "zpscan/pipe.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

struct zp_pipe {
    zp_pipe_fn fn;
    void *ctx;
    int nworkers, nslots, nstarted;
    pthread_t *threads;
    pthread_mutex_t mu;
    pthread_cond_t work; /* a job was queued, or quit */
    pthread_cond_t done; /* a job finished */
    int *busy;           /* per slot: submitted and not finished */
    int64_t *job;        /* per slot */
    int *queue;          /* slots in submission order: ring of nslots */
    int qhead, qlen, quit;
};

typedef struct {
    zp_pipe *p;
    int id;
} worker_arg;

static void *worker(void *arg)
{
    worker_arg wa = *(worker_arg *)arg;
    free(arg);
    zp_pipe *p = wa.p;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->quit && p->qlen == 0) pthread_cond_wait(&p->work, &p->mu);
        if (p->qlen == 0) break; /* quit, and nothing left to run */
        const int s = p->queue[p->qhead];
        p->qhead = (p->qhead + 1) % p->nslots;
        --p->qlen;
        pthread_mutex_unlock(&p->mu);
        p->fn(p->ctx, wa.id, s, p->job[s]);
        pthread_mutex_lock(&p->mu);
        p->busy[s] = 0;
        pthread_cond_broadcast(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static void stop_workers(zp_pipe *p)
{
    pthread_mutex_lock(&p->mu);
    p->quit = 1;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->nstarted; ++i) pthread_join(p->threads[i], NULL);
    p->nstarted = 0;
}

static void release(zp_pipe *p)
{
    pthread_cond_destroy(&p->done);
    pthread_cond_destroy(&p->work);
    pthread_mutex_destroy(&p->mu);
    free(p->threads);
    free(p->busy);
    free(p->job);
    free(p->queue);
    free(p);
}

zp_status zp_pipe_init(zp_pipe **out, int nworkers, int nslots, zp_pipe_fn fn, void *ctx)
{
    *out = NULL;
    if (nworkers < 0 || nslots < 1 || !fn) ZP_FAIL(ZP_EINTERNAL, "zp_pipe_init: %d workers, %d slots", nworkers, nslots);
    zp_pipe *p = calloc(1, sizeof *p);
    if (!p) ZP_FAIL(ZP_ENOMEM, "out of memory for the compute threads");
    p->fn = fn;
    p->ctx = ctx;
    p->nworkers = nworkers;
    p->nslots = nslots;
    p->threads = calloc((size_t)(nworkers > 0 ? nworkers : 1), sizeof *p->threads);
    p->busy = calloc((size_t)nslots, sizeof *p->busy);
    p->job = calloc((size_t)nslots, sizeof *p->job);
    p->queue = calloc((size_t)nslots, sizeof *p->queue);
    if (!p->threads || !p->busy || !p->job || !p->queue) {
        free(p->threads); free(p->busy); free(p->job); free(p->queue); free(p);
        ZP_FAIL(ZP_ENOMEM, "out of memory for the compute threads");
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    /* the workers inherit a mask that blocks every signal */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int rc = 0;
    for (int i = 0; i < nworkers && rc == 0; ++i) {
        worker_arg *wa = malloc(sizeof *wa);
        if (!wa) { rc = -1; break; }
        *wa = (worker_arg){p, i};
        rc = pthread_create(&p->threads[i], NULL, worker, wa);
        if (rc != 0) free(wa);
        else ++p->nstarted;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        stop_workers(p);
        release(p);
        ZP_FAIL(ZP_ENOMEM, "cannot start %d compute threads", nworkers);
    }
    *out = p;
    return ZP_OK;
}

void zp_pipe_submit(zp_pipe *p, int s, int64_t job)
{
    if (p->nworkers == 0) { /* inline: the caller computes, the slot is finished on return */
        p->fn(p->ctx, 0, s, job);
        return;
    }
    pthread_mutex_lock(&p->mu);
    p->job[s] = job;
    p->busy[s] = 1;
    p->queue[(p->qhead + p->qlen) % p->nslots] = s;
    ++p->qlen;
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->mu);
}

void zp_pipe_wait(zp_pipe *p, int s)
{
    if (p->nworkers == 0) return;
    pthread_mutex_lock(&p->mu);
    while (p->busy[s]) pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
}

int zp_pipe_workers(const zp_pipe *p) { return p ? p->nworkers : 0; }

void zp_pipe_free(zp_pipe *p)
{
    if (!p) return;
    stop_workers(p); /* the workers drain the queue before they see quit */
    release(p);
}

zp_status zp_pipe_auto_threads(MPI_Comm comm, int *nthreads)
{
    *nthreads = 1;
    cpu_set_t mine;
    CPU_ZERO(&mine);
    if (sched_getaffinity(0, sizeof mine, &mine) != 0) CPU_ZERO(&mine); /* unknown: 1 thread */
    MPI_Comm node;
    int rank;
    ZP_MPI(MPI_Comm_rank(comm, &rank));
    ZP_MPI(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node));
    int nn = 0, have = 0, ok = 0;
    cpu_set_t *all = NULL;
    /* every rank of the node takes the same path through the collectives, whatever fails */
    if (MPI_Comm_size(node, &nn) == MPI_SUCCESS) all = malloc((size_t)nn * sizeof *all);
    have = all != NULL;
    if (MPI_Allreduce(MPI_IN_PLACE, &have, 1, MPI_INT, MPI_MIN, node) == MPI_SUCCESS && have)
        ok = MPI_Allgather(&mine, (int)sizeof mine, MPI_BYTE, all, (int)sizeof mine, MPI_BYTE, node) == MPI_SUCCESS;
    if (MPI_Comm_free(&node) != MPI_SUCCESS) ok = 0;
    if (!ok) {
        free(all);
        ZP_FAIL(ZP_EMPI, "cannot exchange the CPU sets of the ranks of this node");
    }
    const int ncpu = CPU_COUNT(&mine);
    int sharing = 0; /* ranks of the node (me included) that may run on my CPUs */
    for (int i = 0; i < nn; ++i) {
        cpu_set_t both;
        CPU_AND(&both, &mine, &all[i]);
        if (CPU_COUNT(&both) > 0) ++sharing;
    }
    free(all);
    int n = sharing > 0 ? ncpu / sharing : 1;
    /* Under srun the allocation, not the node, is ours: a task owns --cpus-per-task CPUs (1
     * when not given) even where no task plugin narrows its CPU set to them. */
    const char *cpt = getenv("SLURM_CPUS_PER_TASK");
    int cap = 0;
    if (cpt && atoi(cpt) > 0) cap = atoi(cpt);
    else if (getenv("SLURM_STEP_ID")) cap = 1;
    if (cap > 0 && n > cap) n = cap;
    *nthreads = n > 1 ? n : 1;
    return ZP_OK;
}
