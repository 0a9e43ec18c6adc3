/* The LHC constraint's binned method (src/binned.c): the line shape against the narrow-width
 * sigma*B, the Poisson likelihood and CLs against hand values, the kernel's tables against a
 * direct evaluation, and the spectra reader's errors. Usage: test_binned <inputs/lhc dir>. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zpscan/binned.h"
#include "zpscan/kernels.h"
#include "zpscan/model.h"
#include "zpscan/vocab.h"

static const char *g_inputs;
static zp_lumi_table g_lt;
static zp_spectra g_sp;
static const int BOTH = ZP_CH_BIT(ZP_CH_EE) | ZP_CH_BIT(ZP_CH_MM);
/* the default width nodes of [lhc] binned_widths (docs/INPUT.md) */
static const double g_w[] = {0, 0.005, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.1};
#define NW ((int)(sizeof g_w / sizeof g_w[0]))

static int setup(void **state)
{
    (void)state;
    char p[1024];
    snprintf(p, sizeof p, "%s/lumi_NNPDF23_lo_as_0130_qed_13TeV.csv", g_inputs);
    if (zp_lumi_table_read(p, &g_lt) != ZP_OK) return -1;
    snprintf(p, sizeof p, "%s/atlas139_spectra", g_inputs);
    if (zp_spectra_read(p, NULL, &g_sp) != ZP_OK) {
        fprintf(stderr, "%s\n", zp_err_msg());
        return -1;
    }
    return 0;
}

/* Gamma -> 0: the whole line integrates to the narrow-width sigma*B (x), to 1e-3; the
 * expected events of a tiny width equal those of the delta function */
static void test_narrow_width(void **state)
{
    (void)state;
    static const double M[] = {300, 500, 1000, 2000, 3000, 4000};
    for (size_t i = 0; i < sizeof M / sizeof *M; ++i) {
        double I;
        assert_int_equal(zp_line_integral(&g_lt, M[i], 1e-5, 0.5 * M[i], fmin(2 * M[i], 6000), &I), ZP_OK);
        assert_true(fabs(I - 1.0) <= 1e-3);
        zp_binned_lik *a = malloc(sizeof *a), *b = malloc(sizeof *b);
        assert_non_null(a);
        assert_non_null(b);
        assert_int_equal(zp_binned_setup(&g_sp, BOTH, &g_lt, M[i], 0.0, a), ZP_OK);
        assert_int_equal(zp_binned_setup(&g_sp, BOTH, &g_lt, M[i], 1e-5, b), ZP_OK);
        assert_int_equal(a->nb, b->nb);
        double sa = 0, sb = 0;
        for (int k = 0; k < a->nb; ++k) sa += a->T[k], sb += b->T[k];
        assert_true(sa > 0);
        assert_true(fabs(sb / sa - 1.0) <= 1e-3);
        free(a);
        free(b);
    }
    /* the line itself: the Breit-Wigner density at the pole, 2 M^3 Gamma / (pi M) / (M Gamma)^2 */
    const double M0 = 1000, w = 0.02;
    assert_true(fabs(zp_line_rho(&g_lt, M0, w, M0) - 2.0 / (M_PI * w * M0)) <= 1e-12 * zp_line_rho(&g_lt, M0, w, M0));
}

