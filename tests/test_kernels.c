/* Physics of the per-point kernel against values computed by hand (PHYSICS.md §3-6)
 * and the paper's own numbers. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "zp_test.h"

#include "zpscan/config.h"
#include "zpscan/kernels.h"
#include "zpscan/model.h"

/* Hand-derived constants (default inputs): g2 = e/sW, e = sqrt(4 pi/127.952) */
static const double GPRIME = 0.3716530149948;   /* g2/(2 cW), checked against PHYSICS.md: 0.3717 */

static zp_config cfg;
static zp_model mod;

static void base_config(zp_lepton lep)
{
    zp_config_defaults(&cfg);
    cfg.lepton = lep;
    cfg.lhc.enabled = 0;
    cfg.flavour.have[0] = cfg.flavour.have[1] = 1;
    /* Table 1 numbers as in inputs/flavour/table1_2017.ini */
    if (lep == ZP_LEPTON_MU) {
        double b[2] = {-1.59, 1.23}, l1[2] = {-2.15, 0.90}, h1[2] = {-1.13, 1.60}, l2[2] = {-2.90, 0.60},
               h2[2] = {-0.73, 2.04};
        memcpy(cfg.flavour.best, b, sizeof b); memcpy(cfg.flavour.lo1, l1, sizeof l1);
        memcpy(cfg.flavour.hi1, h1, sizeof h1); memcpy(cfg.flavour.lo2, l2, sizeof l2);
        memcpy(cfg.flavour.hi2, h2, sizeof h2);
        cfg.g2.central = 290e-11; cfg.g2.sigma = 90e-11;
    } else {
        double b[2] = {1.58, -1.30}, l1[2] = {1.17, -1.68}, h1[2] = {2.03, -0.95}, l2[2] = {0.79, -2.12},
               h2[2] = {2.53, -0.64};
        memcpy(cfg.flavour.best, b, sizeof b); memcpy(cfg.flavour.lo1, l1, sizeof l1);
        memcpy(cfg.flavour.hi1, h1, sizeof h1); memcpy(cfg.flavour.lo2, l2, sizeof l2);
        memcpy(cfg.flavour.hi2, h2, sizeof h2);
        cfg.g2.central = -10.5e-13; cfg.g2.sigma = 8.1e-13;
    }
    cfg.flavour.level = 2;
    assert_int_equal(zp_model_init(&cfg, &mod), ZP_OK);
}

typedef struct {
    uint16_t mask;
    float o[ZP_NOBS];
} point_out;

/* Evaluate one point through the row kernel. */
static point_out eval(double M, double gqL, double gqR, double gV, double gA, const zp_mass_slice *given)
{
    zp_mass_slice s;
    if (given) s = *given;
    else assert_int_equal(zp_model_slice(&mod, &cfg, NULL, NULL, M, &s), ZP_OK);
    point_out p;
    float *o[ZP_NOBS];
    for (int k = 0; k < ZP_NOBS; ++k) o[k] = &p.o[k];
    zp_kernel_row(&mod, &s, gqL, &gqR, &gV, &gA, 1, &p.mask, o);
    return p;
}

static int bit(const point_out *p, int b) { return (p->mask >> b) & 1; }
static int bitv(point_out p, int b) { return (p.mask >> b) & 1; }

static void test_couplings(void **st)
{
    (void)st;
    base_config(ZP_LEPTON_MU);
    assert_double_equal(mod.gprime, GPRIME, 1e-9);
    assert_double_equal(mod.g2, 0.6517314731, 1e-9);
    assert_double_equal(mod.cW, sqrt(1 - 0.23122), 1e-15);
}

