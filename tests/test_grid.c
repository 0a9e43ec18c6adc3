/* Axis generation, index math and tiling: every point in exactly one tile. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "zp_test.h"

#include "zpscan/grid.h"

static void test_lin_axis(void **st)
{
    (void)st;
    zp_axis_spec s = {.spacing = ZP_SPACING_LIN, .min = 100, .max = 1000, .n = 10};
    double *v;
    int64_t n;
    assert_int_equal(zp_grid_axis_values(&s, "mass", &v, &n), ZP_OK);
    assert_int_equal(n, 10);
    for (int i = 0; i < 10; ++i) assert_double_equal(v[i], 100 + 100 * i, 1e-12);
    assert_true(v[9] == 1000.0); /* exact end point */
    free(v);
    s.n = 1;
    s.max = 100;
    assert_int_equal(zp_grid_axis_values(&s, "mass", &v, &n), ZP_OK);
    assert_int_equal(n, 1);
    free(v);
    s.max = 200; /* n = 1 with min != max makes no sense */
    assert_int_equal(zp_grid_axis_values(&s, "mass", &v, &n), ZP_EINPUT);
}

static void test_log_axis_signs(void **st)
{
    (void)st;
    zp_axis_spec s = {.spacing = ZP_SPACING_LOG, .min = 1e-3, .max = 10, .n = 5, .sign = ZP_SIGN_BOTH,
                      .include_zero = 1};
    double *v;
    int64_t n;
    assert_int_equal(zp_grid_axis_values(&s, "gV", &v, &n), ZP_OK);
    assert_int_equal(n, 11);
    double want[11] = {-10, -1, -0.1, -0.01, -1e-3, 0, 1e-3, 0.01, 0.1, 1, 10};
    for (int i = 0; i < 11; ++i) assert_double_equal(v[i], want[i], fabs(want[i]) * 1e-12);
    assert_true(v[0] == -10.0 && v[10] == 10.0 && v[4] == -1e-3);
    free(v);
    s.sign = ZP_SIGN_MINUS;
    s.include_zero = 0;
    assert_int_equal(zp_grid_axis_values(&s, "gV", &v, &n), ZP_OK);
    assert_int_equal(n, 5);
    assert_true(v[0] == -10.0 && v[4] == -1e-3);
    free(v);
    s.min = 0; /* a log axis touching zero */
    assert_int_equal(zp_grid_axis_values(&s, "gV", &v, &n), ZP_EINPUT);
    s.min = 1;
    s.max = 0.5; /* min > max */
    assert_int_equal(zp_grid_axis_values(&s, "gV", &v, &n), ZP_EINPUT);
}

static void test_list_axis(void **st)
{
    (void)st;
    zp_axis_spec s = {.spacing = ZP_SPACING_LIST, .nlist = 3, .list = {200, 250, 500}};
    double *v;
    int64_t n;
    assert_int_equal(zp_grid_axis_values(&s, "mass", &v, &n), ZP_OK);
    assert_int_equal(n, 3);
    assert_true(v[1] == 250.0);
    free(v);
    s.list[2] = 250; /* not increasing */
    assert_int_equal(zp_grid_axis_values(&s, "mass", &v, &n), ZP_EINPUT);
}

static void test_auto_tile(void **st)
{
    (void)st;
    int64_t n[ZP_NAXES] = {7, 300, 2, 500, 1}, t[ZP_NAXES];
    zp_grid_auto_tile(n, 65536, t);
    /* innermost axes whole, then grown outward */
    assert_int_equal(t[4], 1);
    assert_int_equal(t[3], 500);
    assert_int_equal(t[2], 2);
    assert_int_equal(t[1], 60); /* room 65: 5 tiles along gqL, balanced to 60 each */
    assert_int_equal(t[0], 1);
    int64_t big[ZP_NAXES] = {1, 1, 1, 1, 1000000};
    zp_grid_auto_tile(big, 65536, t);
    assert_int_equal(t[4], 62500); /* 16 tiles of 62500, not 15 of 65536 and one of 16960 */
    /* the case that made 2 ranks no faster than 1: 128 gV values, room for 109 */
    int64_t g[ZP_NAXES] = {4, 50, 20, 128, 600};
    zp_grid_auto_tile(g, 1 << 20, t);
    assert_int_equal(t[4], 600);
    assert_int_equal(t[3], 64);
    assert_int_equal(t[2], 1);
    /* any grid: the tile fits the target, and along every axis the edge tile is at most
     * (tiles along the axis - 1) points smaller than the others */
    srand(7);
    for (int trial = 0; trial < 2000; ++trial) {
        int64_t m[ZP_NAXES], u[ZP_NAXES];
        for (int d = 0; d < ZP_NAXES; ++d) m[d] = 1 + rand() % (trial % 3 ? 300 : 5000);
        const int64_t target = 1 + rand() % (1 << 21);
        zp_grid_auto_tile(m, target, u);
        int64_t inner = 1, all = 1;
        for (int d = 0; d < ZP_NAXES; ++d) {
            assert_true(u[d] >= 1 && u[d] <= m[d]);
            const int64_t k = (m[d] + u[d] - 1) / u[d], last = m[d] - (k - 1) * u[d];
            assert_true(last >= 1 && u[d] - last < k);
            all *= u[d];
            if (d >= ZP_AX_GQR) inner *= u[d];
        }
        const int64_t cap = target < ZP_TILE_INNER_MAX ? target : ZP_TILE_INNER_MAX;
        assert_true(inner <= cap || (u[2] == 1 && u[3] == 1 && u[4] == 1));
        assert_true(all <= target || all == inner);
    }
}

