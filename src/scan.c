/* The scan driver: a sequence of phases over one state (inputs, setup, plan, open, rounds,
 * finish). Each phase returns a status agreed by all ranks, or, where a collective may have
 * failed under a rank, marks the result not agreed (only main's MPI_Abort is then safe). */
#include "zpscan/scan.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_version.h>
#include <hdf5.h>

#include "zp_version.h"
#include "zpscan/config.h"
#include "zpscan/env.h"
#include "zpscan/grid.h"
#include "zpscan/lock.h"
#include "zpscan/h5out.h"
#include "zpscan/lhc.h"
#include "zpscan/lumi.h"
#include "zpscan/model.h"
#include "zpscan/pipe.h"
#include "zpscan/preflight.h"
#include "zpscan/agree.h"
#include "zpscan/binned_slices.h"
#include "zpscan/progress.h"
#include "zpscan/projections.h"
#include "zpscan/sched.h"
#include "zpscan/tile.h"

volatile sig_atomic_t zp_scan_stop_requested = 0;

static zp_status bcast_bytes(MPI_Comm comm, void *buf, size_t len)
{
    /* split below the 2 GiB int limit */
    char *p = buf;
    while (len > 0) {
        int n = len > (1u << 30) ? (1 << 30) : (int)len;
        ZP_MPI(MPI_Bcast(p, n, MPI_BYTE, 0, comm));
        p += n;
        len -= (size_t)n;
    }
    return ZP_OK;
}

static zp_status bcast_string(MPI_Comm comm, int rank, char **s)
{
    uint64_t len = rank == 0 && *s ? strlen(*s) : 0;
    ZP_MPI(MPI_Bcast(&len, 1, MPI_UINT64_T, 0, comm));
    if (rank != 0) {
        *s = malloc(len + 1);
        if (!*s) ZP_FAIL(ZP_ENOMEM, "out of memory");
        (*s)[len] = '\0';
    }
    return bcast_bytes(comm, *s, len);
}

/* What a compute thread needs for a tile: the slot's buffers, the worker's accumulator. */
typedef struct {
    const zp_grid *g;
    const zp_model *m;
    const zp_mass_slice *slices;
    const int64_t *pending;
    zp_tile_bufs *bufs; /* per slot */
    zp_acc *acc;     /* per worker */
    double *dt;      /* per slot: compute seconds of its tile */
} tile_work;

