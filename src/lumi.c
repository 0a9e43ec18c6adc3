/* Parton luminosities and fiducial acceptance (see lumi.h for the formulas). */
#include "zpscan/lumi.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <math.h>
#include <stdlib.h>

#define WS_LIMIT 2000

const zp_parton_pair zp_lumi_pairs_bs[4] = {{5, -3, 1.0}, {-3, 5, 1.0}, {3, -5, 1.0}, {-5, 3, 1.0}};

void zp_lumi_pairs_qqbar(int q, double w, zp_parton_pair out[2])
{
    out[0] = (zp_parton_pair){q, -q, w};
    out[1] = (zp_parton_pair){-q, q, w};
}

typedef struct {
    const zp_pdf *pdf;
    const zp_parton_pair *pairs;
    int npairs;
    double mass, rtau;
    const zp_lumi_cuts *cuts; /* NULL: no acceptance factor */
    zp_status st;             /* first PDF failure inside the integrand */
} integrand_ctx;

double zp_lumi_acc_at_y(double mass, double y, const zp_lumi_cuts *cuts)
{
    const double r = 2.0 * cuts->pt_min / mass;
    if (r >= 1.0) return 0.0;
    const double ay = fabs(y);
    if (!(ay < cuts->abs_eta_max)) return 0.0;
    const double cpt = sqrt(1.0 - r * r);
    const double ceta = isinf(cuts->abs_eta_max) ? 1.0 : tanh(cuts->abs_eta_max - ay);
    const double c = fmin(cpt, ceta);
    return 0.25 * (3.0 * c + c * c * c);
}

/* f_i(x1) f_j(x2) summed over the pairs, times the acceptance at y if asked. */
static double integrand(double y, void *vp)
{
    integrand_ctx *c = vp;
    if (c->st) return 0.0;
    const double x1 = c->rtau * exp(y), x2 = c->rtau * exp(-y);
    double sum = 0.0;
    for (int k = 0; k < c->npairs; ++k) {
        double f1, f2;
        zp_status st = zp_pdf_fxq(c->pdf, c->pairs[k].i, fmin(x1, 1.0), c->mass, &f1);
        if (!st) st = zp_pdf_fxq(c->pdf, c->pairs[k].j, fmin(x2, 1.0), c->mass, &f2);
        if (st) { c->st = st; return 0.0; }
        sum += c->pairs[k].w * f1 * f2;
    }
    if (c->cuts) sum *= zp_lumi_acc_at_y(c->mass, y, c->cuts);
    return sum;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Integrate over [a, b] split at the given interior points. */
static zp_status integrate_split(integrand_ctx *c, double a, double b, double *pts, int np,
                                 double epsrel, gsl_integration_workspace *ws, double *res)
{
    qsort(pts, (size_t)np, sizeof *pts, cmp_double);
    gsl_function F = {integrand, c};
    double lo = a, sum = 0.0;
    for (int k = 0; k <= np; ++k) {
        double hi = k < np ? pts[k] : b;
        if (!(hi > lo)) continue;
        if (hi > b) hi = b;
        double r, err;
        int gs = gsl_integration_qag(&F, lo, hi, 0.0, epsrel, WS_LIMIT, GSL_INTEG_GAUSS41, ws, &r, &err);
        if (c->st) return c->st;
        if (gs)
            ZP_FAIL(ZP_ENUM, "luminosity integral at M = %g GeV over y in [%g, %g]: %s (estimate %g +- %g)",
                    c->mass, lo, hi, gsl_strerror(gs), r, err);
        sum += r;
        lo = hi;
        if (lo >= b) break;
    }
    *res = sum;
    return ZP_OK;
}

static zp_status check_args(const zp_pdf *pdf, int npairs, double mass, double sqrts, double epsrel)
{
    if (!pdf || npairs < 1) ZP_FAIL(ZP_EINPUT, "luminosity: no PDF or no parton pairs");
    if (!(mass > 0) || !(sqrts > mass))
        ZP_FAIL(ZP_EINPUT, "luminosity: need 0 < M < sqrt(s), got M = %g, sqrt(s) = %g GeV", mass, sqrts);
    if (!(epsrel >= 1e-12 && epsrel <= 1e-2))
        ZP_FAIL(ZP_EINPUT, "luminosity: relative accuracy %g outside [1e-12, 1e-2]", epsrel);
    return ZP_OK;
}

static zp_status run(const zp_pdf *pdf, const zp_parton_pair *pairs, int npairs, double mass,
                     double sqrts, const zp_lumi_cuts *cuts, double epsrel, double *lumi,
                     double *acc)
{
    ZP_TRY(check_args(pdf, npairs, mass, sqrts, epsrel));
    gsl_set_error_handler_off();
    gsl_integration_workspace *ws = gsl_integration_workspace_alloc(WS_LIMIT);
    if (!ws) ZP_FAIL(ZP_ENOMEM, "luminosity: GSL workspace allocation failed");

    const double Y = log(sqrts / mass); /* -ln sqrt(tau) */
    integrand_ctx c = {pdf, pairs, npairs, mass, mass / sqrts, NULL, ZP_OK};
    double pts[8];
    int np = 0;
    pts[np++] = 0.0;
    zp_status st = ZP_OK;
    if (cuts) {
        const double em = cuts->abs_eta_max;
        if (em < Y) { pts[np++] = em; pts[np++] = -em; }
        const double r = 2.0 * cuts->pt_min / mass;
        if (r > 0 && r < 1 && !isinf(em)) {
            const double yk = em - atanh(sqrt(1.0 - r * r));
            if (yk > 0 && yk < Y) { pts[np++] = yk; pts[np++] = -yk; }
        }
    }
    double pts2[8];
    for (int k = 0; k < np; ++k) pts2[k] = pts[k];
    st = integrate_split(&c, -Y, Y, pts, np, epsrel, ws, lumi);
    if (!st && acc) {
        if (!(cuts->pt_min >= 0) || !(cuts->abs_eta_max > 0)) {
            st = ZP_EINPUT;
            zp_err_set(st, "acceptance: cuts pT > %g GeV, |eta| < %g are not valid", cuts->pt_min, cuts->abs_eta_max);
        } else if (2.0 * cuts->pt_min >= mass || !(*lumi > 0)) {
            *acc = 0.0;
        } else {
            double num;
            c.cuts = cuts;
            const double ylim = fmin(Y, cuts->abs_eta_max);
            st = integrate_split(&c, -ylim, ylim, pts2, np, epsrel, ws, &num);
            if (!st) *acc = fmin(1.0, fmax(0.0, num / *lumi));
        }
    }
    gsl_integration_workspace_free(ws);
    return st;
}

zp_status zp_lumi_pairs(const zp_pdf *pdf, const zp_parton_pair *pairs, int npairs, double mass,
                        double sqrts, double epsrel, double *lumi)
{
    return run(pdf, pairs, npairs, mass, sqrts, NULL, epsrel, lumi, NULL);
}

zp_status zp_lumi_fiducial(const zp_pdf *pdf, const zp_parton_pair *pairs, int npairs,
                           double mass, double sqrts, const zp_lumi_cuts *cuts, double epsrel,
                           double *lumi, double *acc)
{
    if (!cuts) ZP_FAIL(ZP_EINPUT, "acceptance: no cuts given");
    return run(pdf, pairs, npairs, mass, sqrts, cuts, epsrel, lumi, acc);
}
