/* zp_acc_row against a brute force, point by point: every axis pair (in both orders),
 * tiles of many shapes including the grid's edge tiles, lines of one point and lines longer
 * than the local lanes, more lines per cell than the uint16 local counters hold. Counts and
 * minima must be bit-identical. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "zpscan/config.h"
#include "zpscan/grid.h"
#include "zpscan/projections.h"

/* Deterministic random numbers (xorshift64*): the same points on every run. */
static uint64_t rng = 88172645463325252ULL;
static uint64_t rnd(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 2685821657736338717ULL;
}

typedef struct {
    zp_grid g;
    int64_t np;
    zp_mask *mask; /* the whole grid's points, C order */
    float *chi, *pull, *tot;
} points;

/* Random points with all 12 bits, NaN chi2 (untested flavour), negative and repeated
 * values, NaN and +-inf pulls, -0 pulls. No -0 chi2: which zero a minimum keeps depends on
 * the order points are visited in, and the kernel's chi2 (a sum of squares) is never -0.
 * The bits in `always` are set everywhere (a count reaching the local counters' limit). */
static void make_points(points *P, const int64_t n[ZP_NAXES], zp_mask always)
{
    memset(P, 0, sizeof *P);
    P->np = 1;
    for (int d = 0; d < ZP_NAXES; ++d) P->np *= (P->g.n[d] = n[d]);
    P->g.npoints = P->np;
    P->mask = malloc((size_t)P->np * sizeof *P->mask);
    P->chi = malloc((size_t)P->np * sizeof *P->chi);
    P->pull = malloc((size_t)P->np * sizeof *P->pull);
    P->tot = malloc((size_t)P->np * sizeof *P->tot);
    assert_non_null(P->tot);
    assert_non_null(P->mask);
    assert_non_null(P->chi);
    assert_non_null(P->pull);
    for (int64_t i = 0; i < P->np; ++i) {
        const uint64_t r = rnd();
        P->mask[i] = (zp_mask)((r & (((uint64_t)1 << ZP_NBITS) - 1)) | always);
        const unsigned k = (unsigned)(r >> 20) % 16;
        P->chi[i] = k < 3 ? NAN : k == 3 ? 0.0f : k == 4 ? 1.5f : k == 5 ? INFINITY
                                         : (float)((int64_t)(r >> 32) % 200001 - 100000) * 1e-3f;
        const unsigned t = (unsigned)(r >> 24) % 8; /* chi2_total: NaN where a term is untested */
        P->tot[i] = t < 2 ? NAN : t == 2 ? 0.0f : (float)((r >> 28) % 100003) * 1e-2f;
        const unsigned q = (unsigned)(r >> 40) % 32;
        P->pull[i] = q == 0 ? NAN : q == 1 ? -0.0f : q == 2 ? -INFINITY : q == 3 ? -2.5f : q == 4 ? 2.5f
                   : (float)((int64_t)(r >> 44) % 2000001 - 1000000) * 1e-5f;
    }
}

static void free_points(points *P)
{
    free(P->mask);
    free(P->chi);
    free(P->pull);
    free(P->tot);
}

static void init_acc(zp_acc *a, const points *P, int nproj, const int (*pairs)[2])
{
    static zp_config c;
    memset(&c, 0, sizeof c);
    strcpy(c.input_path, "test");
    c.nproj = nproj;
    for (int p = 0; p < nproj; ++p) { c.proj[p][0] = pairs[p][0]; c.proj[p][1] = pairs[p][1]; }
    assert_int_equal(zp_acc_init(a, &c, &P->g), ZP_OK);
}

/* The whole grid through zp_acc_row, tile by tile and row by row as compute_tile does. */
static void run_tiles(zp_acc *a, const points *P, const int64_t tile[ZP_NAXES])
{
    zp_grid g = P->g;
    g.ntiles = 1;
    for (int d = 0; d < ZP_NAXES; ++d) {
        g.tile[d] = tile[d];
        g.ntiles *= g.ntile[d] = (g.n[d] + tile[d] - 1) / tile[d];
    }
    const int64_t inner_max = tile[2] * tile[3] * tile[4];
    zp_mask *mk = malloc((size_t)inner_max * sizeof *mk);
    float *f = malloc((size_t)inner_max * sizeof *f), *q = malloc((size_t)inner_max * sizeof *q);
    float *tt = malloc((size_t)inner_max * sizeof *tt);
    for (int64_t t = 0; t < g.ntiles; ++t) {
        int64_t st[ZP_NAXES], ct[ZP_NAXES];
        zp_grid_tile_box(&g, t, st, ct);
        for (int64_t im = 0; im < ct[0]; ++im)
            for (int64_t il = 0; il < ct[1]; ++il) {
                int64_t i = 0, idx[ZP_NAXES] = {st[0] + im, st[1] + il};
                for (int64_t i2 = 0; i2 < ct[2]; ++i2)
                    for (int64_t i3 = 0; i3 < ct[3]; ++i3)
                        for (int64_t i4 = 0; i4 < ct[4]; ++i4, ++i) {
                            idx[2] = st[2] + i2; idx[3] = st[3] + i3; idx[4] = st[4] + i4;
                            const int64_t k = zp_grid_flat(&g, idx);
                            mk[i] = P->mask[k]; f[i] = P->chi[k]; q[i] = P->pull[k]; tt[i] = P->tot[k];
                        }
                zp_acc_row(a, st[0] + im, st[1] + il, st, ct, mk, f, q, tt);
            }
    }
    free(mk);
    free(f);
    free(q);
    free(tt);
}