static double now_s(void)
{
    /* not MPI_Wtime: under MPI_THREAD_FUNNELED the compute threads make no MPI call */
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void run_tile(void *ctx, int worker, int slot, int64_t k)
{
    tile_work *w = ctx;
    const double t = now_s();
    int64_t stt[ZP_NAXES], cnt[ZP_NAXES];
    zp_grid_tile_box(w->g, w->pending[k], stt, cnt);
    zp_tile_compute(w->g, w->m, w->slices, stt, cnt, &w->bufs[slot], &w->acc[worker]);
    w->dt[slot] = now_s() - t;
}

void zp_scan_build_info(char *buf, size_t len, const char *sep)
{
    unsigned maj, min, rel;
    H5get_libversion(&maj, &min, &rel);
    char mpiv[MPI_MAX_LIBRARY_VERSION_STRING];
    int ml = 0;
    MPI_Get_library_version(mpiv, &ml);
    char *nl = strchr(mpiv, '\n');
    if (nl) *nl = '\0';
    char *comma = strchr(mpiv, ',');
    if (comma) *comma = '\0';
    snprintf(buf, len, "compiler: gcc %s%sMPI: %s%sHDF5: %u.%u.%u (parallel)%sGSL: %s", __VERSION__, sep,
             mpiv, sep, maj, min, rel, sep, GSL_VERSION);
}

/* The limit table: its sizes and text as bytes, then its arrays (any size). */
static zp_status bcast_limits(MPI_Comm comm, int rank, zp_limit_table *t)
{
    zp_limit_table head = *t;
    ZP_TRY(bcast_bytes(comm, &head, sizeof head));
    if (rank != 0) {
        const int nm = head.nm, nw = head.nw;
        head.width = head.mass = head.limit = NULL;
        *t = head;
        if (nm > 0 || nw > 0) ZP_TRY(zp_limit_table_alloc(t, nm, nw)); /* ENOMEM: the ranks disagree */
    }
    if (t->nm > 0 && t->nw > 0) {
        ZP_TRY(bcast_bytes(comm, t->width, (size_t)t->nw * sizeof *t->width));
        ZP_TRY(bcast_bytes(comm, t->mass, (size_t)t->nm * sizeof *t->mass));
        ZP_TRY(bcast_bytes(comm, t->limit, (size_t)t->nm * (size_t)t->nw * sizeof *t->limit));
    }
    return ZP_OK;
}

/* Everything the phases share. */
typedef struct {
    MPI_Comm comm;
    const zp_scan_opts *o;
    zp_scan_result *res;
    int rank, nranks, nthreads;
    double t0;
    zp_config *c;
    zp_lumi_table *lt;
    zp_limit_table *lim;
    zp_spectra *sp;       /* the binned LHC method's spectra */
    zp_binned_stats bstat;
    char *text;
    zp_grid g;
    zp_model m;
    zp_mass_slice *slices;
    zp_acc total, *accs;  /* accs: one per compute thread */
    int nacc, nslot;      /* slots: tiles in flight (computing or being written) */
    zp_h5 h;
    int h_open;
    uint8_t *done;
    int64_t *pending, npend, tiles_before;
    zp_tile_bufs *bufs;   /* per slot */
    double *slot_dt;
    int64_t *slot_k;
    zp_pipe *pipe;
    tile_work work;
    char final[ZP_PATH_MAX], partial[ZP_PATH_MAX + 16], binfo[512];
    zp_out_mode mode;
    uint64_t fp, est;
    zp_lock lock;         /* rank 0: one writer per output */
    /* the rounds' outcome */
    zp_progress prog;
    double t_setup, t_comp, t_write, t_ckpt, t_wait, tile_n, tile_s1, tile_s2, tile_max;
    int64_t ckpt_end;     /* pending[0 .. ckpt_end) are in the last checkpoint */
    int stopped;
} scan_state;

/* a failure after which the ranks may disagree (a collective failed under one of them) */
static zp_status unagreed(scan_state *S, zp_status st)
{
    if (st != ZP_OK) S->res->agreed = 0;
    return st;
}
#define TRY_UNAGREED(S, expr)                                                                    \
    do {                                                                                         \
        zp_status st_ = (expr);                                                                  \
        if (st_ != ZP_OK) return unagreed((S), st_);                                             \
    } while (0)

/* Rank 0's part of phase 1: the input, its data files, the LHC tables. */
static zp_status load_inputs(scan_state *S)
{
    const zp_scan_opts *o = S->o;
    zp_config *c = S->c;
    ZP_TRY(zp_config_load(o->input_path, c, &S->text));
    if (o->output && strlen(o->output) >= sizeof c->output_path)
        ZP_FAIL(ZP_EINPUT, "-o: the output path has %zu characters, at most %zu are supported", strlen(o->output),
                sizeof c->output_path - 1);
    if (o->output) snprintf(c->output_path, sizeof c->output_path, "%s", o->output);
    if (!c->output_path[0])
        ZP_FAIL(ZP_EINPUT, "%s: [scan] output: no output file (give output = ... or -o)", o->input_path);
    if (!c->cc.lhc.enabled) return ZP_OK;
    if (c->cc.lhc.pdf_set[0]) {
        /* a luminosity table at exactly the scan's masses, from the named LHAPDF set */
        double *masses = NULL;
        int64_t nm = 0;
        zp_status st = zp_grid_axis_values(&c->axes[ZP_AX_MASS], "mass", &masses, &nm);
        if (st == ZP_OK && nm > ZP_LUMI_MAX_ROWS)
            zp_err_set(st = ZP_EINPUT, "%s: [lhc] pdf_set: at most %d masses when the luminosities "
                       "are computed at start (make a table with zpscan-lumi)", o->input_path, ZP_LUMI_MAX_ROWS);
        zp_lumi_cuts cuts = {c->cc.lhc.pt_min, c->cc.lhc.eta_max};
        if (st == ZP_OK)
            st = zp_lumi_table_compute(c->cc.lhc.pdf_set, c->cc.lhc.pdf_member, c->k.sqrts, masses, (int)nm, &cuts,
                                       1e-5, S->lt);
        free(masses);
        ZP_TRY(st);
    } else {
        ZP_TRY(zp_lumi_table_read(c->cc.lhc.lumi_path, S->lt));
        ZP_TRY(zp_lumi_table_unchanged(S->lt, c->k.sqrts, o->input_path)); /* checked by the input's read */
    }
    /* the binned method's limits come from the spectra: the fiducial table is neither read nor
     * part of the fingerprint (it stays empty) */
    if (c->cc.lhc.binned) {
        ZP_TRY(zp_spectra_read(c->cc.lhc.spectra, NULL, S->sp));
        /* the fingerprint holds the hash of the input check's read */
        return zp_spectra_unchanged(S->sp, c->cc.lhc.spectra_hash, o->input_path);
    }
    return zp_limit_table_read(c->cc.lhc.limits_path, S->lim);
}

/* Phase 1: rank 0 reads and validates everything, then broadcasts it. */
static zp_status phase_inputs(scan_state *S)
{
    zp_status st = ZP_OK;
    S->c = calloc(1, sizeof *S->c);
    S->lt = calloc(1, sizeof *S->lt);
    S->lim = calloc(1, sizeof *S->lim);
    S->sp = calloc(1, sizeof *S->sp);
    if (!S->c || !S->lt || !S->lim || !S->sp) st = ZP_ENOMEM;
    if (S->rank == 0 && st == ZP_OK) st = zp_env_check();
    if (S->rank == 0 && st == ZP_OK) st = load_inputs(S);
    ZP_TRY(zp_agree(S->comm, st));
    TRY_UNAGREED(S, bcast_bytes(S->comm, S->c, sizeof *S->c));
    TRY_UNAGREED(S, bcast_bytes(S->comm, S->lt, sizeof *S->lt));
    TRY_UNAGREED(S, bcast_limits(S->comm, S->rank, S->lim));
    if (S->c->cc.lhc.enabled && S->c->cc.lhc.binned) TRY_UNAGREED(S, bcast_bytes(S->comm, S->sp, sizeof *S->sp));
    TRY_UNAGREED(S, bcast_string(S->comm, S->rank, &S->text));
    if (S->o->progress_seconds >= 0) S->c->progress_seconds = S->o->progress_seconds;
    if (S->o->checkpoint_seconds >= 0) S->c->checkpoint_seconds = S->o->checkpoint_seconds;
    return ZP_OK;
}

/* Phase 2: every rank builds the same grid, model, per-mass slices, buffers and threads. */
static zp_status phase_setup(scan_state *S)
{
    /* compute threads per rank: the workers compute while this thread writes; with one, the
     * rank computes and writes in turn */
    S->nthreads = S->o->threads > 0 ? S->o->threads : 1;
    if (S->o->threads <= 0) TRY_UNAGREED(S, zp_pipe_auto_threads(S->comm, &S->nthreads));
    const int nworkers = S->nthreads > 1 ? S->nthreads : 0;
    S->nacc = nworkers ? nworkers : 1;
    S->nslot = nworkers ? nworkers + 1 : 1;
    const zp_config *c = S->c;
    zp_grid *g = &S->g;
    zp_status st = zp_grid_build(c, g);
    if (st == ZP_OK) st = zp_model_init(c, &S->m);
    if (st == ZP_OK && !(S->slices = calloc((size_t)g->n[ZP_AX_MASS], sizeof *S->slices)))
        zp_err_set(st = ZP_ENOMEM, "out of memory for %lld mass slices", (long long)g->n[0]);
    for (int64_t i = 0; st == ZP_OK && i < g->n[ZP_AX_MASS]; ++i)
        st = zp_model_slice(&S->m, c, S->lt, S->lim, g->v[ZP_AX_MASS][i], &S->slices[i]);
    if (st == ZP_OK && c->cc.lhc.enabled && c->cc.lhc.binned) { /* collective: every rank is here */
        st = zp_binned_slices(S->comm, c, S->lt, S->sp, g->v[ZP_AX_MASS], g->n[ZP_AX_MASS], S->slices, &S->bstat);
        if (st != ZP_OK) return unagreed(S, st);
    }
    if (st == ZP_OK) {
        S->accs = calloc((size_t)S->nacc, sizeof *S->accs);
        S->bufs = calloc((size_t)S->nslot, sizeof *S->bufs);
        S->slot_dt = calloc((size_t)S->nslot, sizeof *S->slot_dt);
        S->slot_k = calloc((size_t)S->nslot, sizeof *S->slot_k);
        if (!S->accs || !S->bufs || !S->slot_dt || !S->slot_k)
            zp_err_set(st = ZP_ENOMEM, "out of memory for %d compute threads", S->nthreads);
    }
    if (st == ZP_OK) {
        /* the projections' cells live in memory on every rank: refuse what cannot fit rather
         * than meet the OOM killer (half the node's memory is the budget of one rank) */
        const uint64_t need = zp_acc_bytes(c, g) * (uint64_t)(S->nacc + (S->rank == 0));
        const double phys = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE);
        if (phys > 0 && (double)need > 0.5 * phys)
            zp_err_set(st = ZP_EINPUT, "%s: [scan] projections: %.3g GB of projection cells per rank (%d "
                       "accumulators), more than half of this node's %.3g GB (project fewer or shorter axes)",
                       c->input_path, (double)need / 1e9, S->nacc + (S->rank == 0), phys / 1e9);
    }
    for (int i = 0; st == ZP_OK && i < S->nacc; ++i) st = zp_acc_init(&S->accs[i], c, g);
    /* every rank knows the projection layout (collective opens need it); only rank 0 fills it,
     * so only rank 0 allocates it */
    if (st == ZP_OK) st = zp_acc_init_shape(&S->total, c, g, S->rank == 0);
    if (st == ZP_OK) {
        S->done = calloc((size_t)g->ntiles, 1);
        S->pending = malloc((size_t)g->ntiles * sizeof *S->pending);
        if (!S->done || !S->pending)
            zp_err_set(st = ZP_ENOMEM, "out of memory for the state of %lld tiles", (long long)g->ntiles);
    }
    for (int i = 0; st == ZP_OK && i < S->nslot; ++i) st = zp_tile_bufs_alloc(&S->bufs[i], c, g);
    S->work = (tile_work){g, &S->m, S->slices, S->pending, S->bufs, S->accs, S->slot_dt};
    if (st == ZP_OK && zp_pipe_init(&S->pipe, nworkers, S->nslot, run_tile, &S->work) != ZP_OK) {
        zp_err_clear(); /* no threads to be had: this thread computes (the results are the same) */
        S->nthreads = 1;
        st = zp_pipe_init(&S->pipe, 0, S->nslot, run_tile, &S->work);
    }
    if (S->rank != 0 && st != ZP_OK) zp_err_clear(); /* identical on every rank: rank 0 reports it */
    return zp_agree(S->comm, st);
}

