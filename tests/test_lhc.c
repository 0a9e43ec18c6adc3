/* LHC tables and the per-mass slice: readers (real files and every error path),
 * interpolation, cross-section normalisation (W check). Usage: test_lhc <inputs/lhc dir>. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zpscan/lhc.h"

static const char *g_inputs;
static char g_tmp[256];
static zp_limit_table *g_lim;
static zp_lumi_table *g_lt;

static int setup(void **state)
{
    (void)state;
    snprintf(g_tmp, sizeof g_tmp, "/tmp/zp_test_lhc_%d.csv", (int)getpid());
    g_lim = calloc(1, sizeof *g_lim);
    g_lt = malloc(sizeof *g_lt);
    return !g_lim || !g_lt;
}

static int teardown(void **state)
{
    (void)state;
    remove(g_tmp);
    if (g_lim) zp_limit_table_free(g_lim);
    free(g_lim);
    free(g_lt);
    return 0;
}

/* the table's earlier arrays released first (a read starts from an empty table) */
static zp_status read_lim(const char *path, zp_limit_table *t)
{
    zp_limit_table_free(t);
    return zp_limit_table_read(path, t);
}

static void write_tmp(const char *text)
{
    FILE *f = fopen(g_tmp, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* The status is ZP_EINPUT and the message names the file, the line and the column. */
static void expect_bad(zp_status st, const char *where)
{
    assert_int_equal(st, ZP_EINPUT);
    char needle[400];
    snprintf(needle, sizeof needle, "%s:%s", g_tmp, where);
    print_message("  error: %s\n", zp_err_msg());
    assert_non_null(strstr(zp_err_msg(), needle));
    zp_err_clear();
}

/* ---- limit table ------------------------------------------------------------------ */

static void test_limit_real(void **state)
{
    (void)state;
    char p[1024];
    snprintf(p, sizeof p, "%s/atlas139_dilepton_fid_limits.csv", g_inputs);
    zp_err_clear();
    assert_int_equal(read_lim(p, g_lim), ZP_OK);
    assert_int_equal(g_lim->nw, 6);
    const double w[] = {0.0, 0.005, 0.012, 0.03, 0.06, 0.10};
    for (int k = 0; k < 6; ++k) assert_true(g_lim->width[k] == w[k]);
    assert_int_equal(g_lim->nm, 1101);
    assert_true(g_lim->mass[0] == 250 && g_lim->mass[g_lim->nm - 1] == 6000);
    assert_true(ZP_LIMIT(g_lim, 0, 0) == 3.57303 && ZP_LIMIT(g_lim, 0, 5) == 13.0839);
    assert_true(ZP_LIMIT(g_lim, g_lim->nm - 1, 3) == 0.0147976);
    assert_non_null(strstr(g_lim->citation, "arXiv:1903.06248"));
    assert_non_null(strstr(g_lim->citation, "ins1725190"));
}

static void test_limit_malformed(void **state)
{
    (void)state;
    zp_err_clear();
    static const struct { const char *text, *where; } bad[] = {
        {"# c\nmass,limit_fb_w0.0\n250,1\n300,2\n", "2:1:"},                      /* first column name */
        {"mass_gev,limit_w0.0\n250,1\n300,2\n", "1:2:"},                          /* width column name */
        {"mass_gev,limit_fb_w0.01,limit_fb_w0.005\n250,1,1\n300,2,2\n", "1:3:"},  /* widths not increasing */
        {"mass_gev,limit_fb_w0.0,limit_fb_w0.01\n250,1,1\n240,2,2\n", "3:1:"},    /* masses not increasing */
        {"mass_gev,limit_fb_w0.0,limit_fb_w0.01\n250,1,1\n300,2,-2\n", "3:3:"},   /* negative limit */
        {"mass_gev,limit_fb_w0.0,limit_fb_w0.01\n250,1,1\n300,2\n", "3:2:"},      /* too few columns */
        {"mass_gev,limit_fb_w0.0,limit_fb_w0.01\n250,1,1\n300,2,2,2\n", "3:4:"},  /* too many columns */
        {"mass_gev,limit_fb_w0.0,limit_fb_w0.01\n250,1,1\n300,2,x2\n", "3:3:"},   /* not a number */
        {"mass_gev,limit_fb_w0.0,limit_fb_w0.01\n250,1,1\n300,2,2e\n", "3:3:"},   /* trailing garbage */
        {"mass_gev,limit_fb_w0.0\n250,1\n", "2:"},                                /* one row only */
        {"# only comments\n", "1:"},                                              /* no header */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; ++i) {
        write_tmp(bad[i].text);
        expect_bad(read_lim(g_tmp, g_lim), bad[i].where);
    }
    assert_int_equal(read_lim("/nonexistent/limits.csv", g_lim), ZP_EINPUT);
    assert_non_null(strstr(zp_err_msg(), "/nonexistent/limits.csv"));
    zp_err_clear();
}

/* No cap on width columns or rows: 100 widths (more than one vector, more than the old fixed
 * table's 64), read, interpolated in mass and carried into the slice's heap columns. */
static void test_limit_wide(void **state)
{
    (void)state;
    enum { NW = 100 };
    FILE *fp = fopen(g_tmp, "w");
    assert_non_null(fp);
    fprintf(fp, "# wide\nmass_gev");
    for (int k = 0; k < NW; ++k) fprintf(fp, ",limit_fb_w%g", 0.001 * k);
    for (int i = 0; i < 3; ++i) {
        fprintf(fp, "\n%d", 100 * (i + 1));
        for (int k = 0; k < NW; ++k) fprintf(fp, ",%g", (1.0 + k) * (i == 1 ? 4.0 : 1.0));
    }
    fputc('\n', fp);
    fclose(fp);
    assert_int_equal(read_lim(g_tmp, g_lim), ZP_OK);
    assert_int_equal(g_lim->nw, NW);
    assert_int_equal(g_lim->nm, 3);
    assert_true(g_lim->width[NW - 1] == 0.099 && ZP_LIMIT(g_lim, 2, NW - 1) == 100.0);
    memset(g_lt, 0, sizeof *g_lt);
    g_lt->n = 2;
    g_lt->mass[0] = 50, g_lt->mass[1] = 500;
    g_lt->lumi_bs[0] = g_lt->lumi_bs[1] = 1;
    g_lt->acc[0] = g_lt->acc[1] = 1;
    g_lt->sqrts = 13000;
    zp_lhc_consts c = {13000.0, 0.3717, 3.0};
    zp_lhc_slice s;
    /* halfway between the rows at 100 and 200 GeV: the geometric mean of limits x1 and x4 */
    assert_int_equal(zp_lhc_slice_at(g_lt, g_lim, &c, 150.0, &s), ZP_OK);
    assert_int_equal(s.nw, NW);
    assert_non_null(s.all);
    const double *W = zp_lhc_widths(&s), *L = zp_lhc_limits(&s), *S = zp_lhc_slopes(&s);
    for (int k = 0; k < NW; ++k) {
        assert_true(W[k] == g_lim->width[k]);
        assert_true(fabs(L[k] - 2.0 * (1.0 + k)) < 1e-12 * L[k]);
        if (k + 1 < NW) assert_true(fabs(S[k] - (L[k + 1] - L[k]) / (W[k + 1] - W[k])) < 1e-9 * S[k]);
    }
    assert_true(S[NW - 1] == 0.0);
    /* the inline columns are the first ZP_LHC_PAD of them */
    for (int k = 0; k < ZP_LHC_PAD; ++k) assert_true(s.width[k] == W[k] && s.limit[k] == L[k] && s.slope[k] == S[k]);
    zp_lhc_slice_free(&s);
    assert_null(s.all);
}

/* ---- luminosity table ------------------------------------------------------------- */

static const char *k_lumi_head =
    "# format: zpscan-lumi-table 1\n# pdfset: TEST\n# member: 0\n# sqrts_gev: 13000\n"
    "# cut_pt_min_gev: 30\n# cut_abs_eta_max: 2.5\n# epsrel: 1e-06\nmass_gev,lumi_bs,acc\n";

static void test_lumi_table_read(void **state)
{
    (void)state;
    zp_err_clear();
    char buf[2048];
    snprintf(buf, sizeof buf, "%s100,1000,0.5\n200,100,0.6\n400,10,0.8\n", k_lumi_head);
    write_tmp(buf);
    assert_int_equal(zp_lumi_table_read(g_tmp, g_lt), ZP_OK);
    assert_int_equal(g_lt->n, 3);
    assert_string_equal(g_lt->pdfset, "TEST");
    assert_true(g_lt->sqrts == 13000 && g_lt->pt_min == 30 && g_lt->abs_eta_max == 2.5 && g_lt->epsrel == 1e-6);
    assert_true(g_lt->lumi_bs[1] == 100 && g_lt->acc[2] == 0.8);
    assert_non_null(strstr(g_lt->meta, "# pdfset: TEST"));

    /* write and read back */
    zp_lumi_table *t2 = malloc(sizeof *t2);
    assert_int_equal(zp_lumi_table_write(g_tmp, g_lt), ZP_OK);
    assert_int_equal(zp_lumi_table_read(g_tmp, t2), ZP_OK);
    assert_int_equal(t2->n, 3);
    for (int i = 0; i < 3; ++i)
        assert_true(t2->mass[i] == g_lt->mass[i] && t2->lumi_bs[i] == g_lt->lumi_bs[i] && t2->acc[i] == g_lt->acc[i]);
    free(t2);

    static const struct { const char *text, *where; } bad[] = {
        {"# pdfset: T\n# member: 0\n# sqrts_gev: 13000\nmass_gev,lumi_bs,acc\n1,1,1\n2,1,1\n", "4:1:"},
        {"# format: zpscan-lumi-table 2\n", "1:1:"},
        {"# format: zpscan-lumi-table 1\n# pdfset: T\n# member: 0\n# sqrts_gev: 13000\nmass,lumi,acc\n", "5:1:"},
        {"# format: zpscan-lumi-table 1\n# pdfset: T\n# member: 0\nmass_gev,lumi_bs,acc\n", "4:1:"},
        {"# format: zpscan-lumi-table 1\n# pdfset: T\n# member: -1\n", "3:1:"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; ++i) {
        write_tmp(bad[i].text);
        expect_bad(zp_lumi_table_read(g_tmp, g_lt), bad[i].where);
    }
    static const struct { const char *rows, *where; } badrows[] = {
        {"100,1000,0.5\n90,100,0.6\n", "10:1:"},   /* mass not increasing */
        {"100,1000,0.5\n200,0,0.6\n", "10:2:"},    /* lumi not positive */
        {"100,1000,0.5\n200,10,1.2\n", "10:3:"},   /* acceptance above 1 */
        {"100,1000,0.5\n200,10\n", "10:2:"},       /* missing column */
        {"100,1000,0.5\n200,10,0.5,1\n", "10:4:"}, /* extra column */
        {"100,1000,0.5\n200,1O,0.5\n", "10:2:"},   /* not a number */
        {"100,1000,0.5\n", "9:"},                  /* one row */
        {"100,1000,0.5\n13000,1,0.5\n", "10:1:"},  /* mass at sqrt(s) */
    };
    for (size_t i = 0; i < sizeof badrows / sizeof *badrows; ++i) {
        snprintf(buf, sizeof buf, "%s%s", k_lumi_head, badrows[i].rows);
        write_tmp(buf);
        expect_bad(zp_lumi_table_read(g_tmp, g_lt), badrows[i].where);
    }
}

static void test_lumi_table_shipped(void **state)
{
    (void)state;
    char p[1024];
    snprintf(p, sizeof p, "%s/lumi_NNPDF23_lo_as_0130_qed_13TeV.csv", g_inputs);
    zp_err_clear();
    assert_int_equal(zp_lumi_table_read(p, g_lt), ZP_OK);
    assert_string_equal(g_lt->pdfset, "NNPDF23_lo_as_0130_qed");
    assert_true(g_lt->sqrts == 13000 && g_lt->member == 0);
    assert_true(g_lt->mass[0] == 100 && g_lt->mass[g_lt->n - 1] == 6000);
    assert_true(g_lt->pt_min == 30 && g_lt->abs_eta_max == 2.5 && g_lt->epsrel <= 1e-4);
    for (int i = 1; i < g_lt->n; ++i) assert_true(g_lt->lumi_bs[i] < g_lt->lumi_bs[i - 1]);
}

/* The shipped table against a direct computation from the PDF (when the shared NNPDF
 * copy is on LHAPDF_DATA_PATH): rows to the quadrature accuracy, off-row masses to the
 * 0.5% interpolation budget; and the by-name table builder. */
static void test_lumi_table_vs_pdf(void **state)
{
    (void)state;
    const char *dp = getenv("LHAPDF_DATA_PATH");
    char p[1024];
    if (!dp) skip();
    snprintf(p, sizeof p, "%s/NNPDF23_lo_as_0130_qed/NNPDF23_lo_as_0130_qed.info", dp);
    if (access(p, R_OK)) skip();
    snprintf(p, sizeof p, "%s/lumi_NNPDF23_lo_as_0130_qed_13TeV.csv", g_inputs);
    zp_err_clear();
    assert_int_equal(zp_lumi_table_read(p, g_lt), ZP_OK);
    const double masses[] = {250.0, 1234.5, 5000.0};
    zp_lumi_table *t = malloc(sizeof *t);
    const zp_lumi_cuts cuts = ZP_LUMI_CUTS_ATLAS;
    assert_int_equal(zp_lumi_table_compute("NNPDF23_lo_as_0130_qed", 0, 13000.0, masses, 3, &cuts, 1e-6, t), ZP_OK);
    assert_non_null(strstr(t->meta, "# pdfset: NNPDF23_lo_as_0130_qed"));
    zp_lhc_consts c = {13000.0, 0.3717, 3.0};
    for (int i = 0; i < 3; ++i) {
        zp_lhc_slice s;
        assert_int_equal(zp_lhc_slice_at(g_lt, NULL, &c, masses[i], &s), ZP_OK);
        const double P = zp_lhc_sigma_fb(masses[i], 13000.0, zp_lhc_width_bs_per_g2(&c, masses[i]), t->lumi_bs[i]);
        print_message("M = %g: P table %.6e direct %.6e, A table %.5f direct %.5f\n", masses[i],
                      s.sigma_per_g2, P, s.acceptance, t->acc[i]);
        assert_true(fabs(s.sigma_per_g2 / P - 1.0) < 5e-3);
        assert_true(fabs(s.acceptance / t->acc[i] - 1.0) < 5e-3);
    }
    /* a row of the shipped table recomputed exactly */
    int r = g_lt->n / 3;
    double L, A;
    zp_pdf *pdf;
    assert_int_equal(zp_pdf_open("NNPDF23_lo_as_0130_qed", 0, &pdf), ZP_OK);
    assert_int_equal(zp_lumi_fiducial(pdf, zp_lumi_pairs_bs, 4, g_lt->mass[r], 13000.0, &cuts, 1e-7, &L, &A), ZP_OK);
    assert_true(fabs(L / g_lt->lumi_bs[r] - 1.0) < 1e-5);
    assert_true(fabs(A - g_lt->acc[r]) < 1e-5);
    zp_pdf_free(pdf);

    /* a scan's mass axis: any order, repeats; a single mass gives a one-row table */
    const double axis[] = {5000.0, 250.0, 250.0};
    assert_int_equal(zp_lumi_table_compute("NNPDF23_lo_as_0130_qed", 0, 13000.0, axis, 3, &cuts, 1e-6, t), ZP_OK);
    assert_int_equal(t->n, 2);
    assert_true(t->mass[0] == 250.0 && t->mass[1] == 5000.0);
    const double one = 700.0;
    assert_int_equal(zp_lumi_table_compute("NNPDF23_lo_as_0130_qed", 0, 13000.0, &one, 1, &cuts, 1e-6, t), ZP_OK);
    assert_int_equal(t->n, 1);
    zp_lhc_slice s1;
    assert_int_equal(zp_lhc_slice_at(t, NULL, &c, 700.0, &s1), ZP_OK);
    assert_true(s1.sigma_per_g2 == zp_lhc_sigma_fb(700.0, 13000.0, zp_lhc_width_bs_per_g2(&c, 700.0), t->lumi_bs[0]));
    assert_int_equal(zp_lhc_slice_at(t, NULL, &c, 701.0, &s1), ZP_EINPUT);
    zp_err_clear();
    free(t);
}

/* ---- slice ------------------------------------------------------------------------ */

static void small_tables(void)
{
    memset(g_lt, 0, sizeof *g_lt);
    g_lt->n = 3;
    const double m[] = {100, 200, 400}, L[] = {1000, 100, 10}, A[] = {0.5, 0.6, 0.8};
    for (int i = 0; i < 3; ++i) { g_lt->mass[i] = m[i]; g_lt->lumi_bs[i] = L[i]; g_lt->acc[i] = A[i]; }
    g_lt->sqrts = 13000;
    zp_limit_table_free(g_lim);
    assert_int_equal(zp_limit_table_alloc(g_lim, 3, 2), ZP_OK);
    g_lim->width[0] = 0.0;
    g_lim->width[1] = 0.05;
    const double lm[] = {150, 250, 350}, l0[] = {10, 1, 0.5}, l1[] = {20, 4, 1};
    for (int i = 0; i < 3; ++i) { g_lim->mass[i] = lm[i]; ZP_LIMIT(g_lim, i, 0) = l0[i]; ZP_LIMIT(g_lim, i, 1) = l1[i]; }
}

/* P(M) written out independently: pi N_c g'^2 L / (18 s) in GeV^-2, times 0.3893794e12 fb. */
static double P_ref(double L, double gp, double nc, double sqrts)
{
    return M_PI * nc * gp * gp * L / (18.0 * sqrts * sqrts) * 0.3893794e12;
}

static void test_slice(void **state)
{
    (void)state;
    small_tables();
    zp_lhc_consts c = {13000.0, 0.3717, 3.0};
    zp_lhc_slice s;
    zp_err_clear();
    /* exact at a node of both tables' interpolation */
    assert_int_equal(zp_lhc_slice_at(g_lt, g_lim, &c, 200.0, &s), ZP_OK);
    assert_true(fabs(s.sigma_per_g2 / P_ref(100, 0.3717, 3, 13000) - 1) < 1e-14);
    assert_true(s.acceptance == 0.6);
    assert_int_equal(s.mass_tested, 1);
    assert_int_equal(s.nw, 2);
    /* limits at 200: halfway between 150 and 250 in mass, log-linear */
    assert_true(fabs(s.limit[0] - sqrt(10 * 1)) < 1e-12);
    assert_true(fabs(s.limit[1] - sqrt(20 * 4)) < 1e-12);
    for (int k = 2; k < ZP_LHC_PAD; ++k) {
        assert_true(s.width[k] == 0.05);
        assert_true(s.limit[k] == s.limit[1]);
        assert_true(s.slope[k] == 0.0);
    }
    assert_true(fabs(s.slope[0] - (s.limit[1] - s.limit[0]) / 0.05) < 1e-12);
    assert_null(s.all);
    /* geometric midpoint of the lumi rows: geometric mean of lumi, mean of acc */
    const double m = sqrt(200.0 * 400.0);
    assert_int_equal(zp_lhc_slice_at(g_lt, g_lim, &c, m, &s), ZP_OK);
    assert_true(fabs(s.sigma_per_g2 / P_ref(sqrt(100.0 * 10.0), 0.3717, 3, 13000) - 1) < 1e-12);
    assert_true(fabs(s.acceptance - 0.7) < 1e-12);
    /* limit at a quarter of the way from 250 to 350: exp(0.75 ln 1 + 0.25 ln 0.5) */
    const double tq = (m - 250.0) / 100.0;
    assert_true(fabs(s.limit[0] - pow(0.5, tq)) < 1e-12);
    /* exact at the limit table's nodes */
    assert_int_equal(zp_lhc_slice_at(g_lt, g_lim, &c, 350.0, &s), ZP_OK);
    assert_true(s.limit[0] == 0.5 && s.limit[1] == 1.0);
    /* outside the limit table: not tested, limits NaN */
    assert_int_equal(zp_lhc_slice_at(g_lt, g_lim, &c, 120.0, &s), ZP_OK);
    assert_int_equal(s.mass_tested, 0);
    assert_true(isnan(s.limit[0]) && isnan(s.limit[ZP_LHC_PAD - 1]));
    assert_true(s.sigma_per_g2 > 0);
    /* no limit table: not tested */
    assert_int_equal(zp_lhc_slice_at(g_lt, NULL, &c, 120.0, &s), ZP_OK);
    assert_int_equal(s.mass_tested, 0);
    /* outside the lumi table: no cross section, not tested (sigma NaN, limits NaN) */
    assert_int_equal(zp_lhc_slice_at(g_lt, g_lim, &c, 401.0, &s), ZP_OK);
    assert_int_equal(s.mass_tested, 0);
    assert_true(isnan(s.sigma_per_g2) && isnan(s.acceptance) && isnan(s.limit[0]));
    /* the wrong sqrt(s): an error */
    zp_lhc_consts c8 = {8000.0, 0.3717, 3.0};
    assert_int_equal(zp_lhc_slice_at(g_lt, g_lim, &c8, 200.0, &s), ZP_EINPUT);
    zp_err_clear();
}

/* sigma_hat(u dbar -> W) = (sqrt2 pi / 3) G_F M_W^2 |V_ud|^2 delta(shat - M_W^2): the
 * production formula with Gamma(W -> u dbar) = N_c G_F M_W^3 |V_ud|^2 / (6 sqrt2 pi). */
static void test_w_normalisation(void **state)
{
    (void)state;
    const double GF = 1.1663787e-5, MW = 80.379, Vud = 0.97373, sqrts = 13000.0;
    const double width = 3.0 * GF * MW * MW * MW * Vud * Vud / (6.0 * M_SQRT2 * M_PI);
    /* with L = 1: sigma = K / s, K the coefficient of the delta function */
    const double K = zp_lhc_sigma_fb(MW, sqrts, width, 1.0) * sqrts * sqrts / ZP_GEV2_TO_FB;
    const double Kref = M_SQRT2 * M_PI / 3.0 * GF * MW * MW * Vud * Vud;
    print_message("W check: K = %.10e GeV^0, textbook %.10e\n", K, Kref);
    assert_true(fabs(K / Kref - 1.0) < 1e-13);
    /* the Z' width per coupling^2 used by the slice */
    zp_lhc_consts c = {sqrts, 0.5, 3.0};
    assert_true(fabs(zp_lhc_width_bs_per_g2(&c, 1000.0) - 3 * 0.25 * 1000.0 / (24 * M_PI)) < 1e-12);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s <inputs/lhc directory>\n", argv[0]);
        return 2;
    }
    g_inputs = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limit_real),
        cmocka_unit_test(test_limit_malformed),
        cmocka_unit_test(test_limit_wide),
        cmocka_unit_test(test_lumi_table_read),
        cmocka_unit_test(test_lumi_table_shipped),
        cmocka_unit_test(test_lumi_table_vs_pdf),
        cmocka_unit_test(test_slice),
        cmocka_unit_test(test_w_normalisation),
    };
    return cmocka_run_group_tests_name("lhc", tests, setup, teardown);
}
