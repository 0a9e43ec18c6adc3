/* The LHC constraint's binned method: spectra, line shape, expected events, Poisson
 * likelihood, CLs and the per-mass tables (include/zpscan/binned.h, docs/PHYSICS.md §11). */
#include "zpscan/binned.h"

#include <errno.h>
#include <gsl/gsl_integration.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zpscan/ini.h"
#include "zpscan/preflight.h"

/* ---- reading ------------------------------------------------------------------------ */

/* Rows of at least `need` numeric columns (the first `need` are kept, in cols[c][row]);
 * '#' lines and blank lines are skipped. Errors name path:line. */
static zp_status read_rows(const char *path, int need, double *cols[], int *nrows)
{
    const int reg = zp_ini_regular(path); /* a FIFO would block the open */
    if (reg) ZP_FAIL(ZP_EINPUT, "%s: cannot read: %s", path, zp_ini_strerror(reg));
    FILE *f = fopen(path, "r");
    if (!f) ZP_FAIL(ZP_EINPUT, "%s: cannot read: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    int lineno = 0, n = 0;
    zp_status st = ZP_OK;
    while (getline(&line, &cap, f) >= 0) {
        ++lineno;
        char *p = line;
        while (*p == ' ' || *p == '\t') ++p;
        if (*p == '#' || *p == '\n' || *p == '\r' || *p == '\0') continue;
        if (n >= ZP_SPEC_MAX) {
            zp_err_set(st = ZP_EINPUT, "%s:%d: more than %d rows", path, lineno, ZP_SPEC_MAX);
            break;
        }
        for (int c = 0; c < need; ++c) {
            while (*p == ' ' || *p == '\t') ++p;
            char *end = p;
            errno = 0;
            const double v = strtod(p, &end);
            const int sep = *end == ' ' || *end == '\t' || *end == '\n' || *end == '\r' || *end == '\0';
            if (end == p || !sep || errno == ERANGE || !isfinite(v)) {
                if (end == p && (*p == '\n' || *p == '\r' || *p == '\0'))
                    zp_err_set(st = ZP_EINPUT, "%s:%d: truncated row: %d columns expected, %d found", path,
                               lineno, need, c);
                else
                    zp_err_set(st = ZP_EINPUT, "%s:%d: column %d: not a number", path, lineno, c + 1);
                break;
            }
            cols[c][n] = v;
            p = end;
        }
        if (st != ZP_OK) break;
        ++n;
    }
    if (st == ZP_OK && ferror(f)) zp_err_set(st = ZP_EINPUT, "%s: read error", path);
    if (st == ZP_OK && n == 0) zp_err_set(st = ZP_EINPUT, "%s: no data rows", path);
    free(line);
    fclose(f);
    *nrows = n;
    return st;
}

/* the file line of data row r (for errors after reading): rows are counted again */
static int row_line(const char *path, int r)
{
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char buf[4096];
    int lineno = 0, n = -1;
    while (fgets(buf, sizeof buf, f)) {
        ++lineno;
        const char *p = buf + strspn(buf, " \t");
        if (*p == '#' || *p == '\n' || *p == '\r' || *p == '\0') continue;
        if (++n == r) break;
    }
    fclose(f);
    return n == r ? lineno : 0;
}

#define ROW_BAD(path, r, ...)                                                                    \
    do {                                                                                         \
        char m_[256];                                                                            \
        snprintf(m_, sizeof m_, __VA_ARGS__);                                                    \
        ZP_FAIL(ZP_EINPUT, "%s:%d: %s", (path), row_line((path), (r)), m_);                      \
    } while (0)

static const char *const ch_name[ZP_NCH] = {"ee", "mm"};

static zp_status read_channel(const char *dir, int ch, zp_spec_channel *c)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/%s_data.dat", dir, ch_name[ch]);
    double *d[4] = {c->lo, c->hi, c->n, c->b};
    ZP_TRY(read_rows(path, 4, d, &c->nb));
    for (int i = 0; i < c->nb; ++i) {
        if (!(c->lo[i] > 0 && c->hi[i] > c->lo[i]))
            ROW_BAD(path, i, "bin edges %g, %g: the high edge must be above the low one (> 0)", c->lo[i], c->hi[i]);
        if (i > 0 && c->lo[i] < c->hi[i - 1])
            ROW_BAD(path, i, "bins not sorted: low edge %g below the previous bin's high edge %g", c->lo[i],
                    c->hi[i - 1]);
        if (!(c->n[i] >= 0)) ROW_BAD(path, i, "observed events %g: must be >= 0", c->n[i]);
        if (!(c->b[i] > 0)) ROW_BAD(path, i, "expected background %g: must be > 0", c->b[i]);
    }
    snprintf(path, sizeof path, "%s/%s_resolutions.dat", dir, ch_name[ch]);
    double *r[2] = {c->res_m, c->res_s};
    ZP_TRY(read_rows(path, 2, r, &c->nr));
    for (int i = 0; i < c->nr; ++i) {
        if (i > 0 && !(c->res_m[i] > c->res_m[i - 1])) ROW_BAD(path, i, "masses not increasing");
        if (!(c->res_s[i] > 0)) ROW_BAD(path, i, "resolution %g: must be > 0", c->res_s[i]);
    }
    snprintf(path, sizeof path, "%s/xi_%s.dat", dir, ch_name[ch]);
    double *x[2] = {c->xi_m, c->xi_v};
    ZP_TRY(read_rows(path, 2, x, &c->nx));
    for (int i = 0; i < c->nx; ++i) {
        if (i > 0 && !(c->xi_m[i] > c->xi_m[i - 1])) ROW_BAD(path, i, "masses not increasing");
        if (!(c->xi_v[i] >= 0)) ROW_BAD(path, i, "xi %g: must be >= 0", c->xi_v[i]);
    }
    return ZP_OK;
}

