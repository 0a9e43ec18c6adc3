/* LHAPDF6 reader: interpolation on analytic grids, error paths, NNPDF2.3 LO sanity. */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>

#include "lhc_testgrid.h"
#include "zpscan/pdf.h"

static char g_dir[256];

/* A smooth x- and Q-dependent shape, one per flavour; the photon is negative so the
 * writer produces fused tokens. */
static double shape(int pid, double x, double q)
{
    const double L = log(q * q);
    const double a = 0.3 + 0.02 * abs(pid) + 0.01 * L;
    const double b = 3.0 + 0.1 * L;
    const double n = (pid == 22) ? -0.01 : 1.0 + 0.1 * pid;
    return n * pow(x, a) * pow(1.0 - x, b) * (1.0 + 0.05 * L);
}

static double shape_member1(int pid, double x, double q) { return 2.0 * shape(pid, x, q); }

static const int k_pids[] = {-5, -4, -3, -2, -1, 1, 2, 3, 4, 5, 21, 22};
#define NPIDS ((int)(sizeof k_pids / sizeof k_pids[0]))

static int rm_cb(const char *p, const struct stat *sb, int tf, struct FTW *fb)
{
    (void)sb; (void)tf; (void)fb;
    return remove(p);
}

static void path_of(char *buf, size_t n, const char *set, const char *file)
{
    snprintf(buf, n, "%s/%s/%s", g_dir, set, file);
}

/* Set "ana": 3 subgrids in Q, two members; NumMembers says 3 so member 2 is missing. */
static int make_sets(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof g_dir, "/tmp/zp_test_pdf_XXXXXX");
    if (!mkdtemp(g_dir)) return -1;
    char p[512];
    snprintf(p, sizeof p, "%s/ana", g_dir);
    mkdir(p, 0755);
    double x[400];
    int nx = tg_xknots(x, 1e-6, 200, 150);
    const double qe[] = {1.0, 5.0, 100.0, 1e4};
    path_of(p, sizeof p, "ana", "ana.info");
    if (tg_write_info(p, 3)) return -1;
    path_of(p, sizeof p, "ana", "ana_0000.dat");
    if (tg_write_member(p, shape, x, nx, qe, 3, 40, k_pids, NPIDS)) return -1;
    path_of(p, sizeof p, "ana", "ana_0001.dat");
    if (tg_write_member(p, shape_member1, x, nx, qe, 3, 40, k_pids, NPIDS)) return -1;
    return 0;
}