/* Point by point: the cell from the grid indices, each bit counted, fmin over tested chi2
 * (NaN skipped), min of pull^2 in double. */
static void brute_force(zp_acc *a, const points *P)
{
    for (int64_t k = 0; k < P->np; ++k) {
        int64_t idx[ZP_NAXES];
        zp_grid_unflat(&P->g, k, idx);
        for (int b = 0; b < ZP_NBITS; ++b) a->counts[b] += (P->mask[k] >> b) & 1u;
        a->npoints++;
        for (int p = 0; p < a->nproj; ++p) {
            const zp_proj_def *d = &a->def[p];
            int64_t cell = 0;
            for (int ax = 0; ax < ZP_NAXES; ++ax) cell += idx[ax] * d->stride[ax];
            for (int b = 0; b < ZP_NBITS; ++b) a->pcount[p][b * d->ncell + cell] += (P->mask[k] >> b) & 1u;
            double *mf = &a->pmin[p][cell], *mg = &a->pmin[p][d->ncell + cell];
            if (!isnan(P->chi[k])) *mf = fmin(*mf, (double)P->chi[k]);
            const double q = (double)P->pull[k] * (double)P->pull[k];
            if (!isnan(q)) *mg = fmin(*mg, q);
            double *mt = &a->pmin[p][2 * d->ncell + cell];
            if (!isnan(P->tot[k])) *mt = fmin(*mt, (double)P->tot[k]);
        }
    }
}

static void assert_same(const zp_acc *x, const zp_acc *y, const char *what)
{
    if (memcmp(x->counts, y->counts, sizeof x->counts) || x->npoints != y->npoints) {
        print_error("%s: summary counts differ\n", what);
        fail();
    }
    for (int p = 0; p < x->nproj; ++p) {
        const int64_t nc = x->def[p].ncell;
        for (int64_t i = 0; i < ZP_NBITS * nc; ++i)
            if (x->pcount[p][i] != y->pcount[p][i]) {
                print_error("%s: %s count[%lld][%lld] = %llu, expected %llu\n", what, x->def[p].name,
                            (long long)(i / nc), (long long)(i % nc), (unsigned long long)x->pcount[p][i],
                            (unsigned long long)y->pcount[p][i]);
                fail();
            }
        /* bit patterns: -0 vs +0 or one NaN for another would be a difference too */
        for (int64_t i = 0; i < ZP_NPMIN * nc; ++i)
            if (memcmp(&x->pmin[p][i], &y->pmin[p][i], sizeof(double))) {
                print_error("%s: %s %s[%lld] = %.17g, expected %.17g\n", what, x->def[p].name,
                            zp_pmin_names[i / nc], (long long)(i % nc), x->pmin[p][i], y->pmin[p][i]);
                fail();
            }
    }
}

/* All 10 axis pairs, and the 10 reversed (gA then no longer the fastest cell axis). */
static int pairs_fwd[10][2], pairs_rev[10][2];
static void make_pairs(void)
{
    int k = 0;
    for (int A = 0; A < ZP_NAXES; ++A)
        for (int B = A + 1; B < ZP_NAXES; ++B, ++k) {
            pairs_fwd[k][0] = A; pairs_fwd[k][1] = B;
            pairs_rev[k][0] = B; pairs_rev[k][1] = A;
        }
}

static void check_grid(const int64_t n[ZP_NAXES], zp_mask always, const int64_t tiles[][ZP_NAXES], int ntiles)
{
    make_pairs();
    points P;
    make_points(&P, n, always);
    zp_acc want_f, want_r, want_0;
    init_acc(&want_f, &P, 10, pairs_fwd);
    init_acc(&want_r, &P, 10, pairs_rev);
    init_acc(&want_0, &P, 0, NULL);
    brute_force(&want_f, &P);
    brute_force(&want_r, &P);
    brute_force(&want_0, &P);
    for (int t = 0; t < ntiles; ++t) {
        char what[160];
        snprintf(what, sizeof what, "grid %lldx%lldx%lldx%lldx%lld, tile %lldx%lldx%lldx%lldx%lld",
                 (long long)n[0], (long long)n[1], (long long)n[2], (long long)n[3], (long long)n[4],
                 (long long)tiles[t][0], (long long)tiles[t][1], (long long)tiles[t][2],
                 (long long)tiles[t][3], (long long)tiles[t][4]);
        zp_acc got;
        init_acc(&got, &P, 10, pairs_fwd);
        run_tiles(&got, &P, tiles[t]);
        assert_same(&got, &want_f, what);
        zp_acc_free(&got);
        init_acc(&got, &P, 10, pairs_rev);
        run_tiles(&got, &P, tiles[t]);
        assert_same(&got, &want_r, what);
        zp_acc_free(&got);
        init_acc(&got, &P, 0, NULL); /* the summary alone */
        run_tiles(&got, &P, tiles[t]);
        assert_same(&got, &want_0, what);
        zp_acc_free(&got);
    }
    zp_acc_free(&want_f);
    zp_acc_free(&want_r);
    zp_acc_free(&want_0);
    free_points(&P);
}

