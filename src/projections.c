#include "zpscan/projections.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const zp_pmin_names[ZP_NPMIN] = {"flavour_chi2", "g2_chi2"};

zp_status zp_acc_init(zp_acc *a, const zp_config *c, const zp_grid *g)
{
    memset(a, 0, sizeof *a);
    a->nproj = c->nproj;
    for (int p = 0; p < c->nproj; ++p) {
        zp_proj_def *d = &a->def[p];
        int A = c->proj[p][0], B = c->proj[p][1];
        if (A == B || A < 0 || B < 0 || A >= ZP_NAXES || B >= ZP_NAXES)
            ZP_FAIL(ZP_EINPUT, "%s: [scan] projections: bad axis pair", c->input_path);
        snprintf(d->name, sizeof d->name, "%s_%s", zp_axis_names[A], zp_axis_names[B]);
        d->nkeep = 0;
        if (A != ZP_AX_MASS && B != ZP_AX_MASS) d->axes[d->nkeep++] = ZP_AX_MASS;
        d->axes[d->nkeep++] = A;
        d->axes[d->nkeep++] = B;
        d->ncell = 1;
        for (int k = d->nkeep - 1; k >= 0; --k) {
            d->dims[k] = g->n[d->axes[k]];
            d->stride[d->axes[k]] = d->ncell;
            d->ncell *= d->dims[k];
        }
        d->per_cell = g->npoints / d->ncell;
        a->pcount[p] = calloc((size_t)(ZP_NBITS * d->ncell), sizeof(uint64_t));
        a->pmin[p] = malloc((size_t)(ZP_NPMIN * d->ncell) * sizeof(double));
        if (!a->pcount[p] || !a->pmin[p]) {
            zp_acc_free(a);
            ZP_FAIL(ZP_ENOMEM, "projection %s: %lld cells do not fit in memory", d->name,
                    (long long)d->ncell);
        }
    }
    zp_acc_zero(a);
    return ZP_OK;
}

void zp_acc_zero(zp_acc *a)
{
    memset(a->counts, 0, sizeof a->counts);
    a->npoints = 0;
    for (int p = 0; p < a->nproj; ++p) {
        memset(a->pcount[p], 0, (size_t)(ZP_NBITS * a->def[p].ncell) * sizeof(uint64_t));
        for (int64_t i = 0; i < ZP_NPMIN * a->def[p].ncell; ++i) a->pmin[p][i] = INFINITY;
    }
}

void zp_acc_free(zp_acc *a)
{
    for (int p = 0; p < ZP_MAX_PROJ; ++p) {
        free(a->pcount[p]);
        free(a->pmin[p]);
        a->pcount[p] = NULL;
        a->pmin[p] = NULL;
    }
}

/* zp_acc_row sees a row as lines of points along the fastest axis (gA, or the next one
 * when gA has one value in the tile). For one projection, the lines that differ only in
 * reduced axes fall into the same cells lane by lane, so they are first added up lane by
 * lane ("vertically") into small local counters that the compiler vectorises over the
 * lanes; the local counters then go into the projection's cells once per group of lines,
 * summed over the lanes when the line axis itself is reduced. */
enum {
    LANES = 512,             /* lanes of a line handled at once: the locals stay in L1 */
    LINES_MAX = UINT16_MAX,  /* lines added into the uint16 local counters between flushes */
};

typedef struct {
    uint16_t cnt[ZP_NBITS][LANES]; /* points with bit b set, per lane */
    float mf[LANES];               /* minimum flavour chi2 (NaN: untested, skipped) */
    float mg[LANES];               /* minimum |g2 pull|; its square is the g2 chi2 */
} lane_acc;

static void lane_zero(lane_acc *L, int n)
{
    for (int b = 0; b < ZP_NBITS; ++b) memset(L->cnt[b], 0, (size_t)n * sizeof L->cnt[b][0]);
    for (int j = 0; j < n; ++j) L->mf[j] = L->mg[j] = INFINITY;
}

/* One line of n points into the lanes. The minima are taken in float: float -> double is
 * exact and monotonic, so min-then-convert equals the double minimum of the converted
 * values, and (double)p * (double)p is exact, so min |p| squared is min p^2. `x < m ? x : m`
 * skips a NaN x (it compares false); the locals start at +inf and are never NaN. */
static void lane_add(lane_acc *restrict L, const uint16_t *restrict mask, const float *restrict chi,
                     const float *restrict pull, int n)
{
    for (int b = 0; b < ZP_NBITS; ++b) {
        uint16_t *restrict c = L->cnt[b];
        for (int j = 0; j < n; ++j) c[j] += (uint16_t)((mask[j] >> b) & 1u);
    }
    for (int j = 0; j < n; ++j) {
        const float f = chi[j], a = fabsf(pull[j]);
        L->mf[j] = f < L->mf[j] ? f : L->mf[j];
        L->mg[j] = a < L->mg[j] ? a : L->mg[j];
    }
}

