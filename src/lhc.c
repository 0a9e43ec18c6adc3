/* LHC dilepton constraint, per mass: luminosity tables, limit tables, the slice. */
#include "zpscan/lhc.h"
#include "zpscan/binned.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zp_version.h"

#define LUMI_FORMAT "zpscan-lumi-table 1"
#define LUMI_HEADER "mass_gev,lumi_bs,acc"

/* ---- small text helpers ------------------------------------------------------------ */

static void chomp(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r')) s[--n] = '\0';
}

static int blank(const char *s)
{
    for (; *s; ++s)
        if (*s != ' ' && *s != '\t') return 0;
    return 1;
}

static void append(char *dst, size_t cap, const char *line)
{
    size_t n = strlen(dst);
    if (n + 1 >= cap) return; /* full: keep what fits, provenance stays readable */
    snprintf(dst + n, cap - n, "%s\n", line);
}

/* Split a CSV line in place into at most maxf fields; returns the field count. */
static int split_csv(char *s, char **f, int maxf)
{
    int n = 0;
    for (;;) {
        if (n < maxf) f[n] = s;
        ++n;
        char *c = strchr(s, ',');
        if (!c) break;
        *c = '\0';
        s = c + 1;
    }
    return n;
}

/* A whole field must be one finite number (blanks around it allowed). */
static int field_num(const char *s, double *v)
{
    char *e;
    errno = 0;
    *v = strtod(s, &e);
    if (e == s) return 0;
    while (*e == ' ' || *e == '\t') ++e;
    return *e == '\0' && isfinite(*v);
}

/* ---- luminosity table -------------------------------------------------------------- */

