/* Parton luminosities and the dilepton fiducial acceptance of a spin-1 resonance
 * (PHYSICS.md §6), by GSL adaptive quadrature (QAG, 41-point Gauss-Kronrod).
 *
 * For ordered pairs (i from proton 1, j from proton 2), mu_F = M, tau = M^2/s:
 *   L_ij(tau) = int_tau^1 dx/x f_i(x, M) f_j(tau/x, M)
 *             = int_{-Y}^{Y} dy f_i(sqrt(tau) e^y) f_j(sqrt(tau) e^-y),  Y = -ln sqrt(tau),
 * i.e. integrated in ln x (y is the resonance rapidity). The requested relative accuracy
 * is asked of every sub-interval, so it holds for the sum.
 *
 * Acceptance: massless leptons from a spin-1 resonance at rapidity y, decay angle
 * distribution (3/8)(1 + cos^2 theta) (the odd term cancels under l+ <-> l- symmetric cuts);
 * pT = (M/2) sin theta, eta_{1,2} = y +- eta*, cos theta = tanh eta*. At fixed y the
 * cuts keep |cos theta| < c(y) = min(sqrt(1 - (2 pTmin/M)^2), tanh(etamax - |y|)), so the
 * angular integral is closed form, F(c) = (3c + c^3)/4, and the y integral is split at
 * the kinks of c(y) (y = 0, +-(etamax - atanh c_pT), +-etamax): the quadrature never
 * straddles a cut edge. */
#ifndef ZPSCAN_LUMI_H
#define ZPSCAN_LUMI_H

#include "zpscan/error.h"
#include "zpscan/pdf.h"

typedef struct {
    double pt_min;      /* GeV, both leptons */
    double abs_eta_max; /* both leptons; INFINITY allowed */
} zp_lumi_cuts;

#define ZP_LUMI_CUTS_ATLAS ((zp_lumi_cuts){30.0, 2.5})

/* One ordered parton pair with a weight (e.g. a width). */
typedef struct {
    int i, j;
    double w;
} zp_parton_pair;

/* (b,sbar), (sbar,b), (s,bbar), (bbar,s), weight 1: the lumi_bs of the tables. */
extern const zp_parton_pair zp_lumi_pairs_bs[4];
/* (q,qbar) and (qbar,q) for quark q in 1..6, weight w. */
void zp_lumi_pairs_qqbar(int q, double w, zp_parton_pair out[2]);

/* Sum_k w_k L_{i_k j_k}(M^2/s). */
zp_status zp_lumi_pairs(const zp_pdf *pdf, const zp_parton_pair *pairs, int npairs,
                        double mass, double sqrts, double epsrel, double *lumi);

/* The same luminosity and the fiducial acceptance of both leptons for a resonance made
 * from those pairs (weighted by w_k). acc is 0 when 2 pT_min >= M. */
zp_status zp_lumi_fiducial(const zp_pdf *pdf, const zp_parton_pair *pairs, int npairs,
                           double mass, double sqrts, const zp_lumi_cuts *cuts, double epsrel,
                           double *lumi, double *acc);

/* Angular acceptance at fixed resonance rapidity y (exact, closed form). */
double zp_lumi_acc_at_y(double mass, double y, const zp_lumi_cuts *cuts);

#endif
