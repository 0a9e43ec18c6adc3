/* The 5-D grid: axis values, flat <-> 5-D index math, tile shapes.
 * Axis order is fixed (mass, gqL, gqR, gV, gA); gA varies fastest in memory and on disk. */
#ifndef ZPSCAN_GRID_H
#define ZPSCAN_GRID_H

#include <stdint.h>

#include "zpscan/config.h"

/* What a grid may cost before it is refused as input: its axis values, and its tiles (each
 * takes 8 + 1 bytes in the plan and 2 in the file's resume state). */
#define ZP_GRID_AXES_MAX_BYTES (1ull << 30)
#define ZP_GRID_MAX_TILES (INT64_C(1) << 27)
#include "zpscan/error.h"

typedef struct {
    int64_t n[ZP_NAXES];        /* points per axis */
    double *v[ZP_NAXES];        /* axis values, increasing */
    int64_t tile[ZP_NAXES];     /* tile extents */
    int64_t ntile[ZP_NAXES];    /* tiles per axis (ceil) */
    int64_t ntiles;             /* all tiles */
    int64_t npoints;            /* all points */
} zp_grid;

/* Points per tile when the input says tile = auto: grid/256, within these bounds. */
#define ZP_TILE_TARGET_POINTS (1 << 16)
#define ZP_TILE_MAX_POINTS (1 << 20)
/* At most this many points in a tile's inner (gqR, gV, gA) block: the row buffers. */
#define ZP_TILE_INNER_MAX (1 << 16)

/* Values of one axis from its spec (malloc'd). Errors name `name` (the axis). */
zp_status zp_grid_axis_values(const zp_axis_spec *s, const char *name, double **vals, int64_t *n);

/* Build the grid from the configuration; tile = 0 entries are chosen automatically. */
zp_status zp_grid_build(const zp_config *c, zp_grid *g);
void zp_grid_free(zp_grid *g);

/* Automatic tile: innermost axes whole (inner block at most ZP_TILE_INNER_MAX points),
 * outer axes grown until about `target` points. */
void zp_grid_auto_tile(const int64_t n[ZP_NAXES], int64_t target, int64_t tile[ZP_NAXES]);

/* Start and extent (clipped at the grid's edge) of tile `id` (tiles in C order). */
void zp_grid_tile_box(const zp_grid *g, int64_t id, int64_t start[ZP_NAXES], int64_t count[ZP_NAXES]);

/* Flat point index <-> 5-D index (C order). */
int64_t zp_grid_flat(const zp_grid *g, const int64_t idx[ZP_NAXES]);
void zp_grid_unflat(const zp_grid *g, int64_t flat, int64_t idx[ZP_NAXES]);

#endif