/* hand values (computed by hand from the formulas of docs/PHYSICS.md §11) */
static void test_stats_hand(void **state)
{
    (void)state;
    zp_binned_lik L = {0};
    /* one bin, n = 0, b = 1, T = 1: chi2 = 2 (1 + x), xhat = 0, Delta chi2 = 2 x,
     * chi2_A = 2 (x - ln(1 + x)); at x = 3: Delta = 6, chi2_A = 3.2274112777602,
     * CLs = [1 - Phi(sqrt 6)] / Phi(sqrt 3.2274 - sqrt 6) = 0.0071529392177 / 0.2568813584 */
    L.nb = 1, L.n[0] = 0, L.b[0] = 1, L.T[0] = 1;
    assert_true(zp_binned_xhat(&L) == 0.0);
    assert_true(fabs(zp_binned_chi2(&L, 3.0) - 8.0) < 1e-12);
    assert_true(fabs(zp_binned_dchi2(&L, 3.0, 0.0) - 6.0) < 1e-12);
    assert_true(fabs(zp_binned_chi2A(&L, 3.0) - 3.2274112777602) < 1e-10);
    assert_true(fabs(zp_binned_cls(&L, 3.0, 0.0) - 0.0071529392177 / 0.2568813584) < 1e-9);
    /* n = 10, b = 5, T = 1: xhat = 5 (n = b + x), chi2(xhat) = 0,
     * Delta chi2(9) = 2 (14 - 10) + 20 ln(10/14) = 1.2705552676 */
    L.n[0] = 10, L.b[0] = 5;
    assert_true(fabs(zp_binned_xhat(&L) - 5.0) < 1e-10);
    assert_true(fabs(zp_binned_chi2(&L, 5.0)) < 1e-12);
    assert_true(fabs(zp_binned_dchi2(&L, 9.0, 5.0) - 1.2705552676) < 1e-6);
    assert_true(zp_binned_dchi2(&L, 4.0, 5.0) == 0.0); /* below the best fit: 0 */
    /* the limit: CLs = 0.05 there, and above the best fit */
    double x95;
    assert_int_equal(zp_binned_x95(&L, 5.0, &x95), ZP_OK);
    assert_true(x95 > 5.0);
    assert_true(fabs(zp_binned_cls(&L, x95, 5.0) - 0.05) < 1e-9);
    /* no signal in the bins: nothing is excluded */
    L.T[0] = 0;
    assert_int_equal(zp_binned_x95(&L, 0.0, &x95), ZP_OK);
    assert_true(isinf(x95));
}

/* The tables the kernel interpolates against the direct per-point evaluation: random points
 * (x, Gamma/M) at several masses. Delta chi^2 within 1% (or 0.01 absolute below 1); the
 * verdict (CLs < 0.05) identical outside the band |x / x95 - 1| < 2% (docs/PHYSICS.md §11). */
static void test_tables_vs_direct(void **state)
{
    (void)state;
    static const double M[] = {300, 500, 1000, 2000, 3500, 5000};
    zp_binned_lik *L = malloc(sizeof *L);
    assert_non_null(L);
    unsigned s = 12345;
    double worst = 0, worst_band = 0;
    int n = 0, disagree = 0;
    for (size_t i = 0; i < sizeof M / sizeof *M; ++i)
        for (int ch = 1; ch <= 3; ++ch) {
            zp_binned_tab t;
            assert_int_equal(zp_binned_tab_make(&g_sp, ch, &g_lt, M[i], g_w, NW, &t), ZP_OK);
            for (int k = 0; k < 40; ++k) {
                s = s * 1103515245u + 12345u;
                const double w = g_w[NW - 1] * ((s >> 8) & 0xFFFF) / 65536.0;
                s = s * 1103515245u + 12345u;
                /* x up to 20 x95, and every fifth point far out (up to 2000 x95: the linear tail) */
                const double tt = (k % 5 == 4 ? 2000.0 : 20.0) * ((s >> 8) & 0xFFFF) / 65536.0;
                double di, ci, lim;
                zp_binned_tab_eval(&t, 1.0, w, &di, &ci, &lim);
                const double x = tt * lim;
                zp_binned_tab_eval(&t, x, w, &di, &ci, &lim);
                assert_int_equal(zp_binned_setup(&g_sp, ch, &g_lt, M[i], w, L), ZP_OK);
                const double xh = zp_binned_xhat(L), dd = zp_binned_dchi2(L, x, xh);
                double x95;
                assert_int_equal(zp_binned_x95(L, xh, &x95), ZP_OK);
                const double err = fabs(di - dd) / fmax(dd, 1.0);
                if (err > worst) worst = err;
                const double band = fabs(lim / x95 - 1.0);
                if (band > worst_band) worst_band = band;
                ++n;
                const int ex_direct = zp_binned_cls(L, x, xh) < 0.05, ex_tab = x > lim;
                if (ex_direct != ex_tab) {
                    ++disagree;
                    assert_true(fabs(x / x95 - 1.0) < 0.02);
                }
                if (err > 0.01)
                    printf("M %g ch %d w %g x/x95 %g: interpolated %g direct %g\n", M[i], ch, w, tt, di, dd);
            }
            zp_binned_tab_free(&t);
        }
    if (getenv("ZP_TEST_VERBOSE"))
        printf("tables vs direct: %d points, worst Delta chi2 error %.3g, worst limit error %.3g, %d verdicts "
               "differ (inside the band)\n",
               n, worst, worst_band, disagree);
    free(L);
    assert_true(worst <= 0.01);
}

