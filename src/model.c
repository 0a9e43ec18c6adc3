#include "zpscan/model.h"

#include <math.h>
#include <string.h>

zp_status zp_model_init(const zp_config *c, zp_model *m)
{
    const zp_constants *k = &c->k;
    memset(m, 0, sizeof *m);
    m->lepton = c->lepton;
    m->sin2w = k->sin2thetaW;
    m->cW = sqrt(1.0 - k->sin2thetaW);
    m->e = sqrt(4.0 * M_PI * k->alpha_MZ);
    m->g2 = m->e / sqrt(k->sin2thetaW);
    m->gprime = m->g2 / (2.0 * m->cW);
    m->ml = c->lepton == ZP_LEPTON_E ? k->m_e : k->m_mu; /* mu+e: the muon first */
    m->ml2 = c->lepton == ZP_LEPTON_UNIV ? k->m_e : 0.0;
    m->nlep = c->lepton == ZP_LEPTON_UNIV ? 2.0 : 1.0;
    m->pert_g = k->pert_max / m->gprime;

    const zp_flavour_cfg *f = &c->cc.flavour;
    for (int i = 0; i < 2; ++i) {
        m->f_have[i] = f->have[i];
        m->f_best[i] = f->best[i];
        m->f_sdn[i] = f->best[i] - f->lo1[i]; /* asymmetric Gaussian from the 1 sigma interval */
        m->f_sup[i] = f->hi1[i] - f->best[i];
        m->f_lo[i] = f->level == 1 ? f->lo1[i] : f->lo2[i];
        m->f_hi[i] = f->level == 1 ? f->hi1[i] : f->hi2[i];
        if (f->have[i] && !(m->f_sdn[i] > 0 && m->f_sup[i] > 0))
            ZP_FAIL(ZP_EINPUT, "%s: the 1 sigma interval of %s must contain the best fit strictly",
                    f->path, i ? "C10" : "C9");
    }
    m->f_g2d = f->have_gauss2d;
    if (m->f_g2d) {
        double a = f->g2d_cov[0], b = f->g2d_cov[1], d = f->g2d_cov[2];
        double det = a * d - b * b;
        if (!(a > 0 && det > 0))
            ZP_FAIL(ZP_EINPUT, "%s: the (C9, C10) covariance must be positive definite", f->path);
        m->f_g2d_inv[0] = d / det;
        m->f_g2d_inv[1] = -b / det;
        m->f_g2d_inv[2] = a / det;
        m->f_g2d_mean[0] = f->g2d_mean[0];
        m->f_g2d_mean[1] = f->g2d_mean[1];
        m->f_g2d_chi2max = f->g2d_chi2_max;
    }

    m->f_gn = f->gn;
    for (int k = 0; k < 4; ++k) m->f_gidx[k] = f->gidx[k], m->f_gmean[k] = f->gmean[k];
    memcpy(m->f_ginv, f->ginv, sizeof m->f_ginv);
    m->f_gchi2max = f->gchi2max;

    if (!(c->cc.g2.sigma > 0)) ZP_FAIL(ZP_EINPUT, "%s: g-2 sigma must be > 0", c->cc.g2.path);
    m->g2_central = c->cc.g2.central;
    m->g2_inv_sigma = 1.0 / c->cc.g2.sigma;
    double pull_sm = fabs(c->cc.g2.central / c->cc.g2.sigma);
    m->g2_threshold = c->cc.g2.rule == ZP_G2_RULE_PULL ? c->cc.g2.nsigma : fmax(c->cc.g2.nsigma, pull_sm);
    if (c->lepton == ZP_LEPTON_UNIV) {
        if (!(c->cc.g2.sigma_e > 0)) ZP_FAIL(ZP_EINPUT, "%s: the electron's g-2 sigma must be > 0", c->cc.g2.path);
        m->g2_central2 = c->cc.g2.central_e;
        m->g2_inv_sigma2 = 1.0 / c->cc.g2.sigma_e;
        const double p2 = fabs(c->cc.g2.central_e / c->cc.g2.sigma_e);
        m->g2_threshold2 = c->cc.g2.rule == ZP_G2_RULE_PULL ? c->cc.g2.nsigma : fmax(c->cc.g2.nsigma, p2);
    }

    double gp2 = m->gprime * m->gprime;
    m->w_ll = gp2 / (12.0 * M_PI);
    m->w_bs = 2.0 * k->Nc * gp2 / (24.0 * M_PI); /* b sbar + s bbar */
    m->w_nu = c->cc.lhc.include_nu ? m->nlep * (gp2 / (24.0 * M_PI)) : 0.0; /* nu_mu (and nu_e for mu+e) */
    m->w_extra = c->cc.lhc.extra_width;
    m->width_max = k->width_max;
    m->bs_max = k->bs_mixing_max;
    m->bs_cross = k->bs_cross;
    m->lhc_enabled = c->cc.lhc.enabled;
    m->lhc_cls_stored = c->store_points && c->store_obs[ZP_OBS_LHC_CLS];
    m->combine = c->combine;
    m->cc = c->cc;
    return ZP_OK;
}

zp_status zp_model_slice(const zp_model *m, const zp_config *c, const zp_lumi_table *lumi,
                         const zp_limit_table *limits, double mass, zp_mass_slice *s)
{
    const zp_constants *k = &c->k;
    memset(s, 0, sizeof *s);
    double M2 = mass * mass;
    s->mass = mass;
    s->K = (k->MZ * k->MZ / (2.0 * M2)) / (k->alpha_low / (4.0 * M_PI) * k->VtbVts);
    s->g2pref = m->gprime * m->gprime * m->ml * m->ml / (12.0 * M_PI * M_PI * M2);
    s->g2pref2 = m->gprime * m->gprime * m->ml2 * m->ml2 / (12.0 * M_PI * M_PI * M2);
    s->bs_pref = (k->MZ * k->MZ / M2) /
                 (m->g2 * m->g2 / (16.0 * M_PI * M_PI) * k->VtbVts * k->VtbVts * k->S0);
    if (m->lepton == ZP_LEPTON_E || m->lepton == ZP_LEPTON_UNIV) { /* e+e- -> e+e- */
        double unit = sqrt(4.0 * M_PI) / m->gprime; /* 2cW/g2 sqrt(4 pi) */
        s->lepV_max = unit * mass / k->lep_lambda_V;
        s->lepA_max = unit * mass / k->lep_lambda_A;
    } else {
        s->lepV_max = INFINITY; /* LEP's e+e- -> e+e- says nothing about muon couplings */
        s->lepA_max = INFINITY;
    }
    if (m->lhc_enabled) {
        zp_lhc_consts lc = {.sqrts = k->sqrts, .gprime = m->gprime, .nc = k->Nc};
        ZP_TRY(zp_lhc_slice_at(lumi, limits, &lc, mass, &s->lhc));
    } else {
        s->lhc.mass_tested = 0;
        s->lhc.sigma_per_g2 = s->lhc.acceptance = NAN; /* sigmaB_fid NaN: not computed */
        const double w0 = 0.0, l1 = 1.0;
        ZP_TRY(zp_lhc_slice_set(&s->lhc, 1, &w0, &l1));
    }
    return ZP_OK;
}

void zp_model_slice_free(zp_mass_slice *s)
{
    zp_lhc_slice_free(&s->lhc);
}