static void test_c9_paper_sanity(void **st)
{
    (void)st;
    base_config(ZP_LEPTON_MU);
    /* PHYSICS.md: M = 200, gqL gV = 3.7e-4 gives C9 = -1.59 */
    point_out p = eval(200, 3.7e-4, 0, 1.0, 0, NULL);
    double K = (91.1876 * 91.1876 / (2 * 200.0 * 200.0)) / ((1 / 133.0) / (4 * M_PI) * -0.0404);
    assert_double_equal(K, -4299.93, 0.01); /* by hand: 0.103946 / -2.41734e-5 */
    assert_float_equal(p.o[ZP_OBS_C9], (float)(K * 3.7e-4), 1e-5);
    assert_float_equal(p.o[ZP_OBS_C9], -1.591, 2e-3);
    /* inside the 2 sigma band of C9^mu: flavour passes */
    assert_true(bit(&p, ZP_BIT_FLAVOUR));
    assert_false(bit(&p, ZP_BIT_FLAVOUR_UNTESTED));
    assert_float_equal(p.o[ZP_OBS_FLAVOUR_CHI2], 0.0, 1e-4);
    assert_float_equal(p.o[ZP_OBS_C10], 0.0, 0);
}

static void test_c9_sign(void **st)
{
    (void)st;
    base_config(ZP_LEPTON_MU);
    /* Vtb Vts* < 0: positive gqL gV gives negative C9 (the muon band), negative gives positive */
    assert_true(eval(500, 1e-3, 0, 0.5, 0, NULL).o[ZP_OBS_C9] < 0);
    assert_true(eval(500, -1e-3, 0, 0.5, 0, NULL).o[ZP_OBS_C9] > 0);
    assert_true(eval(500, 1e-3, 0, 0, -0.5, NULL).o[ZP_OBS_C10] > 0);
    /* primed: gqR */
    point_out p = eval(500, 0, 2e-3, 0.5, 0.25, NULL);
    double K = (91.1876 * 91.1876 / (2 * 500.0 * 500.0)) / ((1 / 133.0) / (4 * M_PI) * -0.0404);
    assert_float_equal(p.o[ZP_OBS_C9P], K * 1e-3, 1e-5);
    assert_float_equal(p.o[ZP_OBS_C10P], K * 5e-4, 1e-5);
    assert_true(bit(&p, ZP_BIT_FLAVOUR_UNTESTED)); /* Table 1 says nothing about primed ones */
    assert_false(bit(&p, ZP_BIT_FLAVOUR));
    assert_true(isnan(p.o[ZP_OBS_FLAVOUR_CHI2]));
}

static void test_g2_paper(void **st)
{
    (void)st;
    base_config(ZP_LEPTON_MU);
    /* the paper (Fig. 5): gV = 3 at 200 GeV gives ~2.9e-9 */
    point_out p = eval(200, 0, 0, 3.0, 0, NULL);
    double by_hand = GPRIME * GPRIME * 0.1056583755 * 0.1056583755 * 9.0 / (12 * M_PI * M_PI * 200.0 * 200.0);
    assert_double_equal(by_hand, 2.9303e-9, 1e-12);
    assert_float_equal(p.o[ZP_OBS_DELTA_A], by_hand, 1e-14);
    /* within 1 sigma of (290 +- 90)e-11 */
    assert_true(fabs(p.o[ZP_OBS_G2_PULL]) < 1.0);
    assert_float_equal(p.o[ZP_OBS_G2_PULL], (by_hand - 290e-11) / 90e-11, 1e-5);
    assert_true(bit(&p, ZP_BIT_G2));
    /* axial coupling: -5 times as large and negative (eq. 2.4) */
    point_out q = eval(200, 0, 0, 0, 3.0, NULL);
    assert_float_equal(q.o[ZP_OBS_DELTA_A], -5 * by_hand, 1e-14);
    /* no_worse rule: the SM pull is 290/90 = 3.2; a negative contribution worsens it */
    assert_false(bit(&q, ZP_BIT_G2));
    /* a tiny axial coupling moves the pull by 5e-8 sigma: still "no worse" than 3.22 + epsilon? no:
     * |pull| grows past |pull_SM|, so the rule fails it (strict), while a tiny vector one passes */
    point_out tiny_a = eval(200, 0, 0, 0, 1e-3, NULL), tiny_v = eval(200, 0, 0, 1e-3, 0, NULL);
    assert_false(bit(&tiny_a, ZP_BIT_G2));
    assert_true(bit(&tiny_v, ZP_BIT_G2));
}

