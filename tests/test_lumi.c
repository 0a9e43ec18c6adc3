/* Parton luminosities and acceptance: analytic luminosities, brute-force acceptance,
 * NNPDF2.3 LO sanity. */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "lhc_testgrid.h"
#include "zpscan/lumi.h"

static char g_dir[256];
static zp_pdf *g_pdf;

/* f(x) = x^-1/2 (1-x) for every flavour, i.e. xf = x^1/2 (1-x), Q independent. */
static double fpow(double x) { return pow(x, -0.5) * (1.0 - x); }
static double xf_pow(int pid, double x, double q) { (void)pid; (void)q; return x * fpow(x); }

/* L(tau) = int_tau^1 dx/x f(x) f(tau/x) = tau^-1/2 [-(1+tau) ln tau - 2(1-tau)] */
static double lumi_ref(double tau) { return pow(tau, -0.5) * (-(1.0 + tau) * log(tau) - 2.0 * (1.0 - tau)); }

static int rm_cb(const char *p, const struct stat *sb, int tf, struct FTW *fb)
{
    (void)sb; (void)tf; (void)fb;
    return remove(p);
}

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof g_dir, "/tmp/zp_test_lumi_XXXXXX");
    if (!mkdtemp(g_dir)) return -1;
    char p[512];
    snprintf(p, sizeof p, "%s/pow", g_dir);
    mkdir(p, 0755);
    double x[700];
    int nx = tg_xknots(x, 1e-7, 400, 250);
    const int pids[] = {-5, -4, -3, -2, -1, 1, 2, 3, 4, 5, 21};
    const double qe[] = {1.0, 100.0, 1e4};
    snprintf(p, sizeof p, "%s/pow/pow.info", g_dir);
    if (tg_write_info(p, 1)) return -1;
    snprintf(p, sizeof p, "%s/pow/pow_0000.dat", g_dir);
    if (tg_write_member(p, xf_pow, x, nx, qe, 2, 6, pids, 11)) return -1;
    zp_err_clear();
    if (zp_pdf_open_path(g_dir, "pow", 0, &g_pdf)) {
        fprintf(stderr, "%s\n", zp_err_msg());
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    zp_pdf_free(g_pdf);
    return nftw(g_dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static void test_lumi_analytic(void **state)
{
    (void)state;
    const double sqrts = 1000.0;
    const double masses[] = {10.0, 31.6, 100.0, 500.0, 900.0};
    for (size_t i = 0; i < sizeof masses / sizeof *masses; ++i) {
        const double M = masses[i], tau = M * M / (sqrts * sqrts);
        double L, L4;
        zp_parton_pair uu[2];
        zp_lumi_pairs_qqbar(2, 1.0, uu);
        assert_int_equal(zp_lumi_pairs(g_pdf, uu, 1, M, sqrts, 1e-7, &L), ZP_OK);
        assert_int_equal(zp_lumi_pairs(g_pdf, zp_lumi_pairs_bs, 4, M, sqrts, 1e-7, &L4), ZP_OK);
        const double ref = lumi_ref(tau);
        print_message("M = %5.1f: L = %.8e, closed form %.8e, rel. diff %.1e\n", M, L, ref, L / ref - 1);
        assert_true(fabs(L / ref - 1.0) < 1e-5);
        assert_true(fabs(L4 / (4 * ref) - 1.0) < 1e-5);
        /* the weights multiply */
        zp_parton_pair w3 = {1, -1, 3.0};
        double L3;
        assert_int_equal(zp_lumi_pairs(g_pdf, &w3, 1, M, sqrts, 1e-7, &L3), ZP_OK);
        assert_true(fabs(L3 / (3 * ref) - 1.0) < 1e-5);
    }
    /* bad arguments are refused, not integrated */
    double L;
    zp_err_clear();
    assert_int_equal(zp_lumi_pairs(g_pdf, zp_lumi_pairs_bs, 4, 2000.0, 1000.0, 1e-6, &L), ZP_EINPUT);
    zp_err_clear();
    assert_int_equal(zp_lumi_pairs(g_pdf, zp_lumi_pairs_bs, 4, 200.0, 1000.0, 0.1, &L), ZP_EINPUT);
    zp_err_clear();
    /* a mass outside the grid's Q range is an error (default policy), with the PDF's message */
    assert_int_equal(zp_lumi_pairs(g_pdf, zp_lumi_pairs_bs, 4, 2e4, 1e5, 1e-6, &L), ZP_EINPUT);
    assert_non_null(strstr(zp_err_msg(), "outside the grid"));
    zp_err_clear();
}

/* Acceptance at fixed y by brute force in the lepton variables: midpoint rule in
 * u = cos theta with the cuts applied to pT and both pseudorapidities. */
static double acc_brute_y(double M, double y, const zp_lumi_cuts *c, int n)
{
    double s = 0;
    for (int k = 0; k < n; ++k) {
        const double u = -1.0 + (k + 0.5) * 2.0 / n;
        const double pt = 0.5 * M * sqrt(1.0 - u * u);
        const double es = atanh(u);
        if (pt > c->pt_min && fabs(y + es) < c->abs_eta_max && fabs(y - es) < c->abs_eta_max)
            s += 0.375 * (1.0 + u * u);
    }
    return s * 2.0 / n;
}

static void test_acc_fixed_y(void **state)
{
    (void)state;
    const zp_lumi_cuts cuts[] = {{30, 2.5}, {0, 2.5}, {100, 1.0}, {30, INFINITY}};
    const double Ms[] = {70, 100, 250, 1000};
    const double ys[] = {0.0, 0.4, -1.3, 2.2, 2.49, 3.0};
    for (size_t a = 0; a < 4; ++a)
        for (size_t b = 0; b < 4; ++b)
            for (size_t d = 0; d < 6; ++d) {
                const double A = zp_lumi_acc_at_y(Ms[b], ys[d], &cuts[a]);
                const double B = acc_brute_y(Ms[b], ys[d], &cuts[a], 400000);
                assert_true(fabs(A - B) < 1e-5);
            }
    /* closed form spot check: y = 0, M = 200, pT > 30: c = sqrt(1 - 0.09) */
    const double c = sqrt(0.91);
    assert_true(fabs(zp_lumi_acc_at_y(200, 0, &cuts[0]) - (3 * c + c * c * c) / 4) < 1e-15);
    /* below threshold nothing passes */
    assert_true(zp_lumi_acc_at_y(59.9, 0, &cuts[0]) == 0.0);
}

static void test_acc_limits(void **state)
{
    (void)state;
    const zp_lumi_cuts open1 = {0.0, 1e6}, open2 = {0.0, INFINITY};
    double L, A;
    for (double M = 20; M < 1000; M *= 3.1) {
        assert_int_equal(zp_lumi_fiducial(g_pdf, zp_lumi_pairs_bs, 4, M, 1000.0, &open1, 1e-6, &L, &A), ZP_OK);
        assert_true(fabs(A - 1.0) < 1e-9);
        assert_int_equal(zp_lumi_fiducial(g_pdf, zp_lumi_pairs_bs, 4, M, 1000.0, &open2, 1e-6, &L, &A), ZP_OK);
        assert_true(fabs(A - 1.0) < 1e-9);
    }
    const zp_lumi_cuts hard = {600.0, 2.5};
    assert_int_equal(zp_lumi_fiducial(g_pdf, zp_lumi_pairs_bs, 4, 1000.0, 13000.0, &hard, 1e-6, &L, &A), ZP_OK);
    assert_true(A == 0.0 && L > 0);
}

/* Full acceptance against a brute-force double sum over (y, cos theta) with the
 * analytic f (not the grid) and explicit lepton cuts. */
static void test_acc_full(void **state)
{
    (void)state;
    const double sqrts = 1000.0;
    const zp_lumi_cuts cuts = {30.0, 2.5};
    const double Ms[] = {100.0, 300.0};
    for (int m = 0; m < 2; ++m) {
        const double M = Ms[m], rt = M / sqrts, Y = -log(rt);
        const int ny = 4000, nu = 4000;
        double num = 0, den = 0;
        for (int i = 0; i < ny; ++i) {
            const double y = -Y + (i + 0.5) * 2 * Y / ny;
            const double w = fpow(rt * exp(y)) * fpow(rt * exp(-y));
            den += w;
            num += w * acc_brute_y(M, y, &cuts, nu);
        }
        double L, A;
        assert_int_equal(zp_lumi_fiducial(g_pdf, zp_lumi_pairs_bs, 4, M, sqrts, &cuts, 1e-7, &L, &A), ZP_OK);
        print_message("M = %g: A = %.6f, brute force %.6f\n", M, A, num / den);
        assert_true(fabs(A - num / den) < 3e-4);
        assert_true(fabs(L / (4 * lumi_ref(rt * rt)) - 1.0) < 1e-5);
    }
}

/* ---- NNPDF2.3 LO ------------------------------------------------------------------ */

static zp_pdf *open_nnpdf(void)
{
    const char *dp = getenv("LHAPDF_DATA_PATH");
    char p[1024];
    if (!dp) return NULL;
    snprintf(p, sizeof p, "%s/NNPDF23_lo_as_0130_qed/NNPDF23_lo_as_0130_qed.info", dp);
    if (access(p, R_OK)) return NULL;
    zp_pdf *pdf = NULL;
    zp_err_clear();
    if (zp_pdf_open("NNPDF23_lo_as_0130_qed", 0, &pdf)) fail_msg("%s", zp_err_msg());
    return pdf;
}

/* Simpson's rule in ln x: an independent integration of the same integrand. */
static double lumi_simpson(const zp_pdf *pdf, int i, int j, double M, double sqrts, int n)
{
    const double tau = M * M / (sqrts * sqrts), a = log(tau), h = -a / n;
    double s = 0;
    for (int k = 0; k <= n; ++k) {
        const double lx = a + k * h, x = fmin(exp(lx), 1.0);
        double f1, f2;
        if (zp_pdf_fxq(pdf, i, x, M, &f1) || zp_pdf_fxq(pdf, j, fmin(tau / x, 1.0), M, &f2)) return NAN;
        s += (k == 0 || k == n ? 1 : (k % 2 ? 4 : 2)) * f1 * f2;
    }
    return s * h / 3;
}

static void test_nnpdf_lumi(void **state)
{
    (void)state;
    zp_pdf *pdf = open_nnpdf();
    if (!pdf) skip();
    const double sqrts = 13000.0;
    double prev = INFINITY;
    for (double M = 91.1876; M < 6000; M *= 2.5) {
        double Lq[6];
        for (int q = 1; q <= 5; ++q) {
            zp_parton_pair pp[2];
            zp_lumi_pairs_qqbar(q, 1.0, pp);
            double a, b;
            assert_int_equal(zp_lumi_pairs(pdf, &pp[0], 1, M, sqrts, 1e-7, &a), ZP_OK);
            assert_int_equal(zp_lumi_pairs(pdf, &pp[1], 1, M, sqrts, 1e-7, &b), ZP_OK);
            assert_true(fabs(a / b - 1.0) < 1e-6); /* y -> -y symmetry */
            const double s = lumi_simpson(pdf, q, -q, M, sqrts, 40000);
            assert_true(fabs(a / s - 1.0) < 1e-5);
            Lq[q] = a + b;
        }
        print_message("M = %7.1f GeV: L(uubar+ubaru) = %.5e, dd %.5e, ss %.5e, cc %.5e, bb %.5e\n",
                      M, Lq[2], Lq[1], Lq[3], Lq[4], Lq[5]);
        assert_true(Lq[2] > Lq[1] && Lq[1] > Lq[3] && Lq[3] > Lq[4] && Lq[4] > Lq[5] && Lq[5] > 0);
        assert_true(Lq[2] < prev);
        prev = Lq[2];
    }
    zp_pdf_free(pdf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lumi_analytic),
        cmocka_unit_test(test_acc_fixed_y),
        cmocka_unit_test(test_acc_limits),
        cmocka_unit_test(test_acc_full),
        cmocka_unit_test(test_nnpdf_lumi),
    };
    return cmocka_run_group_tests_name("lumi", tests, setup, teardown);
}