/* The fused kernel against zp_binned_tab_eval point by point (a row of random couplings at
 * 1 TeV, muons and mu+e): the LHC bit, lhc_chi2, lhc_cls, lhc_ul, and chi2_total with the LHC
 * in combine, in both passes. */
static void kernel_case(zp_lepton lep, int chans)
{
    zp_config *cfg = calloc(1, sizeof *cfg);
    assert_non_null(cfg);
    zp_config_defaults(cfg);
    cfg->lepton = lep;
    cfg->cc.lhc.binned = 1;
    cfg->cc.lhc.chans = chans;
    cfg->combine = 1u << ZP_BIT_LHC;
    cfg->cc.g2.sigma = cfg->cc.g2.sigma_e = 1.0; /* (not tested here; the model needs them) */
    cfg->store_points = 1;
    cfg->store_obs[ZP_OBS_LHC_CLS] = 1; /* the kernel spends its erfc only then */
    /* a C9 interval (Table 1's muon C9 at 2 sigma) for the flavour case at the end */
    cfg->cc.flavour.have[0] = 1;
    cfg->cc.flavour.best[0] = -1.21, cfg->cc.flavour.lo1[0] = -1.41, cfg->cc.flavour.hi1[0] = -1.00;
    cfg->cc.flavour.lo2[0] = -1.61, cfg->cc.flavour.hi2[0] = -0.77;
    zp_model mod;
    assert_int_equal(zp_model_init(cfg, &mod), ZP_OK);
    const double M = 1000;
    zp_mass_slice s;
    assert_int_equal(zp_model_slice(&mod, cfg, &g_lt, NULL, M, &s), ZP_OK);
    zp_binned_tab *t = calloc(1, sizeof *t);
    assert_non_null(t);
    assert_int_equal(zp_binned_tab_make(&g_sp, chans, &g_lt, M, g_w, NW, t), ZP_OK);
    assert_int_equal(zp_lhc_slice_set(&s.lhc, t->nw, t->w, t->x95), ZP_OK);
    s.lhc.mass_tested = 1;
    s.lhc.bin = t;
    enum { N = 203 };
    double r[N], v[N], a[N];
    unsigned u = 777;
    for (int i = 0; i < N; ++i) { /* couplings over many decades: narrow to beyond the widest node */
        u = u * 1103515245u + 12345u;
        r[i] = 1e-3 * pow(10.0, 3.0 * ((u >> 8) & 0xFFFF) / 65536.0);
        u = u * 1103515245u + 12345u;
        v[i] = 1e-3 * pow(10.0, 4.0 * ((u >> 8) & 0xFFFF) / 65536.0);
        a[i] = i % 3 ? 0.0 : 0.5 * v[i];
    }
    static float ob[ZP_NOBS][N], ob2[ZP_NOBS][N];
    float *o[ZP_NOBS], *o2[ZP_NOBS];
    for (int k = 0; k < ZP_NOBS; ++k) o[k] = ob[k], o2[k] = ob2[k];
    zp_mask mask[N], mask2[N];
    const double gqL = 3e-2;
    zp_kernel_row(&mod, &s, gqL, r, v, a, N, mask, o);
    zp_kernel_row_verdicts(&mod, &s, gqL, r, v, a, N, mask2, o2);
    int tested = 0, excluded = 0;
    for (int i = 0; i < N; ++i) {
        const double gq2 = gqL * gqL + r[i] * r[i], wl = mod.w_ll * (v[i] * v[i] + a[i] * a[i]);
        const double w = wl * mod.nlep + mod.w_bs * gq2 + mod.w_nu * (v[i] - a[i]) * (v[i] - a[i]) + mod.w_extra;
        const double x = s.lhc.sigma_per_g2 * s.lhc.acceptance * gq2 * wl / w;
        double d, cls, lim;
        zp_binned_tab_eval(t, x, w, &d, &cls, &lim);
        const int in = w <= t->w[t->nw - 1];
        assert_int_equal(!!(mask[i] & (1u << ZP_BIT_LHC_UNTESTED)), !in);
        assert_int_equal(mask[i], mask2[i]);
        if (!in) {
            assert_true(isnan(ob[ZP_OBS_LHC_CHI2][i]) && isnan(ob[ZP_OBS_CHI2_TOTAL][i]));
            continue;
        }
        ++tested;
        excluded += x > lim;
        assert_true(fabs(ob[ZP_OBS_LHC_UL][i] - lim) <= 1e-6 * lim);
        /* the verdict: the slice's limit (L + S (w - W), rounding apart) */
        if (fabs(x / lim - 1.0) > 1e-9) assert_int_equal(!!(mask[i] & (1u << ZP_BIT_LHC)), x <= lim);
        assert_true(fabs(ob[ZP_OBS_LHC_CHI2][i] - d) <= 1e-5 * fmax(d, 1.0));
        assert_true(fabs(ob[ZP_OBS_CHI2_TOTAL][i] - d) <= 1e-5 * fmax(d, 1.0));
        assert_true(fabs(ob2[ZP_OBS_CHI2_TOTAL][i] - d) <= 1e-5 * fmax(d, 1.0));
        assert_true(fabs(ob[ZP_OBS_LHC_CLS][i] - cls) <= 1e-5 * fmax(cls, 1e-3));
    }
    assert_true(tested > N / 4 && excluded > 5 && excluded < tested - 5); /* both verdicts seen */
    /* the likelihood alone (zpscan-bench-kernel --likelihood) is the kernel's own: the same bits */
    static float alone[N];
    zp_kernel_row_lhc_dchi2(&mod, &s, gqL, r, v, a, N, alone);
    assert_memory_equal(alone, ob[ZP_OBS_LHC_CHI2], sizeof alone);
    /* the flavour fit in combine as well, on a row where it is untested (gqR != 0) except in
     * its first 40 points: chi2_total is NaN there, and the verdicts pass skips the LHC's
     * lookups in blocks where every lane is NaN (src/constraints/lhc.h): the same bits */
    mod.combine |= 1u << ZP_BIT_FLAVOUR;
    for (int i = 0; i < 40; ++i) r[i] = 0.0;
    zp_kernel_row(&mod, &s, gqL, r, v, a, N, mask, o);
    zp_kernel_row_verdicts(&mod, &s, gqL, r, v, a, N, mask2, o2);
    assert_memory_equal(mask, mask2, sizeof mask);
    assert_memory_equal(ob[ZP_OBS_CHI2_TOTAL], ob2[ZP_OBS_CHI2_TOTAL], sizeof ob[ZP_OBS_CHI2_TOTAL]);
    int defined = 0;
    for (int i = 0; i < N; ++i) {
        assert_true(i < 40 || isnan(ob2[ZP_OBS_CHI2_TOTAL][i]));
        defined += !isnan(ob2[ZP_OBS_CHI2_TOTAL][i]);
    }
    assert_true(defined > 5); /* (C9 alone, a = 0: Table 1 tests it) */
    zp_model_slice_free(&s);
    free(cfg);
}