/* For many random grids and tile shapes: the tiles cover every point exactly once. */
static void test_tiling_exact_cover(void **st)
{
    (void)st;
    srand(12345);
    for (int trial = 0; trial < 300; ++trial) {
        zp_grid g;
        memset(&g, 0, sizeof g);
        g.npoints = 1;
        g.ntiles = 1;
        for (int d = 0; d < ZP_NAXES; ++d) {
            g.n[d] = 1 + rand() % 9;
            g.tile[d] = 1 + rand() % (int)g.n[d];
            if (trial % 7 == 0) g.tile[d] = g.n[d];
            g.ntile[d] = (g.n[d] + g.tile[d] - 1) / g.tile[d];
            g.npoints *= g.n[d];
            g.ntiles *= g.ntile[d];
        }
        int *hits = calloc((size_t)g.npoints, sizeof *hits);
        int64_t covered = 0;
        for (int64_t t = 0; t < g.ntiles; ++t) {
            int64_t s[ZP_NAXES], c[ZP_NAXES], idx[ZP_NAXES];
            zp_grid_tile_box(&g, t, s, c);
            int64_t cnt = c[0] * c[1] * c[2] * c[3] * c[4];
            assert_true(cnt > 0);
            for (int64_t k = 0; k < cnt; ++k) {
                int64_t r = k;
                for (int d = ZP_NAXES - 1; d >= 0; --d) {
                    idx[d] = s[d] + r % c[d];
                    r /= c[d];
                    assert_true(idx[d] < g.n[d]);
                }
                hits[zp_grid_flat(&g, idx)]++;
                covered++;
            }
        }
        assert_int_equal(covered, g.npoints);
        for (int64_t p = 0; p < g.npoints; ++p) assert_int_equal(hits[p], 1);
        free(hits);
    }
}

static void test_flat_roundtrip(void **st)
{
    (void)st;
    zp_grid g;
    memset(&g, 0, sizeof g);
    int64_t n[ZP_NAXES] = {3, 4, 5, 6, 7};
    memcpy(g.n, n, sizeof n);
    int64_t idx[ZP_NAXES];
    for (int64_t f = 0; f < 3 * 4 * 5 * 6 * 7; ++f) {
        zp_grid_unflat(&g, f, idx);
        assert_int_equal(zp_grid_flat(&g, idx), f);
    }
    /* C order: the last axis is fastest */
    zp_grid_unflat(&g, 1, idx);
    assert_int_equal(idx[4], 1);
    zp_grid_unflat(&g, 7, idx);
    assert_int_equal(idx[3], 1);
    assert_int_equal(idx[4], 0);
}

static void test_build_from_config(void **st)
{
    (void)st;
    zp_config c;
    zp_config_defaults(&c);
    zp_axis_spec one = {.spacing = ZP_SPACING_LIST, .nlist = 1, .list = {0}};
    for (int d = 0; d < ZP_NAXES; ++d) c.axes[d] = one;
    c.axes[ZP_AX_MASS].list[0] = 500;
    c.axes[ZP_AX_GV] = (zp_axis_spec){.spacing = ZP_SPACING_LOG, .min = 1e-3, .max = 1, .n = 4, .sign = ZP_SIGN_BOTH};
    c.tile[ZP_AX_GV] = 3;
    zp_grid g;
    assert_int_equal(zp_grid_build(&c, &g), ZP_OK);
    assert_int_equal(g.npoints, 8);
    assert_int_equal(g.ntiles, 3);
    assert_int_equal(g.tile[ZP_AX_GV], 3);
    zp_grid_free(&g);
    c.axes[ZP_AX_MASS].list[0] = -5; /* a negative mass */
    assert_int_equal(zp_grid_build(&c, &g), ZP_EINPUT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lin_axis),         cmocka_unit_test(test_log_axis_signs),
        cmocka_unit_test(test_list_axis),        cmocka_unit_test(test_auto_tile),
        cmocka_unit_test(test_tiling_exact_cover), cmocka_unit_test(test_flat_roundtrip),
        cmocka_unit_test(test_build_from_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
