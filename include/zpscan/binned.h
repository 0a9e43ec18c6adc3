/* The LHC constraint's binned method (docs/PHYSICS.md §11): ATLAS's public dilepton mass
 * spectra per channel, the Z' line shape (a Breit-Wigner weighted by the parton luminosity
 * and acceptance across the line), the expected events per bin, the Poisson likelihood and
 * asymptotic CLs, and the per-mass tables the kernel interpolates.
 *
 * Everything is per unit x, the point's fiducial sigma*B (the observable sigmaB_fid: LO,
 * narrow-width normalisation at the pole): N_i = x T_i, so a point's couplings enter only
 * through x and Gamma/M. */
#ifndef ZPSCAN_BINNED_H
#define ZPSCAN_BINNED_H

#include <stdint.h>

#include "zpscan/error.h"
#include "zpscan/ini.h"
#include "zpscan/lhc.h"

#define ZP_SPEC_MAX 1024 /* rows of one spectra file (the error names the file beyond it) */

enum { ZP_CH_EE = 0, ZP_CH_MM = 1, ZP_NCH = 2 };
#define ZP_CH_BIT(c) (1 << (c))

typedef struct {
    int nb;                                  /* bins, increasing, not overlapping */
    double lo[ZP_SPEC_MAX], hi[ZP_SPEC_MAX]; /* GeV */
    double n[ZP_SPEC_MAX], b[ZP_SPEC_MAX];   /* observed, expected background (> 0) */
    int nr;                                  /* resolution nodes */
    double res_m[ZP_SPEC_MAX], res_s[ZP_SPEC_MAX];
    int nx;                                  /* xi nodes */
    double xi_m[ZP_SPEC_MAX], xi_v[ZP_SPEC_MAX];
} zp_spec_channel;

/* Both channels of one search; plain data, broadcast as bytes. */
typedef struct {
    zp_spec_channel ch[ZP_NCH];
    double lumi_ifb; /* integrated luminosity, fb^-1 */
    char dir[512];
    char source[512];
} zp_spectra;

/* Reads DIR/{ee,mm}_data.dat, {ee,mm}_resolutions.dat, xi_{ee,mm}.dat and spectra.ini.
 * '#' lines are comments. Errors (ZP_EINPUT) name the file and line: a missing file, a
 * truncated or non-numeric row, unsorted or overlapping bins, a negative count, a
 * background <= 0, a resolution <= 0, xi < 0. `in` (may be NULL) is the scan input whose
 * [lhc] spectra key named DIR. */
zp_status zp_spectra_read(const char *dir, const zp_ini_doc *in, zp_spectra *sp);
/* FNV-1a of the numbers read (the resume fingerprint holds it) */
uint64_t zp_spectra_hash(const zp_spectra *sp);
/* The input's check reads the spectra, the scan reads them again: ZP_EINPUT naming the input
 * and its [lhc] spectra key when the second read's numbers are not those the check hashed */
zp_status zp_spectra_unchanged(const zp_spectra *sp, uint64_t hash, const char *input);

/* sigma(m) and xi(m) of a channel, interpolated as the data README says */
double zp_spec_resolution(const zp_spec_channel *c, double m);
double zp_spec_xi(const zp_spec_channel *c, double m);

/* The line: rho(m) dm = fraction of x at true mass m, so that A(m) dsigma/dm B = x rho(m):
 *   rho(m) = [A(m) L(m^2/s) / (A(M) L(M^2/s))] (2 M^3 Gamma / (pi m)) / ((m^2 - M^2)^2 + M^2 Gamma^2),
 * with L and A from the luminosity table (log-interpolated in mass). Its integral over the
 * whole line tends to 1 as Gamma -> 0 (the narrow-width sigma*B). */
double zp_line_rho(const zp_lumi_table *lt, double M, double w, double m);
/* int_a^b rho dm by the quadrature the expected events use (w > 0); a, b inside the table */
zp_status zp_line_integral(const zp_lumi_table *lt, double M, double w, double a, double b, double *out);

/* The likelihood of one (M, Gamma/M): the selected bins of the selected channels, with the
 * expected signal per unit x. */
typedef struct {
    int nb;
    double n[2 * ZP_SPEC_MAX], b[2 * ZP_SPEC_MAX], T[2 * ZP_SPEC_MAX];
} zp_binned_lik;

/* 1 if M lies inside every selected channel's spectrum and the luminosity table (the part
 * of a smeared line outside the spectrum is not counted: conservative) */
int zp_binned_mass_ok(const zp_spectra *sp, int chans, const zp_lumi_table *lt, double M);
/* The expected signal per fb of x in each bin the line reaches: T_i = lumi int dm xi(m)
 * rho(m) P_i(m) over the true masses M +- (3 Gamma + min(3 sigma_res(M), 0.05 M)) (Gaussian
 * response P_i), for the bins within that window widened by 5 sigma_res at each end.
 * w = 0: the delta function at M. */
zp_status zp_binned_setup(const zp_spectra *sp, int chans, const zp_lumi_table *lt, double M, double w,
                          zp_binned_lik *L);