static void test_kernel_vs_tables(void **state)
{
    (void)state;
    kernel_case(ZP_LEPTON_MU, ZP_CH_BIT(ZP_CH_MM));
    kernel_case(ZP_LEPTON_UNIV, BOTH);
}

/* The input's check and the scan each read the spectra and the luminosity table: the scan
 * refuses numbers other than those the check saw (the fingerprint holds them) */
static void test_read_twice(void **state)
{
    (void)state;
    zp_spectra *sp = malloc(sizeof *sp);
    assert_non_null(sp);
    *sp = g_sp;
    const uint64_t h = zp_spectra_hash(&g_sp);
    assert_int_equal(zp_spectra_unchanged(sp, h, "in.ini"), ZP_OK);
    sp->ch[ZP_CH_MM].n[3] += 1.0; /* one count more */
    zp_err_clear();
    assert_int_equal(zp_spectra_unchanged(sp, h, "in.ini"), ZP_EINPUT);
    assert_non_null(strstr(zp_err_msg(), "in.ini: [lhc] spectra: "));
    assert_non_null(strstr(zp_err_msg(), "changed while the scan read it"));
    free(sp);
    assert_int_equal(zp_lumi_table_unchanged(&g_lt, g_lt.sqrts, "in.ini"), ZP_OK);
    zp_err_clear();
    assert_int_equal(zp_lumi_table_unchanged(&g_lt, 14000.0, "in.ini"), ZP_EINPUT);
    assert_non_null(strstr(zp_err_msg(), "in.ini: [lhc] lumi_table: "));
    assert_non_null(strstr(zp_err_msg(), "changed while the scan read it (now for 13000 GeV)"));
}