/* Phase 3: what is at the output, the fingerprint, the plan line. */
static zp_status phase_plan(scan_state *S)
{
    const zp_scan_opts *o = S->o;
    const zp_grid *g = &S->g;
    snprintf(S->final, sizeof S->final, "%s", S->c->output_path);
    snprintf(S->partial, sizeof S->partial, "%s.partial", S->c->output_path);
    snprintf(S->res->output, sizeof S->res->output, "%s", S->final);
    S->fp = zp_preflight_fingerprint(S->c, g, S->lt, S->lim);
    S->est = zp_h5_estimate_bytes(S->c, g, &S->accs[0]);
    zp_status st = ZP_OK;
    const zp_out_policy pol = {o->resume, o->overwrite, o->force};
    if (S->rank == 0) st = zp_preflight_output(S->c, &pol, S->final, S->partial, S->est, S->fp, &S->mode);
    /* a second writer (another scan to the same -o, a --resume while one runs) is refused */
    if (S->rank == 0 && st == ZP_OK && S->mode != ZP_OUT_COMPLETE && !o->dry_run) {
        st = zp_lock_acquire(&S->lock, S->final);
        /* what was decided before the lock may have changed under another writer: decide again */
        if (st == ZP_OK) st = zp_preflight_output(S->c, &pol, S->final, S->partial, S->est, S->fp, &S->mode);
    }
    ZP_TRY(zp_agree(S->comm, st));
    int mode = (int)S->mode;
    ZP_MPI(MPI_Bcast(&mode, 1, MPI_INT, 0, S->comm));
    S->mode = (zp_out_mode)mode;
    if (S->mode == ZP_OUT_COMPLETE) S->res->already_complete = 1;
    else if (S->rank == 0 && !o->quiet)
        printf("zpscan: %s: %lld points (%lld x %lld x %lld x %lld x %lld), %lld tiles of %lld x %lld x %lld x %lld x %lld, "
               "%d ranks x %d threads, about %.3g GB -> %s\n",
               o->input_path, (long long)g->npoints, (long long)g->n[0], (long long)g->n[1], (long long)g->n[2],
               (long long)g->n[3], (long long)g->n[4], (long long)g->ntiles, (long long)g->tile[0],
               (long long)g->tile[1], (long long)g->tile[2], (long long)g->tile[3], (long long)g->tile[4],
               S->nranks, S->nthreads, S->est / 1e9, S->final);
    return ZP_OK;
}

