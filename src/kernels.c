#include "zpscan/kernels.h"

#include <math.h>

/* The loop body is written with selects instead of branches so that GCC/Clang
 * if-convert it and vectorise the whole row (check: -fopt-info-vec, see meson option). */
/* The body takes every stream as its own restrict parameter: GCC honours restrict on
 * parameters, not on pointers loaded from an array, and with 16 streams it would
 * otherwise give up on the runtime alias checks and not vectorise at all. */
static inline __attribute__((always_inline)) void
row_impl(const int full, const zp_model *restrict m, const zp_mass_slice *restrict s, double gqL,
                     const double *restrict gqR, const double *restrict gV, const double *restrict gA,
                     int64_t n, uint16_t *restrict mask, float *restrict oC9, float *restrict oC10,
                     float *restrict oC9p, float *restrict oC10p, float *restrict oda,
                     float *restrict opull, float *restrict ochi, float *restrict obs_r,
                     float *restrict ow, float *restrict osb, float *restrict olim,
                     float *restrict orat)
{
    /* Row constants, hoisted into locals so the compiler sees no aliasing. */
    const double K = s->K, KL = s->K * gqL, g2pref = s->g2pref, bs_pref = s->bs_pref;
    const double lepV = s->lepV_max, lepA = s->lepA_max;
    const double g2c = m->g2_central, g2is = m->g2_inv_sigma, g2thr = m->g2_threshold;
    const double bsmax = m->bs_max, bsx = m->bs_cross, wmax = m->width_max;
    const double pert = m->pert_g, aL = fabs(gqL), gqL2 = gqL * gqL;
    const double wll = m->w_ll, wbs = m->w_bs, wnu = m->w_nu, wex = m->w_extra;
    const double P = s->lhc.sigma_per_g2 * s->lhc.acceptance;
    const int lhc_on = m->lhc_enabled && s->lhc.mass_tested;
    const double wtop = s->lhc.width[s->lhc.nw > 0 ? s->lhc.nw - 1 : 0];
    double W[ZP_LHC_MAX_WIDTHS], L[ZP_LHC_MAX_WIDTHS], S[ZP_LHC_MAX_WIDTHS];
    for (int j = 0; j < ZP_LHC_MAX_WIDTHS; ++j) {
        W[j] = s->lhc.width[j];
        L[j] = s->lhc.limit[j];
        S[j] = s->lhc_slope[j];
    }
    const int h9 = m->f_have[0], h10 = m->f_have[1], g2d = m->f_g2d;
    const double b9 = m->f_best[0], b10 = m->f_best[1];
    const double d9 = m->f_sdn[0], u9 = m->f_sup[0], d10 = m->f_sdn[1], u10 = m->f_sup[1];
    const double lo9 = m->f_lo[0], hi9 = m->f_hi[0], lo10 = m->f_lo[1], hi10 = m->f_hi[1];
    const double gm9 = m->f_g2d_mean[0], gm10 = m->f_g2d_mean[1];
    const double gi0 = m->f_g2d_inv[0], gi1 = m->f_g2d_inv[1], gi2 = m->f_g2d_inv[2];
    const double gchi = m->f_g2d_chi2max;
    const unsigned comb = m->combine;
    /* SM-point flavour verdict is the same for every point: compute once. */
    const double z9 = (0.0 - b9) / (0.0 > b9 ? u9 : d9), z10 = (0.0 - b10) / (0.0 > b10 ? u10 : d10);
    const double chi_sm = fmin(h9 ? z9 * z9 : INFINITY, h10 ? z10 * z10 : INFINITY);
    const int pass_sm = (!h9 || (lo9 <= 0.0 && 0.0 <= hi9)) && (!h10 || (lo10 <= 0.0 && 0.0 <= hi10))
                        && (h9 || h10);

    for (int64_t i = 0; i < n; ++i) {
        const double r = gqR[i], v = gV[i], a = gA[i];
        const double C9 = KL * v, C10 = KL * a, C9p = K * r * v, C10p = K * r * a;

        /* lepton g-2, eqs. (2.3)-(2.4) together */
        const double da = g2pref * (v * v - 5.0 * a * a);
        const double pull = (da - g2c) * g2is;
        const int g2ok = fabs(pull) <= g2thr;

        /* Bs mixing, eq. (2.10) */
        const double R = bs_pref * (gqL2 + r * r - bsx * gqL * r);
        const int bsok = fabs(R) < bsmax;

        /* LEP, eq. (2.9) (infinite bounds for muons) */
        const int lepok = (fabs(v) <= lepV) & (fabs(a) <= lepA);

        /* perturbativity: g'|g| < sqrt(4 pi) for every coupling */
        const double ar = fabs(r), av = fabs(v), aa = fabs(a);
        const double m1 = aL > ar ? aL : ar, m2 = av > aa ? av : aa;
        const double gmax = m1 > m2 ? m1 : m2;
        const int pertok = gmax < pert;

        /* widths and branching ratio, PHYSICS.md §6 */
        const double gq2 = gqL2 + r * r, gl2 = v * v + a * a, vma = v - a;
        const double wl = wll * gl2;
        const double w = wl + wbs * gq2 + wnu * vma * vma + wex;
        const int widthok = w <= wmax;
        const double br = wl / (w > 0.0 ? w : 1.0); /* w = 0 only when wl = 0 */
        const double sbf = P * gq2 * br;
        double lim = L[0];
        for (int j = 0; j < ZP_LHC_MAX_WIDTHS - 1; ++j) {
            const double cand = L[j] + S[j] * (w - W[j]);
            lim = w >= W[j] ? cand : lim;
        }
        const int lhc_tested = lhc_on & (w <= wtop);
        const double ratio = sbf / lim;
        const int lhcok = lhc_tested & (ratio <= 1.0);

        /* flavour fit (Table 1): one non-zero coefficient -> its interval; none -> the SM
         * point; C9 and C10 together -> the optional 2-D Gaussian; otherwise untested. */
        const int nz9 = C9 != 0.0, nz10 = C10 != 0.0, nzp = (C9p != 0.0) | (C10p != 0.0);
        const int cnt = nz9 + nz10 + nzp;
        const double e9 = (C9 - b9) / (C9 > b9 ? u9 : d9);
        const double e10 = (C10 - b10) / (C10 > b10 ? u10 : d10);
        const double x9 = C9 - gm9, x10 = C10 - gm10;
        const double chi2d = gi0 * x9 * x9 + 2.0 * gi1 * x9 * x10 + gi2 * x10 * x10;
        const int only9 = (cnt == 1) & nz9 & h9, only10 = (cnt == 1) & nz10 & h10;
        const int sm = cnt == 0, mixed = (cnt == 2) & nz9 & nz10 & g2d;
        const int ftested = only9 | only10 | sm | mixed;
        const int fok = (only9 & (C9 >= lo9) & (C9 <= hi9)) | (only10 & (C10 >= lo10) & (C10 <= hi10))
                        | (sm & pass_sm) | (mixed & (chi2d <= gchi));
        double chi = only9 ? e9 * e9 : NAN;
        chi = only10 ? e10 * e10 : chi;
        chi = sm ? chi_sm : chi;
        chi = mixed ? chi2d : chi;

        unsigned bits = ((unsigned)fok << ZP_BIT_FLAVOUR) | ((unsigned)!ftested << ZP_BIT_FLAVOUR_UNTESTED)
                        | ((unsigned)g2ok << ZP_BIT_G2) | ((unsigned)lepok << ZP_BIT_LEP)
                        | ((unsigned)bsok << ZP_BIT_BS_MIXING) | ((unsigned)pertok << ZP_BIT_PERTURBATIVE)
                        | ((unsigned)widthok << ZP_BIT_WIDTH) | ((unsigned)lhcok << ZP_BIT_LHC)
                        | ((unsigned)!lhc_tested << ZP_BIT_LHC_UNTESTED);
        /* a constraint in `combine` counts for ALL when it passes or was not evaluated;
         * COMPLETE says every one of them was evaluated */
        const unsigned untested = ((bits >> ZP_BIT_FLAVOUR_UNTESTED) & 1u) << ZP_BIT_FLAVOUR
                                  | ((bits >> ZP_BIT_LHC_UNTESTED) & 1u) << ZP_BIT_LHC;
        const unsigned ok = (bits | untested) & comb;
        bits |= (unsigned)(ok == comb) << ZP_BIT_ALL;
        const unsigned complete = (untested & comb) == 0;
        bits |= complete << ZP_BIT_COMPLETE;
        bits |= ((unsigned)(ok == comb) & complete) << ZP_BIT_ALLOWED;
        mask[i] = (uint16_t)bits;

        opull[i] = (float)pull; /* the projections need these two in every mode */
        ochi[i] = (float)chi;
        if (full) { /* a compile-time constant after inlining: no branch in the loop */
            oC9[i] = (float)C9;
            oC10[i] = (float)C10;
            oC9p[i] = (float)C9p;
            oC10p[i] = (float)C10p;
            oda[i] = (float)da;
            obs_r[i] = (float)R;
            ow[i] = (float)w;
            osb[i] = (float)sbf;
            olim[i] = lhc_tested ? (float)lim : NAN;
            orat[i] = lhc_tested ? (float)ratio : NAN;
        }
    }
}