static int remove_sets(void **state)
{
    (void)state;
    return nftw(g_dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static void test_interpolation(void **state)
{
    (void)state;
    zp_err_clear();
    zp_pdf *pdf;
    assert_int_equal(zp_pdf_open_path(g_dir, "ana", 0, &pdf), ZP_OK);
    assert_int_equal(zp_pdf_nsubgrids(pdf), 3);
    assert_true(fabs(zp_pdf_xmin(pdf) - 1e-6) < 1e-20);
    assert_true(zp_pdf_qmax(pdf) == 1e4);
    double worst = 0;
    const double xs[] = {2e-6, 3.3e-5, 1.7e-4, 0.0123, 0.0999, 0.1003, 0.37, 0.55, 0.71};
    const double qs[] = {1.3, 4.99, 5.0, 7.7, 91.1876, 100.0, 333.0, 2500.0, 9999.0};
    for (int k = 0; k < NPIDS; ++k)
        for (size_t i = 0; i < sizeof xs / sizeof *xs; ++i)
            for (size_t j = 0; j < sizeof qs / sizeof *qs; ++j) {
                double xf, f;
                assert_int_equal(zp_pdf_xfxq(pdf, k_pids[k], xs[i], qs[j], &xf), ZP_OK);
                assert_int_equal(zp_pdf_fxq(pdf, k_pids[k], xs[i], qs[j], &f), ZP_OK);
                const double ref = shape(k_pids[k], xs[i], qs[j]);
                const double e = fabs(xf / ref - 1.0);
                if (e > worst) worst = e;
                assert_true(fabs(f * xs[i] / xf - 1.0) < 1e-14);
            }
    print_message("analytic grid: worst relative interpolation error %.2e\n", worst);
    assert_true(worst < 1e-5);

    /* on the knots the grid value is returned exactly (to the 16 digits written) */
    double xf;
    assert_int_equal(zp_pdf_xfxq(pdf, 2, 0.1, 100.0, &xf), ZP_OK);
    assert_true(fabs(xf / shape(2, 0.1, 100.0) - 1.0) < 1e-13);
    /* gluon as 0 or 21; the top is not in the grid: 0, as LHAPDF */
    double g0, g21, t;
    assert_int_equal(zp_pdf_xfxq(pdf, 0, 0.01, 50.0, &g0), ZP_OK);
    assert_int_equal(zp_pdf_xfxq(pdf, 21, 0.01, 50.0, &g21), ZP_OK);
    assert_true(g0 == g21);
    assert_false(zp_pdf_has_flavour(pdf, 6));
    assert_int_equal(zp_pdf_xfxq(pdf, 6, 0.01, 50.0, &t), ZP_OK);
    assert_true(t == 0.0);
    assert_int_equal(zp_pdf_xfxq(pdf, 7, 0.01, 50.0, &t), ZP_EINPUT);
    zp_err_clear();
    zp_pdf_free(pdf);

    /* member 1 is twice member 0 */
    assert_int_equal(zp_pdf_open_path(g_dir, "ana", 1, &pdf), ZP_OK);
    assert_int_equal(zp_pdf_xfxq(pdf, 1, 0.2, 30.0, &xf), ZP_OK);
    assert_true(fabs(xf / (2 * shape(1, 0.2, 30.0)) - 1.0) < 1e-5);
    zp_pdf_free(pdf);
}

static void test_extrapolation_policy(void **state)
{
    (void)state;
    zp_err_clear();
    zp_pdf *pdf;
    assert_int_equal(zp_pdf_open_path(g_dir, "ana", 0, &pdf), ZP_OK);
    double v, edge;
    assert_int_equal(zp_pdf_xfxq(pdf, 1, 1e-7, 10.0, &v), ZP_EINPUT);
    assert_non_null(strstr(zp_err_msg(), "outside the grid"));
    zp_err_clear();
    assert_int_equal(zp_pdf_xfxq(pdf, 1, 0.1, 0.5, &v), ZP_EINPUT);
    zp_err_clear();
    assert_int_equal(zp_pdf_xfxq(pdf, 1, 0.1, 2e4, &v), ZP_EINPUT);
    zp_err_clear();
    zp_pdf_set_extrapolation(pdf, ZP_PDF_EXTRAP_NEAREST);
    assert_int_equal(zp_pdf_xfxq(pdf, 1, 1e-7, 2e4, &v), ZP_OK);
    assert_int_equal(zp_pdf_xfxq(pdf, 1, 1e-6, 1e4, &edge), ZP_OK);
    assert_true(v == edge);
    zp_pdf_free(pdf);
}

/* Copy set "ana" member 0 into set `name`, with the text edited by `edit`. */
static void make_variant(const char *name, int write_info, int nmembers,
                         void (*edit)(char *buf, size_t *len))
{
    char p[512], q[512];
    snprintf(p, sizeof p, "%s/%s", g_dir, name);
    mkdir(p, 0755);
    if (write_info) {
        snprintf(p, sizeof p, "%s/%s/%s.info", g_dir, name, name);
        assert_int_equal(tg_write_info(p, nmembers), 0);
    }
    path_of(q, sizeof q, "ana", "ana_0000.dat");
    FILE *f = fopen(q, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    size_t len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc(len + 64);
    assert_int_equal(fread(buf, 1, len, f), len);
    fclose(f);
    if (edit) edit(buf, &len);
    snprintf(p, sizeof p, "%s/%s/%s_0000.dat", g_dir, name, name);
    f = fopen(p, "wb");
    fwrite(buf, 1, len, f);
    fclose(f);
    free(buf);
}

static int count_lines(const char *buf, size_t len)
{
    int n = 0;
    for (size_t i = 0; i < len; ++i) n += buf[i] == '\n';
    return n;
}

static int g_expect_line;

/* cut the file in the middle of the second subgrid's data */
static void edit_truncate(char *buf, size_t *len)
{
    size_t cut = *len * 1 / 2;
    while (buf[cut] != '\n') ++cut;
    *len = cut + 1;
    g_expect_line = count_lines(buf, *len); /* EOF is met after the last complete line */
}

/* replace the first token of data line 12 with garbage */
static void edit_badtoken(char *buf, size_t *len)
{
    (void)len;
    int line = 1;
    size_t i = 0;
    while (line < 12) line += buf[i++] == '\n';
    memcpy(buf + i, "1.5x3", 5);
    g_expect_line = 12;
}

static void expect_error(zp_status got, const char *file_part, int line)
{
    assert_int_equal(got, ZP_EINPUT);
    const char *m = zp_err_msg();
    print_message("  error: %s\n", m);
    assert_non_null(strstr(m, file_part));
    if (line > 0) {
        char needle[64];
        snprintf(needle, sizeof needle, "%s:%d:", file_part, line);
        assert_non_null(strstr(m, needle));
    }
    zp_err_clear();
}

static void test_errors(void **state)
{
    (void)state;
    zp_err_clear();
    zp_pdf *pdf = (zp_pdf *)1;

    /* missing member file (NumMembers 3, only 0 and 1 exist) */
    expect_error(zp_pdf_open_path(g_dir, "ana", 2, &pdf), "ana_0002.dat", 0);
    assert_null(pdf);
    /* member beyond NumMembers: named at the .info line that says so */
    expect_error(zp_pdf_open_path(g_dir, "ana", 3, &pdf), "ana.info", 3);
    /* set not on the path at all */
    expect_error(zp_pdf_open_path(g_dir, "nosuchset", 0, &pdf), "nosuchset", 0);

    make_variant("noinfo", 0, 1, NULL);
    expect_error(zp_pdf_open_path(g_dir, "noinfo", 0, &pdf), "noinfo/noinfo.info", 0);

    make_variant("trunc", 1, 1, edit_truncate);
    expect_error(zp_pdf_open_path(g_dir, "trunc", 0, &pdf), "trunc_0000.dat", g_expect_line);

    make_variant("badtok", 1, 1, edit_badtoken);
    expect_error(zp_pdf_open_path(g_dir, "badtok", 0, &pdf), "badtok_0000.dat", g_expect_line);

    /* search path: later entries are used when earlier ones lack the set */
    char sp[600];
    snprintf(sp, sizeof sp, "/nonexistent::%s", g_dir);
    assert_int_equal(zp_pdf_open_path(sp, "ana", 0, &pdf), ZP_OK);
    zp_pdf_free(pdf);
}

/* ---- NNPDF2.3 LO, when the shared copy exists -------------------------------------- */

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

typedef struct { const zp_pdf *pdf; double q; } msr_ctx;

static double msr_integrand(double lx, void *vp)
{
    const msr_ctx *c = vp;
    const double x = exp(lx);
    double s = 0;
    for (int pid = -6; pid <= 22; ++pid) {
        if (pid > 6 && pid != 21 && pid != 22) continue;
        if (pid == 0) continue;
        double xf;
        if (zp_pdf_xfxq(c->pdf, pid, x, c->q, &xf)) return NAN;
        s += xf;
    }
    return s * x; /* int dx xf = int dlnx x xf */
}

static void test_nnpdf_sum_rule(void **state)
{
    (void)state;
    zp_pdf *pdf = open_nnpdf();
    if (!pdf) skip();
    gsl_set_error_handler_off();
    gsl_integration_workspace *ws = gsl_integration_workspace_alloc(1000);
    msr_ctx c = {pdf, 100.0};
    gsl_function F = {msr_integrand, &c};
    double r, e;
    assert_int_equal(gsl_integration_qag(&F, log(zp_pdf_xmin(pdf)), 0.0, 0, 1e-7, 1000, 6, ws, &r, &e), 0);
    print_message("NNPDF2.3 LO momentum sum at Q = 100 GeV: %.5f\n", r);
    assert_true(fabs(r - 1.0) < 0.01);
    /* valence: int (u - ubar) dx = 2 to a few per cent at LO */
    gsl_integration_workspace_free(ws);
    double u, ub;
    assert_int_equal(zp_pdf_xfxq(pdf, 2, 0.1, 100.0, &u), ZP_OK);
    assert_int_equal(zp_pdf_xfxq(pdf, -2, 0.1, 100.0, &ub), ZP_OK);
    assert_true(u > ub && ub > 0);
    zp_pdf_free(pdf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interpolation),
        cmocka_unit_test(test_extrapolation_policy),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_nnpdf_sum_rule),
    };
    return cmocka_run_group_tests_name("pdf", tests, make_sets, remove_sets);
}