/* Phase 4: open the interrupted scan, or lay out a new file (collective). */
static zp_status phase_open(scan_state *S)
{
    const zp_config *c = S->c;
    zp_scan_build_info(S->binfo, sizeof S->binfo, "; ");
    char dinfo[4096];
    snprintf(dinfo, sizeof dinfo, "flavour fit: %s\ng-2: %s preset %s\nLHC luminosity table: %s (%s, member %d)\n"
             "LHC limits: %s\n%s", c->cc.flavour.path, c->cc.g2.path, c->cc.g2.preset,
             c->cc.lhc.enabled ? S->lt->path : "(LHC disabled)", S->lt->pdfset, S->lt->member,
             !c->cc.lhc.enabled ? "(LHC disabled)" : c->cc.lhc.binned ? "(binned method: from the spectra)" : S->lim->path,
             c->cc.lhc.enabled && !c->cc.lhc.binned ? S->lim->citation : "");
    zp_h5_meta meta = {.input_text = S->text, .zpscan_version = ZP_VERSION_STRING, .build_info = S->binfo,
                       .data_info = dinfo, .nranks = S->nranks};
    zp_status st;
    if (S->mode == ZP_OUT_RESUME) {
        st = zp_h5_open_resume(S->comm, S->partial, c, &S->g, S->fp, &S->h, S->done, &S->total);
        if (st == ZP_EIO || st == ZP_EMPI) zp_preflight_io_error(S->partial, "opening the interrupted scan");
    } else {
        /* Lay the file out under a third name and give it the .partial name only once its
         * metadata is complete and flushed: a kill during creation leaves nothing that
         * --resume would mistake for a resumable scan. */
        char creating[ZP_PATH_MAX + 16];
        snprintf(creating, sizeof creating, "%s.creating", c->output_path);
        if (S->rank == 0) {
            if (S->o->overwrite) { remove(S->final); remove(S->partial); }
            remove(creating);
        }
        ZP_MPI(MPI_Barrier(S->comm));
        st = zp_h5_create(S->comm, creating, c, &S->g, &S->m, &S->accs[0], &meta, S->fp, &S->h);
        if (st == ZP_EIO || st == ZP_EMPI) zp_preflight_io_error(creating, "creating the file");
        st = zp_agree(S->comm, st);
        if (st != ZP_OK && S->rank == 0) remove(creating); /* ours, and never resumable */
        if (st == ZP_OK && S->rank == 0 && rename(creating, S->partial) != 0)
            zp_err_set(st = ZP_EIO, "%s: cannot rename to %s: %s", creating, S->partial, strerror(errno));
    }
    S->h_open = 1;
    return zp_agree(S->comm, st);
}