/* Minimum of n floats (none NaN): vertical over 16 lanes, so it vectorises. */
static float lane_min(const float *x, int n)
{
    float r[16];
    for (int k = 0; k < 16; ++k) r[k] = INFINITY;
    int j = 0;
    for (; j + 16 <= n; j += 16)
        for (int k = 0; k < 16; ++k) r[k] = x[j + k] < r[k] ? x[j + k] : r[k];
    for (; j < n; ++j) r[0] = x[j] < r[0] ? x[j] : r[0];
    float m = r[0];
    for (int k = 1; k < 16; ++k) m = r[k] < m ? r[k] : m;
    return m;
}

static inline double dmin(double x, double m) { return x < m ? x : m; }

/* Where a projection's flush goes: nc cells per bit plane, or only the summary (pc NULL). */
typedef struct {
    uint64_t *pc;
    double *pmf, *pmg;
    int64_t nc;
    uint64_t *sum;  /* per-bit totals added here too (the summary counts), or NULL */
} flush_dst;

/* The lanes into cells cell + j*sl (sl = 0: the line axis is reduced, all into `cell`). */
static void lane_flush(const lane_acc *L, int n, const flush_dst *d, int64_t cell, int64_t sl)
{
    for (int b = 0; b < ZP_NBITS; ++b) {
        const uint16_t *c = L->cnt[b];
        uint64_t *pc = d->pc ? d->pc + b * d->nc + cell : NULL;
        if (sl == 0 || d->sum) {
            uint64_t s = 0;
            for (int j = 0; j < n; ++j) s += c[j];
            if (d->sum) d->sum[b] += s;
            if (pc && sl == 0) *pc += s;
        }
        if (pc && sl == 1)
            for (int j = 0; j < n; ++j) pc[j] += c[j];
        else if (pc && sl > 1)
            for (int j = 0; j < n; ++j) pc[j * sl] += c[j];
    }
    if (!d->pc) return;
    if (sl == 0) {
        const double g = lane_min(L->mg, n);
        d->pmf[cell] = dmin(lane_min(L->mf, n), d->pmf[cell]);
        d->pmg[cell] = dmin(g * g, d->pmg[cell]);
    } else {
        for (int j = 0; j < n; ++j) {
            const int64_t i = cell + j * sl;
            const double g = L->mg[j];
            d->pmf[i] = dmin(L->mf[j], d->pmf[i]);
            d->pmg[i] = dmin(g * g, d->pmg[i]);
        }
    }
}

/* One projection (or the summary alone) over a block of lines: line (i0, i1) holds points
 * ((i0*c[1] + i1)*c[2] + j), j < c[2], which fall into cells cell0 + i0*s[0] + i1*s[1] + j*s[2]. */
static void acc_block(lane_acc *L, const int64_t c[3], const int64_t s[3], const flush_dst *d, int64_t cell0,
                      const uint16_t *mask, const float *chi, const float *pull)
{
    /* the kept line axes outside, the reduced ones inside: a group of lines sharing cells */
    int64_t kc[2] = {1, 1}, ks[2] = {0, 0}, kl[2] = {0, 0}, rc[2] = {1, 1}, rl[2] = {0, 0};
    int nk = 0, nr = 0;
    for (int k = 0; k < 2; ++k) {
        const int64_t lstride = k == 0 ? c[1] : 1; /* lines per step of line axis k */
        if (s[k] != 0) { kc[nk] = c[k]; ks[nk] = s[k]; kl[nk++] = lstride; }
        else { rc[nr] = c[k]; rl[nr++] = lstride; }
    }
    for (int64_t k0 = 0; k0 < kc[0]; ++k0)
        for (int64_t k1 = 0; k1 < kc[1]; ++k1) {
            const int64_t line0 = k0 * kl[0] + k1 * kl[1], cell = cell0 + k0 * ks[0] + k1 * ks[1];
            for (int64_t j0 = 0; j0 < c[2]; j0 += LANES) {
                const int n = (int)(c[2] - j0 < LANES ? c[2] - j0 : LANES);
                lane_zero(L, n);
                int nl = 0;
                for (int64_t r0 = 0; r0 < rc[0]; ++r0)
                    for (int64_t r1 = 0; r1 < rc[1]; ++r1) {
                        const int64_t o = (line0 + r0 * rl[0] + r1 * rl[1]) * c[2] + j0;
                        lane_add(L, mask + o, chi + o, pull + o, n);
                        if (++nl == LINES_MAX) { /* the uint16 lanes are full */
                            lane_flush(L, n, d, cell + j0 * s[2], s[2]);
                            lane_zero(L, n);
                            nl = 0;
                        }
                    }
                if (nl) lane_flush(L, n, d, cell + j0 * s[2], s[2]);
            }
        }
}