/* ---- the reader's errors ------------------------------------------------------------- */

static char g_dir[256];

static void copy_spectra(void)
{
    snprintf(g_dir, sizeof g_dir, "/tmp/zp_binned_%d", (int)getpid());
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "rm -rf %s && cp -r %s/atlas139_spectra %s && chmod -R u+w %s", g_dir, g_inputs, g_dir,
             g_dir);
    assert_int_equal(system(cmd), 0);
}

static void append_line(const char *file, const char *line)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", g_dir, file);
    FILE *f = fopen(p, "a");
    assert_non_null(f);
    fputs(line, f);
    fclose(f);
}

/* the error for one broken file must name it and the given line */
static void expect_error(const char *what, const char *file, int line)
{
    zp_spectra *sp = malloc(sizeof *sp);
    assert_non_null(sp);
    zp_err_clear();
    assert_int_equal(zp_spectra_read(g_dir, NULL, sp), ZP_EINPUT);
    char want[512];
    if (line > 0) snprintf(want, sizeof want, "%s/%s:%d: ", g_dir, file, line);
    else snprintf(want, sizeof want, "%s/%s", g_dir, file);
    if (!strstr(zp_err_msg(), want) || !strstr(zp_err_msg(), what)) {
        fprintf(stderr, "got: %s\nwant: %s ... %s\n", zp_err_msg(), want, what);
        fail();
    }
    free(sp);
}

static int lines_of(const char *file)
{
    char p[512], buf[4096];
    snprintf(p, sizeof p, "%s/%s", g_dir, file);
    FILE *f = fopen(p, "r");
    int n = 0;
    while (f && fgets(buf, sizeof buf, f)) ++n;
    if (f) fclose(f);
    return n;
}

static void test_reader_errors(void **state)
{
    (void)state;
    char p[600];
    copy_spectra();
    int n = lines_of("ee_data.dat");
    append_line("ee_data.dat", "5806.19\t5900\t3\n");
    expect_error("truncated row", "ee_data.dat", n + 1);

    copy_spectra();
    n = lines_of("mm_data.dat");
    append_line("mm_data.dat", "5806.19\t5900\tmany\t0.1\n");
    expect_error("column 3: not a number", "mm_data.dat", n + 1);

    copy_spectra();
    n = lines_of("ee_data.dat");
    append_line("ee_data.dat", "5000\t5100\t0\t0.1\n");
    expect_error("bins not sorted", "ee_data.dat", n + 1);

    copy_spectra();
    n = lines_of("ee_data.dat");
    append_line("ee_data.dat", "5806.19\t5900\t0\t0\n");
    expect_error("expected background 0: must be > 0", "ee_data.dat", n + 1);

    copy_spectra();
    n = lines_of("xi_mm.dat");
    append_line("xi_mm.dat", "7000 -0.5\n");
    expect_error("must be >= 0", "xi_mm.dat", n + 1);

    copy_spectra();
    snprintf(p, sizeof p, "%s/mm_resolutions.dat", g_dir);
    assert_int_equal(unlink(p), 0);
    expect_error("cannot read", "mm_resolutions.dat", 0);

    copy_spectra();
    snprintf(p, sizeof p, "%s/spectra.ini", g_dir);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs("[spectra]\nluminosity_ifb = -1\nsource = test\n", f);
    fclose(f);
    expect_error("luminosity_ifb", "spectra.ini", 2);

    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
    assert_int_equal(system(cmd), 0);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_binned <inputs/lhc dir>\n");
        return 2;
    }
    g_inputs = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_narrow_width),
        cmocka_unit_test(test_stats_hand),
        cmocka_unit_test(test_tables_vs_direct),
        cmocka_unit_test(test_kernel_vs_tables),
        cmocka_unit_test(test_reader_errors),
        cmocka_unit_test(test_read_twice),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