static void test_g2_rules(void **st)
{
    (void)st;
    base_config(ZP_LEPTON_MU);
    /* no_worse: threshold max(2, 290/90) */
    assert_double_equal(mod.g2_threshold, 290.0 / 90.0, 1e-12);
    point_out zero = eval(300, 0, 0, 0, 0, NULL);
    assert_true(bit(&zero, ZP_BIT_G2)); /* the SM itself is "no worse" */
    cfg.g2.rule = ZP_G2_RULE_PULL;
    assert_int_equal(zp_model_init(&cfg, &mod), ZP_OK);
    zero = eval(300, 0, 0, 0, 0, NULL);
    assert_false(bit(&zero, ZP_BIT_G2)); /* 3.2 sigma from the measurement */
}

static void test_lep(void **st)
{
    (void)st;
    base_config(ZP_LEPTON_E);
    /* eq. (2.9): |gV| <= (2cW/g2) sqrt(4 pi) M / 20.6 TeV; 2cW/g2 = 1/g' */
    double vmax = sqrt(4 * M_PI) / GPRIME * 250.0 / 20600.0; /* = 0.11575 */
    double amax = sqrt(4 * M_PI) / GPRIME * 250.0 / 10100.0;
    assert_double_equal(vmax, 0.115749, 1e-5);
    assert_true(bitv(eval(250, 0, 0, vmax * 0.999, 0, NULL), ZP_BIT_LEP));
    assert_false(bitv(eval(250, 0, 0, vmax * 1.001, 0, NULL), ZP_BIT_LEP));
    assert_false(bitv(eval(250, 0, 0, -vmax * 1.001, 0, NULL), ZP_BIT_LEP));
    assert_true(bitv(eval(250, 0, 0, 0, amax * 0.999, NULL), ZP_BIT_LEP));
    assert_false(bitv(eval(250, 0, 0, 0, amax * 1.001, NULL), ZP_BIT_LEP));
    /* muons: LEP says nothing */
    base_config(ZP_LEPTON_MU);
    assert_true(bitv(eval(250, 0, 0, 5.0, 5.0, NULL), ZP_BIT_LEP));
}

static void test_bs_mixing(void **st)
{
    (void)st;
    base_config(ZP_LEPTON_MU);
    /* eq. (2.10) by hand at M = 500, gqL = 2e-3, gqR = 1e-3 */
    double g2 = 0.6517314731;
    double denom = g2 * g2 / (16 * M_PI * M_PI) * 0.0404 * 0.0404 * 2.3;
    double R = (91.1876 * 91.1876 / 250000.0) * (4e-6 + 1e-6 - 9.7 * 2e-6) / denom;
    point_out p = eval(500, 2e-3, 1e-3, 0, 0, NULL);
    assert_float_equal(p.o[ZP_OBS_BS_RATIO], R, fabs(R) * 1e-6);
    assert_true(R < 0); /* the cross term dominates */
    /* threshold: |R| < 0.1 -> gqL_max = sqrt(0.1 denom M^2 / MZ^2) */
    double gmax = sqrt(0.1 * denom * 250000.0 / (91.1876 * 91.1876));
    assert_double_equal(gmax, 5.5098e-3, 1e-6); /* sqrt(0.1 * 1.00975e-5 * 500^2 / MZ^2) */
    assert_true(bitv(eval(500, gmax * 0.999, 0, 0, 0, NULL), ZP_BIT_BS_MIXING));
    assert_false(bitv(eval(500, gmax * 1.001, 0, 0, 0, NULL), ZP_BIT_BS_MIXING));
}