zp_status zp_lumi_table_read(const char *path, zp_lumi_table *t)
{
    memset(t, 0, sizeof *t);
    t->pt_min = t->abs_eta_max = t->epsrel = NAN;
    t->member = -1;
    t->sqrts = NAN;
    snprintf(t->path, sizeof t->path, "%s", path);
    FILE *fp = fopen(path, "r");
    if (!fp) ZP_FAIL(ZP_EINPUT, "%s: cannot open luminosity table: %s", path, strerror(errno));

    char *line = NULL;
    size_t cap = 0;
    int lineno = 0, have_header = 0, have_format = 0;
    zp_status st = ZP_OK;
#define BAD(...) do { st = ZP_EINPUT; zp_err_set(st, __VA_ARGS__); goto done; } while (0)
    while (getline(&line, &cap, fp) >= 0) {
        ++lineno;
        chomp(line);
        if (line[0] == '#') {
            if (have_header) continue;
            append(t->meta, sizeof t->meta, line);
            char key[64], val[512];
            if (sscanf(line, "# %63[^:]: %511[^\n]", key, val) != 2) continue;
            double v;
            if (!strcmp(key, "format")) {
                if (strcmp(val, LUMI_FORMAT)) BAD("%s:%d:1: unsupported format '%s' (expected '%s')", path, lineno, val, LUMI_FORMAT);
                have_format = 1;
            } else if (!strcmp(key, "pdfset")) {
                int w = snprintf(t->pdfset, sizeof t->pdfset, "%s", val);
                if (w < 0 || (size_t)w >= sizeof t->pdfset) BAD("%s:%d:1: pdfset name longer than %zu characters", path, lineno, sizeof t->pdfset - 1);
            } else if (!strcmp(key, "member")) {
                if (!field_num(val, &v) || v < 0 || v != floor(v)) BAD("%s:%d:1: bad member '%s'", path, lineno, val);
                t->member = (int)v;
            } else if (!strcmp(key, "sqrts_gev")) {
                if (!field_num(val, &v) || !(v > 0)) BAD("%s:%d:1: bad sqrts_gev '%s'", path, lineno, val);
                t->sqrts = v;
            } else if (!strcmp(key, "cut_pt_min_gev")) {
                if (!field_num(val, &v) || v < 0) BAD("%s:%d:1: bad cut_pt_min_gev '%s'", path, lineno, val);
                t->pt_min = v;
            } else if (!strcmp(key, "cut_abs_eta_max")) {
                if (!field_num(val, &v) || !(v > 0)) BAD("%s:%d:1: bad cut_abs_eta_max '%s'", path, lineno, val);
                t->abs_eta_max = v;
            } else if (!strcmp(key, "epsrel")) {
                if (!field_num(val, &v) || !(v > 0)) BAD("%s:%d:1: bad epsrel '%s'", path, lineno, val);
                t->epsrel = v;
            }
            continue;
        }
        if (blank(line)) continue;
        if (!have_header) {
            if (strcmp(line, LUMI_HEADER)) BAD("%s:%d:1: expected header '%s', got '%.60s'", path, lineno, LUMI_HEADER, line);
            if (!have_format) BAD("%s:%d:1: no '# format: %s' line before the header", path, lineno, LUMI_FORMAT);
            if (!t->pdfset[0]) BAD("%s:%d:1: no '# pdfset:' line before the header", path, lineno);
            if (t->member < 0) BAD("%s:%d:1: no '# member:' line before the header", path, lineno);
            if (!(t->sqrts > 0)) BAD("%s:%d:1: no '# sqrts_gev:' line before the header", path, lineno);
            have_header = 1;
            continue;
        }
        char *f[4];
        int nf = split_csv(line, f, 4);
        if (nf != 3) BAD("%s:%d:%d: %d columns, expected 3 (%s)", path, lineno, nf > 3 ? 4 : nf, nf, LUMI_HEADER);
        double v[3];
        for (int k = 0; k < 3; ++k)
            if (!field_num(f[k], &v[k])) BAD("%s:%d:%d: not a number: '%.30s'", path, lineno, k + 1, f[k]);
        if (t->n == ZP_LUMI_MAX_ROWS) BAD("%s:%d:1: more than %d rows", path, lineno, ZP_LUMI_MAX_ROWS);
        if (!(v[0] > 0) || (t->n && !(v[0] > t->mass[t->n - 1])))
            BAD("%s:%d:1: mass %g not positive and strictly increasing", path, lineno, v[0]);
        if (!(v[0] < t->sqrts)) BAD("%s:%d:1: mass %g not below sqrt(s) = %g", path, lineno, v[0], t->sqrts);
        if (!(v[1] > 0)) BAD("%s:%d:2: luminosity %g not positive", path, lineno, v[1]);
        if (!(v[2] >= 0 && v[2] <= 1)) BAD("%s:%d:3: acceptance %g outside [0, 1]", path, lineno, v[2]);
        t->mass[t->n] = v[0];
        t->lumi_bs[t->n] = v[1];
        t->acc[t->n] = v[2];
        t->n++;
    }
    if (ferror(fp)) BAD("%s:%d: read error", path, lineno);
    if (!have_header) BAD("%s:%d: no header line '%s'", path, lineno, LUMI_HEADER);
    if (t->n < 2) BAD("%s:%d: %d data rows, need at least 2", path, lineno, t->n);
#undef BAD
done:
    free(line);
    fclose(fp);
    return st;
}

zp_status zp_lumi_table_unchanged(const zp_lumi_table *t, double sqrts, const char *input)
{
    if (t->sqrts != sqrts)
        ZP_FAIL(ZP_EINPUT, "%s: [lhc] lumi_table: %s changed while the scan read it (now for %g GeV)", input,
                t->path, t->sqrts);
    return ZP_OK;
}