/* Whole tiles, edge tiles on every axis, single points, gA of length 1, one-line rows. */
static void test_tile_shapes(void **state)
{
    (void)state;
    const int64_t n[ZP_NAXES] = {3, 4, 5, 6, 17};
    const int64_t tiles[][ZP_NAXES] = {
        {3, 4, 5, 6, 17}, {1, 1, 5, 6, 17}, {2, 3, 2, 4, 5},  {1, 1, 1, 1, 1}, {2, 2, 3, 5, 1},
        {1, 2, 1, 1, 17}, {1, 1, 1, 6, 16}, {1, 1, 4, 1, 9},  {2, 1, 5, 6, 3}, {3, 4, 1, 1, 1},
        {1, 3, 3, 1, 1},  {1, 1, 5, 6, 2},  {2, 4, 4, 5, 16},
    };
    check_grid(n, 0, tiles, (int)(sizeof tiles / sizeof tiles[0]));
}

/* Lines longer than the local lanes (512), with and without edge tiles. */
static void test_long_lines(void **state)
{
    (void)state;
    const int64_t n[ZP_NAXES] = {2, 2, 3, 2, 1100};
    const int64_t tiles[][ZP_NAXES] = {{2, 2, 3, 2, 1100}, {1, 1, 2, 1, 1100}, {1, 2, 3, 2, 600}, {2, 1, 1, 1, 513}};
    check_grid(n, 0, tiles, (int)(sizeof tiles / sizeof tiles[0]));
}

/* Rows of many lines longer than the lanes, as automatic tiles make them (1 x 1 x gqR x gV x gA
 * with gA of 600 values): cells of whole lines counted across them (the nibble lanes spilled
 * midway), columns of gA added up over many lines; edge tiles cut the lines and the columns. */
static void test_many_long_lines(void **state)
{
    (void)state;
    const int64_t n[ZP_NAXES] = {1, 2, 2, 40, 600};
    const int64_t tiles[][ZP_NAXES] = {{1, 1, 2, 40, 600}, {1, 2, 1, 40, 600}, {1, 1, 2, 17, 600},
                                       {1, 1, 2, 40, 301}, {1, 1, 1, 1, 600},  {1, 1, 2, 40, 47}};
    check_grid(n, 0, tiles, (int)(sizeof tiles / sizeof tiles[0]));
    const int64_t n2[ZP_NAXES] = {1, 1, 2, 20, 1100};
    const int64_t tiles2[][ZP_NAXES] = {{1, 1, 2, 20, 1100}, {1, 1, 1, 20, 1100}, {1, 1, 2, 7, 1025}};
    check_grid(n2, 1u << ZP_BIT_ALL | 1u << ZP_BIT_ALLOWED, tiles2, (int)(sizeof tiles2 / sizeof tiles2[0]));
    /* short lines (gA of 33 values, 16 and less in edge tiles), many of them per cell */
    const int64_t n3[ZP_NAXES] = {1, 2, 10, 128, 33};
    const int64_t tiles3[][ZP_NAXES] = {{1, 1, 10, 128, 33}, {1, 2, 3, 64, 33}, {1, 1, 10, 128, 16},
                                       {1, 1, 10, 128, 15}};
    check_grid(n3, 0, tiles3, (int)(sizeof tiles3 / sizeof tiles3[0]));
}

/* More lines sharing one cell than a uint16 local counter holds (65535): flushed midway;
 * two bits set in every point, so a lane's count would reach the limit. */
static void test_many_lines(void **state)
{
    (void)state;
    const int64_t n[ZP_NAXES] = {1, 1, 256, 257, 2};
    const int64_t tiles[][ZP_NAXES] = {{1, 1, 256, 257, 2}, {1, 1, 256, 257, 1}};
    check_grid(n, 1u << ZP_BIT_ALL | 1u << ZP_BIT_ALLOWED, tiles, (int)(sizeof tiles / sizeof tiles[0]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tile_shapes),
        cmocka_unit_test(test_long_lines),
        cmocka_unit_test(test_many_lines),
        cmocka_unit_test(test_many_long_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