void zp_acc_row(zp_acc *a, int64_t mass, int64_t gql, const int64_t st[ZP_NAXES], const int64_t ct[ZP_NAXES],
                const uint16_t *mask, const float *flavour_chi2, const float *g2_pull)
{
    lane_acc L;
    /* The block's lines run along its last axis with more than one point (axes of one point
     * only add to the base cell): (gqR, gV, gA) = (1, 1, n) when only gA varies. */
    int64_t c[3] = {1, 1, 1}, ax[3] = {-1, -1, -1};
    for (int d = ZP_AX_GA, k = 2; d >= ZP_AX_GQR; --d)
        if (ct[d] > 1) { c[k] = ct[d]; ax[k--] = d; }
    a->npoints += (uint64_t)(c[0] * c[1] * c[2]);
    if (a->nproj == 0) { /* the summary alone: every line into one "cell" */
        const int64_t s[3] = {0, 0, 0};
        const flush_dst d = {.sum = a->counts};
        acc_block(&L, c, s, &d, 0, mask, flavour_chi2, g2_pull);
        return;
    }
    for (int p = 0; p < a->nproj; ++p) {
        const zp_proj_def *def = &a->def[p];
        int64_t s[3], cell0 = mass * def->stride[ZP_AX_MASS] + gql * def->stride[ZP_AX_GQL];
        for (int d = ZP_AX_GQR; d < ZP_NAXES; ++d) cell0 += st[d] * def->stride[d];
        for (int k = 0; k < 3; ++k) s[k] = ax[k] < 0 ? 0 : def->stride[ax[k]];
        const flush_dst d = {.pc = a->pcount[p], .pmf = a->pmin[p], .pmg = a->pmin[p] + def->ncell,
                             .nc = def->ncell, .sum = p == 0 ? a->counts : NULL};
        acc_block(&L, c, s, &d, cell0, mask, flavour_chi2, g2_pull);
    }
}

zp_status zp_acc_reduce(zp_acc *local, zp_acc *total, int root, MPI_Comm comm)
{
    int rank;
    ZP_MPI(MPI_Comm_rank(comm, &rank));
    uint64_t cbuf[ZP_NBITS + 1];
    memcpy(cbuf, local->counts, sizeof local->counts);
    cbuf[ZP_NBITS] = local->npoints;
    uint64_t cres[ZP_NBITS + 1];
    ZP_MPI(MPI_Reduce(cbuf, cres, ZP_NBITS + 1, MPI_UINT64_T, MPI_SUM, root, comm));
    if (rank == root) {
        for (int b = 0; b < ZP_NBITS; ++b) total->counts[b] += cres[b];
        total->npoints += cres[ZP_NBITS];
    }
    for (int p = 0; p < local->nproj; ++p) {
        const int64_t nc = local->def[p].ncell;
        /* root reduces in place into its local buffer, then merges that into total */
        /* counts above 2^31 elements would overflow the int count: chunk the calls */
        const int64_t step = 1 << 28;
        for (int64_t off = 0; off < ZP_NBITS * nc; off += step) {
            int len = (int)(ZP_NBITS * nc - off < step ? ZP_NBITS * nc - off : step);
            ZP_MPI(MPI_Reduce(rank == root ? MPI_IN_PLACE : (void *)(local->pcount[p] + off),
                              local->pcount[p] + off, len, MPI_UINT64_T, MPI_SUM, root, comm));
        }
        for (int64_t off = 0; off < ZP_NPMIN * nc; off += step) {
            int len = (int)(ZP_NPMIN * nc - off < step ? ZP_NPMIN * nc - off : step);
            ZP_MPI(MPI_Reduce(rank == root ? MPI_IN_PLACE : (void *)(local->pmin[p] + off),
                              local->pmin[p] + off, len, MPI_DOUBLE, MPI_MIN, root, comm));
        }
        if (rank == root) {
            for (int64_t i = 0; i < ZP_NBITS * nc; ++i) total->pcount[p][i] += local->pcount[p][i];
            for (int64_t i = 0; i < ZP_NPMIN * nc; ++i)
                total->pmin[p][i] = fmin(total->pmin[p][i], local->pmin[p][i]);
        }
    }
    return ZP_OK;
}
