/* zpscan-lhccheck: physics validation of the LHC machinery (docs/LHC_VALIDATION.md).
 * (a) W normalisation of the production formula, (b) a sequential Z' against the ATLAS
 * 139 fb^-1 limits, (c) the SM Z cross section at 13 TeV. Uses the same library calls as
 * the scan (zp_lumi_*, zp_lhc_sigma_fb, zp_lhc_slice_at). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zp_version.h"
#include "zpscan/binned.h"
#include "zpscan/ini.h"
#include "zpscan/lhc.h"
#include "zpscan/lumi.h"
#include "zpscan/pdf.h"

/* Electroweak inputs as PHYSICS.md §2; G_F, M_W and CKM (PDG) only for the W checks. */
#define MZ 91.1876
#define SW2 0.23122
#define ALPHA_MZ (1.0 / 127.952)
#define GF 1.1663787e-5
#define MW 80.379
#define MTOP 172.5
#define VUD 0.97373
#define VUS 0.2243
#define VCD 0.221
#define VCS 0.975

static int fail(void)
{
    fprintf(stderr, "zpscan-lhccheck: %s\n", zp_err_msg());
    return zp_status_exit_code(zp_err_status());
}

/* Z-like width to f fbar, couplings (gZ/2) gamma^mu (v - a gamma5), gZ = e/(sW cW),
 * with the top mass where given (beta factors). */
static double width_zlike(double M, double nc, double T3, double Q, double m)
{
    const double gz2 = 4.0 * M_PI * ALPHA_MZ / (SW2 * (1.0 - SW2));
    const double v = T3 - 2.0 * Q * SW2, a = T3;
    const double r = m * m / (M * M);
    if (4.0 * r >= 1.0) return 0.0;
    const double beta = sqrt(1.0 - 4.0 * r);
    return nc * gz2 * M / (48.0 * M_PI) * beta * (v * v * (1.0 + 2.0 * r) + a * a * beta * beta);
}

typedef struct {
    double total, ll, q[7]; /* q[1..6]: Gamma(q qbar) for d u s c b t */
} zwidths;

static zwidths ssm_widths(double M)
{
    zwidths w = {0};
    /* PDG ids: 1 d, 2 u, 3 s, 4 c, 5 b, 6 t */
    for (int q = 1; q <= 6; ++q) {
        const int up = (q % 2 == 0);
        w.q[q] = width_zlike(M, 3.0, up ? 0.5 : -0.5, up ? 2.0 / 3.0 : -1.0 / 3.0, q == 6 ? MTOP : 0.0);
        w.total += w.q[q];
    }
    w.ll = width_zlike(M, 1.0, -0.5, -1.0, 0.0);
    w.total += 3.0 * w.ll + 3.0 * width_zlike(M, 1.0, 0.5, 0.0, 0.0);
    return w;
}

/* sigma(pp -> Z-like) * B(l+l-) in fb and its fiducial acceptance, one lepton flavour. */
static zp_status zlike_sigma(const zp_pdf *pdf, double M, double sqrts, const zp_lumi_cuts *cuts,
                             double epsrel, double *sb, double *acc, double *gam_over_m)
{
    const zwidths w = ssm_widths(M);
    zp_parton_pair pp[10];
    for (int q = 1; q <= 5; ++q) zp_lumi_pairs_qqbar(q, w.q[q], &pp[2 * (q - 1)]);
    double wl; /* sum_q Gamma_q (L_qqbar + L_qbarq) */
    ZP_TRY(zp_lumi_fiducial(pdf, pp, 10, M, sqrts, cuts, epsrel, &wl, acc));
    *sb = zp_lhc_sigma_fb(M, sqrts, 1.0, wl) * w.ll / w.total;
    *gam_over_m = w.total / M;
    return ZP_OK;
}

