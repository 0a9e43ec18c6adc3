/* Unit tests of the config module: every bad-input case (status, file, line, key) and
 * the good paths (axes, lists, constants, defaults, observables, combine, projections,
 * data files). Test inputs are written to a fresh mkdtemp directory; the data files are
 * the repository's inputs/ (ZP_TEST_SRCDIR). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zpscan/config.h"

#ifndef ZP_TEST_SRCDIR
#error "ZP_TEST_SRCDIR must name the source root"
#endif

static char g_dir[256];
static zp_config *g_c;

/* Sections every test input gets unless the test text has its own header for it. */
static const char *const common[] = {
    "[scan]\nlepton = mu\n",
    "[axis.mass]\nmin = 100\nmax = 1000\nn = 10\n",
    "[axis.gqL]\nmin = 1e-6\nmax = 1e-1\nn = 6\nspacing = log\n",
    "[axis.gqR]\nvalues = 0\n",
    "[axis.gV]\nmin = -1\nmax = 1\nn = 3\n",
    "[axis.gA]\nvalues = 0\n",
};

static char *write_file(const char *name, const char *text)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

/* The test's own text first (so its line numbers are simple), then the common sections
 * it does not have. `omit` names extra sections to leave out (e.g. "[axis.gA]"). */
static char *build(const char *own, const char *omit)
{
    size_t cap = strlen(own) + 4096;
    char *t = malloc(cap);
    assert_non_null(t);
    snprintf(t, cap, "%s", own);
    for (size_t i = 0; i < sizeof common / sizeof common[0]; ++i) {
        char hdr[32];
        size_t hl = strcspn(common[i], "\n");
        snprintf(hdr, sizeof hdr, "%.*s", (int)hl, common[i]);
        if (strstr(own, hdr) || (omit && strstr(omit, hdr))) continue;
        strcat(t, "\n");
        strcat(t, common[i]);
    }
    return t;
}

static zp_status load_text(const char *own, const char *omit, const char **path_out)
{
    char *t = build(own, omit);
    const char *p = write_file("in.ini", t);
    free(t);
    if (path_out) *path_out = p;
    zp_err_clear();
    return zp_config_load(p, g_c, NULL);
}

static void expect_ok(const char *own)
{
    zp_status st = load_text(own, NULL, NULL);
    if (st != ZP_OK) fail_msg("unexpected error: %s", zp_err_msg());
}

/* Error: ZP_EINPUT, the message starts with "path:line: " (line 0: "path: "),
 * and contains `what` (e.g. "[axis.gV] min:") and optionally `also`. */
static void expect_err_in(const char *path, int line, const char *what, const char *also)
{
    const char *m = zp_err_msg();
    char pre[600];
    if (line > 0) snprintf(pre, sizeof pre, "%s:%d: ", path, line);
    else snprintf(pre, sizeof pre, "%s: ", path);
    if (strncmp(m, pre, strlen(pre)) != 0) fail_msg("expected prefix '%s' in: %s", pre, m);
    if (!strstr(m, what)) fail_msg("expected '%s' in: %s", what, m);
    if (also && !strstr(m, also)) fail_msg("expected '%s' in: %s", also, m);
    if (strchr(m, '\n')) fail_msg("message is not one line: %s", m);
}

static void expect_err2(const char *own, const char *omit, int line, const char *what,
                        const char *also)
{
    const char *p;
    zp_status st = load_text(own, omit, &p);
    if (st != ZP_EINPUT)
        fail_msg("expected ZP_EINPUT, got %d (%s) for:\n%s", st, zp_err_msg(), own);
    expect_err_in(p, line, what, also);
}

static void expect_err(const char *own, int line, const char *what)
{
    expect_err2(own, NULL, line, what, NULL);
}

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof g_dir, "/tmp/zpscan-test-config-XXXXXX");
    if (!mkdtemp(g_dir)) return -1;
    if (setenv("ZPSCAN_DATADIR", ZP_TEST_SRCDIR "/inputs", 1)) return -1;
    g_c = malloc(sizeof *g_c);
    return g_c ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    free(g_c);
    return system(cmd) == 0 ? 0 : -1;
}

/* ---------------------------------------------------------------- bad inputs --- */

static void t_unknown_section(void **s)
{
    (void)s;
    expect_err("[scan]\nlepton = mu\n\n[axes.mass]\nmin = 1\n", 4, "[axes.mass]:");
}

static void t_unknown_key(void **s)
{
    (void)s;
    expect_err("[scan]\nlepton = mu\ncolour = red\n", 3, "[scan] colour:");
    expect_err("[axis.gV]\nmin = 0\nmax = 1\nn = 2\nstep = 0.5\n", 5, "[axis.gV] step:");
    expect_err("[constants]\nMW = 80.4\n", 2, "[constants] MW:");
}

static void t_missing_key(void **s)
{
    (void)s;
    expect_err("; comment\n[scan]\noutput = x.h5\n", 2, "[scan] lepton:");
    expect_err("[axis.gV]\nmin = 0\nmax = 1\n", 1, "[axis.gV] n:");
    expect_err("\n\n[axis.gqR]\nmax = 1\nn = 2\n", 3, "[axis.gqR] min:");
}

static void t_missing_section(void **s)
{
    (void)s;
    expect_err2("[scan]\nlepton = e\n", "[axis.gA]", 0, "[axis.gA]:", "missing");
}

static void t_n_below_one(void **s)
{
    (void)s;
    expect_err("[axis.gV]\nmin = 0\nmax = 1\nn = 0\n", 4, "[axis.gV] n:");
    expect_err("[axis.gV]\nmin = 0\nmax = 1\nn = -3\n", 4, "[axis.gV] n:");
}

static void t_min_above_max(void **s)
{
    (void)s;
    expect_err("[axis.gV]\nmin = 2\nmax = 1\nn = 3\n", 3, "[axis.gV] max:");
    expect_err("[axis.mass]\nmin = 500\nmax = 200\nn = 3\nspacing = log\n", 3, "[axis.mass] max:");
}

static void t_single_point_rules(void **s)
{
    (void)s;
    expect_err("[axis.gV]\nmin = 0\nmax = 1\nn = 1\n", 4, "[axis.gV] n:");
    expect_err("[axis.gV]\nmin = 1\nmax = 1\nn = 4\n", 4, "[axis.gV] n:");
}

static void t_log_touches_zero(void **s)
{
    (void)s;
    expect_err("[axis.gqL]\nspacing = log\nmin = 0\nmax = 1\nn = 3\n", 3, "[axis.gqL] min:");
    expect_err("[axis.gqL]\nmin = -1\nmax = 1\nn = 3\nspacing = log\n", 2, "[axis.gqL] min:");
}

