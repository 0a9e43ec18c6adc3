/* The Z' model: derived couplings and everything that depends only on the mass
 * (PHYSICS.md §1-6). The kernels consume zp_model + one zp_mass_slice per mass. */
#ifndef ZPSCAN_MODEL_H
#define ZPSCAN_MODEL_H

#include "zpscan/config.h"
#include "zpscan/error.h"
#include "zpscan/lhc.h"

typedef struct {
    zp_lepton lepton;
    double cW, e, g2, gprime, ml;   /* gauge couplings from alpha(MZ), sin^2 thetaW */
    double sin2w;                   /* sin^2 thetaW */
    double nlep;                    /* charged leptons the Z' decays to: 1, or 2 for mu+e */
    double ml2;                     /* mu+e: the electron's mass (its g-2), else 0 */
    double pert_g;                  /* |g| bound: pert_max / g' */
    /* flavour, index 0 = C9, 1 = C10 of the scan's lepton */
    int f_have[2];
    double f_best[2], f_sdn[2], f_sup[2], f_lo[2], f_hi[2];
    int f_g2d;
    double f_g2d_mean[2], f_g2d_inv[3], f_g2d_chi2max;
    int f_gn, f_gidx[4];            /* the general Gaussian (src/constraints/flavour.h zp_flavour_cfg) */
    double f_gmean[4], f_ginv[16], f_gchi2max;
    /* g-2 */
    double g2_central, g2_inv_sigma, g2_threshold; /* pass: |pull| <= threshold */
    double g2_central2, g2_inv_sigma2, g2_threshold2; /* mu+e: the electron's */
    /* widths in units of M: Gamma/M = w_ll*(gV^2+gA^2) + w_bs*(gqL^2+gqR^2) + ... */
    double w_ll, w_bs, w_nu, w_extra;
    double width_max, bs_max, bs_cross;
    int lhc_enabled;
    int lhc_cls_stored;             /* lhc_cls is written (its per-point erfc is spent only then) */
    unsigned combine;
    zp_constraint_cfgs cc;  /* the constraints' own settings, as parsed (config.h) */
} zp_model;

typedef struct {
    double mass;
    double K;           /* C9 = K gqL gV etc. (eq. 2.2) */
    double g2pref;      /* Delta a = g2pref (gV^2 - 5 gA^2) (eqs. 2.3-2.4) */
    double g2pref2;     /* the same for the electron of lepton = mu+e (0 otherwise) */
    double bs_pref;     /* R = bs_pref (gqL^2 + gqR^2 - 9.7 gqL gqR) (eq. 2.10) */
    double lepV_max, lepA_max;  /* LEP (eq. 2.9); +inf for muons */
    zp_lhc_slice lhc;
} zp_mass_slice;

zp_status zp_model_init(const zp_config *c, zp_model *m);

/* Per-mass quantities. lumi/limits may be NULL when the LHC constraint is disabled. */
zp_status zp_model_slice(const zp_model *m, const zp_config *c, const zp_lumi_table *lumi,
                         const zp_limit_table *limits, double mass, zp_mass_slice *s);
void zp_model_slice_free(zp_mass_slice *s);

#endif