/* Limit at Gamma/M, linear in Gamma/M between the slice's columns (clamped at the ends). */
static double limit_at_width(const zp_lhc_slice *s, double gm)
{
    const double *W = zp_lhc_widths(s), *L = zp_lhc_limits(s);
    if (gm <= W[0]) return L[0];
    for (int k = 0; k + 1 < s->nw; ++k)
        if (gm <= W[k + 1]) {
            const double t = (gm - W[k]) / (W[k + 1] - W[k]);
            return (1.0 - t) * L[k] + t * L[k + 1];
        }
    return L[s->nw - 1];
}

/* The binned likelihood's 95% CL limits on the fiducial sigma*B of a resonance with equal
 * ee and mumu rates (both channels), and per channel, against ATLAS's combined limits:
 * a Markdown table for docs/LHC_VALIDATION.md. */
static zp_status binned_check(const char *lumipath, const char *specdir, const zp_limit_table *lim)
{
    zp_lumi_table *lt = calloc(1, sizeof *lt);
    zp_spectra *sp = calloc(1, sizeof *sp);
    zp_binned_lik *L = calloc(1, sizeof *L);
    zp_status st = (lt && sp && L) ? ZP_OK : ZP_ENOMEM;
    if (st == ZP_OK) st = zp_lumi_table_read(lumipath, lt);
    if (st == ZP_OK) st = zp_spectra_read(specdir, NULL, sp);
    static const double masses[12] = {300, 400, 500, 750, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 5000};
    static const double gms[2] = {0.0, 0.03};
    const zp_lhc_consts lc = {13000.0, 0.0, 3.0};
    for (int g = 0; g < 2 && st == ZP_OK; ++g) {
        printf("\nGamma/M = %g%%\n\n| M (GeV) | ATLAS combined (fb) | binned ee+mumu (fb) | ratio | binned ee (fb) | "
               "binned mumu (fb) |\n| ---: | ---: | ---: | ---: | ---: | ---: |\n", 100 * gms[g]);
        for (int i = 0; i < 12 && st == ZP_OK; ++i) {
            zp_lhc_slice s;
            st = zp_lhc_slice_at(lt, lim, &lc, masses[i], &s);
            if (st != ZP_OK) break;
            const double atlas = limit_at_width(&s, gms[g]);
            zp_lhc_slice_free(&s);
            double x[3];
            static const int chans[3] = {ZP_CH_BIT(ZP_CH_EE) | ZP_CH_BIT(ZP_CH_MM), ZP_CH_BIT(ZP_CH_EE),
                                         ZP_CH_BIT(ZP_CH_MM)};
            for (int c = 0; c < 3 && st == ZP_OK; ++c) {
                st = zp_binned_setup(sp, chans[c], lt, masses[i], gms[g], L);
                if (st == ZP_OK) st = zp_binned_x95(L, zp_binned_xhat(L), &x[c]);
            }
            if (st == ZP_OK)
                printf("| %g | %.4g | %.4g | %.2f | %.4g | %.4g |\n", masses[i], atlas, x[0], x[0] / atlas, x[1], x[2]);
        }
    }
    free(lt);
    free(sp);
    free(L);
    return st;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: zpscan-lhccheck [options]\n"
            "Validation of the LHC dilepton machinery: W normalisation, sequential Z' vs the\n"
            "ATLAS 139 fb^-1 limits, SM Z cross section. Needs LHAPDF_DATA_PATH.\n"
            "  --pdf NAME      LHAPDF set (default NNPDF23_lo_as_0130_qed)\n"
            "  --member N      member (default 0)\n"
            "  --limits FILE   limit table (default DATADIR/lhc/atlas139_dilepton_fid_limits.csv;\n"
            "                  DATADIR: $ZPSCAN_DATADIR, the installed data or the source's inputs/)\n"
            "  --epsrel E      quadrature accuracy (default 1e-6)\n"
            "  --binned        only the binned likelihood's limits against the combined ones\n"
            "                  (DATADIR/lhc/atlas139_spectra and the luminosity table; no PDF)\n"
            "  -h, --help      this text\n"
            "  -V, --version   version\n");
}