static void t_not_a_number(void **s)
{
    (void)s;
    expect_err("[axis.gV]\nmin = abc\nmax = 1\nn = 3\n", 2, "[axis.gV] min:");
    expect_err("[axis.gV]\nmin = 0\nmax = 1.5x\nn = 3\n", 3, "[axis.gV] max:");
    expect_err("[axis.gV]\nmin = nan\nmax = 1\nn = 3\n", 2, "[axis.gV] min:");
    expect_err("[axis.gV]\nmin = 0\nmax = inf\nn = 3\n", 3, "[axis.gV] max:");
    expect_err("[axis.gV]\nmin = 0\nmax = 1e999\nn = 3\n", 3, "[axis.gV] max:");
    expect_err2("[axis.gV]\nmin = 1e-400\nmax = 1\nn = 3\n", NULL, 2, "[axis.gV] min:", "range");
    expect_err("[axis.gV]\nvalues = 1e-999, 1\n", 2, "[axis.gV] values:");
    expect_err("[axis.gV]\nmin = 0\nmax =\nn = 3\n", 3, "[axis.gV] max:");
    expect_err("[axis.gV]\nmin = 0\nmax = 1\nn = 2.5\n", 4, "[axis.gV] n:");
    expect_err("[axis.gV]\nmin = 0\nmax = 1\nn = 99999999999999999999\n", 4, "[axis.gV] n:");
    expect_err("[axis.gV]\nvalues = 1, two, 3\n", 2, "[axis.gV] values:");
    expect_err("[constants]\nMZ = 91.1876 GeV\n", 2, "[constants] MZ:");
    expect_err("[g-2]\nnsigma = two\n", 2, "[g-2] nsigma:");
    expect_err("[scan]\nlepton = mu\ncheckpoint_seconds = soon\n", 3, "[scan] checkpoint_seconds:");
}

static void t_duplicate_key(void **s)
{
    (void)s;
    expect_err("[axis.gV]\nmin = 0\nmax = 1\nmin = 0.5\nn = 3\n", 4, "[axis.gV] min:");
    expect_err("[scan]\nlepton = mu\nlepton = e\n", 3, "[scan] lepton:");
}

static void t_duplicate_section(void **s)
{
    (void)s;
    expect_err("[scan]\nlepton = mu\n[axis.gV]\nvalues = 1\n[scan]\noutput = a.h5\n", 5, "[scan]:");
}

static void t_conflicting_keys(void **s)
{
    (void)s;
    expect_err("[axis.gV]\nvalues = 1, 2\nmin = 0\n", 3, "[axis.gV] min:");
    expect_err("[axis.gV]\nn = 3\nvalues = 1, 2\n", 2, "[axis.gV] n:");
    expect_err("[axis.gV]\nvalues = 1, 2\nmax = 4\n", 3, "[axis.gV] max:");
    expect_err("[axis.gV]\nvalues = 1, 2\nspacing = log\n", 3, "[axis.gV] spacing:");
}

static void t_unknown_enum(void **s)
{
    (void)s;
    expect_err("[scan]\nlepton = tau\n", 2, "[scan] lepton:");
    expect_err("[axis.gV]\nmin = 1\nmax = 2\nn = 3\nspacing = cubic\n", 5, "[axis.gV] spacing:");
    expect_err("[axis.gV]\nmin = 1\nmax = 2\nn = 3\nspacing = log\nsign = both\n", 6, "[axis.gV] sign:");
    expect_err("[axis.gV]\nmin = 1\nmax = 2\nn = 3\nspacing = log\ninclude_zero = maybe\n", 6,
               "[axis.gV] include_zero:");
    expect_err("[scan]\nlepton = mu\npoints = perhaps\n", 3, "[scan] points:");
    expect_err("[flavour]\nlevel = 3\n", 2, "[flavour] level:");
    expect_err("[g-2]\nrule = strict\n", 2, "[g-2] rule:");
    expect_err("[lhc]\nenabled = sometimes\n", 2, "[lhc] enabled:");
}

static void t_sign_on_lin_axis(void **s)
{
    (void)s;
    expect_err("[axis.gV]\nmin = 1\nmax = 2\nn = 3\nsign = +-\n", 5, "[axis.gV] sign:");
    expect_err("[axis.gV]\nmin = 1\nmax = 2\nn = 3\nspacing = lin\ninclude_zero = yes\n", 6,
               "[axis.gV] include_zero:");
}

static void t_tile_extent(void **s)
{
    (void)s;
    expect_err("[scan]\nlepton = mu\ntile = 1, 1, 0, 1, 1\n", 3, "[scan] tile:");
    expect_err("[scan]\nlepton = mu\ntile = 1, 1, -2, 1, 1\n", 3, "[scan] tile:");
    expect_err("[scan]\nlepton = mu\ntile = 1, x, 2, 1, 1\n", 3, "[scan] tile:");
}

static void t_wrong_count(void **s)
{
    (void)s;
    expect_err("[scan]\nlepton = mu\ntile = 1, 2, 3\n", 3, "[scan] tile:");
    expect_err("[scan]\nlepton = mu\ntile = 1, 2, 3, 4, 5, 6\n", 3, "[scan] tile:");
    expect_err("[scan]\nlepton = mu\nprojections = gqL:gV:gA\n", 3, "[scan] projections:");
    expect_err("[scan]\nlepton = mu\nprojections = gqL\n", 3, "[scan] projections:");
}

static void t_bad_lists(void **s)
{
    (void)s;
    expect_err("[scan]\nlepton = mu\nobservables = C9, C11\n", 3, "[scan] observables:");
    expect_err("[scan]\nlepton = mu\nobservables = C9, C9\n", 3, "[scan] observables:");
    expect_err("[scan]\nlepton = mu\nobservables = C9,,C10\n", 3, "[scan] observables:");
    expect_err("[scan]\nlepton = mu\ncombine = flavour, atlas\n", 3, "[scan] combine:");
    expect_err("[scan]\nlepton = mu\nprojections = gqL:gX\n", 3, "[scan] projections:");
    expect_err("[scan]\nlepton = mu\nprojections = gqL:gqL\n", 3, "[scan] projections:");
    expect_err("[scan]\nlepton = mu\nprojections = mass:gqL\n", 3, "[scan] projections:");
    expect_err("[scan]\nlepton = mu\nmax_output_bytes = 10X\n", 3, "[scan] max_output_bytes:");
    expect_err("[scan]\nlepton = mu\nmax_output_bytes = -1\n", 3, "[scan] max_output_bytes:");
    expect_err("[scan]\nlepton = mu\nmax_output_bytes = 99999999999T\n", 3, "[scan] max_output_bytes:");
}

static void t_bad_values_list(void **s)
{
    (void)s;
    expect_err("[axis.gV]\nvalues = 1, 3, 2\n", 2, "[axis.gV] values:");
    expect_err("[axis.gV]\nvalues = 1, 2, 2\n", 2, "[axis.gV] values:");
    expect_err("[axis.mass]\nvalues = 0, 200\n", 2, "[axis.mass] values:");
    expect_err("[axis.gV]\nvalues = 1, 2,\n", 2, "[axis.gV] values:");
}