/* Phase 5a: rank 0's plan, the tiles not yet on disk (sched.h shares them out). */
static zp_status plan_pending(scan_state *S)
{
    S->npend = 0;
    if (S->rank == 0)
        for (int64_t t = 0; t < S->g.ntiles; ++t)
            if (!S->done[t]) S->pending[S->npend++] = t;
    ZP_MPI(MPI_Bcast(&S->npend, 1, MPI_INT64_T, 0, S->comm));
    TRY_UNAGREED(S, bcast_bytes(S->comm, S->pending, (size_t)S->npend * sizeof *S->pending));
    S->tiles_before = S->g.ntiles - S->npend;
    if (S->rank == 0 && !S->o->quiet && S->mode == ZP_OUT_RESUME)
        printf("zpscan: resuming %s: %lld of %lld tiles already done\n", S->partial, (long long)S->tiles_before,
               (long long)S->g.ntiles);
    return ZP_OK;
}

/* Phase 5b, one round: take tiles, compute them (workers) and write them in order. */
static zp_status run_round(scan_state *S, zp_sched *sch, int64_t r, double *tc)
{
    const int depth = zp_pipe_workers(S->pipe) ? S->nslot : 1;
    int head = 0, inflight = 0, more = 1;
    /* slots in a ring: up to `depth` tiles are in flight, written in the order they were
     * taken (collective tile writes need every rank's calls in the same order) */
    for (;;) {
        while (more && inflight < depth) {
            const int64_t k = zp_sched_next(sch, r);
            if (k == ZP_SCHED_END) {
                more = 0;
                break;
            }
            const int sl = (head + inflight++) % S->nslot;
            S->slot_k[sl] = k;
            S->slot_dt[sl] = 0;
            const double ta = MPI_Wtime();
            if (k >= 0) zp_pipe_submit(S->pipe, sl, k); /* no worker: computed here and now */
            S->t_comp += MPI_Wtime() - ta;
        }
        if (inflight == 0) return ZP_OK;
        const int sl = head;
        const int64_t k = S->slot_k[sl];
        const double ta = MPI_Wtime();
        zp_pipe_wait(S->pipe, sl);
        const double tb = MPI_Wtime();
        S->t_comp += tb - ta; /* with workers: the compute the writes could not hide */
        int64_t stt[ZP_NAXES] = {0}, cnt[ZP_NAXES];
        const int have = k >= 0;
        if (have) {
            zp_grid_tile_box(&S->g, S->pending[k], stt, cnt);
            const double dt = S->slot_dt[sl];
            S->tile_n += 1;
            S->tile_s1 += dt;
            S->tile_s2 += dt * dt;
            if (dt > S->tile_max) S->tile_max = dt;
        }
        const zp_status st = zp_h5_write_tile(&S->h, stt, have ? cnt : NULL, S->bufs[sl].mask, S->bufs[sl].obs);
        if (st != ZP_OK) { /* a collective may have failed under us: only an abort is safe */
            zp_preflight_io_error(S->partial, "writing tile data");
            return unagreed(S, st);
        }
        *tc = MPI_Wtime();
        S->t_write += *tc - tb;
        head = (head + 1) % S->nslot;
        --inflight;
    }
}