int main(int argc, char **argv)
{
    static char deflim[4200];
    snprintf(deflim, sizeof deflim, "%s/lhc/atlas139_dilepton_fid_limits.csv", zp_ini_data_dir());
    const char *set = "NNPDF23_lo_as_0130_qed", *limpath = deflim;
    int member = 0, binned = 0;
    double epsrel = 1e-6;
    const double sqrts = 13000.0;
    static const struct option lo[] = {{"pdf", required_argument, 0, 'p'},
                                       {"member", required_argument, 0, 'm'},
                                       {"limits", required_argument, 0, 'l'},
                                       {"epsrel", required_argument, 0, 'e'},
                                       {"binned", no_argument, 0, 'b'},
                                       {"help", no_argument, 0, 'h'},
                                       {"version", no_argument, 0, 'V'},
                                       {0, 0, 0, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "hV", lo, NULL)) != -1) {
        switch (ch) {
        case 'p': set = optarg; break;
        case 'm': member = atoi(optarg); break;
        case 'l': limpath = optarg; break;
        case 'e': epsrel = strtod(optarg, NULL); break;
        case 'b': binned = 1; break;
        case 'h': usage(stdout); return 0;
        case 'V': printf("zpscan-lhccheck %s\n", ZP_VERSION_STRING); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc) { usage(stderr); return 2; }

    zp_pdf *pdf = NULL;
    zp_limit_table *lim = calloc(1, sizeof *lim);
    int rc = 0;
    if (!lim) return 3;
    if (binned) {
        char lumi[4200], spec[4200];
        snprintf(lumi, sizeof lumi, "%s/lhc/lumi_NNPDF23_lo_as_0130_qed_13TeV.csv", zp_ini_data_dir());
        snprintf(spec, sizeof spec, "%s/lhc/atlas139_spectra", zp_ini_data_dir());
        printf("zpscan-lhccheck %s: binned likelihood (%s, %s) against %s\n", ZP_VERSION_STRING, spec, lumi,
               limpath);
        if (zp_limit_table_read(limpath, lim) || binned_check(lumi, spec, lim)) rc = fail();
        zp_limit_table_free(lim);
        free(lim);
        return rc;
    }
    if (zp_pdf_open(set, member, &pdf) || zp_limit_table_read(limpath, lim)) {
        rc = fail();
        goto out;
    }
    const zp_lumi_cuts cuts = ZP_LUMI_CUTS_ATLAS;
    printf("zpscan-lhccheck %s: PDF %s member %d (%s), sqrt(s) = %.0f GeV, epsrel %.0e\n",
           ZP_VERSION_STRING, set, member, zp_pdf_member_path(pdf), sqrts, epsrel);
    printf("EW inputs: MZ = %.4f, sin^2 thetaW = %.5f, alpha(MZ) = 1/%.3f; G_F = %.7e, MW = %.3f, mt = %.1f GeV\n\n",
           MZ, SW2, 1.0 / ALPHA_MZ, GF, MW, MTOP);

    /* (a) W normalisation ------------------------------------------------------------ */
    {
        const double width = 3.0 * GF * MW * MW * MW * VUD * VUD / (6.0 * M_SQRT2 * M_PI);
        const double K = zp_lhc_sigma_fb(MW, sqrts, width, 1.0) * sqrts * sqrts / ZP_GEV2_TO_FB;
        const double Kref = M_SQRT2 * M_PI / 3.0 * GF * MW * MW * VUD * VUD;
        printf("(a) W normalisation: (4pi^2/3)(1/M) Gamma(W->u dbar) = %.10e, (sqrt2 pi/3) G_F MW^2 |Vud|^2 = %.10e, ratio - 1 = %.1e\n",
               K, Kref, K / Kref - 1.0);
        /* bonus: LO sigma(pp -> W+) B(W+ -> e nu), B = 1/9 at LO */
        const double wq = 3.0 * GF * MW * MW * MW / (6.0 * M_SQRT2 * M_PI);
        const zp_parton_pair wp[8] = {{2, -1, wq * VUD * VUD}, {-1, 2, wq * VUD * VUD},
                                      {2, -3, wq * VUS * VUS}, {-3, 2, wq * VUS * VUS},
                                      {4, -3, wq * VCS * VCS}, {-3, 4, wq * VCS * VCS},
                                      {4, -1, wq * VCD * VCD}, {-1, 4, wq * VCD * VCD}};
        double wl;
        if (zp_lumi_pairs(pdf, wp, 8, MW, sqrts, epsrel, &wl)) { rc = fail(); goto out; }
        printf("    LO sigma(pp -> W+) x B(W+ -> l nu) [B = 1/9] = %.3f nb (ATLAS 13 TeV measured: 11.83 nb, arXiv:1603.09222)\n\n",
               zp_lhc_sigma_fb(MW, sqrts, 1.0, wl) / 9.0 * 1e-6);
    }

    /* (c) SM Z first: it is quick ---------------------------------------------------- */
    {
        double sb, acc, gm;
        if (zlike_sigma(pdf, MZ, sqrts, &cuts, epsrel, &sb, &acc, &gm)) { rc = fail(); goto out; }
        const zwidths w = ssm_widths(MZ);
        printf("(c) SM Z at %.4f GeV: Gamma_tot = %.4f GeV, B(l+l-) = %.5f; LO sigma(pp -> Z) x B(l+l-) = %.4f nb\n"
               "    (ATLAS 13 TeV measured, total: 1.981 nb, arXiv:1603.09222); ratio LO/measured = %.3f\n\n",
               MZ, w.total, w.ll / w.total, sb * 1e-6, sb * 1e-6 / 1.981);
    }

    /* (b) SSM --------------------------------------------------------------------------- */
    printf("(b) Sequential Z' (SM Z couplings to all fermions, top channel above threshold, no WW):\n");
    printf("    %8s %8s %12s %8s %12s %12s %8s\n", "M/GeV", "G/M", "sigmaB/fb", "A", "fid.sB/fb", "limit/fb", "ratio");
    zp_lhc_consts lc = {sqrts, 1.0, 3.0};
    double prev_m = 0, prev_r = 0, cross = -1, cross_gm = 0;
    int ncross = 0;
    for (double M = 250.0; M <= 6000.0 + 1e-9; M += 10.0) {
        double sb, acc, gm;
        if (zlike_sigma(pdf, M, sqrts, &cuts, epsrel, &sb, &acc, &gm)) { rc = fail(); goto out; }
        zp_lumi_table dummy; /* only the limits part of the slice is used here */
        dummy.n = 2; dummy.mass[0] = 1; dummy.mass[1] = sqrts * 0.99; dummy.lumi_bs[0] = dummy.lumi_bs[1] = 1;
        dummy.acc[0] = dummy.acc[1] = 1; dummy.sqrts = sqrts; strcpy(dummy.path, "(none)");
        zp_lhc_slice s;
        if (zp_lhc_slice_at(&dummy, lim, &lc, M, &s)) { rc = fail(); goto out; }
        const double limv = s.mass_tested ? limit_at_width(&s, gm) : NAN;
        zp_lhc_slice_free(&s);
        const double r = sb * acc / limv;
        if (fmod(M + 1e-9, 250.0) < 1e-6)
            printf("    %8.0f %8.4f %12.5g %8.4f %12.5g %12.5g %8.3g\n", M, gm, sb, acc, sb * acc, limv, r);
        if (prev_m > 0 && prev_r >= 1.0 && r < 1.0) {
            /* log(ratio) linear between the two masses */
            cross = prev_m + (M - prev_m) * log(prev_r) / (log(prev_r) - log(r));
            cross_gm = gm;
            ++ncross;
        }
        prev_m = M;
        prev_r = r;
    }
    if (cross > 0)
        printf("    fiducial sigma*B falls below the observed limit at M = %.0f GeV (Gamma/M = %.4f; "
               "%d downward crossing(s), the last one quoted); ATLAS (NNLO QCD x NLO EW, 139/fb): 5.1 TeV\n",
               cross, cross_gm, ncross);
    else
        printf("    no crossing found in 250..6000 GeV\n");
out:
    zp_limit_table_free(lim);
    free(lim);
    zp_pdf_free(pdf);
    return rc;
}
