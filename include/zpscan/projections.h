/* 2-D (per mass slice: 3-D) reductions of the verdicts during the scan, and the
 * summary counts. Accumulators are integer counts and minima, so merging them in any
 * order gives the same bits: results do not depend on the rank count. */
#ifndef ZPSCAN_PROJECTIONS_H
#define ZPSCAN_PROJECTIONS_H

#include <mpi.h>
#include <stdint.h>

#include "zpscan/config.h"
#include "zpscan/error.h"
#include "zpscan/grid.h"

enum { ZP_PMIN_FLAVOUR = 0, ZP_PMIN_G2, ZP_PMIN_TOTAL, ZP_NPMIN };
extern const char *const zp_pmin_names[ZP_NPMIN]; /* "flavour_chi2", "g2_chi2", "chi2_total" */

typedef struct {
    char name[64];          /* "gqL_gV" */
    int nkeep;              /* kept axes: (mass, A, B) or (A, B) when A or B is the mass */
    int axes[3];
    int64_t dims[3];
    int64_t ncell;
    int64_t stride[ZP_NAXES]; /* cell offset per unit step of each grid axis (0: reduced) */
    int64_t per_cell;       /* grid points that fall into one cell */
} zp_proj_def;

typedef struct {
    uint64_t counts[ZP_NBITS];           /* summary: points with each bit set */
    uint64_t npoints;                    /* points accumulated */
    int nproj;
    zp_proj_def def[ZP_MAX_PROJ];
    uint64_t *pcount[ZP_MAX_PROJ];       /* [ZP_NBITS][ncell] */
    double *pmin[ZP_MAX_PROJ];           /* [ZP_NPMIN][ncell], +inf where nothing finite */
} zp_acc;

zp_status zp_acc_init(zp_acc *a, const zp_config *c, const zp_grid *g);
/* Bytes of one accumulator's projection arrays (each compute thread has one, rank 0 one more). */
uint64_t zp_acc_bytes(const zp_config *c, const zp_grid *g);
/* with_arrays = 0: the projection shapes only (no counts or minima), for a rank that never
 * holds a total; zp_acc_zero and zp_acc_free accept it. */
zp_status zp_acc_init_shape(zp_acc *a, const zp_config *c, const zp_grid *g, int with_arrays);
void zp_acc_zero(zp_acc *a);
void zp_acc_free(zp_acc *a);

/* Accumulate one row of a tile: the points with mass index `mass` and gqL index `gql`
 * whose inner indices run over the block st[d] .. st[d] + ct[d] - 1 (d = gqR, gV, gA; st
 * and ct of the other axes are not used), in C order: point (i2, i3, i4) of the block is
 * at [(i2 * ct[ZP_AX_GV] + i3) * ct[ZP_AX_GA] + i4]. */
void zp_acc_row(zp_acc *a, int64_t mass, int64_t gql, const int64_t st[ZP_NAXES], const int64_t ct[ZP_NAXES],
                const zp_mask *mask, const float *flavour_chi2, const float *g2_pull,
                const float *chi2_total);

/* Add src's counts and take the minima into dst (same shape): the accumulators of a
 * rank's compute threads become one before the ranks reduce. */
void zp_acc_merge(zp_acc *dst, const zp_acc *src);

/* Sum/min the accumulators of all ranks into `total` on root (adding to what it holds). */
zp_status zp_acc_reduce(zp_acc *local, zp_acc *total, int root, MPI_Comm comm);

#endif