/* Phase 5: the rounds, with a checkpoint when asked for, on time, and after the last. */
static zp_status phase_rounds(scan_state *S)
{
    ZP_TRY(plan_pending(S));
    const zp_config *c = S->c;
    zp_progress_init(&S->prog, c->progress_seconds, S->g.ntiles, S->tiles_before, S->g.npoints,
                     S->o->quiet || S->rank != 0);
    S->t_setup = MPI_Wtime() - S->t0;
    double last_ckpt = MPI_Wtime();
    /* dynamic tile assignment within a node unless tile writes are collective (every rank must
     * then make one write call per round) or ZPSCAN_SCHEDULE=static */
    const char *sch_env = getenv("ZPSCAN_SCHEDULE");
    zp_sched sch;
    TRY_UNAGREED(S, zp_sched_init(&sch, S->comm, S->npend,
                                  S->h.tile_indep && !(sch_env && strcmp(sch_env, "static") == 0)));
    const int64_t rounds = sch.nrounds;
    for (int64_t r = 0; r < rounds; ++r) {
        double tc = MPI_Wtime();
        TRY_UNAGREED(S, run_round(S, &sch, r, &tc));
        /* one small collective per round: stop requests and rank 0's checkpoint clock. (A
         * non-blocking MPI_Iallreduce completed a round later measured slower: without an
         * asynchronous progress thread it only advances inside MPI calls, so it added a round
         * of latency instead of hiding the wait.) The time in it is the lock-step loss. */
        int flags[2] = {zp_scan_stop_requested ? 1 : 0,
                        S->rank == 0 && tc - last_ckpt >= c->checkpoint_seconds ? 1 : 0};
        ZP_MPI(MPI_Allreduce(MPI_IN_PLACE, flags, 2, MPI_INT, MPI_MAX, S->comm));
        double td = MPI_Wtime();
        S->t_wait += td - tc;
        const int64_t rend = zp_sched_round_end(&sch, r);
        if (S->rank == 0) zp_lock_touch(&S->lock, td);
        zp_progress_update(&S->prog, S->tiles_before + rend);
        if (!(flags[0] || flags[1] || r + 1 == rounds)) continue;
        for (int64_t j = S->ckpt_end; j < rend; ++j) S->done[S->pending[j]] = 1;
        S->ckpt_end = rend;
        /* every tile of the round is written: the compute threads are idle */
        for (int i = 1; i < S->nacc; ++i) {
            zp_acc_merge(&S->accs[0], &S->accs[i]);
            zp_acc_zero(&S->accs[i]);
        }
        TRY_UNAGREED(S, zp_acc_reduce(&S->accs[0], &S->total, 0, S->comm));
        zp_acc_zero(&S->accs[0]);
        /* after the last round zp_h5_finish makes everything durable and marks the file
         * complete: a state slot there would cost three more flushes and a write of the
         * accumulators, to guard only the moments before `complete` is set (a kill then
         * resumes from the last periodic checkpoint instead) */
        const int last = r + 1 == rounds; /* (a stop request then changes nothing) */
        const zp_status st = last ? ZP_OK : zp_h5_checkpoint(&S->h, S->done, &S->total);
        if (st != ZP_OK) {
            zp_preflight_io_error(S->partial, "checkpoint");
            return unagreed(S, st);
        }
        last_ckpt = MPI_Wtime();
        S->t_ckpt += last_ckpt - td;
        if (flags[0] && !last) {
            S->stopped = 1;
            break;
        }
    }
    TRY_UNAGREED(S, zp_sched_free(&sch));
    if (rounds == 0 && S->mode == ZP_OUT_RESUME) TRY_UNAGREED(S, zp_h5_checkpoint(&S->h, S->done, &S->total));
    return ZP_OK;
}

