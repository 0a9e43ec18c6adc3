/* One tile's evaluation: its buffers, and the rows of the tile through the kernels into the
 * buffers and an accumulator. No MPI, no I/O: what a compute thread runs. */
#ifndef ZPSCAN_TILE_H
#define ZPSCAN_TILE_H

#include <stdint.h>

#include "zpscan/config.h"
#include "zpscan/error.h"
#include "zpscan/grid.h"
#include "zpscan/model.h"
#include "zpscan/projections.h"

typedef struct {
    int64_t cap;            /* points per tile buffer */
    int verdicts_only;      /* no stored observable beyond what projections need */
    int mask_per_row;       /* the mask buffer holds one row (nothing is written) */
    zp_mask *mask;
    float *obs[ZP_NOBS];    /* tile buffers for stored observables (NULL: not stored) */
    float *scratch[ZP_NOBS];/* row buffers for the others */
    double *r, *v, *a;      /* inner block couplings */
} zp_tile_bufs;

/* Buffers for the largest tile of g with what c stores. */
zp_status zp_tile_bufs_alloc(zp_tile_bufs *b, const zp_config *c, const zp_grid *g);
void zp_tile_bufs_free(zp_tile_bufs *b);

/* Evaluate the tile whose box starts at st with extents ct into b and the accumulator. */
void zp_tile_compute(const zp_grid *g, const zp_model *m, const zp_mass_slice *slices,
                     const int64_t st[ZP_NAXES], const int64_t ct[ZP_NAXES], zp_tile_bufs *b, zp_acc *acc);

#endif