uint64_t zp_spectra_hash(const zp_spectra *sp)
{
    return zp_fnv1a(14695981039346656037ull, sp->ch, sizeof sp->ch);
}

zp_status zp_spectra_unchanged(const zp_spectra *sp, uint64_t hash, const char *input)
{
    if (zp_spectra_hash(sp) != hash)
        ZP_FAIL(ZP_EINPUT, "%s: [lhc] spectra: %s changed while the scan read it", input, sp->dir);
    return ZP_OK;
}

zp_status zp_spectra_read(const char *dir, const zp_ini_doc *in, zp_spectra *sp)
{
    memset(sp, 0, sizeof *sp);
    snprintf(sp->dir, sizeof sp->dir, "%s", dir);
    for (int ch = 0; ch < ZP_NCH; ++ch) ZP_TRY(read_channel(dir, ch, &sp->ch[ch]));
    char path[1100];
    snprintf(path, sizeof path, "%s/spectra.ini", dir);
    static const char *const keys[] = {"luminosity_ifb"};
    static const int pos[] = {1};
    zp_ini_doc none = {0};
    none.path = path;
    return zp_ini_data_values(in ? in : &none, "lhc", "spectra", path, "spectra", keys, pos, 1, &sp->lumi_ifb, sp->source,
                              sizeof sp->source);
}

/* ---- interpolation ------------------------------------------------------------------ */

/* y(m) linear between the nodes x (n >= 1), constant beyond the last */
static double lerp_nodes(const double *x, const double *y, int n, double m)
{
    if (n == 1 || m <= x[0]) return y[0];
    if (m >= x[n - 1]) return y[n - 1];
    const int i = zp_lhc_bracket(x, n, m);
    const double t = (m - x[i]) / (x[i + 1] - x[i]);
    return (1.0 - t) * y[i] + t * y[i + 1];
}

double zp_spec_resolution(const zp_spec_channel *c, double m)
{
    return lerp_nodes(c->res_m, c->res_s, c->nr, m);
}

double zp_spec_xi(const zp_spec_channel *c, double m)
{
    int first = 0; /* the first non-zero node: xi = 0 below it */
    while (first < c->nx && c->xi_v[first] == 0.0) ++first;
    if (first == c->nx || m < c->xi_m[first]) return 0.0;
    return lerp_nodes(c->xi_m, c->xi_v, c->nx, m);
}

/* ---- the line ----------------------------------------------------------------------- */

static double lumi_acc(const zp_lumi_table *lt, double m)
{
    double l, a;
    zp_lumi_table_at(lt, m, &l, &a);
    return l * a;
}