/* Rank 0: the run record beside the result (it has the finish, which the record stored in the
 * file cannot contain). */
static zp_status write_sidecar(scan_state *S, zp_run_record *rr)
{
    char jpath[ZP_PATH_MAX + 16];
    snprintf(jpath, sizeof jpath, "%s.json", S->final);
    rr->t_finish = MPI_Wtime() - S->t0 - rr->t_total;
    char *rec = zp_progress_record(&S->prog, rr);
    /* never through a link planted at the name since the pre-flight check */
    const int fd = rec ? open(jpath, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644) : -1;
    FILE *jf = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (fd >= 0 && !jf) close(fd);
    int bad = !jf || fputs(rec, jf) < 0;
    if (jf && fclose(jf) != 0) bad = 1; /* closed on every path */
    free(rec);
    if (bad) ZP_FAIL(ZP_EIO, "%s: cannot write the run record", jpath);
    if (!S->o->quiet)
        printf("zpscan: done: %s (%llu of %lld points pass all; %.2f s; record %s)\n", S->final,
               (unsigned long long)S->total.counts[ZP_BIT_ALL], (long long)S->g.npoints, MPI_Wtime() - S->t0,
               jpath);
    return ZP_OK;
}

/* Phase 6: the run record, then either the stop (resumable) or the finish and the rename. */
static zp_status phase_finish(scan_state *S)
{
    double tmax[5] = {S->t_comp, S->t_write, S->t_ckpt, S->t_wait, S->tile_max};
    ZP_MPI(MPI_Allreduce(MPI_IN_PLACE, tmax, 5, MPI_DOUBLE, MPI_MAX, S->comm));
    double tsum[3] = {S->tile_n, S->tile_s1, S->tile_s2};
    ZP_MPI(MPI_Allreduce(MPI_IN_PLACE, tsum, 3, MPI_DOUBLE, MPI_SUM, S->comm));
    const double tmean = tsum[0] > 0 ? tsum[1] / tsum[0] : 0;
    const double tvar = tsum[0] > 0 ? tsum[2] / tsum[0] - tmean * tmean : 0;
    const double tcv = tmean > 0 && tvar > 0 ? sqrt(tvar) / tmean : 0;
    const int64_t computed = S->stopped ? S->ckpt_end : S->npend;
    zp_run_record rr = {
        .input = S->o->input_path, .output = S->final, .version = ZP_VERSION_STRING, .build = S->binfo,
        .nranks = S->nranks, .threads = S->nthreads, .npoints = S->g.npoints, .ntiles = S->g.ntiles,
        .tiles_before = S->tiles_before, .tiles_computed = computed, .complete = !S->stopped,
        .t_setup = S->t_setup, .t_compute = tmax[0], .t_write = tmax[1], .t_checkpoint = tmax[2],
        .t_wait = tmax[3], .t_total = MPI_Wtime() - S->t0, .t_finish = -1, .tile_mean = tmean, .tile_cv = tcv,
        .tile_max = tmax[4], .io_mode = S->h.collective_checked - 1, .counts = S->total.counts,
        .lhc_slices = S->bstat.slices, .lhc_wall = S->bstat.wall, .lhc_slice_mean = S->bstat.slice_mean,
        .lhc_slice_max = S->bstat.slice_max, .lhc_nodes_mean = S->bstat.nodes_mean};
    char *record = S->rank == 0 ? zp_progress_record(&S->prog, &rr) : NULL;
    zp_status st = bcast_string(S->comm, S->rank, &record);
    if (st == ZP_OK && !S->stopped) {
        st = zp_h5_finish(&S->h, &S->accs[0], &S->total, record);
        if (st == ZP_EIO || st == ZP_EMPI) zp_preflight_io_error(S->partial, "finishing the file");
    }
    free(record);
    TRY_UNAGREED(S, st);
    if (S->stopped && S->rank == 0 && !S->o->quiet)
        printf("zpscan: stopped by a signal after %lld of %lld tiles; %s is resumable (--resume)\n",
               (long long)(S->tiles_before + computed), (long long)S->g.ntiles, S->partial);
    S->h_open = 0;
    st = zp_h5_close(&S->h);
    if (st == ZP_EIO || st == ZP_EMPI) zp_preflight_io_error(S->partial, "closing the file");
    TRY_UNAGREED(S, st);
    if (S->stopped) {
        /* agreed by all ranks: rank 0 alone says it */
        if (S->rank == 0) zp_err_set(ZP_EINTR, "%s: interrupted by a signal; continue with --resume", S->partial);
        return ZP_EINTR;
    }
    st = ZP_OK;
    if (S->rank == 0) {
        if (rename(S->partial, S->final) != 0)
            zp_err_set(st = ZP_EIO, "%s: cannot rename to %s: %s", S->partial, S->final, strerror(errno));
        else
            st = write_sidecar(S, &rr);
    }
    return zp_agree(S->comm, st);
}

