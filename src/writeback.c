#include "zpscan/writeback.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct zp_wb {
    zp_wb_mode mode;
    int fd;
    int64_t every, pending, issued;
    /* ZP_WB_FLUSH: the caller raises `wanted`, the helper flushes until `done` catches up */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int64_t wanted, done, nflush;
    int quit, running;
};

zp_wb_mode zp_wb_mode_from_env(void)
{
    const char *e = getenv("ZPSCAN_WRITEBACK");
    if (!e || !*e) return ZP_WB_FLUSH;
    if (strcmp(e, "0") == 0 || strcmp(e, "off") == 0) return ZP_WB_OFF;
    if (strcmp(e, "start") == 0) return ZP_WB_START;
    return ZP_WB_FLUSH;
}

static void *flusher(void *arg)
{
    zp_wb *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->quit && w->done == w->wanted) pthread_cond_wait(&w->cv, &w->mu);
        if (w->quit) break;
        /* requests made while a flush runs coalesce into the next one */
        const int64_t target = w->wanted;
        pthread_mutex_unlock(&w->mu);
        (void)fdatasync(w->fd);
        pthread_mutex_lock(&w->mu);
        w->done = target;
        ++w->nflush;
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

zp_wb *zp_wb_open(const char *path, zp_wb_mode mode, int64_t every)
{
    if (mode == ZP_WB_OFF || every <= 0) return NULL;
#ifndef SYNC_FILE_RANGE_WRITE
    if (mode == ZP_WB_START) return NULL;
#endif
    zp_wb *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->mode = mode;
    w->every = every;
    w->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (w->fd < 0) {
        free(w);
        return NULL;
    }
    if (mode == ZP_WB_FLUSH) {
        if (pthread_mutex_init(&w->mu, NULL) != 0) goto fail_fd;
        if (pthread_cond_init(&w->cv, NULL) != 0) goto fail_mu;
        /* signals (SIGTERM from the batch system) stay with the thread that polls for them */
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, &old);
        const int rc = pthread_create(&w->thread, NULL, flusher, w);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (rc != 0) goto fail_cv;
        w->running = 1;
    }
    return w;
fail_cv:
    pthread_cond_destroy(&w->cv);
fail_mu:
    pthread_mutex_destroy(&w->mu);
fail_fd:
    close(w->fd);
    free(w);
    return NULL;
}

void zp_wb_note(zp_wb *w, int64_t bytes)
{
    if (!w) return;
    w->pending += bytes;
    if (w->pending < w->every) return;
    w->pending = 0;
    ++w->issued;
    if (w->mode == ZP_WB_FLUSH) {
        pthread_mutex_lock(&w->mu);
        ++w->wanted;
        pthread_cond_signal(&w->cv);
        pthread_mutex_unlock(&w->mu);
    }
#ifdef SYNC_FILE_RANGE_WRITE
    else {
        /* whole file, start only: pages already under writeback are skipped, never waited on */
        (void)sync_file_range(w->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
    }
#endif
}

int64_t zp_wb_count(const zp_wb *w) { return w ? w->issued : 0; }

int64_t zp_wb_flushes(zp_wb *w)
{
    if (!w || !w->running) return 0;
    pthread_mutex_lock(&w->mu);
    const int64_t n = w->nflush;
    pthread_mutex_unlock(&w->mu);
    return n;
}

void zp_wb_close(zp_wb *w)
{
    if (!w) return;
    if (w->running) {
        pthread_mutex_lock(&w->mu);
        w->quit = 1;
        pthread_cond_signal(&w->cv);
        pthread_mutex_unlock(&w->mu);
        pthread_join(w->thread, NULL);
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
    }
    close(w->fd);
    free(w);
}