static void test_perturbativity_width(void **st)
{
    (void)st;
    base_config(ZP_LEPTON_MU);
    double gmax = sqrt(4 * M_PI) / GPRIME; /* 9.538 */
    assert_true(bitv(eval(500, 0, 0, gmax * 0.999, 0, NULL), ZP_BIT_PERTURBATIVE));
    assert_false(bitv(eval(500, 0, 0, gmax * 1.001, 0, NULL), ZP_BIT_PERTURBATIVE));
    assert_false(bitv(eval(500, -gmax * 1.001, 0, 0, 0, NULL), ZP_BIT_PERTURBATIVE));
    /* widths: Gamma/M = g'^2 [ (gV^2+gA^2)/(12 pi) + 2 * 3 (gqL^2+gqR^2)/(24 pi) ] */
    point_out p = eval(500, 0.2, 0.1, 0.5, 0.3, NULL);
    double gp2 = GPRIME * GPRIME;
    double w = gp2 * (0.34 / (12 * M_PI) + 6 * 0.05 / (24 * M_PI));
    assert_float_equal(p.o[ZP_OBS_WIDTH_RATIO], w, w * 1e-6);
    assert_true(bit(&p, ZP_BIT_WIDTH));
    /* with the neutrino channel: + g'^2 (gV - gA)^2/(24 pi) */
    cfg.lhc.include_nu = 1;
    cfg.lhc.extra_width = 0.01;
    assert_int_equal(zp_model_init(&cfg, &mod), ZP_OK);
    p = eval(500, 0.2, 0.1, 0.5, 0.3, NULL);
    double w2 = w + gp2 * 0.04 / (24 * M_PI) + 0.01;
    assert_float_equal(p.o[ZP_OBS_WIDTH_RATIO], w2, w2 * 1e-6);
    /* wide: couplings of 5 give Gamma/M > 10% */
    assert_false(bitv(eval(500, 0, 0, 5.0, 0, NULL), ZP_BIT_WIDTH));
}

/* An LHC slice made by hand: P = 100 fb per g^2, A = 0.5, limits 2 fb (narrow) to 4 fb (10%). */
static zp_mass_slice lhc_slice(double M, int tested)
{
    zp_mass_slice s;
    int on = mod.lhc_enabled;
    mod.lhc_enabled = 0; /* the per-mass physics without tables; the LHC part is set below */
    assert_int_equal(zp_model_slice(&mod, &cfg, NULL, NULL, M, &s), ZP_OK);
    mod.lhc_enabled = on;
    s.lhc.sigma_per_g2 = 100.0;
    s.lhc.acceptance = 0.5;
    s.lhc.mass_tested = tested;
    s.lhc.nw = 3;
    double W[3] = {0.0, 0.05, 0.10}, L[3] = {2.0, 3.0, 4.0};
    for (int j = 0; j < ZP_LHC_MAX_WIDTHS; ++j) {
        s.lhc.width[j] = W[j < 3 ? j : 2];
        s.lhc.limit[j] = L[j < 3 ? j : 2];
    }
    for (int j = 0; j + 1 < ZP_LHC_MAX_WIDTHS; ++j) {
        double dw = s.lhc.width[j + 1] - s.lhc.width[j];
        s.lhc_slope[j] = dw > 0 ? (s.lhc.limit[j + 1] - s.lhc.limit[j]) / dw : 0;
    }
    return s;
}