static void state_free(scan_state *S)
{
    zp_lock_release(&S->lock); /* rank 0, when it holds it */
    zp_pipe_free(S->pipe); /* waits for the tiles still computing (after an error) */
    for (int i = 0; S->bufs && i < S->nslot; ++i) zp_tile_bufs_free(&S->bufs[i]);
    free(S->bufs);
    free(S->slot_dt);
    free(S->slot_k);
    for (int i = 0; S->accs && i < S->nacc; ++i) zp_acc_free(&S->accs[i]);
    free(S->accs);
    free(S->done);
    free(S->pending);
    zp_acc_free(&S->total);
    for (int64_t i = 0; S->slices && i < S->g.n[ZP_AX_MASS]; ++i) zp_model_slice_free(&S->slices[i]);
    free(S->slices);
    zp_grid_free(&S->g);
    free(S->text);
    free(S->lt);
    if (S->lim) zp_limit_table_free(S->lim);
    free(S->sp);
    free(S->lim);
    free(S->c);
}

zp_status zp_scan_run(MPI_Comm comm, const zp_scan_opts *o, zp_scan_result *res)
{
    memset(res, 0, sizeof *res);
    res->agreed = 1;
    scan_state S;
    memset(&S, 0, sizeof S);
    S.comm = comm;
    S.o = o;
    S.res = res;
    S.h.file = -1;
    S.t0 = MPI_Wtime();
    ZP_MPI(MPI_Comm_rank(comm, &S.rank));
    ZP_MPI(MPI_Comm_size(comm, &S.nranks));
    zp_status st = phase_inputs(&S);
    if (st == ZP_OK) st = phase_setup(&S);
    if (st == ZP_OK) st = phase_plan(&S);
    if (st == ZP_OK && !res->already_complete && !o->dry_run) {
        st = phase_open(&S);
        if (st == ZP_OK) st = phase_rounds(&S);
        if (st == ZP_OK) st = phase_finish(&S);
    }
    if (S.h_open && res->agreed) {
        zp_status cs = zp_h5_close(&S.h);
        if (st == ZP_OK) st = cs;
    }
    state_free(&S);
    return st;
}