zp_status zp_lumi_table_write(const char *path, const zp_lumi_table *t)
{
    FILE *fp = fopen(path, "w");
    if (!fp) ZP_FAIL(ZP_EIO, "%s: cannot create: %s", path, strerror(errno));
    fputs(t->meta, fp);
    fprintf(fp, "%s\n", LUMI_HEADER);
    for (int i = 0; i < t->n; ++i)
        fprintf(fp, "%.10g,%.10e,%.8f\n", t->mass[i], t->lumi_bs[i], t->acc[i]);
    int bad = ferror(fp);
    if (fclose(fp) || bad) ZP_FAIL(ZP_EIO, "%s: write failed: %s", path, strerror(errno));
    return ZP_OK;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

zp_status zp_lumi_table_compute_pdf(const zp_pdf *pdf, double sqrts, const double *mass, int n,
                                    const zp_lumi_cuts *cuts, double epsrel, zp_lumi_table *t)
{
    memset(t, 0, sizeof *t);
    if (n < 1 || n > ZP_LUMI_MAX_ROWS) ZP_FAIL(ZP_EINPUT, "luminosity table: %d masses (need 1..%d)", n, ZP_LUMI_MAX_ROWS);
    /* any order, repeats allowed (e.g. a scan's mass axis): rows are sorted and unique */
    for (int i = 0; i < n; ++i) {
        if (!(mass[i] > 0) || !(mass[i] < sqrts))
            ZP_FAIL(ZP_EINPUT, "luminosity table: mass %d = %g GeV not in (0, sqrt(s) = %g)", i, mass[i], sqrts);
        t->mass[i] = mass[i];
    }
    qsort(t->mass, (size_t)n, sizeof *t->mass, cmp_double);
    int m = 0;
    for (int i = 0; i < n; ++i)
        if (m == 0 || t->mass[i] > t->mass[m - 1]) t->mass[m++] = t->mass[i];
    for (int i = 0; i < m; ++i)
        ZP_TRY(zp_lumi_fiducial(pdf, zp_lumi_pairs_bs, 4, t->mass[i], sqrts, cuts, epsrel,
                                &t->lumi_bs[i], &t->acc[i]));
    t->n = m;
    t->sqrts = sqrts;
    t->member = zp_pdf_member(pdf);
    snprintf(t->pdfset, sizeof t->pdfset, "%s", zp_pdf_setname(pdf));
    snprintf(t->path, sizeof t->path, "(computed from %s)", zp_pdf_member_path(pdf));
    t->pt_min = cuts->pt_min;
    t->abs_eta_max = cuts->abs_eta_max;
    t->epsrel = epsrel;
    snprintf(t->meta, sizeof t->meta,
             "# zpscan parton-luminosity and dilepton-acceptance table (PHYSICS.md section 6)\n"
             "# format: " LUMI_FORMAT "\n"
             "# pdfset: %s\n"
             "# member: %d\n"
             "# sqrts_gev: %.10g\n"
             "# mu_f: M (factorisation scale = resonance mass)\n"
             "# pairs: (b,sbar)+(sbar,b)+(s,bbar)+(bbar,s)\n"
             "# lumi_bs: sum over the pairs of int_tau^1 dx/x f_i(x,M) f_j(tau/x,M), tau = M^2/s (dimensionless)\n"
             "# acc: fraction of resonances from those pairs with both leptons passing the cuts; spin-1, (1+cos^2 theta), massless leptons\n"
             "# cut_pt_min_gev: %.10g\n"
             "# cut_abs_eta_max: %.10g\n"
             "# epsrel: %.3g\n"
             "# integrator: GSL QAG Gauss-Kronrod 41, in resonance rapidity y = ln x1 - ln sqrt(tau), split at the cut edges\n"
             "# interpolation: log(lumi_bs) and acc linear in log(M) between rows\n"
             "# code_version: zpscan %s\n"
             "# columns: mass_gev = resonance mass in GeV, lumi_bs, acc\n",
             t->pdfset, t->member, sqrts, cuts->pt_min, cuts->abs_eta_max, epsrel,
             ZP_VERSION_STRING);
    return ZP_OK;
}

zp_status zp_lumi_table_compute(const char *setname, int member, double sqrts,
                                const double *mass, int n, const zp_lumi_cuts *cuts,
                                double epsrel, zp_lumi_table *t)
{
    zp_pdf *pdf;
    ZP_TRY(zp_pdf_open(setname, member, &pdf));
    zp_status st = zp_lumi_table_compute_pdf(pdf, sqrts, mass, n, cuts, epsrel, t);
    zp_pdf_free(pdf);
    return st;
}

/* ---- limit table ------------------------------------------------------------------- */

zp_status zp_limit_table_alloc(zp_limit_table *t, int nm, int nw)
{
    t->nm = nm;
    t->nw = nw;
    t->width = calloc((size_t)(nw > 0 ? nw : 1), sizeof *t->width);
    t->mass = calloc((size_t)(nm > 0 ? nm : 1), sizeof *t->mass);
    t->limit = calloc((size_t)(nm > 0 ? nm : 1) * (size_t)(nw > 0 ? nw : 1), sizeof *t->limit);
    if (!t->width || !t->mass || !t->limit) {
        zp_limit_table_free(t);
        ZP_FAIL(ZP_ENOMEM, "out of memory for a limit table of %d masses x %d widths", nm, nw);
    }
    return ZP_OK;
}

void zp_limit_table_free(zp_limit_table *t)
{
    free(t->width);
    free(t->mass);
    free(t->limit);
    t->width = t->mass = t->limit = NULL;
    t->nm = t->nw = 0;
}

/* Appends one value to a growing array (doubling). */
static int push(double **a, size_t *n, size_t *cap, double v)
{
    if (*n == *cap) {
        size_t nc = *cap ? 2 * *cap : 64;
        double *p = realloc(*a, nc * sizeof *p);
        if (!p) return 0;
        *a = p;
        *cap = nc;
    }
    (*a)[(*n)++] = v;
    return 1;
}

zp_status zp_limit_table_read(const char *path, zp_limit_table *t)
{
    memset(t, 0, sizeof *t);
    snprintf(t->path, sizeof t->path, "%s", path);
    FILE *fp = fopen(path, "r");
    if (!fp) ZP_FAIL(ZP_EINPUT, "%s: cannot open limit table: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0, nwid = 0, capw = 0, nmas = 0, capm = 0, nlim = 0, capl = 0;
    int lineno = 0, have_header = 0;
    zp_status st = ZP_OK;
    char **f = NULL;
    int fcap = 0;
#define BAD(...) do { st = ZP_EINPUT; zp_err_set(st, __VA_ARGS__); goto done; } while (0)
    while (getline(&line, &cap, fp) >= 0) {
        ++lineno;
        chomp(line);
        if (line[0] == '#') {
            if (!have_header && t->nm == 0) append(t->citation, sizeof t->citation, line);
            continue;
        }
        if (blank(line)) continue;
        /* a comma-separated line has at most strlen/2 + 1 fields; one more to see extras */
        const int need = (int)(strlen(line) / 2 + 2);
        if (need > fcap) {
            char **nf_ = realloc(f, (size_t)need * sizeof *f);
            if (!nf_) BAD("%s:%d: out of memory", path, lineno);
            f = nf_;
            fcap = need;
        }
        int nf = split_csv(line, f, fcap);
        if (!have_header) {
            if (nf < 2) BAD("%s:%d:1: header needs mass_gev and at least one limit_fb_w<Gamma/M> column", path, lineno);
            if (strcmp(f[0], "mass_gev")) BAD("%s:%d:1: first column must be 'mass_gev', got '%.30s'", path, lineno, f[0]);
            for (int k = 1; k < nf; ++k) {
                const char *pre = "limit_fb_w";
                double w;
                if (strncmp(f[k], pre, strlen(pre)) || !field_num(f[k] + strlen(pre), &w) || w < 0)
                    BAD("%s:%d:%d: column name '%.30s' is not limit_fb_w<Gamma/M>", path, lineno, k + 1, f[k]);
                if (k > 1 && !(w > t->width[k - 2]))
                    BAD("%s:%d:%d: Gamma/M values must increase (%g after %g)", path, lineno, k + 1, w, t->width[k - 2]);
                if (!push(&t->width, &nwid, &capw, w)) BAD("%s:%d: out of memory", path, lineno);
            }
            t->nw = nf - 1;
            have_header = 1;
            continue;
        }
        if (nf != t->nw + 1) BAD("%s:%d:%d: %d columns, the header has %d", path, lineno, nf < t->nw + 1 ? nf : t->nw + 2, nf, t->nw + 1);
        if (t->nm == INT_MAX) BAD("%s:%d:1: more than %d mass rows", path, lineno, INT_MAX);
        double m;
        if (!field_num(f[0], &m)) BAD("%s:%d:1: mass is not a number: '%.30s'", path, lineno, f[0]);
        if (!(m > 0) || (t->nm && !(m > t->mass[t->nm - 1])))
            BAD("%s:%d:1: mass %g not positive and strictly increasing", path, lineno, m);
        for (int k = 1; k < nf; ++k) {
            double v;
            if (!field_num(f[k], &v)) BAD("%s:%d:%d: limit is not a number: '%.30s'", path, lineno, k + 1, f[k]);
            if (!(v > 0)) BAD("%s:%d:%d: limit %g is not positive", path, lineno, k + 1, v);
            if (!push(&t->limit, &nlim, &capl, v)) BAD("%s:%d: out of memory", path, lineno);
        }
        if (!push(&t->mass, &nmas, &capm, m)) BAD("%s:%d: out of memory", path, lineno);
        t->nm++;
    }
    if (ferror(fp)) BAD("%s:%d: read error", path, lineno);
    if (!have_header) BAD("%s:%d: no header line 'mass_gev,limit_fb_w...'", path, lineno);
    if (t->nm < 2) BAD("%s:%d: %d mass rows, need at least 2", path, lineno, t->nm);
#undef BAD
done:
    free(line);
    free(f);
    fclose(fp);
    if (st != ZP_OK) zp_limit_table_free(t);
    return st;
}

/* ---- per-mass slice ---------------------------------------------------------------- */

double zp_lhc_sigma_fb(double mass, double sqrts, double width_ij, double lumi_ij)
{
    const double pi = M_PI;
    return (4.0 * pi * pi / 3.0) / (mass * sqrts * sqrts) * width_ij * lumi_ij * ZP_GEV2_TO_FB;
}

double zp_lhc_width_bs_per_g2(const zp_lhc_consts *c, double mass)
{
    return c->nc * c->gprime * c->gprime * mass / (24.0 * M_PI);
}

int zp_lhc_bracket(const double *x, int n, double v)
{
    int lo = 0, hi = n - 1;
    while (hi - lo > 1) {
        int mid = (lo + hi) / 2;
        if (x[mid] <= v) lo = mid; else hi = mid;
    }
    return lo;
}

void zp_lumi_table_at(const zp_lumi_table *lt, double mass, double *lumi, double *acc)
{
    const int i = lt->n > 1 ? zp_lhc_bracket(lt->mass, lt->n, mass) : 0;
    if (mass == lt->mass[i]) {
        *lumi = lt->lumi_bs[i];
        *acc = lt->acc[i];
    } else {
        const double t = log(mass / lt->mass[i]) / log(lt->mass[i + 1] / lt->mass[i]);
        *lumi = exp((1.0 - t) * log(lt->lumi_bs[i]) + t * log(lt->lumi_bs[i + 1]));
        *acc = (1.0 - t) * lt->acc[i] + t * lt->acc[i + 1];
    }
}

/* a mass the LHC cannot test: the table's widths, NaN limits (a forgotten flag can never
 * read as "allowed") */
static zp_status slice_untested(zp_lhc_slice *out, const zp_limit_table *lim)
{
    out->mass_tested = 0;
    double *nan = malloc((size_t)lim->nw * sizeof *nan);
    if (!nan) ZP_FAIL(ZP_ENOMEM, "out of memory for %d limits", lim->nw);
    for (int k = 0; k < lim->nw; ++k) nan[k] = NAN;
    const zp_status st = zp_lhc_slice_set(out, lim->nw, lim->width, nan);
    free(nan);
    return st;
}

zp_status zp_lhc_slice_at(const zp_lumi_table *lt, const zp_limit_table *lim,
                          const zp_lhc_consts *c, double mass, zp_lhc_slice *out)
{
    memset(out, 0, sizeof *out);
    if (!lt || lt->n < 1) ZP_FAIL(ZP_EINPUT, "LHC slice: no luminosity table");
    if (lt->n == 1 && fabs(mass - lt->mass[0]) <= 1e-12 * mass)
        mass = lt->mass[0]; /* a one-row table computed for a one-mass scan */
    if (!(c->sqrts > 0) || fabs(c->sqrts - lt->sqrts) > 1e-9 * lt->sqrts)
        ZP_FAIL(ZP_EINPUT, "LHC slice: sqrt(s) = %g GeV but the luminosity table %s is for %g GeV",
                c->sqrts, lt->path, lt->sqrts);
    if (!(mass >= lt->mass[0] && mass <= lt->mass[lt->n - 1])) {
        /* no production cross section here: the LHC cannot test this mass (never "allowed",
         * and sigma B is NaN, not a number the table does not give) */
        out->sigma_per_g2 = out->acceptance = NAN;
        return (!lim || lim->nw < 1) ? ZP_OK : slice_untested(out, lim);
    }

    double lumi, acc;
    zp_lumi_table_at(lt, mass, &lumi, &acc);
    out->sigma_per_g2 = zp_lhc_sigma_fb(mass, c->sqrts, zp_lhc_width_bs_per_g2(c, mass), lumi);
    out->acceptance = acc;

    if (!lim || lim->nw < 1 || lim->nm < 2) return ZP_OK; /* nothing to test against */
    if (!(mass >= lim->mass[0] && mass <= lim->mass[lim->nm - 1])) return slice_untested(out, lim);
    out->mass_tested = 1;
    const int j = zp_lhc_bracket(lim->mass, lim->nm, mass);
    const double t = (mass - lim->mass[j]) / (lim->mass[j + 1] - lim->mass[j]);
    double *l = malloc((size_t)lim->nw * sizeof *l);
    if (!l) ZP_FAIL(ZP_ENOMEM, "out of memory for %d limits", lim->nw);
    for (int k = 0; k < lim->nw; ++k) {
        const double a = ZP_LIMIT(lim, j, k), b = ZP_LIMIT(lim, j + 1, k);
        l[k] = (t == 0.0) ? a : exp((1.0 - t) * log(a) + t * log(b));
    }
    const zp_status st = zp_lhc_slice_set(out, lim->nw, lim->width, l);
    free(l);
    return st;
}

void zp_lhc_slice_free(zp_lhc_slice *s)
{
    free(s->all);
    s->all = NULL;
    if (s->bin) zp_binned_tab_free(s->bin);
    free(s->bin);
    s->bin = NULL;
}

zp_status zp_lhc_slice_set(zp_lhc_slice *s, int nw, const double *width, const double *limit)
{
    free(s->all);
    s->all = NULL;
    s->nw = nw;
    if (nw < 1) {
        for (int k = 0; k < ZP_LHC_PAD; ++k) s->width[k] = s->limit[k] = s->slope[k] = 0.0;
        return ZP_OK;
    }
    for (int k = 0; k < ZP_LHC_PAD; ++k) {
        const int c = k < nw ? k : nw - 1, d = k + 1 < nw ? k + 1 : nw - 1;
        const double dw = width[d] - width[c];
        s->width[k] = width[c];
        s->limit[k] = limit[c];
        s->slope[k] = dw > 0 ? (limit[d] - limit[c]) / dw : 0.0;
    }
    if (nw <= ZP_LHC_PAD) return ZP_OK;
    if (!(s->all = malloc(3 * (size_t)nw * sizeof *s->all)))
        ZP_FAIL(ZP_ENOMEM, "out of memory for an LHC slice of %d widths", nw);
    double *W = s->all, *L = W + nw, *S = L + nw;
    for (int k = 0; k < nw; ++k) {
        const double dw = k + 1 < nw ? width[k + 1] - width[k] : 0.0;
        W[k] = width[k];
        L[k] = limit[k];
        S[k] = dw > 0 ? (limit[k + 1] - limit[k]) / dw : 0.0;
    }
    return ZP_OK;
}