static void t_syntax(void **s)
{
    (void)s;
    expect_err("[scan]\nlepton = mu\njust some words\n", 3, "[scan]:");
    expect_err("[scan\nlepton = mu\n", 1, "section header");
    expect_err("lepton = mu\n[scan]\n", 1, "lepton:");
    expect_err("[scan] extra\nlepton = mu\n", 1, "text after");
}

static void t_long_line(void **s)
{
    (void)s;
    char own[1024] = "[axis.gV]\nvalues = 0";
    for (int i = 1; i < 80; ++i) {
        char b[16];
        snprintf(b, sizeof b, ", %d", i);
        strcat(own, b);
    }
    strcat(own, "\n");
    expect_err(own, 2, "too long");
}

static void t_missing_input_file(void **s)
{
    (void)s;
    char p[512];
    snprintf(p, sizeof p, "%s/does-not-exist.ini", g_dir);
    zp_err_clear();
    assert_int_equal(zp_config_load(p, g_c, NULL), ZP_EINPUT);
    assert_non_null(strstr(zp_err_msg(), p));
    char *t = NULL;
    zp_err_clear();
    assert_int_equal(zp_read_text_file(p, &t, NULL), ZP_EIO);
    assert_non_null(strstr(zp_err_msg(), p));
    assert_null(t);
}

static void t_missing_data_files(void **s)
{
    (void)s;
    expect_err2("[flavour]\nfile = nowhere/table.ini\n", NULL, 2, "[flavour] file:", "nowhere/table.ini");
    expect_err2("[g-2]\nfile = nope.ini\n", NULL, 2, "[g-2] file:", "nope.ini");
    expect_err2("[lhc]\nlimits = none.csv\n", NULL, 2, "[lhc] limits:", "none.csv");
    expect_err2("[lhc]\nlumi_table = none.csv\n", NULL, 2, "[lhc] lumi_table:", "none.csv");
    /* the default file of a missing key: the section's line, or none without a section */
    setenv("ZPSCAN_DATADIR", "/nonexistent-zpscan-data", 1);
    expect_err2("[scan]\nlepton = mu\n", NULL, 0, "[flavour] file:", "/nonexistent-zpscan-data/");
    assert_non_null(strstr(zp_err_msg(), "ZPSCAN_DATADIR"));
    setenv("ZPSCAN_DATADIR", ZP_TEST_SRCDIR "/inputs", 1);
}

static void t_lhc_files_not_checked_when_disabled(void **s)
{
    (void)s;
    expect_ok("[lhc]\nenabled = no\nlimits = none.csv\n");
    /* with pdf_set the luminosity table is computed, so it need not exist; the set itself is
     * looked up (an empty LHAPDF_DATA_PATH: it is not there, and the error names pdf_set) */
    char *saved = getenv("LHAPDF_DATA_PATH") ? strdup(getenv("LHAPDF_DATA_PATH")) : NULL;
    setenv("LHAPDF_DATA_PATH", g_dir, 1);
    expect_err("[lhc]\npdf_set = NNPDF23_lo_as_0130_qed\nlumi_table = none.csv\n", 2, "[lhc] pdf_set: PDF set");
    if (strstr(zp_err_msg(), "lumi_table")) fail_msg("the luminosity table was checked: %s", zp_err_msg());
    zp_err_clear();
    if (saved) setenv("LHAPDF_DATA_PATH", saved, 1);
    else unsetenv("LHAPDF_DATA_PATH");
    /* where the caller's path has the set (development, CI with the set), it loads */
    char info[1200];
    snprintf(info, sizeof info, "%s/NNPDF23_lo_as_0130_qed/NNPDF23_lo_as_0130_qed.info", saved ? saved : "");
    if (saved && access(info, R_OK) == 0)
        expect_ok("[lhc]\npdf_set = NNPDF23_lo_as_0130_qed\nlumi_table = none.csv\n");
    free(saved);
}

static void t_g2_preset_errors(void **s)
{
    (void)s;
    expect_err2("[scan]\nlepton = e\n[g-2]\npreset = wp25\n", NULL, 4, "[g-2] preset:", "electron");
    expect_err2("[g-2]\npreset = nosuch\n", NULL, 2, "[g-2] preset:", "nosuch");
}

/* The 2026 constraints: their data files load (numbers and sources kept) and every bad
 * key or data line is one error naming the file, the line and the key. */
static void t_2026_data(void **s)
{
    (void)s;
    expect_ok("[bs_mixing]\nmethod = likelihood\n");
    assert_int_equal(g_c->cc.bs_mixing.likelihood, 1);
    assert_true(g_c->cc.bs_mixing.dms_exp == 17.765 && g_c->cc.bs_mixing.dms_sm == 18.4);
    assert_true(fabs(g_c->cc.bs_mixing.x0 - 0.9655) < 1e-4);
    assert_non_null(strstr(g_c->cc.bs_mixing.source, "arXiv:1909.11087"));
    assert_true(g_c->cc.bsmumu.br_exp == 3.34e-9 && g_c->cc.bsmumu.br_sm == 3.64e-9 && g_c->cc.bsmumu.c10_sm == -4.2);
    assert_non_null(strstr(g_c->cc.bsmumu.source, "arXiv:2407.03810"));
    assert_true(g_c->cc.trident.ratio == 0.82 && g_c->cc.trident.ratio_sigma == 0.28 && g_c->cc.trident.vev == 246.22);
    assert_true(g_c->cc.lep.min_mass == 209.0);
    expect_ok("[bsmumu]\nc10_sm = -4.1\nnsigma = 3\n[lep]\nmin_mass = 0\n[trident]\nnsigma = 1.5\n");
    assert_true(g_c->cc.bsmumu.c10_sm == -4.1 && g_c->cc.bsmumu.nsigma == 3 && g_c->cc.lep.min_mass == 0);
    assert_true(g_c->cc.trident.nsigma == 1.5);
    /* bad keys of the input */
    expect_err("[bs_mixing]\nmethod = maybe\n", 2, "[bs_mixing] method:");
    expect_err("[bs_mixing]\nnsigma = 0\n", 2, "[bs_mixing] nsigma:");
    expect_err("[bsmumu]\nc10_sm = 0\n", 2, "[bsmumu] c10_sm:");
    expect_err("[bsmumu]\nnsigma = x\n", 2, "[bsmumu] nsigma:");
    expect_err("[trident]\nnsigma = -1\n", 2, "[trident] nsigma:");
    expect_err("[lep]\nmin_mass = -5\n", 2, "[lep] min_mass:");
    expect_err("[lep]\nmax_mass = 5\n", 2, "[lep] max_mass:");
    expect_err("[bsmumu]\nfile = /nonexistent/b.ini\n", 2, "[bsmumu] file:");
    expect_err("[bs_mixing]\nmethod = likelihood\nfile = /nonexistent/d.ini\n", 3, "[bs_mixing] file:");
    /* bad data files: a non-number, out of range, an unknown key, a missing key, no source */
    char f[600];
    static const struct { const char *sec, *in, *text, *what; int line; } bad[] = {
        {"bsmumu", "", "[bsmumu]\nbr_exp = 3e-9x\nbr_exp_sigma = 1e-10\nbr_sm = 3e-9\nbr_sm_sigma = 1e-10\nc10_sm = -4\nsource = s\n",
         "[bsmumu] br_exp:", 2},
        {"bsmumu", "", "[bsmumu]\nbr_exp = 3e-9\nbr_exp_sigma = -1e-10\nbr_sm = 3e-9\nbr_sm_sigma = 1e-10\nc10_sm = -4\nsource = s\n",
         "[bsmumu] br_exp_sigma:", 3},
        {"bsmumu", "", "[bsmumu]\nbr_exp = 3e-9\nbr_exp_sigma = 1e-10\nbr_sm = 3e-9\nc10_sm = -4\nsource = s\n",
         "[bsmumu] br_sm_sigma:", 1},
        {"bsmumu", "", "[bsmumu]\nbr_exp = 3e-9\nbr_exp_sigma = 1e-10\nbr_sm = 3e-9\nbr_sm_sigma = 1e-10\nc10_sm = -4\n",
         "[bsmumu] source:", 1},
        {"trident", "", "[trident]\nratio = 0.8\nratio_sigma = 0.3\nvev = 246\nsource = s\nextra = 1\n",
         "[trident] extra:", 6},
        {"trident", "", "[tridents]\nratio = 0.8\nratio_sigma = 0.3\nvev = 246\nsource = s\n", "[tridents]", 1},
        {"bs_mixing", "method = likelihood\n", "[delta_ms]\nexp = 17.7\nexp_sigma = 0.01\nsm = 18\nsm_up = 1\nsm_down = 0\nsource = s\n",
         "[delta_ms] sm_down:", 6},
        {"bs_mixing", "method = likelihood\n", "[delta_ms]\nexp = 17.7\nexp_sigma = 0.01\nsm = 18\nsm_up = 1\nsm_down = 19\nsource = s\n",
         "[delta_ms] sm_down:", 0},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; ++i) {
        snprintf(f, sizeof f, "%s", write_file("d.ini", bad[i].text));
        char own[256];
        snprintf(own, sizeof own, "[%s]\n%sfile = d.ini\n", bad[i].sec, bad[i].in);
        zp_err_clear();
        if (load_text(own, NULL, NULL) != ZP_EINPUT) fail_msg("case %zu: accepted", i);
        expect_err_in(f, bad[i].line, bad[i].what, NULL);
    }
}

