#include "zpscan/grid.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Spread n points over [a, b] with both ends exact (no drift in the last point). */
static void fill_lin(double *v, int64_t n, double a, double b)
{
    if (n == 1) { v[0] = a; return; }
    for (int64_t i = 0; i < n; ++i) v[i] = a + (b - a) * ((double)i / (double)(n - 1));
    v[n - 1] = b;
}

zp_status zp_grid_axis_values(const zp_axis_spec *s, const char *name, double **vals, int64_t *n)
{
    int64_t cnt = 0;
    double *v = NULL;
    switch (s->spacing) {
    case ZP_SPACING_LIST:
        if (s->nlist < 1) ZP_FAIL(ZP_EINPUT, "axis %s: empty value list", name);
        cnt = s->nlist;
        v = malloc((size_t)cnt * sizeof *v);
        if (!v) ZP_FAIL(ZP_ENOMEM, "axis %s: out of memory", name);
        memcpy(v, s->list, (size_t)cnt * sizeof *v);
        break;
    case ZP_SPACING_LIN:
        if (s->n < 1 || !(s->min <= s->max) || (s->n == 1 && s->min != s->max))
            ZP_FAIL(ZP_EINPUT, "axis %s: need n >= 1, min <= max (min = max when n = 1)", name);
        cnt = s->n;
        v = malloc((size_t)cnt * sizeof *v);
        if (!v) ZP_FAIL(ZP_ENOMEM, "axis %s: %lld points do not fit in memory", name, (long long)cnt);
        fill_lin(v, cnt, s->min, s->max);
        break;
    case ZP_SPACING_LOG: {
        if (s->n < 1 || !(s->min > 0) || !(s->min <= s->max) || (s->n == 1 && s->min != s->max))
            ZP_FAIL(ZP_EINPUT, "axis %s: log axis needs 0 < min <= max and n >= 1", name);
        int both = s->sign == ZP_SIGN_BOTH;
        cnt = s->n * (both ? 2 : 1) + (s->include_zero ? 1 : 0);
        v = malloc((size_t)cnt * sizeof *v);
        double *mag = malloc((size_t)s->n * sizeof *mag);
        if (!v || !mag) { free(v); free(mag); ZP_FAIL(ZP_ENOMEM, "axis %s: out of memory", name); }
        fill_lin(mag, s->n, log(s->min), log(s->max));
        for (int64_t i = 0; i < s->n; ++i) mag[i] = exp(mag[i]);
        mag[0] = s->min;
        mag[s->n - 1] = s->max;
        int64_t k = 0;
        if (s->sign != ZP_SIGN_PLUS)
            for (int64_t i = s->n - 1; i >= 0; --i) v[k++] = -mag[i];
        if (s->include_zero) v[k++] = 0.0;
        if (s->sign != ZP_SIGN_MINUS)
            for (int64_t i = 0; i < s->n; ++i) v[k++] = mag[i];
        /* sign = - with include_zero puts 0 after the negatives: still increasing */
        free(mag);
        break;
    }
    default:
        ZP_FAIL(ZP_EINTERNAL, "axis %s: unknown spacing", name);
    }
    for (int64_t i = 1; i < cnt; ++i)
        if (!(v[i] > v[i - 1])) {
            free(v);
            ZP_FAIL(ZP_EINPUT, "axis %s: values must be strictly increasing (entry %lld)", name, (long long)i);
        }
    *vals = v;
    *n = cnt;
    return ZP_OK;
}

void zp_grid_auto_tile(const int64_t n[ZP_NAXES], int64_t target, int64_t tile[ZP_NAXES])
{
    /* The inner block (gqR, gV, gA) is what the kernel sweeps per row and what the row
     * buffers hold: cap it, so memory per rank does not grow with the grid; the outer
     * axes (mass, gqL) then grow the tile to the target. */
    const int64_t inner_cap = target < ZP_TILE_INNER_MAX ? target : ZP_TILE_INNER_MAX;
    int64_t prod = 1;
    for (int d = ZP_NAXES - 1; d >= 0; --d) {
        int64_t room = (d >= ZP_AX_GQR ? inner_cap : target) / prod;
        if (room < 1) room = 1;
        tile[d] = n[d] < room ? n[d] : room;
        /* balance: as few tiles along d as the room allows, all of (nearly) equal extent.
         * 128 values in tiles of 109 would make tiles of 109 and 19 points alternate, and
         * round-robin would give every large one to the same rank (measured: 2 ranks no
         * faster than 1); tiles of 64 also leave no padded edge chunk in the file. */
        const int64_t k = (n[d] + tile[d] - 1) / tile[d];
        tile[d] = (n[d] + k - 1) / k;
        prod *= tile[d];
    }
}

/* The number of values of an axis, without making them (0: the spec is invalid). */
static int64_t axis_count(const zp_axis_spec *s)
{
    switch (s->spacing) {
    case ZP_SPACING_LIST: return s->nlist;
    case ZP_SPACING_LIN: return s->n;
    case ZP_SPACING_LOG: return s->n * (s->sign == ZP_SIGN_BOTH ? 2 : 1) + (s->include_zero ? 1 : 0);
    }
    return 0;
}

/* Before anything is allocated: the axes' values and the point count must be representable
 * and fit the budget, or the input is refused at once with the numbers. */