static void test_lhc_verdict(void **st)
{
    (void)st;
    base_config(ZP_LEPTON_MU);
    mod.lhc_enabled = 1;
    zp_mass_slice s = lhc_slice(1000, 1);
    /* gqL = 0.1, gV = 0.1: BR = wl/(wl + wbs) with wl = g'^2 0.01/(12pi), wbs = g'^2 6 0.01/(24 pi) */
    double gp2 = GPRIME * GPRIME, wl = gp2 * 0.01 / (12 * M_PI), wbs = gp2 * 6 * 0.01 / (24 * M_PI);
    double br = wl / (wl + wbs); /* = 1/3.99... exactly 2/(2+6)... = 0.25? wl:wbs = 2:6 */
    assert_double_equal(br, 0.25, 1e-12);
    point_out p = eval(1000, 0.1, 0, 0.1, 0, &s);
    double sb = 100.0 * 0.01 * br * 0.5; /* 0.125 fb */
    assert_float_equal(p.o[ZP_OBS_SIGMAB_FID], sb, 1e-7);
    double w = wl + wbs;
    double lim = 2.0 + (3.0 - 2.0) / 0.05 * w;
    assert_float_equal(p.o[ZP_OBS_LHC_LIMIT], lim, 1e-5);
    assert_float_equal(p.o[ZP_OBS_LHC_RATIO], sb / lim, 1e-6);
    assert_true(bit(&p, ZP_BIT_LHC));
    assert_false(bit(&p, ZP_BIT_LHC_UNTESTED));
    /* gqL = 0.3, gV = 1: BR = (1/12)/(1/12 + 0.54/24) = 0.787, sigmaB = 100 * 0.09 * 0.787 * 0.5
     * = 3.54 fb against a limit of about 2.09 fb */
    p = eval(1000, 0.3, 0, 1.0, 0, &s);
    assert_float_equal(p.o[ZP_OBS_SIGMAB_FID], 4.5 * (1.0 / 12) / (1.0 / 12 + 0.54 / 24), 1e-5);
    assert_true(p.o[ZP_OBS_LHC_RATIO] > 1.0);
    assert_false(bit(&p, ZP_BIT_LHC));
    /* width beyond the widest hypothesis: not tested (never "allowed") */
    p = eval(1000, 0.0, 0, 8.0, 0, &s);
    assert_true(p.o[ZP_OBS_WIDTH_RATIO] > 0.10);
    assert_true(bit(&p, ZP_BIT_LHC_UNTESTED));
    assert_false(bit(&p, ZP_BIT_LHC));
    assert_true(isnan(p.o[ZP_OBS_LHC_RATIO]));
    /* mass outside the limit table: not tested */
    zp_mass_slice s2 = lhc_slice(100, 0);
    p = eval(100, 0.1, 0, 0.1, 0, &s2);
    assert_true(bit(&p, ZP_BIT_LHC_UNTESTED));
    assert_false(bit(&p, ZP_BIT_LHC));
    /* no couplings at all: no signal, allowed, no NaN from 0/0 */
    p = eval(1000, 0, 0, 0, 0, &s);
    assert_float_equal(p.o[ZP_OBS_SIGMAB_FID], 0.0, 0.0);
    assert_true(bit(&p, ZP_BIT_LHC));
}

