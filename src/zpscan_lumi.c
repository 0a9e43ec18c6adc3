/* zpscan-lumi: write the per-mass parton-luminosity and acceptance table
 * (the file zp_lumi_table_read reads) from an LHAPDF6 set. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zp_version.h"
#include "zpscan/lhc.h"
#include "zpscan/pdf.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: zpscan-lumi [options] -o FILE\n"
            "Compute lumi_bs(M) = sum over (b,sbar),(sbar,b),(s,bbar),(bbar,s) of the parton\n"
            "luminosity and the dilepton fiducial acceptance A(M) of a spin-1 resonance, per mass,\n"
            "from an LHAPDF6 set found on LHAPDF_DATA_PATH; write the CSV table the scan reads.\n"
            "\n"
            "  --pdf NAME        LHAPDF set name (default NNPDF23_lo_as_0130_qed)\n"
            "  --member N        set member (default 0)\n"
            "  --sqrts GEV       collider energy (default 13000)\n"
            "  --mmin GEV        lowest mass (default 100)\n"
            "  --mmax GEV        highest mass (default 6000)\n"
            "  --count N         number of masses, log-spaced (default 400)\n"
            "  --step GEV        linear spacing instead of --count\n"
            "  --ptmin GEV       lepton pT cut (default 30)\n"
            "  --etamax X        lepton |eta| cut (default 2.5)\n"
            "  --epsrel E        quadrature relative accuracy (default 1e-6; must be <= 1e-4)\n"
            "  --check           also compute every log-midpoint directly and record the\n"
            "                    maximum interpolation error in the table's metadata\n"
            "  -o, --output FILE output path ('-' for stdout)\n"
            "  -h, --help        this text\n"
            "  -V, --version     print the version\n");
}

static int num(const char *opt, const char *s, double *v)
{
    char *e;
    *v = strtod(s, &e);
    if (e == s || *e || !isfinite(*v)) {
        fprintf(stderr, "zpscan-lumi: %s: not a number: '%s'\n", opt, s);
        return 0;
    }
    return 1;
}

static int fail(void)
{
    fprintf(stderr, "zpscan-lumi: %s\n", zp_err_msg());
    return zp_status_exit_code(zp_err_status());
}

int main(int argc, char **argv)
{
    const char *set = "NNPDF23_lo_as_0130_qed", *out = NULL;
    double member = 0, sqrts = 13000, mmin = 100, mmax = 6000, count = 400, step = 0;
    zp_lumi_cuts cuts = ZP_LUMI_CUTS_ATLAS;
    double epsrel = 1e-6;
    int check = 0;
    static const struct option lo[] = {
        {"pdf", required_argument, 0, 'p'},    {"member", required_argument, 0, 'm'},
        {"sqrts", required_argument, 0, 's'},  {"mmin", required_argument, 0, 'a'},
        {"mmax", required_argument, 0, 'b'},   {"count", required_argument, 0, 'n'},
        {"step", required_argument, 0, 'd'},   {"ptmin", required_argument, 0, 't'},
        {"etamax", required_argument, 0, 'e'}, {"epsrel", required_argument, 0, 'r'},
        {"check", no_argument, 0, 'c'},        {"output", required_argument, 0, 'o'},
        {"help", no_argument, 0, 'h'},         {"version", no_argument, 0, 'V'},
        {0, 0, 0, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "o:hV", lo, NULL)) != -1) {
        int ok = 1;
        switch (ch) {
        case 'p': set = optarg; break;
        case 'm': ok = num("--member", optarg, &member); break;
        case 's': ok = num("--sqrts", optarg, &sqrts); break;
        case 'a': ok = num("--mmin", optarg, &mmin); break;
        case 'b': ok = num("--mmax", optarg, &mmax); break;
        case 'n': ok = num("--count", optarg, &count); step = 0; break;
        case 'd': ok = num("--step", optarg, &step); break;
        case 't': ok = num("--ptmin", optarg, &cuts.pt_min); break;
        case 'e': ok = num("--etamax", optarg, &cuts.abs_eta_max); break;
        case 'r': ok = num("--epsrel", optarg, &epsrel); break;
        case 'c': check = 1; break;
        case 'o': out = optarg; break;
        case 'h': usage(stdout); return 0;
        case 'V': printf("zpscan-lumi %s\n", ZP_VERSION_STRING); return 0;
        default: usage(stderr); return 2;
        }
        if (!ok) return 2;
    }
    if (optind != argc || !out) {
        usage(stderr);
        return 2;
    }
    if (member < 0 || member != floor(member) || !(mmin > 0) || !(mmax > mmin) ||
        !(sqrts > mmax) || !(epsrel > 0 && epsrel <= 1e-4) || step < 0 ||
        (step == 0 && (count < 2 || count != floor(count))) || cuts.pt_min < 0 ||
        !(cuts.abs_eta_max > 0)) {
        fprintf(stderr, "zpscan-lumi: inconsistent options (need member >= 0, 0 < mmin < mmax < sqrts, "
                        "count >= 2 or step > 0, epsrel in (0, 1e-4], ptmin >= 0, etamax > 0)\n");
        return 2;
    }
    int n = step > 0 ? (int)floor((mmax - mmin) / step + 1e-9) + 1 : (int)count;
    if (n < 2 || n > ZP_LUMI_MAX_ROWS) {
        fprintf(stderr, "zpscan-lumi: %d masses, need 2..%d\n", n, ZP_LUMI_MAX_ROWS);
        return 2;
    }
    double *mass = malloc((size_t)n * sizeof *mass);
    zp_lumi_table *t = malloc(sizeof *t);
    if (!mass || !t) {
        fprintf(stderr, "zpscan-lumi: out of memory\n");
        return 3;
    }
    for (int i = 0; i < n; ++i)
        mass[i] = step > 0 ? mmin + i * step : mmin * pow(mmax / mmin, (double)i / (n - 1));
    if (step == 0) mass[n - 1] = mmax; /* no rounding past the requested end */

    zp_pdf *pdf = NULL;
    int rc = 0;
    if (zp_pdf_open(set, (int)member, &pdf) || zp_lumi_table_compute_pdf(pdf, sqrts, mass, n, &cuts, epsrel, t)) {
        rc = fail();
        goto out;
    }

    size_t ml = strlen(t->meta);
    snprintf(t->meta + ml, sizeof t->meta - ml, "# masses: %d, %s from %g to %g GeV\n", n,
             step > 0 ? "linear" : "log-spaced", mmin, mmax);
    if (check) {
        /* Every log-midpoint computed directly vs what the scan interpolates from the rows. */
        zp_lhc_consts c = {sqrts, 1.0, 3.0};
        double elumi = 0, eacc = 0, efid = 0, mlumi = 0, macc = 0, mfid = 0;
        for (int i = 0; i + 1 < n; ++i) {
            const double m = sqrt(mass[i] * mass[i + 1]);
            double L, A;
            zp_lhc_slice s;
            if (zp_lumi_fiducial(pdf, zp_lumi_pairs_bs, 4, m, sqrts, &cuts, epsrel, &L, &A) ||
                zp_lhc_slice_at(t, NULL, &c, m, &s)) {
                rc = fail();
                goto out;
            }
            const double P = zp_lhc_sigma_fb(m, sqrts, zp_lhc_width_bs_per_g2(&c, m), L);
            const double el = fabs(s.sigma_per_g2 / P - 1.0);
            const double ea = A > 0 ? fabs(s.acceptance / A - 1.0) : fabs(s.acceptance);
            const double ef = A > 0 ? fabs(s.sigma_per_g2 * s.acceptance / (P * A) - 1.0) : 0;
            if (el > elumi) { elumi = el; mlumi = m; }
            if (ea > eacc) { eacc = ea; macc = m; }
            if (ef > efid) { efid = ef; mfid = m; }
        }
        ml = strlen(t->meta);
        snprintf(t->meta + ml, sizeof t->meta - ml,
                 "# interp_check: log-midpoints computed directly vs interpolated: max rel. error "
                 "lumi %.2e (M = %.0f GeV), acc %.2e (M = %.0f GeV), lumi*acc %.2e (M = %.0f GeV)\n",
                 elumi, mlumi, eacc, macc, efid, mfid);
        fprintf(stderr, "zpscan-lumi: interpolation check: max rel. error lumi %.2e at %.0f GeV, "
                        "acc %.2e at %.0f GeV, lumi*acc %.2e at %.0f GeV\n",
                elumi, mlumi, eacc, macc, efid, mfid);
    }
    if (!strcmp(out, "-")) {
        fputs(t->meta, stdout);
        printf("mass_gev,lumi_bs,acc\n");
        for (int i = 0; i < t->n; ++i) printf("%.10g,%.10e,%.8f\n", t->mass[i], t->lumi_bs[i], t->acc[i]);
    } else if (zp_lumi_table_write(out, t)) {
        rc = fail();
    }
out:
    zp_pdf_free(pdf);
    free(mass);
    free(t);
    return rc;
}
