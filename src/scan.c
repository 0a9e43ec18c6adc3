#include "zpscan/scan.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_version.h>
#include <hdf5.h>

#include "zp_version.h"
#include "zpscan/config.h"
#include "zpscan/grid.h"
#include "zpscan/h5out.h"
#include "zpscan/kernels.h"
#include "zpscan/lhc.h"
#include "zpscan/lumi.h"
#include "zpscan/model.h"
#include "zpscan/pipe.h"
#include "zpscan/progress.h"
#include "zpscan/projections.h"
#include "zpscan/sched.h"

volatile sig_atomic_t zp_scan_stop_requested = 0;

uint64_t zp_fnv1a(uint64_t h, const void *buf, size_t len)
{
    const unsigned char *p = buf;
    for (size_t i = 0; i < len; ++i) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

#define FNV(h, x) ((h) = zp_fnv1a((h), &(x), sizeof(x)))

/* What the results depend on, field by field (never padding bytes or paths). */
static uint64_t fingerprint(const zp_config *c, const zp_grid *g, const zp_lumi_table *lt,
                            const zp_limit_table *lim)
{
    uint64_t h = ZP_FNV_INIT;
    int fv = ZP_FORMAT_VERSION;
    FNV(h, fv);
    /* the vocabulary: a build with other constraints does not resume this file */
    for (int b = 0; b < ZP_NBITS; ++b) h = zp_fnv1a(h, zp_bit_names[b], strlen(zp_bit_names[b]) + 1);
    for (int k = 0; k < ZP_NOBS; ++k) h = zp_fnv1a(h, zp_obs_names[k], strlen(zp_obs_names[k]) + 1);
    for (int d = 0; d < ZP_NAXES; ++d) {
        FNV(h, g->n[d]);
        FNV(h, g->tile[d]);
        h = zp_fnv1a(h, g->v[d], (size_t)g->n[d] * sizeof(double));
    }
    int lep = (int)c->lepton;
    FNV(h, lep);
    h = zp_fnv1a(h, &c->k, sizeof c->k); /* all doubles: no padding */
    const zp_flavour_data *f = &c->flavour;
    h = zp_fnv1a(h, f->have, sizeof f->have);
    h = zp_fnv1a(h, f->best, sizeof f->best);
    h = zp_fnv1a(h, f->lo1, sizeof f->lo1);
    h = zp_fnv1a(h, f->hi1, sizeof f->hi1);
    h = zp_fnv1a(h, f->lo2, sizeof f->lo2);
    h = zp_fnv1a(h, f->hi2, sizeof f->hi2);
    FNV(h, f->level);
    FNV(h, f->have_gauss2d);
    if (f->have_gauss2d) {
        h = zp_fnv1a(h, f->g2d_mean, sizeof f->g2d_mean);
        h = zp_fnv1a(h, f->g2d_cov, sizeof f->g2d_cov);
        FNV(h, f->g2d_chi2_max);
    }
    FNV(h, c->g2.central);
    FNV(h, c->g2.sigma);
    int rule = (int)c->g2.rule;
    FNV(h, rule);
    FNV(h, c->g2.nsigma);
    FNV(h, c->lhc.enabled);
    FNV(h, c->lhc.include_nu);
    FNV(h, c->lhc.extra_width);
    if (c->lhc.enabled) {
        FNV(h, lt->n);
        h = zp_fnv1a(h, lt->mass, (size_t)lt->n * sizeof(double));
        h = zp_fnv1a(h, lt->lumi_bs, (size_t)lt->n * sizeof(double));
        h = zp_fnv1a(h, lt->acc, (size_t)lt->n * sizeof(double));
        FNV(h, lt->sqrts);
        FNV(h, lim->nm);
        FNV(h, lim->nw);
        h = zp_fnv1a(h, lim->width, sizeof lim->width);
        h = zp_fnv1a(h, lim->mass, (size_t)lim->nm * sizeof(double));
        h = zp_fnv1a(h, lim->limit, (size_t)lim->nm * sizeof lim->limit[0]);
    }
    FNV(h, c->store_points);
    h = zp_fnv1a(h, c->store_obs, sizeof c->store_obs);
    FNV(h, c->combine);
    FNV(h, c->nproj);
    h = zp_fnv1a(h, c->proj, (size_t)c->nproj * sizeof c->proj[0]);
    return h;
}

/* All ranks learn the worst status; the rank that failed keeps its message. */
static zp_status agree(MPI_Comm comm, zp_status st)
{
    int in = (int)st, out = 0;
    if (MPI_Allreduce(&in, &out, 1, MPI_INT, MPI_MAX, comm) != MPI_SUCCESS) return ZP_EMPI;
    return (zp_status)out;
}

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

static int file_exists(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0;
}

/* After a failed write: say so when the file system is (nearly) full. */
/* The directory holding `path` ("." for a bare name, "/" for a file in the root). */
static void parent_dir(const char *path, char *dir, size_t len)
{
    snprintf(dir, len, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash) snprintf(dir, len, ".");
    else if (slash == dir) snprintf(dir, len, "/");
    else *slash = '\0';
}

static const char *disk_full_hint(const char *path)
{
    char dir[1100];
    parent_dir(path, dir, sizeof dir);
    struct statvfs vf;
    if (statvfs(dir, &vf) == 0 && (uint64_t)vf.f_bavail * vf.f_frsize < (4u << 20))
        return " (the file system is full)";
    return "";
}

/* Rank 0's pre-flight: what exists at the output, may we write there, is there room. */
typedef struct {
    int mode;              /* 0 new scan, 1 resume partial, 2 already complete */
} preflight;

/* "<file>: <what> (the file system is full)" in front of the recorded error */
static void io_error_prefix(const char *partial, const char *what)
{
    char pre[1200];
    snprintf(pre, sizeof pre, "%s: %s%s", partial, what, disk_full_hint(partial));
    zp_err_prefix(pre);
}

static zp_status check_output(const zp_config *c, const zp_scan_opts *o, const char *final,
                              const char *partial, uint64_t est, preflight *pf)
{
    pf->mode = 0;
    int fin = file_exists(final), part = file_exists(partial);
    if (o->resume) {
        if (part) {
            pf->mode = 1;
        } else if (fin) {
            int isz, complete;
            zp_h5_probe(final, &isz, &complete);
            if (isz && complete) {
                pf->mode = 2;
                return ZP_OK;
            }
            ZP_FAIL(ZP_EINPUT, "%s: exists but is not a complete zpscan result; nothing to resume", final);
        }
    } else if (!o->overwrite) {
        if (fin)
            ZP_FAIL(ZP_EINPUT, "%s: output exists (use --overwrite to replace it, --resume to continue)", final);
        if (part)
            ZP_FAIL(ZP_EINPUT, "%s: an interrupted scan is there (use --resume to continue it, --overwrite to start again)",
                    partial);
    }
    /* the directory must be writable */
    char dir[1100];
    parent_dir(final, dir, sizeof dir);
    if (access(dir, W_OK) != 0)
        ZP_FAIL(ZP_EINPUT, "%s: output directory %s is not writable: %s", final, dir, strerror(errno));
    if (pf->mode == 0 && !o->force) {
        struct statvfs vf;
        if (statvfs(dir, &vf) == 0) {
            uint64_t avail = (uint64_t)vf.f_bavail * (uint64_t)vf.f_frsize;
            if (est > avail)
                ZP_FAIL(ZP_ESPACE, "%s: the result needs about %.3g GB but %s has %.3g GB free "
                        "(shrink the grid or observables, or --force)", final, est / 1e9, dir, avail / 1e9);
        }
        if (c->max_output_bytes > 0 && est > c->max_output_bytes)
            ZP_FAIL(ZP_ESPACE, "%s: the result needs about %.3g GB, over [scan] max_output_bytes = %.3g GB "
                    "(or --force)", final, est / 1e9, (double)c->max_output_bytes / 1e9);
    }
    return ZP_OK;
}

typedef struct {
    int64_t cap;            /* points per tile buffer */
    int verdicts_only;      /* no stored observable beyond what projections need */
    int mask_per_row;       /* the mask buffer holds one row (nothing is written) */
    zp_mask *mask;
    float *obs[ZP_NOBS];    /* tile buffers for stored observables */
    float *scratch[ZP_NOBS];/* row buffers for the others */
    double *r, *v, *a;      /* inner block couplings */
} tile_bufs;

static void free_bufs(tile_bufs *b)
{
    free(b->mask);
    for (int k = 0; k < ZP_NOBS; ++k) { free(b->obs[k]); free(b->scratch[k]); }
    free(b->r); free(b->v); free(b->a);
    memset(b, 0, sizeof *b);
}

static zp_status alloc_bufs(tile_bufs *b, const zp_config *c, const zp_grid *g)
{
    memset(b, 0, sizeof *b);
    int64_t cap = 1, inner = 1;
    for (int d = 0; d < ZP_NAXES; ++d) cap *= g->tile[d];
    for (int d = ZP_AX_GQR; d < ZP_NAXES; ++d) inner *= g->tile[d];
    b->cap = cap;
    b->verdicts_only = 1;
    for (int k = 0; k < ZP_NOBS; ++k)
        if (c->store_points && c->store_obs[k] && !zp_obs[k].projected)
            b->verdicts_only = 0;
    /* projections only: nothing is written, so the mask lives one row at a time and the
     * memory per rank does not grow with the tile (or the grid) */
    b->mask_per_row = !c->store_points;
    int bad = !(b->mask = malloc((size_t)(b->mask_per_row ? inner : cap) * sizeof *b->mask));
    for (int k = 0; k < ZP_NOBS; ++k) {
        if (c->store_points && c->store_obs[k]) bad |= !(b->obs[k] = malloc((size_t)cap * sizeof(float)));
        else bad |= !(b->scratch[k] = malloc((size_t)inner * sizeof(float)));
    }
    bad |= !(b->r = malloc((size_t)inner * sizeof(double)));
    bad |= !(b->v = malloc((size_t)inner * sizeof(double)));
    bad |= !(b->a = malloc((size_t)inner * sizeof(double)));
    if (bad) {
        free_bufs(b);
        ZP_FAIL(ZP_ENOMEM, "tile buffers of %lld points do not fit in memory (set a smaller [scan] tile)",
                (long long)cap);
    }
    return ZP_OK;
}

/* Evaluate one tile into the buffers and the accumulator. */
static void compute_tile(const zp_grid *g, const zp_model *m, const zp_mass_slice *slices,
                         const int64_t st[ZP_NAXES], const int64_t ct[ZP_NAXES], tile_bufs *b, zp_acc *acc)
{
    const int64_t n_in = ct[2] * ct[3] * ct[4];
    int64_t i = 0;
    for (int64_t i2 = 0; i2 < ct[2]; ++i2)
        for (int64_t i3 = 0; i3 < ct[3]; ++i3)
            for (int64_t i4 = 0; i4 < ct[4]; ++i4, ++i) {
                b->r[i] = g->v[2][st[2] + i2];
                b->v[i] = g->v[3][st[3] + i3];
                b->a[i] = g->v[4][st[4] + i4];
            }
    for (int64_t im = 0; im < ct[0]; ++im)
        for (int64_t il = 0; il < ct[1]; ++il) {
            const int64_t off = (im * ct[1] + il) * n_in;
            zp_mask *mk = b->mask + (b->mask_per_row ? 0 : off);
            float *o[ZP_NOBS];
            for (int k = 0; k < ZP_NOBS; ++k) o[k] = b->obs[k] ? b->obs[k] + off : b->scratch[k];
            if (b->verdicts_only)
                zp_kernel_row_verdicts(m, &slices[st[0] + im], g->v[1][st[1] + il], b->r, b->v, b->a,
                                       n_in, mk, o);
            else
                zp_kernel_row(m, &slices[st[0] + im], g->v[1][st[1] + il], b->r, b->v, b->a, n_in,
                              mk, o);
            zp_acc_row(acc, st[0] + im, st[1] + il, st, ct, mk, o[ZP_OBS_FLAVOUR_CHI2], o[ZP_OBS_G2_PULL],
                       o[ZP_OBS_CHI2_TOTAL]);
        }
}

/* What a compute thread needs for a tile: the slot's buffers, the worker's accumulator. */
typedef struct {
    const zp_grid *g;
    const zp_model *m;
    const zp_mass_slice *slices;
    const int64_t *pending;
    tile_bufs *bufs; /* per slot */
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
    compute_tile(w->g, w->m, w->slices, stt, cnt, &w->bufs[slot], &w->acc[worker]);
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

zp_status zp_scan_run(MPI_Comm comm, const zp_scan_opts *o, zp_scan_result *res)
{
    memset(res, 0, sizeof *res);
    res->agreed = 1;
    int rank, nranks;
    ZP_MPI(MPI_Comm_rank(comm, &rank));
    ZP_MPI(MPI_Comm_size(comm, &nranks));
    double t0 = MPI_Wtime();

    zp_config *c = calloc(1, sizeof *c);
    zp_lumi_table *lt = calloc(1, sizeof *lt);
    zp_limit_table *lim = calloc(1, sizeof *lim);
    char *text = NULL;
    zp_grid g;
    memset(&g, 0, sizeof g);
    zp_model m;
    zp_mass_slice *slices = NULL;
    zp_acc total, *accs = NULL; /* accs: one per compute thread */
    memset(&total, 0, sizeof total);
    int nacc = 0, nslot = 0;    /* slots: tiles in flight (computing or being written) */
    zp_h5 h;
    memset(&h, 0, sizeof h);
    h.file = -1;
    int h_open = 0;
    uint8_t *done = NULL;
    int64_t *pending = NULL;
    tile_bufs *bufs = NULL; /* per slot */
    double *slot_dt = NULL;
    int64_t *slot_k = NULL;
    zp_pipe *pipe = NULL;
    zp_status st = ZP_OK;
    char final[1024], partial[1100];
    preflight pf = {0};

    /* ---- phase 1: rank 0 reads and validates everything, then broadcasts */
    if (!c || !lt || !lim) st = ZP_ENOMEM;
    if (rank == 0 && st == ZP_OK) {
        st = zp_config_load(o->input_path, c, &text);
        if (st == ZP_OK && o->output) snprintf(c->output_path, sizeof c->output_path, "%s", o->output);
        if (st == ZP_OK && !c->output_path[0])
            zp_err_set(st = ZP_EINPUT, "%s: [scan] output: no output file (give output = ... or -o)",
                       o->input_path);
        if (st == ZP_OK && c->lhc.enabled) {
            if (c->lhc.pdf_set[0]) {
                /* a luminosity table at exactly the scan's masses, from the named LHAPDF set */
                double *masses = NULL;
                int64_t nm = 0;
                st = zp_grid_axis_values(&c->axes[ZP_AX_MASS], "mass", &masses, &nm);
                if (st == ZP_OK && nm > ZP_LUMI_MAX_ROWS)
                    zp_err_set(st = ZP_EINPUT, "%s: [lhc] pdf_set: at most %d masses when the luminosities "
                               "are computed at start (make a table with zpscan-lumi)", o->input_path,
                               ZP_LUMI_MAX_ROWS);
                zp_lumi_cuts cuts = {c->lhc.pt_min, c->lhc.eta_max};
                if (st == ZP_OK)
                    st = zp_lumi_table_compute(c->lhc.pdf_set, c->lhc.pdf_member, c->k.sqrts, masses,
                                               (int)nm, &cuts, 1e-5, lt);
                free(masses);
            } else {
                st = zp_lumi_table_read(c->lhc.lumi_path, lt);
            }
            if (st == ZP_OK) st = zp_limit_table_read(c->lhc.limits_path, lim);
        }
    }
    st = agree(comm, st);
    if (st != ZP_OK) goto out;
    if ((st = bcast_bytes(comm, c, sizeof *c)) != ZP_OK) goto out_abort;
    if ((st = bcast_bytes(comm, lt, sizeof *lt)) != ZP_OK) goto out_abort;
    if ((st = bcast_bytes(comm, lim, sizeof *lim)) != ZP_OK) goto out_abort;
    if ((st = bcast_string(comm, rank, &text)) != ZP_OK) goto out_abort;
    if (o->progress_seconds >= 0) c->progress_seconds = o->progress_seconds;
    if (o->checkpoint_seconds >= 0) c->checkpoint_seconds = o->checkpoint_seconds;

    /* ---- phase 2: every rank builds the same grid, model and per-mass slices */
    /* compute threads per rank: the workers compute while this thread writes; with one, the
     * rank computes and writes in turn as it always did */
    int nthreads = o->threads > 0 ? o->threads : 1;
    if (o->threads <= 0 && (st = zp_pipe_auto_threads(comm, &nthreads)) != ZP_OK) goto out_abort;
    const int nworkers = nthreads > 1 ? nthreads : 0;
    nacc = nworkers ? nworkers : 1;
    nslot = nworkers ? nworkers + 1 : 1;
    st = zp_grid_build(c, &g);
    if (st == ZP_OK) st = zp_model_init(c, &m);
    if (st == ZP_OK) {
        slices = calloc((size_t)g.n[ZP_AX_MASS], sizeof *slices);
        if (!slices) zp_err_set(st = ZP_ENOMEM, "out of memory for %lld mass slices", (long long)g.n[0]);
    }
    for (int64_t i = 0; st == ZP_OK && i < g.n[ZP_AX_MASS]; ++i)
        st = zp_model_slice(&m, c, lt, lim, g.v[ZP_AX_MASS][i], &slices[i]);
    if (st == ZP_OK) {
        accs = calloc((size_t)nacc, sizeof *accs);
        bufs = calloc((size_t)nslot, sizeof *bufs);
        slot_dt = calloc((size_t)nslot, sizeof *slot_dt);
        slot_k = calloc((size_t)nslot, sizeof *slot_k);
        if (!accs || !bufs || !slot_dt || !slot_k) zp_err_set(st = ZP_ENOMEM, "out of memory for %d compute threads", nthreads);
    }
    for (int i = 0; st == ZP_OK && i < nacc; ++i) st = zp_acc_init(&accs[i], c, &g);
    /* every rank knows the projection layout (collective opens need it); only rank 0 fills it,
     * so only rank 0 allocates it */
    if (st == ZP_OK) st = zp_acc_init_shape(&total, c, &g, rank == 0);
    if (st == ZP_OK) {
        done = calloc((size_t)g.ntiles, 1);
        pending = malloc((size_t)g.ntiles * sizeof *pending);
        if (!done || !pending)
            zp_err_set(st = ZP_ENOMEM, "out of memory for the state of %lld tiles", (long long)g.ntiles);
    }
    for (int i = 0; st == ZP_OK && i < nslot; ++i) st = alloc_bufs(&bufs[i], c, &g);
    tile_work work = {&g, &m, slices, pending, bufs, accs, slot_dt};
    if (st == ZP_OK && zp_pipe_init(&pipe, nworkers, nslot, run_tile, &work) != ZP_OK) {
        zp_err_clear(); /* no threads to be had: this thread computes (the results are the same) */
        nthreads = 1;
        st = zp_pipe_init(&pipe, 0, nslot, run_tile, &work);
    }
    if (rank != 0 && st != ZP_OK) zp_err_clear(); /* identical on every rank: rank 0 reports it */
    st = agree(comm, st);
    if (st != ZP_OK) goto out;

    snprintf(final, sizeof final, "%s", c->output_path);
    snprintf(partial, sizeof partial, "%s.partial", c->output_path);
    snprintf(res->output, sizeof res->output, "%s", final);
    uint64_t fp = fingerprint(c, &g, lt, lim);
    uint64_t est = zp_h5_estimate_bytes(c, &g, &accs[0]);
    if (rank == 0) st = check_output(c, o, final, partial, est, &pf);
    st = agree(comm, st);
    if (st != ZP_OK) goto out;
    ZP_MPI(MPI_Bcast(&pf.mode, 1, MPI_INT, 0, comm));
    if (pf.mode == 2) {
        res->already_complete = 1;
        goto out;
    }
    if (rank == 0 && !o->quiet)
        printf("zpscan: %s: %lld points (%lld x %lld x %lld x %lld x %lld), %lld tiles of %lld x %lld x %lld x %lld x %lld, "
               "%d ranks x %d threads, about %.3g GB -> %s\n",
               o->input_path, (long long)g.npoints, (long long)g.n[0], (long long)g.n[1], (long long)g.n[2],
               (long long)g.n[3], (long long)g.n[4], (long long)g.ntiles, (long long)g.tile[0],
               (long long)g.tile[1], (long long)g.tile[2], (long long)g.tile[3], (long long)g.tile[4], nranks,
               nthreads, est / 1e9, final);
    if (o->dry_run) goto out;

    /* ---- phase 3: open or create the file (collective) */
    char binfo[512];
    zp_scan_build_info(binfo, sizeof binfo, "; ");
    char dinfo[4096];
    snprintf(dinfo, sizeof dinfo, "flavour fit: %s\ng-2: %s preset %s\nLHC luminosity table: %s (%s, member %d)\n"
             "LHC limits: %s\n%s", c->flavour.path, c->g2.path, c->g2.preset,
             c->lhc.enabled ? lt->path : "(LHC disabled)", lt->pdfset, lt->member,
             c->lhc.enabled ? lim->path : "(LHC disabled)", c->lhc.enabled ? lim->citation : "");
    zp_h5_meta meta = {.input_text = text, .zpscan_version = ZP_VERSION_STRING, .build_info = binfo,
                       .data_info = dinfo, .nranks = nranks};
    if (pf.mode == 1) {
        st = zp_h5_open_resume(comm, partial, c, &g, fp, &h, done, &total);
    } else {
        /* Lay the file out under a third name and give it the .partial name only once its
         * metadata is complete and flushed: a kill during creation leaves nothing that
         * --resume would mistake for a resumable scan. */
        char creating[1200];
        snprintf(creating, sizeof creating, "%s.creating", c->output_path);
        if (rank == 0) {
            if (o->overwrite) { remove(final); remove(partial); }
            remove(creating);
        }
        ZP_MPI(MPI_Barrier(comm));
        st = zp_h5_create(comm, creating, c, &g, &m, &accs[0], &meta, fp, &h);
        st = agree(comm, st);
        if (st == ZP_OK && rank == 0 && rename(creating, partial) != 0)
            zp_err_set(st = ZP_EIO, "%s: cannot rename to %s: %s", creating, partial, strerror(errno));
    }
    h_open = 1;
    st = agree(comm, st);
    if (st != ZP_OK) goto out;

    /* ---- phase 4: rank 0's plan: the tiles not yet on disk (sched.h shares them out) */
    int64_t npend = 0;
    if (rank == 0)
        for (int64_t t = 0; t < g.ntiles; ++t)
            if (!done[t]) pending[npend++] = t;
    ZP_MPI(MPI_Bcast(&npend, 1, MPI_INT64_T, 0, comm));
    if ((st = bcast_bytes(comm, pending, (size_t)npend * sizeof *pending)) != ZP_OK) goto out_abort;
    int64_t tiles_before = g.ntiles - npend;
    if (rank == 0 && !o->quiet && pf.mode == 1)
        printf("zpscan: resuming %s: %lld of %lld tiles already done\n", partial, (long long)tiles_before,
               (long long)g.ntiles);

    zp_progress prog;
    zp_progress_init(&prog, c->progress_seconds, g.ntiles, tiles_before, g.npoints, o->quiet || rank != 0);
    double t_setup = MPI_Wtime() - t0, t_comp = 0, t_write = 0, t_ckpt = 0, t_wait = 0, last_ckpt = MPI_Wtime();
    double tile_n = 0, tile_s1 = 0, tile_s2 = 0, tile_max = 0; /* per-tile compute times (jitter) */
    /* dynamic tile assignment within a node unless tile writes are collective (every rank must
     * then make one write call per round) or ZPSCAN_SCHEDULE=static */
    const char *sch_env = getenv("ZPSCAN_SCHEDULE");
    zp_sched sch;
    if ((st = zp_sched_init(&sch, comm, npend, h.tile_indep && !(sch_env && strcmp(sch_env, "static") == 0))) !=
        ZP_OK)
        goto out_abort;
    const int64_t rounds = sch.nrounds;
    int64_t ckpt_end = 0; /* pending[0 .. ckpt_end) are in the last checkpoint */
    int stopped = 0;
    /* slots in a ring: up to `depth` tiles are in flight, written in the order they were
     * taken (collective tile writes need every rank's calls in the same order) */
    const int depth = zp_pipe_workers(pipe) ? nslot : 1;
    int head = 0, inflight = 0;
    for (int64_t r = 0; r < rounds; ++r) {
        double tc = MPI_Wtime();
        int more = 1;
        for (;;) {
            while (more && inflight < depth) {
                const int64_t k = zp_sched_next(&sch, r);
                if (k == ZP_SCHED_END) {
                    more = 0;
                    break;
                }
                const int sl = (head + inflight++) % nslot;
                slot_k[sl] = k;
                slot_dt[sl] = 0;
                const double ta = MPI_Wtime();
                if (k >= 0) zp_pipe_submit(pipe, sl, k); /* no worker: computed here and now */
                t_comp += MPI_Wtime() - ta;
            }
            if (inflight == 0) break;
            const int sl = head;
            const int64_t k = slot_k[sl];
            const double ta = MPI_Wtime();
            zp_pipe_wait(pipe, sl);
            const double tb = MPI_Wtime();
            t_comp += tb - ta; /* with workers: the compute the writes could not hide */
            int64_t stt[ZP_NAXES] = {0}, cnt[ZP_NAXES];
            const int have = k >= 0;
            if (have) {
                zp_grid_tile_box(&g, pending[k], stt, cnt);
                const double dt = slot_dt[sl];
                tile_n += 1;
                tile_s1 += dt;
                tile_s2 += dt * dt;
                if (dt > tile_max) tile_max = dt;
            }
            st = zp_h5_write_tile(&h, stt, have ? cnt : NULL, bufs[sl].mask, bufs[sl].obs);
            if (st != ZP_OK) { /* a collective may have failed under us: only an abort is safe */
                io_error_prefix(partial, "writing tile data");
                goto out_abort;
            }
            tc = MPI_Wtime();
            t_write += tc - tb;
            head = (head + 1) % nslot;
            --inflight;
        }
        /* one small collective per round: stop requests and rank 0's checkpoint clock. (A
         * non-blocking MPI_Iallreduce completed a round later measured slower: without an
         * asynchronous progress thread it only advances inside MPI calls, so it added a round
         * of latency instead of hiding the wait.) The time in it is the lock-step loss. */
        int flags[2] = {zp_scan_stop_requested ? 1 : 0,
                        rank == 0 && tc - last_ckpt >= c->checkpoint_seconds ? 1 : 0};
        ZP_MPI(MPI_Allreduce(MPI_IN_PLACE, flags, 2, MPI_INT, MPI_MAX, comm));
        double td = MPI_Wtime();
        t_wait += td - tc;
        const int64_t rend = zp_sched_round_end(&sch, r);
        zp_progress_update(&prog, tiles_before + rend);
        if (flags[0] || flags[1] || r + 1 == rounds) {
            for (int64_t j = ckpt_end; j < rend; ++j) done[pending[j]] = 1;
            ckpt_end = rend;
            /* every tile of the round is written: the compute threads are idle */
            for (int i = 1; i < nacc; ++i) {
                zp_acc_merge(&accs[0], &accs[i]);
                zp_acc_zero(&accs[i]);
            }
            if ((st = zp_acc_reduce(&accs[0], &total, 0, comm)) != ZP_OK) goto out_abort;
            zp_acc_zero(&accs[0]);
            /* after the last round zp_h5_finish makes everything durable and marks the file
             * complete: a state slot there would cost three more flushes and a write of the
             * accumulators, to guard only the moments before `complete` is set (a kill then
             * resumes from the last periodic checkpoint instead) */
            const int last = r + 1 == rounds; /* (a stop request then changes nothing) */
            if (!last && (st = zp_h5_checkpoint(&h, done, &total)) != ZP_OK) {
                io_error_prefix(partial, "checkpoint");
                goto out_abort;
            }
            last_ckpt = MPI_Wtime();
            t_ckpt += last_ckpt - td;
            if (flags[0] && r + 1 < rounds) {
                stopped = 1;
                break;
            }
        }
    }
    if ((st = zp_sched_free(&sch)) != ZP_OK) goto out_abort;
    if (rounds == 0 && pf.mode == 1 && (st = zp_h5_checkpoint(&h, done, &total)) != ZP_OK) goto out_abort;

    /* ---- phase 5: record and finish */
    double tmax[5] = {t_comp, t_write, t_ckpt, t_wait, tile_max};
    ZP_MPI(MPI_Allreduce(MPI_IN_PLACE, tmax, 5, MPI_DOUBLE, MPI_MAX, comm));
    double tsum[3] = {tile_n, tile_s1, tile_s2};
    ZP_MPI(MPI_Allreduce(MPI_IN_PLACE, tsum, 3, MPI_DOUBLE, MPI_SUM, comm));
    const double tmean = tsum[0] > 0 ? tsum[1] / tsum[0] : 0;
    const double tvar = tsum[0] > 0 ? tsum[2] / tsum[0] - tmean * tmean : 0;
    const double tcv = tmean > 0 && tvar > 0 ? sqrt(tvar) / tmean : 0;
    char *record = NULL;
    int64_t computed = stopped ? ckpt_end : npend;
    zp_run_record rr = {
        .input = o->input_path, .output = final, .version = ZP_VERSION_STRING, .build = binfo,
        .nranks = nranks, .threads = nthreads, .npoints = g.npoints, .ntiles = g.ntiles, .tiles_before = tiles_before,
        .tiles_computed = computed, .complete = !stopped, .t_setup = t_setup, .t_compute = tmax[0],
        .t_write = tmax[1], .t_checkpoint = tmax[2], .t_wait = tmax[3], .t_total = MPI_Wtime() - t0,
        .t_finish = -1, .tile_mean = tmean, .tile_cv = tcv, .tile_max = tmax[4],
        .io_mode = h.collective_checked - 1, .counts = total.counts};
    if (rank == 0) record = zp_progress_record(&prog, &rr);
    if ((st = bcast_string(comm, rank, &record)) != ZP_OK) goto out_abort;
    if (stopped) {
        if (rank == 0 && !o->quiet)
            printf("zpscan: stopped by a signal after %lld of %lld tiles; %s is resumable (--resume)\n",
                   (long long)(tiles_before + computed), (long long)g.ntiles, partial);
        st = zp_h5_close(&h);
        h_open = 0;
        if (st != ZP_OK) goto out_abort;
        st = ZP_EINTR; /* agreed by all ranks: rank 0 alone says it */
        if (rank == 0) zp_err_set(st, "%s: interrupted by a signal; continue with --resume", partial);
        free(record);
        goto out;
    }
    if ((st = zp_h5_finish(&h, &accs[0], &total, record)) != ZP_OK) goto out_abort;
    st = zp_h5_close(&h);
    h_open = 0;
    if (st != ZP_OK) goto out_abort;
    if (rank == 0) {
        if (rename(partial, final) != 0) {
            zp_err_set(st = ZP_EIO, "%s: cannot rename to %s: %s", partial, final, strerror(errno));
        } else {
            char jpath[1200];
            snprintf(jpath, sizeof jpath, "%s.json", final);
            /* the sidecar also has the finish (results, flush, mark complete, rename), which the
             * record stored in the file cannot contain */
            rr.t_finish = MPI_Wtime() - t0 - rr.t_total;
            char *rec2 = zp_progress_record(&prog, &rr);
            FILE *jf = rec2 ? fopen(jpath, "w") : NULL;
            int bad = !jf || fputs(rec2, jf) < 0;
            if (jf && fclose(jf) != 0) bad = 1; /* closed on every path */
            if (bad) zp_err_set(st = ZP_EIO, "%s: cannot write the run record", jpath);
            if (!o->quiet)
                printf("zpscan: done: %s (%llu of %lld points pass all; %.2f s; record %s)\n", final,
                       (unsigned long long)total.counts[ZP_BIT_ALL], (long long)g.npoints,
                       MPI_Wtime() - t0, jpath);
            free(rec2);
        }
    }
    free(record);
    st = agree(comm, st);
    goto out;

out_abort:
    res->agreed = 0;
out:
    if (h_open && res->agreed) {
        zp_status cs = zp_h5_close(&h);
        if (st == ZP_OK) st = cs;
    }
    zp_pipe_free(pipe); /* waits for the tiles still computing (after an error) */
    for (int i = 0; bufs && i < nslot; ++i) free_bufs(&bufs[i]);
    free(bufs);
    free(slot_dt);
    free(slot_k);
    for (int i = 0; accs && i < nacc; ++i) zp_acc_free(&accs[i]);
    free(accs);
    free(done);
    free(pending);
    zp_acc_free(&total);
    free(slices);
    zp_grid_free(&g);
    free(text);
    free(lt);
    free(lim);
    free(c);
    return st;
}