static void test_flavour_rule(void **st)
{
    (void)st;
    base_config(ZP_LEPTON_E);
    double K500 = (91.1876 * 91.1876 / (2 * 500.0 * 500.0)) / ((1 / 133.0) / (4 * M_PI) * -0.0404);
    /* C9^e = +1.58 (best fit) needs gqL gV = 1.58/K < 0 */
    double prod = 1.58 / K500;
    point_out p = eval(500, -1e-3, 0, -prod / 1e-3, 0, NULL);
    assert_float_equal(p.o[ZP_OBS_C9], 1.58, 1e-4);
    assert_true(bit(&p, ZP_BIT_FLAVOUR));
    /* 2 sigma edges: 0.79 and 2.53 */
    assert_true(bitv(eval(500, 1e-3, 0, 0.80 / K500 / 1e-3, 0, NULL), ZP_BIT_FLAVOUR));
    assert_false(bitv(eval(500, 1e-3, 0, 0.78 / K500 / 1e-3, 0, NULL), ZP_BIT_FLAVOUR));
    assert_false(bitv(eval(500, 1e-3, 0, 2.54 / K500 / 1e-3, 0, NULL), ZP_BIT_FLAVOUR));
    /* asymmetric Gaussian chi2 from the 1 sigma interval: C9 = 2.03 is 1 sigma up */
    p = eval(500, 1e-3, 0, 2.03 / K500 / 1e-3, 0, NULL);
    assert_float_equal(p.o[ZP_OBS_FLAVOUR_CHI2], 1.0, 1e-4);
    p = eval(500, 1e-3, 0, 1.17 / K500 / 1e-3, 0, NULL);
    assert_float_equal(p.o[ZP_OBS_FLAVOUR_CHI2], 1.0, 1e-4);
    /* level 1: the 1 sigma interval decides */
    cfg.flavour.level = 1;
    assert_int_equal(zp_model_init(&cfg, &mod), ZP_OK);
    assert_false(bitv(eval(500, 1e-3, 0, 1.0 / K500 / 1e-3, 0, NULL), ZP_BIT_FLAVOUR));
    cfg.flavour.level = 2;
    assert_int_equal(zp_model_init(&cfg, &mod), ZP_OK);
    /* C9 and C10 both non-zero, no 2-D Gaussian given: untested, never passes */
    p = eval(500, 1e-3, 0, 1e-1, 1e-1, NULL);
    assert_true(bit(&p, ZP_BIT_FLAVOUR_UNTESTED));
    assert_false(bit(&p, ZP_BIT_FLAVOUR));
    /* with a 2-D Gaussian: chi2 = x^T S^-1 x */
    cfg.flavour.have_gauss2d = 1;
    cfg.flavour.g2d_mean[0] = 1.0;
    cfg.flavour.g2d_mean[1] = -1.0;
    cfg.flavour.g2d_cov[0] = 0.25;
    cfg.flavour.g2d_cov[1] = 0.0;
    cfg.flavour.g2d_cov[2] = 0.04;
    cfg.flavour.g2d_chi2_max = 6.18;
    assert_int_equal(zp_model_init(&cfg, &mod), ZP_OK);
    /* C9 = 1.5, C10 = -1.2: chi2 = 0.25/0.25 + 0.04/0.04 = 2 */
    double gq = 1e-3;
    p = eval(500, gq, 0, 1.5 / K500 / gq, -1.2 / K500 / gq, NULL);
    assert_false(bit(&p, ZP_BIT_FLAVOUR_UNTESTED));
    assert_float_equal(p.o[ZP_OBS_FLAVOUR_CHI2], 2.0, 1e-4);
    assert_true(bit(&p, ZP_BIT_FLAVOUR));
    /* the SM point: outside every band, tested, chi2 = min over C9, C10 of (best/sigma_down)^2 */
    p = eval(500, 0, 0, 0, 0, NULL);
    assert_false(bit(&p, ZP_BIT_FLAVOUR));
    assert_false(bit(&p, ZP_BIT_FLAVOUR_UNTESTED));
    double z9 = 1.58 / (1.58 - 1.17), z10 = 1.30 / (-0.95 + 1.30);
    assert_float_equal(p.o[ZP_OBS_FLAVOUR_CHI2], fmin(z9 * z9, z10 * z10), 1e-4);
}