static zp_status check_size(const zp_config *c)
{
    int64_t n[ZP_NAXES], values = 0, points = 1;
    int overflow = 0;
    for (int d = 0; d < ZP_NAXES; ++d) {
        n[d] = axis_count(&c->axes[d]);
        values += n[d];
        if (n[d] > 0 && points > INT64_MAX / n[d]) overflow = 1;
        else points *= n[d];
    }
    char dims[256];
    snprintf(dims, sizeof dims, "mass %lld x gqL %lld x gqR %lld x gV %lld x gA %lld", (long long)n[0],
             (long long)n[1], (long long)n[2], (long long)n[3], (long long)n[4]);
    if (overflow) ZP_FAIL(ZP_EINPUT, "%s: the grid (%s) has more than 2^63 points", c->input_path, dims);
    if ((uint64_t)values * sizeof(double) > ZP_GRID_AXES_MAX_BYTES)
        ZP_FAIL(ZP_EINPUT, "%s: the axes (%s) hold %lld values: %.3g GB for the values alone, at most %.3g GB",
                c->input_path, dims, (long long)values, (double)values * sizeof(double) / 1e9,
                ZP_GRID_AXES_MAX_BYTES / 1e9);
    return ZP_OK;
}

zp_status zp_grid_build(const zp_config *c, zp_grid *g)
{
    memset(g, 0, sizeof *g);
    ZP_TRY(check_size(c));
    for (int d = 0; d < ZP_NAXES; ++d) {
        zp_status st = zp_grid_axis_values(&c->axes[d], zp_axis_names[d], &g->v[d], &g->n[d]);
        if (st != ZP_OK) { zp_grid_free(g); return st; }
    }
    for (int64_t i = 0; i < g->n[ZP_AX_MASS]; ++i)
        if (!(g->v[ZP_AX_MASS][i] > 0)) {
            zp_grid_free(g);
            ZP_FAIL(ZP_EINPUT, "%s: [axis.mass]: masses must be > 0 GeV", c->input_path);
        }
    /* Bigger grids get bigger tiles (fewer collective rounds; measured: 61k-point tiles
     * wrote at half the speed of 307k-point ones), but at least ~256 tiles so many ranks
     * have work. Only the grid decides, never the rank count: resume needs the same tiles. */
    int64_t total = 1, autot[ZP_NAXES];
    for (int d = 0; d < ZP_NAXES; ++d) total = total > INT64_MAX / g->n[d] ? INT64_MAX : total * g->n[d];
    int64_t target = total / 256;
    if (target < ZP_TILE_TARGET_POINTS) target = ZP_TILE_TARGET_POINTS;
    if (target > ZP_TILE_MAX_POINTS) target = ZP_TILE_MAX_POINTS;
    zp_grid_auto_tile(g->n, target, autot);
    g->npoints = 1;
    g->ntiles = 1;
    for (int d = 0; d < ZP_NAXES; ++d) {
        int64_t t = c->tile[d] > 0 ? c->tile[d] : autot[d];
        if (t > g->n[d]) t = g->n[d];
        g->tile[d] = t;
        g->ntile[d] = (g->n[d] + t - 1) / t;
        if (g->npoints > INT64_MAX / g->n[d]) {
            zp_grid_free(g);
            ZP_FAIL(ZP_EINPUT, "%s: the grid has more than 2^63 points", c->input_path);
        }
        g->npoints *= g->n[d];
        g->ntiles *= g->ntile[d];
    }
    if (g->ntiles > ZP_GRID_MAX_TILES) {
        zp_grid_free(g);
        ZP_FAIL(ZP_EINPUT, "%s: %lld tiles of %lld x %lld x %lld x %lld x %lld points: the plan holds at most %lld "
                "(give a larger [scan] tile)", c->input_path, (long long)g->ntiles, (long long)g->tile[0],
                (long long)g->tile[1], (long long)g->tile[2], (long long)g->tile[3], (long long)g->tile[4],
                (long long)ZP_GRID_MAX_TILES);
    }
    return ZP_OK;
}

void zp_grid_free(zp_grid *g)
{
    for (int d = 0; d < ZP_NAXES; ++d) { free(g->v[d]); g->v[d] = NULL; }
}

void zp_grid_tile_box(const zp_grid *g, int64_t id, int64_t start[ZP_NAXES], int64_t count[ZP_NAXES])
{
    for (int d = ZP_NAXES - 1; d >= 0; --d) {
        int64_t td = id % g->ntile[d];
        id /= g->ntile[d];
        start[d] = td * g->tile[d];
        int64_t rest = g->n[d] - start[d];
        count[d] = rest < g->tile[d] ? rest : g->tile[d];
    }
}

int64_t zp_grid_flat(const zp_grid *g, const int64_t idx[ZP_NAXES])
{
    int64_t f = 0;
    for (int d = 0; d < ZP_NAXES; ++d) f = f * g->n[d] + idx[d];
    return f;
}

void zp_grid_unflat(const zp_grid *g, int64_t flat, int64_t idx[ZP_NAXES])
{
    for (int d = ZP_NAXES - 1; d >= 0; --d) {
        idx[d] = flat % g->n[d];
        flat /= g->n[d];
    }
}
