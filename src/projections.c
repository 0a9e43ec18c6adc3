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

/* Counting bits fast: a 6-bit slice of the mask is spread into six 10-bit fields of one
 * uint64 (spread6[x] has field k = bit k of x), so one table load and one add count six
 * bits of a point at once. A field holds 1023 points, so runs are cut every 1023 points. */
enum { SPREAD_BITS = 10, SPREAD_RUN = (1 << SPREAD_BITS) - 1 };
_Static_assert(ZP_NBITS <= 12, "zp_acc_row counts the mask bits in two 6-bit slices");
static uint64_t spread6[64];

static void spread_init(void)
{
    if (spread6[63]) return;
    for (unsigned x = 0; x < 64; ++x) {
        uint64_t v = 0;
        for (int k = 0; k < 6; ++k) v |= (uint64_t)((x >> k) & 1u) << (SPREAD_BITS * k);
        spread6[x] = v;
    }
}

static inline void spread_add(uint64_t *dst, int64_t stride, int nb, uint64_t packed)
{
    for (int k = 0; k < nb; ++k) dst[k * stride] += (packed >> (SPREAD_BITS * k)) & SPREAD_RUN;
}

void zp_acc_row(zp_acc *a, int64_t base_mass, int64_t base_gql, int64_t n,
                const int64_t *const inner_ofs[ZP_MAX_PROJ], const uint16_t *mask,
                const float *flavour_chi2, const float *g2_pull)
{
    spread_init();
    const int nlo = ZP_NBITS < 6 ? ZP_NBITS : 6, nhi = ZP_NBITS - nlo;
    for (int64_t i = 0; i < n; i += SPREAD_RUN) {
        const int64_t e = n - i < SPREAD_RUN ? n : i + SPREAD_RUN;
        uint64_t lo = 0, hi = 0;
        for (int64_t j = i; j < e; ++j) {
            lo += spread6[mask[j] & 63u];
            hi += spread6[(mask[j] >> 6) & 63u];
        }
        spread_add(a->counts, 1, nlo, lo);
        spread_add(a->counts + 6, 1, nhi, hi);
    }
    a->npoints += (uint64_t)n;

    for (int p = 0; p < a->nproj; ++p) {
        const zp_proj_def *d = &a->def[p];
        const int64_t base = base_mass * d->stride[ZP_AX_MASS] + base_gql * d->stride[ZP_AX_GQL];
        const int64_t *ofs = inner_ofs[p];
        uint64_t *pc = a->pcount[p];
        double *pmf = a->pmin[p], *pmg = a->pmin[p] + d->ncell;
        const int64_t nc = d->ncell;
        /* Consecutive points of a row often share a cell (a reduced axis varies fastest):
         * count a run of them in registers and touch the cell's counters once. */
        for (int64_t i = 0; i < n;) {
            const int64_t o = ofs[i], cell = base + o;
            const int64_t e = n - i < SPREAD_RUN ? n : i + SPREAD_RUN;
            uint64_t lo = 0, hi = 0;
            double mf = pmf[cell], mg = pmg[cell];
            int64_t j = i;
            do {
                lo += spread6[mask[j] & 63u];
                hi += spread6[(mask[j] >> 6) & 63u];
                /* = fmin(mf, x): the minima are never NaN (they start at +inf) and a NaN x
                 * (flavour untested) compares false, so a minimum is over tested points only */
                const double f = (double)flavour_chi2[j];
                mf = f < mf ? f : mf;
                const double pg = (double)g2_pull[j], q = pg * pg;
                mg = q < mg ? q : mg;
                ++j;
            } while (j < e && ofs[j] == o);
            spread_add(pc + cell, nc, nlo, lo);
            spread_add(pc + 6 * nc + cell, nc, nhi, hi);
            pmf[cell] = mf;
            pmg[cell] = mg;
            i = j;
        }
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
