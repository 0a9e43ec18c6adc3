#include "zpscan/tile.h"

#include <stdlib.h>
#include <string.h>

#include "zpscan/kernels.h"

void zp_tile_bufs_free(zp_tile_bufs *b)
{
    free(b->mask);
    for (int k = 0; k < ZP_NOBS; ++k) { free(b->obs[k]); free(b->scratch[k]); }
    free(b->r); free(b->v); free(b->a);
    memset(b, 0, sizeof *b);
}

zp_status zp_tile_bufs_alloc(zp_tile_bufs *b, const zp_config *c, const zp_grid *g)
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
        zp_tile_bufs_free(b);
        ZP_FAIL(ZP_ENOMEM, "tile buffers of %lld points do not fit in memory (set a smaller [scan] tile)",
                (long long)cap);
    }
    return ZP_OK;
}

void zp_tile_compute(const zp_grid *g, const zp_model *m, const zp_mass_slice *slices,
                     const int64_t st[ZP_NAXES], const int64_t ct[ZP_NAXES], zp_tile_bufs *b, zp_acc *acc)
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