void zp_kernel_row(const zp_model *restrict m, const zp_mass_slice *restrict s, double gqL,
                   const double *restrict gqR, const double *restrict gV,
                   const double *restrict gA, int64_t n, uint16_t *restrict mask,
                   float *const obs[ZP_NOBS])
{
    row_impl(1, m, s, gqL, gqR, gV, gA, n, mask, obs[ZP_OBS_C9], obs[ZP_OBS_C10], obs[ZP_OBS_C9P],
             obs[ZP_OBS_C10P], obs[ZP_OBS_DELTA_A], obs[ZP_OBS_G2_PULL], obs[ZP_OBS_FLAVOUR_CHI2],
             obs[ZP_OBS_BS_RATIO], obs[ZP_OBS_WIDTH_RATIO], obs[ZP_OBS_SIGMAB_FID],
             obs[ZP_OBS_LHC_LIMIT], obs[ZP_OBS_LHC_RATIO]);
}

void zp_kernel_row_verdicts(const zp_model *restrict m, const zp_mass_slice *restrict s, double gqL,
                            const double *restrict gqR, const double *restrict gV,
                            const double *restrict gA, int64_t n, uint16_t *restrict mask,
                            float *restrict flavour_chi2, float *restrict g2_pull)
{
    row_impl(0, m, s, gqL, gqR, gV, gA, n, mask, NULL, NULL, NULL, NULL, NULL, g2_pull, flavour_chi2,
             NULL, NULL, NULL, NULL, NULL);
}