static void test_all_complete(void **st)
{
    (void)st;
    base_config(ZP_LEPTON_MU);
    cfg.combine = (1u << ZP_BIT_FLAVOUR) | (1u << ZP_BIT_LHC) | (1u << ZP_BIT_BS_MIXING) | (1u << ZP_BIT_LEP);
    assert_int_equal(zp_model_init(&cfg, &mod), ZP_OK);
    mod.lhc_enabled = 1;
    zp_mass_slice s = lhc_slice(500, 1);
    double K = s.K;
    /* in the band, small couplings: everything passes and was evaluated */
    point_out p = eval(500, 1e-3, 0, -1.59 / K / 1e-3, 0, &s);
    assert_true(bit(&p, ZP_BIT_FLAVOUR) && bit(&p, ZP_BIT_LHC) && bit(&p, ZP_BIT_BS_MIXING));
    assert_true(bit(&p, ZP_BIT_ALL));
    assert_true(bit(&p, ZP_BIT_COMPLETE));
    assert_true(bit(&p, ZP_BIT_ALLOWED));
    /* LHC not tested: ALL still set (evaluated ones pass), COMPLETE and ALLOWED not */
    zp_mass_slice s0 = lhc_slice(500, 0);
    p = eval(500, 1e-3, 0, -1.59 / K / 1e-3, 0, &s0);
    assert_true(bit(&p, ZP_BIT_ALL));
    assert_false(bit(&p, ZP_BIT_COMPLETE));
    assert_false(bit(&p, ZP_BIT_ALLOWED));
    /* outside the band: ALL clear */
    p = eval(500, 1e-3, 0, 1e-3, 0, &s);
    assert_false(bit(&p, ZP_BIT_ALL));
    /* g-2 is not combined here: a point that fails it can still pass ALL */
    p = eval(500, 1e-3, 0, 0, 1.23 / K / 1e-3, &s);
    assert_false(bit(&p, ZP_BIT_G2));
    assert_true(bit(&p, ZP_BIT_ALL));
    /* combine g2 as well: now it fails */
    mod.combine |= 1u << ZP_BIT_G2;
    p = eval(500, 1e-3, 0, 0, 1.23 / K / 1e-3, &s);
    assert_false(bit(&p, ZP_BIT_ALL));
}

static void test_row_matches_points(void **st)
{
    (void)st;
    /* a row of n points equals n single-point calls (vectorised body vs scalar tail) */
    base_config(ZP_LEPTON_E);
    mod.lhc_enabled = 1;
    zp_mass_slice s = lhc_slice(700, 1);
    enum { N = 37 };
    double r[N], v[N], a[N];
    for (int i = 0; i < N; ++i) {
        r[i] = (i % 3) * 1e-3;
        v[i] = (i - 18) * 0.03;
        a[i] = (i % 5 - 2) * 0.02;
    }
    uint16_t mask[N];
    float ob[ZP_NOBS][N];
    float *o[ZP_NOBS];
    for (int k = 0; k < ZP_NOBS; ++k) o[k] = ob[k];
    zp_kernel_row(&mod, &s, 2e-3, r, v, a, N, mask, o);
    /* the verdicts-only variant: the same mask, chi2 and pull to the bit */
    uint16_t mask2[N];
    float chi2[N], pull2[N];
    zp_kernel_row_verdicts(&mod, &s, 2e-3, r, v, a, N, mask2, chi2, pull2);
    assert_memory_equal(mask2, mask, sizeof mask);
    assert_memory_equal(chi2, ob[ZP_OBS_FLAVOUR_CHI2], sizeof chi2);
    assert_memory_equal(pull2, ob[ZP_OBS_G2_PULL], sizeof pull2);
    for (int i = 0; i < N; ++i) {
        point_out p = eval(700, 2e-3, r[i], v[i], a[i], &s);
        assert_int_equal(p.mask, mask[i]);
        for (int k = 0; k < ZP_NOBS; ++k)
            assert_memory_equal(&p.o[k], &ob[k][i], sizeof(float));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_couplings),       cmocka_unit_test(test_c9_paper_sanity),
        cmocka_unit_test(test_c9_sign),         cmocka_unit_test(test_g2_paper),
        cmocka_unit_test(test_g2_rules),        cmocka_unit_test(test_lep),
        cmocka_unit_test(test_bs_mixing),       cmocka_unit_test(test_perturbativity_width),
        cmocka_unit_test(test_lhc_verdict),     cmocka_unit_test(test_flavour_rule),
        cmocka_unit_test(test_all_complete),    cmocka_unit_test(test_row_matches_points),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