/* lepton = mu+e: g-2 presets for both leptons; the flavour file's univ entries and the
 * general Gaussian (any subset of C9, C10, C9p, C10p) */
static void t_universal_and_gauss(void **s)
{
    (void)s;
    expect_ok("[scan]\nlepton = mu+e\n");
    assert_int_equal(g_c->lepton, ZP_LEPTON_UNIV);
    assert_true(g_c->cc.g2.central == 290e-11 && g_c->cc.g2.central_e == -10.5e-13); /* paper2017 has both */
    assert_int_equal(g_c->cc.flavour.have[0] + g_c->cc.flavour.have[1] + g_c->cc.flavour.gn, 0); /* no univ numbers */
    expect_ok("[scan]\nlepton = mu+e\n[g-2]\npreset = wp25\npreset_e = fan2023_rb\n");
    assert_true(g_c->cc.g2.central == 38e-11 && g_c->cc.g2.central_e == 3.4e-13 && g_c->cc.g2.sigma_e == 1.6e-13);
    expect_ok("[scan]\nlepton = e\n[g-2]\npreset = fan2023_cs\n");
    assert_true(g_c->cc.g2.central == -10.2e-13 && g_c->cc.g2.sigma == 2.6e-13);
    expect_err2("[scan]\nlepton = mu+e\n[g-2]\npreset = wp25\n", NULL, 4, "[g-2] preset:", "electron");
    expect_err2("[scan]\nlepton = mu\n[g-2]\npreset_e = wp25\n", NULL, 4, "[g-2] preset_e:", "mu+e");
    expect_err2("[scan]\nlepton = tau\n", NULL, 2, "[scan] lepton:", "mu+e");
    /* a general Gaussian for univ and one for mu */
    char f[600];
    snprintf(f, sizeof f, "%s", write_file("fg.ini", "[univ.gauss]\ncoefficients = C9, C10\nmean = -0.5, 0.1\n"
                                                      "cov = 0.04, 0.01, 0.01, 0.09\nchi2_max = 5.99\nsource = a fit\n"
                                                      "[mu.gauss]\ncoefficients = C9p\nmean = 0.2\ncov = 0.25\n"
                                                      "chi2_max = 4\nsource = another\n"));
    expect_ok("[scan]\nlepton = mu+e\n[flavour]\nfile = fg.ini\n");
    assert_int_equal(g_c->cc.flavour.gn, 2);
    assert_true(g_c->cc.flavour.gidx[0] == 0 && g_c->cc.flavour.gidx[1] == 1 && g_c->cc.flavour.gmean[0] == -0.5);
    /* the inverse of [[0.04, 0.01], [0.01, 0.09]]: [[0.09, -0.01], [-0.01, 0.04]] / 0.0035 */
    assert_true(fabs(g_c->cc.flavour.ginv[0] - 0.09 / 0.0035) < 1e-9 && fabs(g_c->cc.flavour.ginv[1] + 0.01 / 0.0035) < 1e-9);
    assert_true(fabs(g_c->cc.flavour.ginv[3] - 0.04 / 0.0035) < 1e-9 && g_c->cc.flavour.ginv[1] == g_c->cc.flavour.ginv[2]);
    expect_ok("[scan]\nlepton = mu\n[flavour]\nfile = fg.ini\n");
    assert_true(g_c->cc.flavour.gn == 1 && g_c->cc.flavour.gidx[0] == 2 && g_c->cc.flavour.ginv[0] == 4.0);
    static const struct { const char *text, *what; int line; } bad[] = {
        {"[mu.gauss]\ncoefficients = C9, C11\nmean = 0, 0\ncov = 1, 0, 0, 1\nchi2_max = 4\nsource = s\n", "[mu.gauss] coefficients:", 2},
        {"[mu.gauss]\ncoefficients = C9, C9\nmean = 0, 0\ncov = 1, 0, 0, 1\nchi2_max = 4\nsource = s\n", "[mu.gauss] coefficients:", 2},
        {"[mu.gauss]\ncoefficients = C9, C10\nmean = 0\ncov = 1, 0, 0, 1\nchi2_max = 4\nsource = s\n", "[mu.gauss] mean:", 3},
        {"[mu.gauss]\ncoefficients = C9, C10\nmean = 0, 0\ncov = 1, 0, 0\nchi2_max = 4\nsource = s\n", "[mu.gauss] cov:", 4},
        {"[mu.gauss]\ncoefficients = C9, C10\nmean = 0, 0\ncov = 1, 0.5, 0.4, 1\nchi2_max = 4\nsource = s\n", "symmetric", 4},
        {"[mu.gauss]\ncoefficients = C9, C10\nmean = 0, 0\ncov = 1, 2, 2, 1\nchi2_max = 4\nsource = s\n", "positive definite", 4},
        {"[mu.gauss]\ncoefficients = C9, C10\nmean = 0, x\ncov = 1, 0, 0, 1\nchi2_max = 4\nsource = s\n", "[mu.gauss] mean:", 3},
        {"[mu.gauss]\ncoefficients = C9, C10\nmean = 0, 0\ncov = 1, 0, 0, 1\nchi2_max = 0\nsource = s\n", "[mu.gauss] chi2_max:", 5},
        {"[mu.gauss]\ncoefficients = C9, C10\nmean = 0, 0\ncov = 1, 0, 0, 1\nchi2_max = 4\n", "[mu.gauss] source:", 1},
        {"[tau.gauss]\ncoefficients = C9\nmean = 0\ncov = 1\nchi2_max = 4\nsource = s\n", "[tau.gauss]", 1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; ++i) {
        snprintf(f, sizeof f, "%s", write_file("fb.ini", bad[i].text));
        zp_err_clear();
        if (load_text("[flavour]\nfile = fb.ini\n", NULL, NULL) != ZP_EINPUT) fail_msg("case %zu: accepted", i);
        expect_err_in(f, bad[i].line, bad[i].what, NULL);
    }
}

static void t_flavour_file_errors(void **s)
{
    (void)s;
    char ffile[600];
    const char *p;
    /* a non-number in the data file: the error names the data file, line and key */
    p = write_file("f1.ini", "; test\n[mu.C9]\nbest = -1.5\nlo1 = -2\nhi1 = x\nlo2 = -3\nhi2 = 0\n");
    snprintf(ffile, sizeof ffile, "%s", p);
    zp_err_clear();
    assert_int_equal(load_text("[flavour]\nfile = f1.ini\n", NULL, NULL), ZP_EINPUT);
    expect_err_in(ffile, 5, "[mu.C9] hi1:", NULL);
    /* intervals that do not nest */
    p = write_file("f2.ini", "[e.C10]\nbest = -1.5\nlo1 = -2\nhi1 = -1\nlo2 = -1.9\nhi2 = 0\n");
    snprintf(ffile, sizeof ffile, "%s", p);
    assert_int_equal(load_text("[flavour]\nfile = f2.ini\n", NULL, NULL), ZP_EINPUT);
    expect_err_in(ffile, 5, "[e.C10] lo2:", "nest");
    /* unknown key, missing key */
    p = write_file("f3.ini", "[mu.C9]\nbest = -1.5\nlo1 = -2\nhi1 = -1\nlo2 = -3\nhi2 = 0\nhi3 = 1\n");
    snprintf(ffile, sizeof ffile, "%s", p);
    assert_int_equal(load_text("[flavour]\nfile = f3.ini\n", NULL, NULL), ZP_EINPUT);
    expect_err_in(ffile, 7, "[mu.C9] hi3:", NULL);
    p = write_file("f4.ini", "\n[mu.C10]\nbest = 1\nlo1 = 0.5\nhi1 = 1.5\nlo2 = 0\n");
    snprintf(ffile, sizeof ffile, "%s", p);
    assert_int_equal(load_text("[flavour]\nfile = f4.ini\n", NULL, NULL), ZP_EINPUT);
    expect_err_in(ffile, 2, "[mu.C10] hi2:", "missing");
    /* no entry for the scanned lepton */
    p = write_file("f5.ini", "[e.C9]\nbest = 1\nlo1 = 0.5\nhi1 = 1.5\nlo2 = 0\nhi2 = 2\n");
    snprintf(ffile, sizeof ffile, "%s", p);
    assert_int_equal(load_text("[flavour]\nfile = f5.ini\n", NULL, NULL), ZP_EINPUT);
    expect_err_in(ffile, 0, "mu.C9", NULL);
    /* a duplicate key in a presets file */
    p = write_file("g1.ini", "[x]\nmu_central = 1e-9\nmu_sigma = 1e-9\nmu_sigma = 2e-9\n");
    snprintf(ffile, sizeof ffile, "%s", p);
    assert_int_equal(load_text("[g-2]\nfile = g1.ini\npreset = x\n", NULL, NULL), ZP_EINPUT);
    expect_err_in(ffile, 4, "[x] mu_sigma:", "duplicate");
    p = write_file("g2.ini", "[x]\nmu_central = 1e-9\nmu_sigma = 0\n");
    snprintf(ffile, sizeof ffile, "%s", p);
    assert_int_equal(load_text("[g-2]\nfile = g2.ini\npreset = x\n", NULL, NULL), ZP_EINPUT);
    expect_err_in(ffile, 3, "[x] mu_sigma:", NULL);
}

static void t_constant_range(void **s)
{
    (void)s;
    expect_err("[constants]\nMZ = -91\n", 2, "[constants] MZ:");
    expect_err("[constants]\nsin2thetaW = 1.2\n", 2, "[constants] sin2thetaW:");
}

/* ---------------------------------------------------------------- good inputs --- */

static void t_defaults(void **s)
{
    (void)s;
    const char *p;
    assert_int_equal(load_text("", NULL, &p), ZP_OK);
    zp_config *c = g_c;
    assert_string_equal(c->input_path, p);
    assert_string_equal(c->input_dir, g_dir);
    assert_string_equal(c->output_path, "in.h5");
    assert_int_equal(c->lepton, ZP_LEPTON_MU);
    assert_int_equal(c->store_points, 1);
    for (int d = 0; d < ZP_NAXES; ++d) assert_int_equal(c->tile[d], 0);
    int want[ZP_NOBS] = {0};
    want[ZP_OBS_C9] = want[ZP_OBS_C10] = want[ZP_OBS_C9P] = want[ZP_OBS_C10P] = 1;
    want[ZP_OBS_DELTA_A] = want[ZP_OBS_BS_RATIO] = want[ZP_OBS_WIDTH_RATIO] = 1;
    want[ZP_OBS_SIGMAB_FID] = want[ZP_OBS_LHC_RATIO] = 1;
    for (int i = 0; i < ZP_NOBS; ++i) assert_int_equal(c->store_obs[i], want[i]);
    assert_int_equal(c->combine, (1u << ZP_BIT_FLAVOUR) | (1u << ZP_BIT_LHC) |
                                 (1u << ZP_BIT_BS_MIXING) | (1u << ZP_BIT_LEP));
    assert_int_equal(c->nproj, 2);
    assert_int_equal(c->proj[0][0], ZP_AX_GQL);
    assert_int_equal(c->proj[0][1], ZP_AX_GV);
    assert_int_equal(c->proj[1][0], ZP_AX_GQL);
    assert_int_equal(c->proj[1][1], ZP_AX_GA);
    assert_true(c->checkpoint_seconds == 30.0);
    assert_true(c->progress_seconds == 10.0);
    assert_true(c->max_output_bytes == 0);
    assert_true(c->k.MZ == 91.1876);
    assert_true(c->k.sin2thetaW == 0.23122);
    assert_true(c->k.alpha_MZ == 1.0 / 127.952);
    assert_true(c->k.alpha_low == 1.0 / 133.0);
    assert_true(c->k.VtbVts == -0.0404);
    assert_true(c->k.m_mu == 0.1056583755);
    assert_true(c->k.m_e == 0.00051099895);
    assert_true(c->k.S0 == 2.3 && c->k.sqrts == 13000.0 && c->k.Nc == 3.0);
    assert_true(c->k.bs_mixing_max == 0.10 && c->k.lep_lambda_V == 20600.0);
    assert_true(c->k.lep_lambda_A == 10100.0 && c->k.bs_cross == 9.7);
    assert_true(fabs(c->k.pert_max - sqrt(4 * M_PI)) < 1e-15 && c->k.width_max == 0.10);
    assert_int_equal(c->cc.flavour.level, 2);
    assert_string_equal(c->cc.flavour.path, ZP_TEST_SRCDIR "/inputs/flavour/table1_2017.ini");
    assert_string_equal(c->cc.g2.path, ZP_TEST_SRCDIR "/inputs/g2/presets.ini");
    assert_string_equal(c->cc.g2.preset, "paper2017");
    assert_int_equal(c->cc.g2.rule, ZP_G2_RULE_NO_WORSE);
    assert_true(c->cc.g2.nsigma == 2.0);
    assert_int_equal(c->cc.lhc.enabled, 1);
    assert_int_equal(c->cc.lhc.include_nu, 0);
    assert_true(c->cc.lhc.extra_width == 0.0);
    assert_string_equal(c->cc.lhc.lumi_path,
                        ZP_TEST_SRCDIR "/inputs/lhc/lumi_NNPDF23_lo_as_0130_qed_13TeV.csv");
    assert_string_equal(c->cc.lhc.limits_path,
                        ZP_TEST_SRCDIR "/inputs/lhc/atlas139_dilepton_fid_limits.csv");
    assert_string_equal(c->cc.lhc.pdf_set, "");
    assert_int_equal(c->cc.lhc.pdf_member, 0);
    assert_true(c->cc.lhc.pt_min == 30.0 && c->cc.lhc.eta_max == 2.5);
    /* the common axes */
    assert_int_equal(c->axes[ZP_AX_MASS].spacing, ZP_SPACING_LIN);
    assert_true(c->axes[ZP_AX_MASS].min == 100 && c->axes[ZP_AX_MASS].max == 1000);
    assert_int_equal(c->axes[ZP_AX_MASS].n, 10);
    assert_int_equal(c->axes[ZP_AX_GQL].spacing, ZP_SPACING_LOG);
    assert_int_equal(c->axes[ZP_AX_GQL].sign, ZP_SIGN_PLUS);
    assert_int_equal(c->axes[ZP_AX_GQL].include_zero, 0);
    assert_int_equal(c->axes[ZP_AX_GQR].spacing, ZP_SPACING_LIST);
    assert_int_equal(c->axes[ZP_AX_GQR].nlist, 1);
    assert_true(c->axes[ZP_AX_GQR].list[0] == 0.0);
}

static void t_log_axis_both_signs(void **s)
{
    (void)s;
    expect_ok("[axis.gV]\nmin = 1e-3\nmax = 10\nn = 9\nspacing = log\nsign = +-\ninclude_zero = yes\n"
              "[axis.gA]\nspacing = log\nmin = 0.5\nmax = 0.5\nn = 1\nsign = -\n");
    const zp_axis_spec *a = &g_c->axes[ZP_AX_GV];
    assert_int_equal(a->spacing, ZP_SPACING_LOG);
    assert_int_equal(a->sign, ZP_SIGN_BOTH);
    assert_int_equal(a->include_zero, 1);
    assert_int_equal(a->n, 9);
    assert_true(a->min == 1e-3 && a->max == 10);
    a = &g_c->axes[ZP_AX_GA];
    assert_int_equal(a->sign, ZP_SIGN_MINUS);
    assert_int_equal(a->include_zero, 0);
    assert_int_equal(a->n, 1);
}

static void t_explicit_lists(void **s)
{
    (void)s;
    /* continuation: a value ending in ',' goes on on the next line (comments between ok) */
    expect_ok("[axis.mass]\nvalues = 200, 500\n[axis.gV]\nvalues = -3, -1e-2,\n"
              "   ; comment\n  0, 0x1p-2,\n 7.5\n[axis.gA]\nvalues = 0\n");
    const zp_axis_spec *a = &g_c->axes[ZP_AX_MASS];
    assert_int_equal(a->spacing, ZP_SPACING_LIST);
    assert_int_equal(a->nlist, 2);
    assert_true(a->list[0] == 200 && a->list[1] == 500);
    a = &g_c->axes[ZP_AX_GV];
    assert_int_equal(a->nlist, 5);
    assert_true(a->list[0] == -3 && a->list[1] == -1e-2 && a->list[2] == 0 &&
                a->list[3] == 0.25 && a->list[4] == 7.5);
    assert_int_equal(g_c->axes[ZP_AX_GA].nlist, 1);
    /* a trailing comma before a `key = value` line does not swallow it */
    expect_ok("[scan]\noutput = a,\nlepton = e\nprojections = gqL:gV,\n  gqL:gA\n");
    assert_string_equal(g_c->output_path, "a,");
    assert_int_equal(g_c->lepton, ZP_LEPTON_E);
    assert_int_equal(g_c->nproj, 2);
    assert_int_equal(g_c->proj[1][1], ZP_AX_GA);
    /* a long list over many lines */
    char own[8192] = "[axis.gV]\nvalues = ";
    for (int i = 0; i < 1000; ++i) {
        char b[32];
        snprintf(b, sizeof b, "%d%s", i, i == 999 ? "\n" : (i % 20 == 19 ? ",\n" : ", "));
        strcat(own, b);
    }
    expect_ok(own);
    assert_int_equal(g_c->axes[ZP_AX_GV].nlist, 1000);
    assert_true(g_c->axes[ZP_AX_GV].list[999] == 999);
    /* an error after a continued value still names the right line */
    strcat(own, "bogus = 1\n");
    expect_err(own, 52, "[axis.gV] bogus:");
}

static void t_fixed_axis_min_eq_max(void **s)
{
    (void)s;
    expect_ok("[axis.gA]\nmin = 0\nmax = 0\nn = 1\n");
    assert_int_equal(g_c->axes[ZP_AX_GA].spacing, ZP_SPACING_LIN);
    assert_int_equal(g_c->axes[ZP_AX_GA].n, 1);
}

static void t_constants_override(void **s)
{
    (void)s;
    expect_ok("[constants]\nMZ = 91.2\nalpha_low = 0.0075\nVtbVts = -0.04\nwidth_max = 0.06\n");
    assert_true(g_c->k.MZ == 91.2);
    assert_true(g_c->k.alpha_low == 0.0075);
    assert_true(g_c->k.VtbVts == -0.04);
    assert_true(g_c->k.width_max == 0.06);
    assert_true(g_c->k.sin2thetaW == 0.23122); /* untouched */
    int n = 0;
    while (zp_constant_names[n]) ++n;
    assert_int_equal(n, 16);
    assert_string_equal(zp_constant_names[0], "MZ");
    assert_string_equal(zp_constant_names[15], "width_max");
}

static void t_observables(void **s)
{
    (void)s;
    expect_ok("[scan]\nlepton = mu\nobservables = C9, g2_pull ,lhc_limit\n");
    for (int i = 0; i < ZP_NOBS; ++i)
        assert_int_equal(g_c->store_obs[i], i == ZP_OBS_C9 || i == ZP_OBS_G2_PULL || i == ZP_OBS_LHC_LIMIT);
    expect_ok("[scan]\nlepton = mu\nobservables = all\n");
    for (int i = 0; i < ZP_NOBS; ++i) assert_int_equal(g_c->store_obs[i], 1);
    expect_ok("[scan]\nlepton = mu\nobservables = none\npoints = no\n");
    for (int i = 0; i < ZP_NOBS; ++i) assert_int_equal(g_c->store_obs[i], 0);
    assert_int_equal(g_c->store_points, 0);
    expect_ok("[scan]\nlepton = mu\nobservables = default\n");
    assert_int_equal(g_c->store_obs[ZP_OBS_SIGMAB_FID], 1);
    assert_int_equal(g_c->store_obs[ZP_OBS_G2_PULL], 0);
}

static void t_combine(void **s)
{
    (void)s;
    expect_ok("[scan]\nlepton = mu\ncombine = g2, width,perturbative\n");
    assert_int_equal(g_c->combine, (1u << ZP_BIT_G2) | (1u << ZP_BIT_WIDTH) | (1u << ZP_BIT_PERTURBATIVE));
    expect_ok("[scan]\nlepton = mu\ncombine = none\n");
    assert_int_equal(g_c->combine, 0);
}

static void t_projections_tile_scan_keys(void **s)
{
    (void)s;
    expect_ok("[scan]\nlepton = e\noutput = out/e.h5\nprojections = gV:gA, gqR : gqL\n"
              "tile = 1, 2, 3, 4, 5\ncheckpoint_seconds = 0\nprogress_seconds = 2.5\n"
              "max_output_bytes = 10G\n");
    assert_int_equal(g_c->lepton, ZP_LEPTON_E);
    assert_string_equal(g_c->output_path, "out/e.h5");
    assert_int_equal(g_c->nproj, 2);
    assert_int_equal(g_c->proj[0][0], ZP_AX_GV);
    assert_int_equal(g_c->proj[0][1], ZP_AX_GA);
    assert_int_equal(g_c->proj[1][0], ZP_AX_GQR);
    assert_int_equal(g_c->proj[1][1], ZP_AX_GQL);
    for (int d = 0; d < ZP_NAXES; ++d) assert_int_equal(g_c->tile[d], d + 1);
    assert_true(g_c->checkpoint_seconds == 0 && g_c->progress_seconds == 2.5);
    assert_true(g_c->max_output_bytes == 10ull << 30);
    expect_ok("[scan]\nlepton = mu\nprojections = none\ntile = auto\nmax_output_bytes = 512k\n");
    assert_int_equal(g_c->nproj, 0);
    assert_true(g_c->max_output_bytes == 512ull << 10);
    expect_ok("[scan]\nlepton = mu\nmax_output_bytes = 123456\n");
    assert_true(g_c->max_output_bytes == 123456);
}

static void t_flavour_and_g2_data_mu(void **s)
{
    (void)s;
    expect_ok("[scan]\nlepton = mu\n");
    const zp_flavour_cfg *f = &g_c->cc.flavour;
    assert_int_equal(f->have[0], 1);
    assert_int_equal(f->have[1], 1);
    assert_true(f->best[0] == -1.59 && f->lo1[0] == -2.15 && f->hi1[0] == -1.13);
    assert_true(f->lo2[0] == -2.90 && f->hi2[0] == -0.73);
    assert_true(f->best[1] == 1.23 && f->lo1[1] == 0.90 && f->hi1[1] == 1.60);
    assert_true(f->lo2[1] == 0.60 && f->hi2[1] == 2.04);
    assert_int_equal(f->have_gauss2d, 0);
    assert_true(g_c->cc.g2.central == 290e-11 && g_c->cc.g2.sigma == 90e-11);
    expect_ok("[scan]\nlepton = mu\n[g-2]\npreset = wp25\nrule = pull\nnsigma = 1.5\n[flavour]\nlevel = 1\n");
    assert_true(g_c->cc.g2.central == 38e-11 && g_c->cc.g2.sigma == 63e-11);
    assert_int_equal(g_c->cc.g2.rule, ZP_G2_RULE_PULL);
    assert_true(g_c->cc.g2.nsigma == 1.5);
    assert_string_equal(g_c->cc.g2.preset, "wp25");
    assert_int_equal(g_c->cc.flavour.level, 1);
}

static void t_flavour_and_g2_data_e(void **s)
{
    (void)s;
    expect_ok("[scan]\nlepton = e\n");
    const zp_flavour_cfg *f = &g_c->cc.flavour;
    assert_true(f->best[0] == 1.58 && f->lo1[0] == 1.17 && f->hi1[0] == 2.03);
    assert_true(f->lo2[0] == 0.79 && f->hi2[0] == 2.53);
    assert_true(f->best[1] == -1.30 && f->lo1[1] == -1.68 && f->hi1[1] == -0.95);
    assert_true(f->lo2[1] == -2.12 && f->hi2[1] == -0.64);
    assert_true(g_c->cc.g2.central == -10.5e-13 && g_c->cc.g2.sigma == 8.1e-13);
}

static void t_data_paths_relative_to_input(void **s)
{
    (void)s;
    char sub[400];
    snprintf(sub, sizeof sub, "%s/data", g_dir);
    assert_int_equal(mkdir(sub, 0755), 0);
    write_file("data/fl.ini", "[mu.C10]\nbest = 1\nlo1 = 0.5\nhi1 = 1.5\nlo2 = 0\nhi2 = 2\n"
               "[mu.gauss2d]\nmean_C9 = -1\nmean_C10 = 0.5\ncov_99 = 0.25\ncov_9_10 = 0.05\n"
               "cov_10_10 = 0.16\n");
    write_file("data/g2.ini", "[mine]\nmu_central = 1e-9\nmu_sigma = 5e-10\nsource = test\n");
    expect_ok("[flavour]\nfile = data/fl.ini\n[g-2]\nfile = data/g2.ini\npreset = mine\n"
              "[lhc]\ninclude_nu = yes\nextra_width = 0.01\npdf_member = 3\n");
    const zp_flavour_cfg *f = &g_c->cc.flavour;
    char want[600];
    snprintf(want, sizeof want, "%s/data/fl.ini", g_dir);
    assert_string_equal(f->path, want);
    assert_int_equal(f->have[0], 0);
    assert_int_equal(f->have[1], 1);
    assert_int_equal(f->have_gauss2d, 1);
    assert_true(f->g2d_mean[0] == -1 && f->g2d_mean[1] == 0.5);
    assert_true(f->g2d_cov[0] == 0.25 && f->g2d_cov[1] == 0.05 && f->g2d_cov[2] == 0.16);
    assert_true(f->g2d_chi2_max == 6.18);
    assert_true(g_c->cc.g2.central == 1e-9 && g_c->cc.g2.sigma == 5e-10);
    assert_int_equal(g_c->cc.lhc.include_nu, 1);
    assert_true(g_c->cc.lhc.extra_width == 0.01);
    assert_int_equal(g_c->cc.lhc.pdf_member, 3);
}

static void t_parse_only_and_syntax_details(void **s)
{
    (void)s;
    /* BOM, CRLF, comments, indentation, ':' delimiter, a path in a subdirectory */
    const char *text = "\xEF\xBB\xBF# hash comment\r\n[scan]\r\n  lepton = e ; inline\r\n"
                       "[axis.mass]\nvalues = 250\n[axis.gqL]\nvalues: 1e-3\n[axis.gqR]\n"
                       "values = 0\n[axis.gV]\nvalues = 1\n[axis.gA]\nvalues = 0\n";
    zp_err_clear();
    assert_int_equal(zp_config_parse("some/dir/case.ini", text, g_c), ZP_OK);
    assert_int_equal(g_c->lepton, ZP_LEPTON_E);
    assert_string_equal(g_c->input_dir, "some/dir");
    assert_string_equal(g_c->output_path, "case.h5");
    assert_true(g_c->axes[ZP_AX_GQL].list[0] == 1e-3);
    /* parse() alone does not read the data files, but resolves their names */
    char *t = build("[flavour]\nfile = f.ini\n", NULL);
    zp_err_clear();
    assert_int_equal(zp_config_parse("d/x.ini", t, g_c), ZP_OK);
    assert_string_equal(g_c->cc.flavour.path, "d/f.ini");
    free(t);
    t = build("[flavour]\nfile = /abs/f.ini\nlevel = 4\n", NULL);
    zp_err_clear();
    assert_int_equal(zp_config_parse("d/x.ini", t, g_c), ZP_EINPUT);
    expect_err_in("d/x.ini", 3, "[flavour] level:", NULL);
    free(t);
    t = build("[flavour]\nfile = /abs/f.ini\n", NULL);
    assert_int_equal(zp_config_parse("x.ini", t, g_c), ZP_OK);
    assert_string_equal(g_c->cc.flavour.path, "/abs/f.ini");
    assert_string_equal(g_c->input_dir, ".");
    free(t);
}

/* inih calls our reader once per line: line numbers survive blank lines, comments
 * (also ones longer than inih's 200-byte buffer), CRLF, indentation and continuations. */
static void t_line_counting(void **s)
{
    (void)s;
    char own[4096] = "";
    strcat(own, "[scan]\r\n\r\n  lepton = mu\r\n");               /* lines 1-3 */
    strcat(own, "; ");
    for (int i = 0; i < 300; ++i) strcat(own, "c");
    strcat(own, "\n");                                                /* line 4 */
    strcat(own, "observables = C9, ; a comment\n\n  C10,\n\t delta_a\n"); /* lines 5-8 */
    strcat(own, "points = yes ; ");
    for (int i = 0; i < 300; ++i) strcat(own, "d");
    strcat(own, "\n");                                                /* line 9 */
    for (int i = 10; i < 40; ++i) strcat(own, (i % 2) ? "\n" : "# hash\n"); /* 10-39 */
    strcat(own, "tile = 0, 1, 1, 1, 1\n");                            /* line 40 */
    expect_err(own, 40, "[scan] tile:");
}

static void t_text_out(void **s)
{
    (void)s;
    char *t = build("", NULL);
    const char *p = write_file("in.ini", t);
    char *out = NULL;
    zp_err_clear();
    assert_int_equal(zp_config_load(p, g_c, &out), ZP_OK);
    assert_non_null(out);
    assert_string_equal(out, t);
    free(out);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_unknown_section),
        cmocka_unit_test(t_unknown_key),
        cmocka_unit_test(t_missing_key),
        cmocka_unit_test(t_missing_section),
        cmocka_unit_test(t_n_below_one),
        cmocka_unit_test(t_min_above_max),
        cmocka_unit_test(t_single_point_rules),
        cmocka_unit_test(t_log_touches_zero),
        cmocka_unit_test(t_not_a_number),
        cmocka_unit_test(t_duplicate_key),
        cmocka_unit_test(t_duplicate_section),
        cmocka_unit_test(t_conflicting_keys),
        cmocka_unit_test(t_unknown_enum),
        cmocka_unit_test(t_sign_on_lin_axis),
        cmocka_unit_test(t_tile_extent),
        cmocka_unit_test(t_wrong_count),
        cmocka_unit_test(t_bad_lists),
        cmocka_unit_test(t_bad_values_list),
        cmocka_unit_test(t_syntax),
        cmocka_unit_test(t_long_line),
        cmocka_unit_test(t_missing_input_file),
        cmocka_unit_test(t_missing_data_files),
        cmocka_unit_test(t_lhc_files_not_checked_when_disabled),
        cmocka_unit_test(t_g2_preset_errors),
        cmocka_unit_test(t_flavour_file_errors),
        cmocka_unit_test(t_2026_data),
        cmocka_unit_test(t_universal_and_gauss),
        cmocka_unit_test(t_constant_range),
        cmocka_unit_test(t_defaults),
        cmocka_unit_test(t_log_axis_both_signs),
        cmocka_unit_test(t_explicit_lists),
        cmocka_unit_test(t_fixed_axis_min_eq_max),
        cmocka_unit_test(t_constants_override),
        cmocka_unit_test(t_observables),
        cmocka_unit_test(t_combine),
        cmocka_unit_test(t_projections_tile_scan_keys),
        cmocka_unit_test(t_flavour_and_g2_data_mu),
        cmocka_unit_test(t_flavour_and_g2_data_e),
        cmocka_unit_test(t_data_paths_relative_to_input),
        cmocka_unit_test(t_parse_only_and_syntax_details),
        cmocka_unit_test(t_line_counting),
        cmocka_unit_test(t_text_out),
    };
    return cmocka_run_group_tests_name("config", tests, setup, teardown);
}