/* -2 ln L(x) (Poisson, up to a constant: 0 for a perfect fit), its minimum over x >= 0,
 * Delta chi^2(x) = chi2(x) - chi2(min(xhat, x)), the Asimov chi2_A(x) (n -> b), and
 * CLs(x) = [1 - Phi(sqrt(dchi2))] / Phi(sqrt(chi2_A) - sqrt(dchi2)). */
double zp_binned_chi2(const zp_binned_lik *L, double x);
double zp_binned_xhat(const zp_binned_lik *L);
double zp_binned_dchi2(const zp_binned_lik *L, double x, double xhat);
double zp_binned_chi2A(const zp_binned_lik *L, double x);
double zp_binned_cls(const zp_binned_lik *L, double x, double xhat);
/* x where CLs = 0.05 (the 95% CL upper limit on x) */
zp_status zp_binned_x95(const zp_binned_lik *L, double xhat, double *x95);

/* The per-mass tables the kernel interpolates. Width nodes w[k] (Gamma/M): the given
 * ones, refined by halving an interval while the interpolation at its midpoint misses the
 * direct evaluation by more than ZP_BINNED_TOL (x95, or Delta chi^2 relative to max(it, 1)
 * at x = 0.5, 1, 2, 4 x95) down to a spacing of 1/16 of the given one. For each node: x95[k]
 * (the verdict's limit, linear in Gamma/M between nodes) and S[k] = sum_i T_i / c, the
 * expected signal events per fb of x in units of c, the events of the narrow line's limit
 * (c = x95 S at the first node). The likelihood is tabulated in t = x S at the nodes
 * u = zp_binned_u(t) = 0, 1, ..., nt-1: qo = sqrt(Delta chi^2), qa = sqrt(chi2_A) (float).
 * u = 16 sqrt(t) up to t = 256 (both q nearly linear in x, so linear in sqrt(t) is
 * accurate), then 4 nodes per octave of t, linear in t between them (zp_binned_u's pseudo
 * log2, exact in bits), up to t = 2^24; beyond, Delta chi^2 and chi2_A go on linearly in t
 * with the slopes so[k], sa[k] (signal-dominated: linear in x). One heap block (buf): the
 * doubles w, x95, S, so, sa, then the floats qo, qa: ZP_BINNED_BYTES(nw) bytes. */
#define ZP_BINNED_NSQ 256 /* u of t = 256 */
#define ZP_BINNED_PER_OCT 4
#define ZP_BINNED_NT (ZP_BINNED_NSQ + ZP_BINNED_PER_OCT * 16 + 1)
#define ZP_BINNED_TMAX 16777216.0 /* 2^24, the last node */
#define ZP_BINNED_TOL 0.003
#define ZP_BINNED_BYTES(nw) ((size_t)(nw) * (5 * sizeof(double) + 2 * ZP_BINNED_NT * sizeof(float)))
typedef struct zp_binned_tab {
    int nw, nt;
    void *buf;
    const double *w, *x95, *S, *so, *sa;
    const float *qo, *qa; /* qo[k * nt + j] */
    /* O(1) lookups on ncell uniform cells of Gamma/M (edges w[0] + c / inv_h, no wider than
     * the closest nodes, at most 4096): xc[c] = x95 at edge c (the verdict's limit is linear
     * between edges: no node search), kc[c] = the node at or below edge c, split[c] = the
     * next node if it lies inside cell c (else +inf), so k = kc[c] + (w >= split[c]). */
    int ncell, capped; /* capped: some cells hold more than one node (then a search follows) */
    double inv_h;
    double *xc, *sc, *split; /* sc: S at the edges, like xc (the table coordinate t = x S) */
    int64_t *kc;
    double *idw; /* 1 / (w[k + 1] - w[k]) per node (0 for the last) */
} zp_binned_tab;

/* the table coordinate of t >= 0 (see above); t = 2^e (1 + f), f in [0, 1), above 256 */
static inline double zp_binned_u(double t)
{
    if (t <= 256.0) return 16.0 * __builtin_sqrt(t);
    int e;
    const double m = __builtin_frexp(t, &e); /* t = m 2^e, m in [0.5, 1) */
    return ZP_BINNED_NSQ + ZP_BINNED_PER_OCT * ((e - 1 - 8) + (2.0 * m - 1.0));
}
/* its inverse at node j */
double zp_binned_t_of(int j);

/* Fills t (allocating buf) from the nw given width nodes (increasing, the first sets c). */
zp_status zp_binned_tab_make(const zp_spectra *sp, int chans, const zp_lumi_table *lt, double M, const double *w,
                             int nw, zp_binned_tab *t);
/* Points the views at buf and makes the node index (after a broadcast of nw and buf;
 * nt = ZP_BINNED_NT). */
zp_status zp_binned_tab_views(zp_binned_tab *t);
void zp_binned_tab_free(zp_binned_tab *t);
/* The node k (<= nw - 2) with w[k] <= wv < w[k + 1] (the ends clamped), by the index */
int64_t zp_binned_tab_node(const zp_binned_tab *t, double wv);
/* Interpolated Delta chi^2, CLs and limit at (x, Gamma/M = wv) from the tables, as the kernel
 * does it; the tests compare it with zp_binned_setup + _dchi2/_cls. */
void zp_binned_tab_eval(const zp_binned_tab *t, double x, double wv, double *dchi2, double *cls, double *x95);

#endif