double zp_line_rho(const zp_lumi_table *lt, double M, double w, double m)
{
    const double G = w * M, d = m * m - M * M;
    return lumi_acc(lt, m) / lumi_acc(lt, M) * (2.0 * M * M * M * G / (M_PI * m)) / (d * d + M * M * G * G);
}

typedef struct {
    int n;
    double *m, *wt; /* nodes and weights: sum wt f(m) = int rho f dm */
} line_nodes;

static int cmp_dbl(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Gauss-Legendre (8 points) on panels in theta, s = M^2 + M Gamma tan(theta) (the
 * Breit-Wigner becomes flat), with panel edges both uniform in theta (the peak) and every
 * h in m (the resolution scale and the luminosity in the tails). rho dm = r(m) M^2/(pi m^2)
 * dtheta, r = the luminosity-acceptance ratio. */
static zp_status make_nodes(const zp_lumi_table *lt, double M, double w, double a, double b, double h,
                            line_nodes *ln)
{
    const double G = w * M, MG = M * G;
    const double ta = atan((a * a - M * M) / MG), tb = atan((b * b - M * M) / MG);
    const int nu = 16, nm = h > 0 ? (int)ceil((b - a) / h) : 0;
    if (nm > 100000) ZP_FAIL(ZP_EINPUT, "binned LHC: line of %g GeV at step %g GeV: too many panels", b - a, h);
    double *e = malloc((size_t)(nu + nm + 2) * sizeof *e);
    if (!e) ZP_FAIL(ZP_ENOMEM, "out of memory for the line's quadrature");
    int ne = 0;
    for (int k = 0; k <= nu; ++k) e[ne++] = ta + (tb - ta) * k / nu;
    for (int k = 1; k < nm; ++k) {
        const double m = a + (b - a) * k / nm;
        e[ne++] = atan((m * m - M * M) / MG);
    }
    qsort(e, (size_t)ne, sizeof *e, cmp_dbl);
    gsl_integration_glfixed_table *gl = gsl_integration_glfixed_table_alloc(8);
    ln->m = malloc((size_t)ne * 8 * sizeof *ln->m);
    ln->wt = malloc((size_t)ne * 8 * sizeof *ln->wt);
    if (!gl || !ln->m || !ln->wt) {
        free(e);
        if (gl) gsl_integration_glfixed_table_free(gl);
        ZP_FAIL(ZP_ENOMEM, "out of memory for the line's quadrature");
    }
    const double la0 = lumi_acc(lt, M);
    ln->n = 0;
    for (int k = 0; k + 1 < ne; ++k) {
        if (!(e[k + 1] > e[k])) continue;
        for (size_t q = 0; q < 8; ++q) {
            double th, wq;
            gsl_integration_glfixed_point(e[k], e[k + 1], q, &th, &wq, gl);
            double m = sqrt(M * M + MG * tan(th));
            m = fmin(fmax(m, a), b); /* rounding at the ends */
            ln->m[ln->n] = m;
            ln->wt[ln->n] = wq * lumi_acc(lt, m) / la0 * M * M / (M_PI * m * m);
            ++ln->n;
        }
    }
    gsl_integration_glfixed_table_free(gl);
    free(e);
    return ZP_OK;
}

static void free_nodes(line_nodes *ln)
{
    free(ln->m);
    free(ln->wt);
}

zp_status zp_line_integral(const zp_lumi_table *lt, double M, double w, double a, double b, double *out)
{
    line_nodes ln = {0};
    ZP_TRY(make_nodes(lt, M, w, a, b, (b - a) / 64, &ln));
    double s = 0;
    for (int i = 0; i < ln.n; ++i) s += ln.wt[i];
    free_nodes(&ln);
    *out = s;
    return ZP_OK;
}

/* ---- expected events ---------------------------------------------------------------- */

static double Phi(double z) { return 0.5 * erfc(-z / M_SQRT2); }

int zp_binned_mass_ok(const zp_spectra *sp, int chans, const zp_lumi_table *lt, double M)
{
    if (!(M >= lt->mass[0] && M <= lt->mass[lt->n - 1])) return 0;
    for (int ch = 0; ch < ZP_NCH; ++ch) {
        const zp_spec_channel *c = &sp->ch[ch];
        if ((chans & ZP_CH_BIT(ch)) && !(M >= c->lo[0] && M <= c->hi[c->nb - 1])) return 0;
    }
    return 1;
}

zp_status zp_binned_setup(const zp_spectra *sp, int chans, const zp_lumi_table *lt, double M, double w,
                          zp_binned_lik *L)
{
    L->nb = 0;
    const double G = w * M, mlo = lt->mass[0], mhi = lt->mass[lt->n - 1];
    for (int ch = 0; ch < ZP_NCH; ++ch) {
        if (!(chans & ZP_CH_BIT(ch))) continue;
        const zp_spec_channel *c = &sp->ch[ch];
        /* the line's true masses M +- (3 Gamma + d), d = 3 sigma_res(M) but at most 5% of M
         * (inside the luminosity table): 3 Gamma as ZPEED cuts the line, d so that a narrow
         * line is counted whole (its limit is the delta function's) while a wide one stops
         * before the parton luminosity lifts its far low-mass tail; and the bins its events
         * reach (5 sigma further: P_i < 3e-7 beyond). All move continuously with Gamma, so the
         * likelihood does too. */
        const double d = fmin(3 * zp_spec_resolution(c, M), 0.05 * M);
        const double a = fmax(M - 3 * G - d, mlo), b = fmin(M + 3 * G + d, mhi);
        const double wlo = a - 5 * zp_spec_resolution(c, a), whi = b + 5 * zp_spec_resolution(c, b);
        const int first = L->nb;
        int i0 = -1;
        for (int i = 0; i < c->nb; ++i) {
            if (c->hi[i] <= wlo || c->lo[i] >= whi) continue;
            if (i0 < 0) i0 = i;
            L->n[L->nb] = c->n[i];
            L->b[L->nb] = c->b[i];
            L->T[L->nb] = 0.0;
            ++L->nb;
        }
        if (i0 < 0) continue;
        const double *lo = c->lo + i0, *hi = c->hi + i0;
        const int nb = L->nb - first;
        double *T = L->T + first;
        if (w <= 0) {
            const double xi = zp_spec_xi(c, M), s = zp_spec_resolution(c, M);
            for (int i = 0; i < nb; ++i) T[i] = sp->lumi_ifb * xi * (Phi((hi[i] - M) / s) - Phi((lo[i] - M) / s));
            continue;
        }
        if (!(b > a)) continue;
        line_nodes ln = {0};
        ZP_TRY(make_nodes(lt, M, w, a, b, zp_spec_resolution(c, a), &ln));
        for (int k = 0; k < ln.n; ++k) {
            const double m = ln.m[k], xi = zp_spec_xi(c, m);
            if (xi == 0.0) continue;
            const double s = zp_spec_resolution(c, m), f = sp->lumi_ifb * ln.wt[k] * xi;
            double e = NAN, pe = 0; /* the last edge and its Phi: adjacent bins share an edge */
            for (int i = 0; i < nb; ++i) {
                if (lo[i] - m > 8 * s) break;
                if (m - hi[i] > 8 * s) continue;
                const double pl = lo[i] == e ? pe : Phi((lo[i] - m) / s);
                e = hi[i];
                pe = Phi((hi[i] - m) / s);
                T[i] += f * (pe - pl);
            }
        }
        free_nodes(&ln);
    }
    return ZP_OK;
}

/* ---- statistics --------------------------------------------------------------------- */

double zp_binned_chi2(const zp_binned_lik *L, double x)
{
    double s = 0;
    for (int i = 0; i < L->nb; ++i) {
        const double mu = L->b[i] + x * L->T[i], n = L->n[i];
        s += 2.0 * (mu - n) + (n > 0 ? 2.0 * n * log(n / mu) : 0.0);
    }
    return s;
}

static double dchi2_dx(const zp_binned_lik *L, double x, int asimov)
{
    double s = 0;
    for (int i = 0; i < L->nb; ++i) s += 2.0 * L->T[i] * (1.0 - (asimov ? L->b[i] : L->n[i]) / (L->b[i] + x * L->T[i]));
    return s;
}

static double sumT(const zp_binned_lik *L)
{
    double s = 0;
    for (int i = 0; i < L->nb; ++i) s += L->T[i];
    return s;
}

double zp_binned_xhat(const zp_binned_lik *L)
{
    const double S = sumT(L);
    if (!(S > 0) || dchi2_dx(L, 0.0, 0) >= 0) return 0.0;
    double lo = 0.0, hi = 1.0 / S; /* one signal event, then doubled until the slope turns */
    for (int k = 0; k < 200 && dchi2_dx(L, hi, 0) < 0; ++k) lo = hi, hi *= 2.0;
    for (int k = 0; k < 200 && hi - lo > 1e-14 * hi; ++k) {
        const double mid = 0.5 * (lo + hi);
        if (dchi2_dx(L, mid, 0) < 0) lo = mid; else hi = mid;
    }
    return 0.5 * (lo + hi);
}

double zp_binned_dchi2(const zp_binned_lik *L, double x, double xhat)
{
    if (x <= xhat) return 0.0;
    const double d = zp_binned_chi2(L, x) - zp_binned_chi2(L, xhat);
    return d > 0 ? d : 0.0;
}

double zp_binned_chi2A(const zp_binned_lik *L, double x)
{
    double s = 0;
    for (int i = 0; i < L->nb; ++i) {
        const double r = x * L->T[i] / L->b[i];
        s += 2.0 * L->b[i] * (r - log1p(r));
    }
    return s > 0 ? s : 0.0;
}

static double cls_of(double d, double a)
{
    const double qo = sqrt(d), qa = sqrt(a);
    const double den = Phi(qa - qo);
    return den > 0 ? 0.5 * erfc(qo / M_SQRT2) / den : 0.0;
}

double zp_binned_cls(const zp_binned_lik *L, double x, double xhat)
{
    return cls_of(zp_binned_dchi2(L, x, xhat), zp_binned_chi2A(L, x));
}

zp_status zp_binned_x95(const zp_binned_lik *L, double xhat, double *x95)
{
    const double S = sumT(L);
    if (!(S > 0)) { /* no signal reaches the bins: nothing excluded */
        *x95 = INFINITY;
        return ZP_OK;
    }
    double lo = xhat, hi = fmax(xhat, 1.0 / S);
    int k = 0;
    while (zp_binned_cls(L, hi, xhat) >= 0.05 && k++ < 400) lo = hi, hi *= 2.0;
    if (k > 400) ZP_FAIL(ZP_ENUM, "binned LHC: no 95%% CL limit below %g fb", hi);
    for (k = 0; k < 200 && hi - lo > 1e-12 * hi; ++k) {
        const double mid = 0.5 * (lo + hi);
        if (zp_binned_cls(L, mid, xhat) >= 0.05) lo = mid; else hi = mid;
    }
    *x95 = 0.5 * (lo + hi);
    return ZP_OK;
}

/* ---- tables ------------------------------------------------------------------------- */

zp_status zp_binned_tab_views(zp_binned_tab *t)
{
    const size_t nw = (size_t)t->nw, nt = (size_t)t->nt;
    const double *d = t->buf;
    t->w = d;
    t->x95 = d + nw;
    t->S = d + 2 * nw;
    t->so = d + 3 * nw;
    t->sa = d + 4 * nw;
    t->qo = (const float *)(d + 5 * nw);
    t->qa = t->qo + nw * nt;
    /* the cells: no wider than the closest nodes (at most 4096 of them) */
    free(t->kc), free(t->xc), free(t->sc), free(t->split), free(t->idw);
    t->kc = NULL, t->xc = t->sc = t->split = t->idw = NULL;
    const double range = nw > 1 ? t->w[nw - 1] - t->w[0] : 0.0;
    double hmin = range;
    for (size_t k = 0; k + 1 < nw; ++k) hmin = fmin(hmin, t->w[k + 1] - t->w[k]);
    t->ncell = range > 0 && hmin > 0 ? (int)fmin(4096.0, ceil(range / hmin * (1 + 1e-12))) + 1 : 2;
    t->capped = range > 0 && !(range / hmin <= 4096.0);
    t->inv_h = range > 0 ? (t->ncell - 1) / range : 0.0;
    t->kc = malloc((size_t)t->ncell * sizeof *t->kc);
    t->xc = malloc((size_t)(t->ncell + 1) * sizeof *t->xc); /* + a copy of the last: edge c + 1 */
    t->sc = malloc((size_t)(t->ncell + 1) * sizeof *t->sc);
    t->split = malloc((size_t)t->ncell * sizeof *t->split);
    t->idw = malloc(nw * sizeof *t->idw);
    if (!t->kc || !t->xc || !t->sc || !t->split || !t->idw) ZP_FAIL(ZP_ENOMEM, "out of memory for a binned LHC node index");
    for (size_t j = 0; j < nw; ++j) t->idw[j] = j + 1 < nw ? 1.0 / (t->w[j + 1] - t->w[j]) : 0.0;
    int64_t k = 0;
    for (int c = 0; c < t->ncell; ++c) {
        const double e0 = range > 0 ? t->w[0] + c / t->inv_h : t->w[0];
        const double e1 = range > 0 ? t->w[0] + (c + 1) / t->inv_h : INFINITY;
        while (k + 2 < (int64_t)nw && t->w[k + 1] <= e0) ++k;
        t->kc[c] = k;
        t->split[c] = k + 2 < (int64_t)nw && t->w[k + 1] < e1 ? t->w[k + 1] : INFINITY;
        if (nw < 2) {
            t->xc[c] = t->x95[0];
            t->sc[c] = t->S[0];
        } else {
            const double f = fmin(fmax((e0 - t->w[k]) / (t->w[k + 1] - t->w[k]), 0.0), 1.0);
            t->xc[c] = (1.0 - f) * t->x95[k] + f * t->x95[k + 1];
            t->sc[c] = (1.0 - f) * t->S[k] + f * t->S[k + 1];
        }
    }
    t->xc[t->ncell] = t->xc[t->ncell - 1];
    t->sc[t->ncell] = t->sc[t->ncell - 1];
    return ZP_OK;
}

void zp_binned_tab_free(zp_binned_tab *t)
{
    free(t->buf);
    free(t->kc), free(t->xc), free(t->sc), free(t->split), free(t->idw);
    memset(t, 0, sizeof *t);
}

double zp_binned_t_of(int j)
{
    if (j <= ZP_BINNED_NSQ) return (j / 16.0) * (j / 16.0);
    const int o = (j - ZP_BINNED_NSQ) / ZP_BINNED_PER_OCT, r = (j - ZP_BINNED_NSQ) % ZP_BINNED_PER_OCT;
    return ldexp(1.0 + (double)r / ZP_BINNED_PER_OCT, 8 + o);
}

/* one width node while the tables are made */
typedef struct {
    double w, x95, S, so, sa;
    float qo[ZP_BINNED_NT], qa[ZP_BINNED_NT];
} tab_node;

/* Delta chi^2 (or chi2_A) of node rows a, b at fraction f between them, at t: the kernel's
 * interpolation (linear in Gamma/M, linear in u = zp_binned_u(t), linear in t past the table) */
static double interp_rows(const float *qa_, const float *qb, double sa_, double sb, double f, double t)
{
    if (t > ZP_BINNED_TMAX) {
        const double a = qa_[ZP_BINNED_NT - 1], b = qb[ZP_BINNED_NT - 1], dt = t - ZP_BINNED_TMAX;
        return (1 - f) * (a * a + dt * sa_) + f * (b * b + dt * sb);
    }
    const double u = zp_binned_u(t);
    int j = (int)u;
    if (j > ZP_BINNED_NT - 2) j = ZP_BINNED_NT - 2;
    const double g = u - j;
    const double q = (1 - f) * ((1 - g) * qa_[j] + g * qa_[j + 1]) + f * ((1 - g) * qb[j] + g * qb[j + 1]);
    return q * q;
}

/* a node's likelihood at (M, w) into L, its best fit, limit and S (the first node sets *c) */
static zp_status node_lik(const zp_spectra *sp, int chans, const zp_lumi_table *lt, double M, double w, double *c,
                          zp_binned_lik *L, tab_node *nd, double *xh)
{
    ZP_TRY(zp_binned_setup(sp, chans, lt, M, w, L));
    /* bins the line hardly reaches change no Delta chi^2 (2 x T_i at most, 1e-9 of the
     * peak bin's): drop them (cheaper rows) */
    double tmax = 0;
    for (int i = 0; i < L->nb; ++i) tmax = fmax(tmax, L->T[i]);
    int n = 0;
    for (int i = 0; i < L->nb; ++i)
        if (L->T[i] > 1e-9 * tmax) L->n[n] = L->n[i], L->b[n] = L->b[i], L->T[n] = L->T[i], ++n;
    L->nb = n;
    *xh = zp_binned_xhat(L);
    nd->w = w;
    ZP_TRY(zp_binned_x95(L, *xh, &nd->x95));
    const double sT = sumT(L);
    if (*c <= 0) *c = isfinite(nd->x95) && sT > 0 ? nd->x95 * sT : 1.0;
    nd->S = sT / *c;
    return ZP_OK;
}

/* its rows, from the likelihood still in L */
static void node_rows(const zp_binned_lik *L, double xh, tab_node *nd)
{
    const double c0 = zp_binned_chi2(L, xh);
    for (int j = 0; j < ZP_BINNED_NT; ++j) {
        const double x = nd->S > 0 ? zp_binned_t_of(j) / nd->S : 0.0;
        nd->qo[j] = x > xh ? (float)sqrt(fmax(zp_binned_chi2(L, x) - c0, 0.0)) : 0.0f; /* = zp_binned_dchi2 */
        nd->qa[j] = (float)sqrt(zp_binned_chi2A(L, x));
    }
    const double tm = ZP_BINNED_TMAX;
    nd->so = nd->S > 0 ? dchi2_dx(L, tm / nd->S, 0) / nd->S : 0.0; /* d/dt = (d/dx) / S */
    nd->sa = nd->S > 0 ? dchi2_dx(L, tm / nd->S, 1) / nd->S : 0.0;
}

typedef struct {
    const zp_spectra *sp;
    int chans;
    const zp_lumi_table *lt;
    double M, c;
    zp_binned_lik *L;
    tab_node *nodes;
    int n, cap;
} tab_build;

static zp_status push_node(tab_build *b, const tab_node *nd)
{
    if (b->n == b->cap) {
        const int cap = b->cap ? 2 * b->cap : 32;
        tab_node *p = realloc(b->nodes, (size_t)cap * sizeof *p);
        if (!p) ZP_FAIL(ZP_ENOMEM, "out of memory for the binned LHC tables");
        b->nodes = p;
        b->cap = cap;
    }
    b->nodes[b->n++] = *nd;
    return ZP_OK;
}

/* Appends the nodes strictly between a and z (refined), then z. The midpoint gets rows only
 * when it is kept. a and z are not in b->nodes (which a push may move). */
static zp_status refine(tab_build *b, const tab_node *a, const tab_node *z, int depth)
{
    int split = 0;
    tab_node *mid = depth < 4 ? malloc(sizeof *mid) : NULL;
    if (depth < 4 && !mid) ZP_FAIL(ZP_ENOMEM, "out of memory for the binned LHC tables");
    zp_status st = ZP_OK;
    if (mid) {
        double xh;
        st = node_lik(b->sp, b->chans, b->lt, b->M, 0.5 * (a->w + z->w), &b->c, b->L, mid, &xh);
        /* the kernel's interpolation at the midpoint against the direct evaluation there */
        const double lim = 0.5 * (a->x95 + z->x95), S = 0.5 * (a->S + z->S);
        if (st == ZP_OK && isfinite(mid->x95) && fabs(lim / mid->x95 - 1.0) > ZP_BINNED_TOL) split = 1;
        for (int r = 0; st == ZP_OK && !split && r < 4 && isfinite(mid->x95); ++r) {
            const double x = (0.5 * (1 << r)) * mid->x95;
            const double di = interp_rows(a->qo, z->qo, a->so, z->so, 0.5, x * S);
            const double dd = zp_binned_dchi2(b->L, x, xh);
            if (fabs(di - dd) > ZP_BINNED_TOL * fmax(dd, 1.0)) split = 1;
        }
        if (st == ZP_OK && split) node_rows(b->L, xh, mid);
    }
    if (st == ZP_OK && split) st = refine(b, a, mid, depth + 1);
    if (st == ZP_OK && split) st = refine(b, mid, z, depth + 1);
    else if (st == ZP_OK) st = push_node(b, z);
    free(mid);
    return st;
}

zp_status zp_binned_tab_make(const zp_spectra *sp, int chans, const zp_lumi_table *lt, double M, const double *w,
                             int nw, zp_binned_tab *t)
{
    memset(t, 0, sizeof *t);
    tab_build b = {sp, chans, lt, M, 0.0, malloc(sizeof(zp_binned_lik)), NULL, 0, 0};
    tab_node *prev = malloc(sizeof *prev), *nd = malloc(sizeof *nd);
    zp_status st = b.L && prev && nd ? ZP_OK : ZP_ENOMEM;
    if (st != ZP_OK) zp_err_set(st, "out of memory for the binned LHC tables");
    double xh;
    if (st == ZP_OK) st = node_lik(sp, chans, lt, M, w[0], &b.c, b.L, prev, &xh);
    if (st == ZP_OK) node_rows(b.L, xh, prev), st = push_node(&b, prev);
    for (int k = 1; k < nw && st == ZP_OK; ++k) {
        st = node_lik(sp, chans, lt, M, w[k], &b.c, b.L, nd, &xh);
        if (st != ZP_OK) break;
        node_rows(b.L, xh, nd);
        st = refine(&b, prev, nd, 0);
        tab_node *tmp = prev; /* the node just pushed is the next interval's start */
        prev = nd;
        nd = tmp;
    }
    if (st == ZP_OK) {
        t->nw = b.n;
        t->nt = ZP_BINNED_NT;
        if (!(t->buf = malloc(ZP_BINNED_BYTES(b.n))))
            zp_err_set(st = ZP_ENOMEM, "out of memory for the binned LHC tables");
    }
    if (st == ZP_OK) {
        double *W = t->buf, *x95 = W + b.n, *S = x95 + b.n, *so = S + b.n, *sa = so + b.n;
        float *qo = (float *)(sa + b.n), *qa = qo + (size_t)b.n * t->nt;
        for (int k = 0; k < b.n; ++k) {
            const tab_node *nd = &b.nodes[k];
            W[k] = nd->w, x95[k] = nd->x95, S[k] = nd->S, so[k] = nd->so, sa[k] = nd->sa;
            memcpy(qo + (size_t)k * t->nt, nd->qo, sizeof nd->qo);
            memcpy(qa + (size_t)k * t->nt, nd->qa, sizeof nd->qa);
        }
        st = zp_binned_tab_views(t); /* after the nodes: it indexes them */
    }
    if (st != ZP_OK && t->buf) zp_binned_tab_free(t);
    free(b.nodes);
    free(b.L);
    free(prev);
    free(nd);
    return st;
}

/* the cell of wv, clamped (NaN to 0) */
static int64_t cell_of(const zp_binned_tab *t, double wv)
{
    double c = (wv - t->w[0]) * t->inv_h;
    c = c >= 0 ? fmin(c, t->ncell - 1) : 0.0;
    return (int64_t)c;
}

int64_t zp_binned_tab_node(const zp_binned_tab *t, double wv)
{
    if (t->nw < 2) return 0;
    const int64_t c = cell_of(t, wv);
    int64_t k = t->kc[c] + (wv >= t->split[c]);
    while (t->capped && k + 2 < t->nw && wv >= t->w[k + 1]) ++k;
    return k;
}

void zp_binned_tab_eval(const zp_binned_tab *t, double x, double wv, double *dchi2, double *cls, double *x95)
{
    const int k = (int)zp_binned_tab_node(t, wv), k1 = t->nw > 1 ? k + 1 : 0;
    const double fw = t->nw > 1 ? fmin(fmax((wv - t->w[k]) * t->idw[k], 0.0), 1.0) : 0.0;
    /* the limit and S: linear between the cell edges (the kernel's) */
    const int64_t c = cell_of(t, wv), c1 = c + 1;
    const double fc = fmin(fmax((wv - t->w[0]) * t->inv_h - (double)c, 0.0), 1.0);
    const double tt = x * ((1.0 - fc) * t->sc[c] + fc * t->sc[c1]);
    const size_t o0 = (size_t)k * t->nt, o1 = (size_t)k1 * t->nt;
    const double d = interp_rows(t->qo + o0, t->qo + o1, t->so[k], t->so[k1], fw, tt);
    const double a = interp_rows(t->qa + o0, t->qa + o1, t->sa[k], t->sa[k1], fw, tt);
    *dchi2 = d;
    *cls = cls_of(d, a);
    *x95 = (1.0 - fc) * t->xc[c] + fc * t->xc[c1];
}
