/* Compute threads (pipe.h): every job runs exactly once, in its slot, finished when
 * zp_pipe_wait returns; workers really run side by side, block every signal, and are joined
 * by zp_pipe_free after the queued jobs; 0 workers runs jobs inline. */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "zpscan/pipe.h"

enum { NJOB = 4000, NSLOT_MAX = 8 };

typedef struct {
    int ran[NJOB];              /* times each job ran */
    int slot_of[NJOB];
    int64_t result[NSLOT_MAX];  /* written by the job into its slot */
    int worker_max, worker_min;
    int sig_blocked;            /* every job saw SIGTERM blocked */
    pthread_t inline_thread;
    int off_thread;             /* a job ran on another thread than the caller */
    pthread_mutex_t mu;
} record;

static void job_fn(void *ctx, int worker, int slot, int64_t job)
{
    record *r = ctx;
    sigset_t cur;
    pthread_sigmask(SIG_BLOCK, NULL, &cur);
    pthread_mutex_lock(&r->mu);
    r->ran[job]++;
    r->slot_of[job] = slot;
    if (worker > r->worker_max) r->worker_max = worker;
    if (worker < r->worker_min) r->worker_min = worker;
    if (!sigismember(&cur, SIGTERM)) r->sig_blocked = 0;
    if (!pthread_equal(pthread_self(), r->inline_thread)) r->off_thread = 1;
    pthread_mutex_unlock(&r->mu);
    r->result[slot] = job * 7 + 1; /* the slot's buffer, read by the caller after the wait */
}

static void rec_init(record *r)
{
    memset(r, 0, sizeof *r);
    r->worker_min = 1 << 30;
    r->worker_max = -1;
    r->sig_blocked = 1;
    r->inline_thread = pthread_self();
    pthread_mutex_init(&r->mu, NULL);
}

/* The scan's use: a ring of slots, at most nslot in flight, collected in order. */
static void ring(int nworkers, int nslot)
{
    static record r;
    rec_init(&r);
    zp_pipe *p = NULL;
    assert_int_equal(zp_pipe_init(&p, nworkers, nslot, job_fn, &r), ZP_OK);
    assert_int_equal(zp_pipe_workers(p), nworkers);
    int head = 0, inflight = 0;
    int64_t next = 0, collected = 0, slot_job[NSLOT_MAX];
    while (collected < NJOB) {
        while (next < NJOB && inflight < nslot) {
            const int s = (head + inflight++) % nslot;
            slot_job[s] = next;
            zp_pipe_submit(p, s, next++);
        }
        zp_pipe_wait(p, head);
        assert_int_equal(r.result[head], slot_job[head] * 7 + 1); /* finished and visible */
        assert_int_equal(slot_job[head], collected);               /* in submission order */
        ++collected;
        head = (head + 1) % nslot;
        --inflight;
    }
    zp_pipe_free(p);
    for (int j = 0; j < NJOB; ++j) assert_int_equal(r.ran[j], 1);
    if (nworkers == 0) {
        assert_int_equal(r.worker_min, 0);
        assert_int_equal(r.worker_max, 0);
        assert_int_equal(r.off_thread, 0); /* inline: on the caller's thread */
    } else {
        assert_true(r.worker_min >= 0);
        assert_true(r.worker_max < nworkers);
        assert_int_equal(r.off_thread, 1);
        assert_int_equal(r.sig_blocked, 1);
    }
    pthread_mutex_destroy(&r.mu);
}

static void test_inline(void **st) { (void)st; ring(0, 1); ring(0, 3); }
static void test_threads(void **st) { (void)st; ring(1, 2); ring(2, 3); ring(3, 4); ring(7, 8); }

/* Two jobs that each wait (bounded) for the other to start: they meet only if two workers
 * run them at the same time. */
typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int started, met;
} meet;

static void meet_fn(void *ctx, int worker, int slot, int64_t job)
{
    (void)worker; (void)slot; (void)job;
    meet *m = ctx;
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += 10;
    pthread_mutex_lock(&m->mu);
    ++m->started;
    pthread_cond_broadcast(&m->cv);
    while (m->started < 2)
        if (pthread_cond_timedwait(&m->cv, &m->mu, &dl) != 0) break;
    if (m->started >= 2) ++m->met;
    pthread_mutex_unlock(&m->mu);
}

static void test_concurrent(void **st)
{
    (void)st;
    meet m = {.started = 0, .met = 0};
    pthread_mutex_init(&m.mu, NULL);
    pthread_cond_init(&m.cv, NULL);
    zp_pipe *p = NULL;
    assert_int_equal(zp_pipe_init(&p, 2, 3, meet_fn, &m), ZP_OK);
    zp_pipe_submit(p, 0, 0);
    zp_pipe_submit(p, 1, 1);
    zp_pipe_wait(p, 0);
    zp_pipe_wait(p, 1);
    zp_pipe_free(p);
    assert_int_equal(m.met, 2);
    pthread_cond_destroy(&m.cv);
    pthread_mutex_destroy(&m.mu);
}

/* zp_pipe_free with jobs still queued: they all run, then the workers are joined. */
static int slow_runs;
static pthread_mutex_t slow_mu = PTHREAD_MUTEX_INITIALIZER;
static void slow_fn(void *ctx, int worker, int slot, int64_t job)
{
    (void)ctx; (void)worker; (void)slot; (void)job;
    usleep(20000);
    pthread_mutex_lock(&slow_mu);
    ++slow_runs;
    pthread_mutex_unlock(&slow_mu);
}

static void test_free_drains(void **st)
{
    (void)st;
    slow_runs = 0;
    zp_pipe *p = NULL;
    assert_int_equal(zp_pipe_init(&p, 2, 6, slow_fn, NULL), ZP_OK);
    for (int s = 0; s < 6; ++s) zp_pipe_submit(p, s, s);
    zp_pipe_free(p);
    assert_int_equal(slow_runs, 6);
    zp_pipe_free(NULL);
    assert_int_equal(zp_pipe_workers(NULL), 0);
}

static void test_bad_args(void **st)
{
    (void)st;
    zp_pipe *p = (zp_pipe *)&p;
    assert_int_equal(zp_pipe_init(&p, 2, 0, slow_fn, NULL), ZP_EINTERNAL);
    assert_null(p);
    assert_int_equal(zp_pipe_init(&p, -1, 2, slow_fn, NULL), ZP_EINTERNAL);
    assert_int_equal(zp_pipe_init(&p, 1, 2, NULL, NULL), ZP_EINTERNAL);
    zp_err_clear();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inline),       cmocka_unit_test(test_threads),
        cmocka_unit_test(test_concurrent),   cmocka_unit_test(test_free_drains),
        cmocka_unit_test(test_bad_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
