/* LHAPDF6 lhagrid1 reader and log-bicubic interpolation (see pdf.h for the policy). */
#include "zpscan/pdf.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NPID_SLOTS 30 /* pid -6..22 mapped to pid+7 */

typedef struct {
    int nx, nq;
    double *lx;  /* ln x knots */
    double *lq2; /* ln Q^2 knots */
    double *xf;  /* [ix][iq][f] */
    double *dx;  /* d(xf)/d(ln x) at the knots, LHAPDF's finite differences */
    double xlo, xhi, qlo, qhi; /* edge knots as written (exact range checks) */
} subgrid;

struct zp_pdf {
    int nsub, nf;
    subgrid *sub;
    int col[NPID_SLOTS]; /* column of a pid, -1 if absent */
    double xmin, xmax, qmin, qmax;
    zp_pdf_extrap extrap;
    char setname[256];
    int member;
    char path[1024];
};

static int pid_slot(int pid)
{
    if (pid == 0) pid = 21;
    if (pid >= -6 && pid <= 6) return pid + 7;
    if (pid == 21) return 27;
    if (pid == 22) return 28;
    return -1;
}

static void subgrid_free(subgrid *g)
{
    free(g->lx);
    free(g->lq2);
    free(g->xf);
    free(g->dx);
}

void zp_pdf_free(zp_pdf *pdf)
{
    if (!pdf) return;
    for (int i = 0; i < pdf->nsub; ++i) subgrid_free(&pdf->sub[i]);
    free(pdf->sub);
    free(pdf);
}

/* ---- file and line helpers ---------------------------------------------------------- */

static zp_status slurp(const char *path, char **buf, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) ZP_FAIL(ZP_EINPUT, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap + 1);
    if (!b) { fclose(f); ZP_FAIL(ZP_ENOMEM, "%s: out of memory", path); }
    for (;;) {
        size_t r = fread(b + n, 1, cap - n, f);
        n += r;
        if (n < cap) break;
        char *nb = realloc(b, 2 * cap + 1);
        if (!nb) { free(b); fclose(f); ZP_FAIL(ZP_ENOMEM, "%s: out of memory", path); }
        b = nb;
        cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) { free(b); ZP_FAIL(ZP_EIO, "%s: read error", path); }
    b[n] = '\0';
    *buf = b;
    *len = n;
    return ZP_OK;
}

/* Line cursor over a NUL-terminated buffer; lines are cut in place. */
typedef struct {
    char *p, *end;
    int lineno;
} cursor;

static char *next_line(cursor *c)
{
    if (c->p >= c->end) return NULL;
    char *s = c->p;
    char *nl = memchr(s, '\n', (size_t)(c->end - s));
    if (nl) { *nl = '\0'; c->p = nl + 1; } else c->p = c->end;
    size_t l = strlen(s);
    if (l && s[l - 1] == '\r') s[l - 1] = '\0';
    c->lineno++;
    return s;
}

static int is_blank(const char *s)
{
    for (; *s; ++s)
        if (*s != ' ' && *s != '\t') return 0;
    return 1;
}

static int is_sep(const char *s)
{
    while (*s == ' ' || *s == '\t') ++s;
    if (strncmp(s, "---", 3) != 0) return 0;
    return is_blank(s + 3);
}

/* Parse all numbers of a line with strtod. Tokens may be fused ("1.0E-01-2.0E-03"):
 * after a number the next character must be blank, end of line, or a sign. */
static zp_status parse_numbers(const char *path, int lineno, const char *s, double **vals,
                               int *n, int *cap)
{
    *n = 0;
    const char *p = s;
    for (;;) {
        while (*p == ' ' || *p == '\t') ++p;
        if (!*p) break;
        char *e;
        errno = 0;
        double v = strtod(p, &e);
        if (e == p || (*e && *e != ' ' && *e != '\t' && *e != '-' && *e != '+') || !isfinite(v))
            ZP_FAIL(ZP_EINPUT, "%s:%d: bad number at column %d: '%.20s'", path, lineno,
                    (int)(p - s) + 1, p);
        if (*n == *cap) {
            int nc = *cap ? 2 * *cap : 64;
            double *nv = realloc(*vals, (size_t)nc * sizeof **vals);
            if (!nv) ZP_FAIL(ZP_ENOMEM, "%s:%d: out of memory", path, lineno);
            *vals = nv;
            *cap = nc;
        }
        (*vals)[(*n)++] = v;
        p = e;
    }
    return ZP_OK;
}

static zp_status check_knots(const char *path, int lineno, const char *what, const double *v,
                             int n, int nmin)
{
    if (n < nmin)
        ZP_FAIL(ZP_EINPUT, "%s:%d: %s line has %d knots, need at least %d", path, lineno, what, n,
                nmin);
    for (int i = 0; i < n; ++i) {
        if (!(v[i] > 0))
            ZP_FAIL(ZP_EINPUT, "%s:%d: %s knot %d is not positive (%g)", path, lineno, what, i + 1,
                    v[i]);
        if (i && !(v[i] > v[i - 1]))
            ZP_FAIL(ZP_EINPUT, "%s:%d: %s knots not strictly increasing at knot %d", path, lineno,
                    what, i + 1);
    }
    return ZP_OK;
}

/* ---- member file ------------------------------------------------------------------- */

static void compute_dx(subgrid *g, int nf)
{
    const int nx = g->nx, nq = g->nq;
    for (int ix = 0; ix < nx; ++ix)
        for (int iq = 0; iq < nq; ++iq)
            for (int f = 0; f < nf; ++f) {
#define XF(i) g->xf[((size_t)(i) * nq + iq) * nf + f]
                double d;
                if (ix == 0)
                    d = (XF(1) - XF(0)) / (g->lx[1] - g->lx[0]);
                else if (ix == nx - 1)
                    d = (XF(nx - 1) - XF(nx - 2)) / (g->lx[nx - 1] - g->lx[nx - 2]);
                else
                    d = 0.5 * ((XF(ix) - XF(ix - 1)) / (g->lx[ix] - g->lx[ix - 1]) +
                               (XF(ix + 1) - XF(ix)) / (g->lx[ix + 1] - g->lx[ix]));
                g->dx[((size_t)ix * nq + iq) * nf + f] = d;
#undef XF
            }
}

static zp_status parse_member(zp_pdf *pdf, char *buf, size_t len)
{
    const char *path = pdf->path;
    cursor c = {buf, buf + len, 0};
    char *s;
    double *v = NULL;
    int nv = 0, cap = 0;
    zp_status st = ZP_OK;
    int flav[NPID_SLOTS];

    /* header (YAML) up to the first separator */
    while ((s = next_line(&c)) && !is_sep(s)) {}
    if (!s) { st = ZP_EINPUT; zp_err_set(st, "%s:%d: no '---' line: not an lhagrid1 member file", path, c.lineno); goto done; }

    for (;;) {
        /* x knots, or the end of the file */
        do s = next_line(&c); while (s && is_blank(s));
        if (!s) break;
        if (pdf->nsub == 64) { st = ZP_EINPUT; zp_err_set(st, "%s:%d: more than 64 subgrids", path, c.lineno); goto done; }
        subgrid *ns = realloc(pdf->sub, (size_t)(pdf->nsub + 1) * sizeof *ns);
        if (!ns) { st = ZP_ENOMEM; zp_err_set(st, "%s: out of memory", path); goto done; }
        pdf->sub = ns;
        subgrid *g = &pdf->sub[pdf->nsub++];
        memset(g, 0, sizeof *g);

        if ((st = parse_numbers(path, c.lineno, s, &v, &nv, &cap))) goto done;
        if ((st = check_knots(path, c.lineno, "x", v, nv, 2))) goto done;
        if (v[nv - 1] > 1.0) { st = ZP_EINPUT; zp_err_set(st, "%s:%d: x knot above 1 (%g)", path, c.lineno, v[nv - 1]); goto done; }
        g->nx = nv;
        g->lx = malloc((size_t)nv * sizeof *g->lx);
        if (!g->lx) { st = ZP_ENOMEM; zp_err_set(st, "%s: out of memory", path); goto done; }
        for (int i = 0; i < nv; ++i) g->lx[i] = log(v[i]);
        g->xlo = v[0];
        g->xhi = v[nv - 1];

        if (!(s = next_line(&c))) { st = ZP_EINPUT; zp_err_set(st, "%s:%d: truncated: missing Q knots line", path, c.lineno); goto done; }
        if ((st = parse_numbers(path, c.lineno, s, &v, &nv, &cap))) goto done;
        if ((st = check_knots(path, c.lineno, "Q", v, nv, 2))) goto done;
        g->nq = nv;
        g->lq2 = malloc((size_t)nv * sizeof *g->lq2);
        if (!g->lq2) { st = ZP_ENOMEM; zp_err_set(st, "%s: out of memory", path); goto done; }
        for (int i = 0; i < nv; ++i) g->lq2[i] = 2.0 * log(v[i]);
        g->qlo = v[0];
        g->qhi = v[nv - 1];
        if (pdf->nsub > 1) {
            /* subgrids must tile Q without gaps or overlaps */
            const subgrid *pg = &pdf->sub[pdf->nsub - 2];
            double qlast = pg->qhi;
            if (fabs(v[0] - qlast) > 1e-6 * qlast) {
                st = ZP_EINPUT;
                zp_err_set(st, "%s:%d: subgrid %d starts at Q = %g but the previous one ends at Q = %g",
                           path, c.lineno, pdf->nsub, v[0], qlast);
                goto done;
            }
        }

        if (!(s = next_line(&c))) { st = ZP_EINPUT; zp_err_set(st, "%s:%d: truncated: missing flavour line", path, c.lineno); goto done; }
        if ((st = parse_numbers(path, c.lineno, s, &v, &nv, &cap))) goto done;
        if (nv < 1 || nv > NPID_SLOTS) { st = ZP_EINPUT; zp_err_set(st, "%s:%d: %d flavours (need 1..%d)", path, c.lineno, nv, NPID_SLOTS); goto done; }
        for (int i = 0; i < nv; ++i) {
            int pid = (int)v[i];
            if ((double)pid != v[i] || pid_slot(pid) < 0) { st = ZP_EINPUT; zp_err_set(st, "%s:%d: bad flavour id %g", path, c.lineno, v[i]); goto done; }
            if (pdf->nsub == 1) flav[i] = pid;
            else if (nv != pdf->nf || flav[i] != pid) { st = ZP_EINPUT; zp_err_set(st, "%s:%d: flavour list differs from the first subgrid's", path, c.lineno); goto done; }
        }
        if (pdf->nsub == 1) {
            pdf->nf = nv;
            for (int i = 0; i < nv; ++i) {
                int sl = pid_slot(flav[i]);
                if (pdf->col[sl] >= 0) { st = ZP_EINPUT; zp_err_set(st, "%s:%d: flavour %d listed twice", path, c.lineno, flav[i]); goto done; }
                pdf->col[sl] = i;
            }
        }

        const int nf = pdf->nf;
        const size_t nrows = (size_t)g->nx * g->nq;
        g->xf = malloc(nrows * nf * sizeof *g->xf);
        g->dx = malloc(nrows * nf * sizeof *g->dx);
        if (!g->xf || !g->dx) { st = ZP_ENOMEM; zp_err_set(st, "%s: out of memory", path); goto done; }
        for (size_t r = 0; r < nrows; ++r) {
            s = next_line(&c);
            if (!s || is_sep(s)) {
                st = ZP_EINPUT;
                zp_err_set(st, "%s:%d: truncated subgrid %d: expected %zu data rows (%d x %d), got %zu",
                           path, c.lineno, pdf->nsub, nrows, g->nx, g->nq, r);
                goto done;
            }
            if ((st = parse_numbers(path, c.lineno, s, &v, &nv, &cap))) goto done;
            if (nv != nf) {
                st = ZP_EINPUT;
                zp_err_set(st, "%s:%d: data row has %d values, expected %d (one per flavour)", path, c.lineno, nv, nf);
                goto done;
            }
            memcpy(g->xf + r * nf, v, (size_t)nf * sizeof *v);
        }
        compute_dx(g, nf);

        /* each block ends with a separator; a missing last one (EOF) is tolerated */
        s = next_line(&c);
        if (s && !is_sep(s)) {
            st = ZP_EINPUT;
            zp_err_set(st, "%s:%d: expected '---' after %zu data rows of subgrid %d", path, c.lineno, nrows, pdf->nsub);
            goto done;
        }
        if (!s) break;
    }
    if (pdf->nsub == 0) { st = ZP_EINPUT; zp_err_set(st, "%s:%d: no subgrid after the header", path, c.lineno); goto done; }

    pdf->xmin = pdf->sub[0].xlo;
    pdf->xmax = pdf->sub[0].xhi;
    for (int k = 1; k < pdf->nsub; ++k) {
        /* keep the range where every subgrid is defined */
        pdf->xmin = fmax(pdf->xmin, pdf->sub[k].xlo);
        pdf->xmax = fmin(pdf->xmax, pdf->sub[k].xhi);
    }
    pdf->qmin = pdf->sub[0].qlo;
    pdf->qmax = pdf->sub[pdf->nsub - 1].qhi;
done:
    free(v);
    return st;
}

/* ---- .info file -------------------------------------------------------------------- */

static zp_status parse_info(const char *path, int member)
{
    char *buf;
    size_t len;
    ZP_TRY(slurp(path, &buf, &len));
    cursor c = {buf, buf + len, 0};
    char *s;
    zp_status st = ZP_OK;
    int have_format = 0;
    while ((s = next_line(&c))) {
        while (*s == ' ' || *s == '\t') ++s;
        if (!strncmp(s, "Format:", 7)) {
            char fmt[64] = "";
            sscanf(s + 7, " %63s", fmt);
            if (strcmp(fmt, "lhagrid1") != 0) {
                st = ZP_EINPUT;
                zp_err_set(st, "%s:%d: Format '%s' is not supported (only lhagrid1)", path, c.lineno, fmt);
                break;
            }
            have_format = 1;
        } else if (!strncmp(s, "NumMembers:", 11)) {
            char *e;
            long n = strtol(s + 11, &e, 10);
            if (e == s + 11 || n < 1) {
                st = ZP_EINPUT;
                zp_err_set(st, "%s:%d: bad NumMembers", path, c.lineno);
                break;
            }
            if (member >= n) {
                st = ZP_EINPUT;
                zp_err_set(st, "%s:%d: member %d requested but NumMembers is %ld", path, c.lineno, member, n);
                break;
            }
        }
    }
    if (st == ZP_OK && !have_format) {
        st = ZP_EINPUT;
        zp_err_set(st, "%s:%d: no 'Format:' line", path, c.lineno);
    }
    free(buf);
    return st;
}

static int file_exists(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

static int dir_exists(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

zp_status zp_pdf_open_path(const char *datapath, const char *setname, int member, zp_pdf **out)
{
    *out = NULL;
    if (!setname || !*setname || strchr(setname, '/'))
        ZP_FAIL(ZP_EINPUT, "PDF set name '%s' is empty or contains '/'", setname ? setname : "(null)");
    if (member < 0 || member > 9999) ZP_FAIL(ZP_EINPUT, "PDF member %d out of range 0..9999", member);
    if (!datapath) datapath = getenv("LHAPDF_DATA_PATH");
    if (!datapath || !*datapath)
        ZP_FAIL(ZP_EINPUT, "PDF set '%s': LHAPDF_DATA_PATH is not set", setname);

    char info[1024] = "", setdir[1024] = "";
    const char *p = datapath;
    while (*p) {
        const char *q = strchr(p, ':');
        size_t n = q ? (size_t)(q - p) : strlen(p);
        if (n) {
            char dir[1024];
            int w = snprintf(dir, sizeof dir, "%.*s/%s", (int)n, p, setname);
            if (w > 0 && (size_t)w < sizeof dir && dir_exists(dir)) {
                w = snprintf(setdir, sizeof setdir, "%s", dir);
                int w2 = snprintf(info, sizeof info, "%s/%s.info", dir, setname);
                if (w2 < 0 || (size_t)w2 >= sizeof info || w < 0 || (size_t)w >= sizeof setdir)
                    ZP_FAIL(ZP_EINPUT, "PDF set '%s': path '%s' too long", setname, dir);
                break;
            }
        }
        if (!q) break;
        p = q + 1;
    }
    if (!*setdir) ZP_FAIL(ZP_EINPUT, "PDF set '%s' not found in LHAPDF_DATA_PATH '%s'", setname, datapath);
    if (!file_exists(info)) ZP_FAIL(ZP_EINPUT, "%s: missing .info file of PDF set '%s'", info, setname);
    ZP_TRY(parse_info(info, member));

    zp_pdf *pdf = calloc(1, sizeof *pdf);
    if (!pdf) ZP_FAIL(ZP_ENOMEM, "out of memory");
    for (int i = 0; i < NPID_SLOTS; ++i) pdf->col[i] = -1;
    snprintf(pdf->setname, sizeof pdf->setname, "%s", setname);
    pdf->member = member;
    int w = snprintf(pdf->path, sizeof pdf->path, "%s/%s_%04d.dat", setdir, setname, member);
    if (w < 0 || (size_t)w >= sizeof pdf->path) {
        zp_pdf_free(pdf);
        ZP_FAIL(ZP_EINPUT, "PDF set '%s': member path too long", setname);
    }

    char *buf;
    size_t len;
    zp_status st = slurp(pdf->path, &buf, &len);
    if (st) { zp_pdf_free(pdf); return st; }
    st = parse_member(pdf, buf, len);
    free(buf);
    if (st) { zp_pdf_free(pdf); return st; }
    *out = pdf;
    return ZP_OK;
}

zp_status zp_pdf_open(const char *setname, int member, zp_pdf **out)
{
    return zp_pdf_open_path(NULL, setname, member, out);
}

/* ---- interpolation ----------------------------------------------------------------- */

static inline double hermite(double t, double vl, double vdl, double vh, double vdh)
{
    const double t2 = t * t, t3 = t2 * t;
    return (2 * t3 - 3 * t2 + 1) * vl + (t3 - 2 * t2 + t) * vdl + (-2 * t3 + 3 * t2) * vh +
           (t3 - t2) * vdh;
}

/* Largest i in [0, n-2] with k[i] <= v (v inside [k[0], k[n-1]]). */
static inline int find_bin(const double *k, int n, double v)
{
    int lo = 0, hi = n - 1;
    while (hi - lo > 1) {
        int mid = (lo + hi) / 2;
        if (k[mid] <= v) lo = mid; else hi = mid;
    }
    return lo;
}

static inline double ipol_x(const subgrid *g, int nf, int f, int ix, double tx, double dlx, int iq)
{
    const size_t a = ((size_t)ix * g->nq + iq) * nf + f;
    const size_t b = ((size_t)(ix + 1) * g->nq + iq) * nf + f;
    return hermite(tx, g->xf[a], g->dx[a] * dlx, g->xf[b], g->dx[b] * dlx);
}

zp_status zp_pdf_xfxq(const zp_pdf *pdf, int pid, double x, double q, double *xf)
{
    const int sl = pid_slot(pid);
    if (sl < 0) ZP_FAIL(ZP_EINPUT, "PDF %s: invalid parton id %d", pdf->setname, pid);
    if (!(x > 0) || !(q > 0))
        ZP_FAIL(ZP_EINPUT, "PDF %s: x = %g, Q = %g must be positive", pdf->setname, x, q);
    if (x < pdf->xmin || x > pdf->xmax || q < pdf->qmin || q > pdf->qmax) {
        if (pdf->extrap == ZP_PDF_EXTRAP_ERROR)
            ZP_FAIL(ZP_EINPUT, "PDF %s: (x, Q) = (%g, %g GeV) outside the grid x in [%g, %g], Q in [%g, %g]",
                    pdf->setname, x, q, pdf->xmin, pdf->xmax, pdf->qmin, pdf->qmax);
        x = fmin(fmax(x, pdf->xmin), pdf->xmax);
        q = fmin(fmax(q, pdf->qmin), pdf->qmax);
    }
    const int f = pdf->col[sl];
    if (f < 0) { *xf = 0.0; return ZP_OK; }

    const double lx = log(x), lq2 = 2.0 * log(q);
    int k = pdf->nsub - 1;
    while (k > 0 && lq2 < pdf->sub[k].lq2[0]) --k;
    const subgrid *g = &pdf->sub[k];
    /* log() rounding must not step off the knots */
    const double lxc = fmin(fmax(lx, g->lx[0]), g->lx[g->nx - 1]);
    const double lqc = fmin(fmax(lq2, g->lq2[0]), g->lq2[g->nq - 1]);

    const int ix = find_bin(g->lx, g->nx, lxc);
    const double dlx = g->lx[ix + 1] - g->lx[ix];
    const double tx = (lxc - g->lx[ix]) / dlx;
    const int nq = g->nq;
    const int iq = find_bin(g->lq2, nq, lqc);
    const double dq1 = g->lq2[iq + 1] - g->lq2[iq];
    const double tq = (lqc - g->lq2[iq]) / dq1;
    const int nf = pdf->nf;

    const double vl = ipol_x(g, nf, f, ix, tx, dlx, iq);
    const double vh = ipol_x(g, nf, f, ix, tx, dlx, iq + 1);
    if (nq < 4) { /* as LHAPDF: too few Q knots for cubic, go linear in ln Q^2 */
        *xf = vl + tq * (vh - vl);
        return ZP_OK;
    }
    double vdl, vdh;
    if (iq == 0) {
        const double vhh = ipol_x(g, nf, f, ix, tx, dlx, iq + 2);
        const double dq2 = g->lq2[iq + 2] - g->lq2[iq + 1];
        vdl = (vh - vl) / dq1;
        vdh = 0.5 * (vdl + (vhh - vh) / dq2);
    } else if (iq + 1 == nq - 1) {
        const double vll = ipol_x(g, nf, f, ix, tx, dlx, iq - 1);
        const double dq0 = g->lq2[iq] - g->lq2[iq - 1];
        vdh = (vh - vl) / dq1;
        vdl = 0.5 * (vdh + (vl - vll) / dq0);
    } else {
        const double vll = ipol_x(g, nf, f, ix, tx, dlx, iq - 1);
        const double vhh = ipol_x(g, nf, f, ix, tx, dlx, iq + 2);
        const double dq0 = g->lq2[iq] - g->lq2[iq - 1];
        const double dq2 = g->lq2[iq + 2] - g->lq2[iq + 1];
        vdl = 0.5 * ((vh - vl) / dq1 + (vl - vll) / dq0);
        vdh = 0.5 * ((vh - vl) / dq1 + (vhh - vh) / dq2);
    }
    *xf = hermite(tq, vl, vdl * dq1, vh, vdh * dq1);
    return ZP_OK;
}

zp_status zp_pdf_fxq(const zp_pdf *pdf, int pid, double x, double q, double *f)
{
    double xf;
    ZP_TRY(zp_pdf_xfxq(pdf, pid, x, q, &xf));
    *f = xf / x;
    return ZP_OK;
}

void zp_pdf_set_extrapolation(zp_pdf *pdf, zp_pdf_extrap policy) { pdf->extrap = policy; }
double zp_pdf_xmin(const zp_pdf *pdf) { return pdf->xmin; }
double zp_pdf_xmax(const zp_pdf *pdf) { return pdf->xmax; }
double zp_pdf_qmin(const zp_pdf *pdf) { return pdf->qmin; }
double zp_pdf_qmax(const zp_pdf *pdf) { return pdf->qmax; }
int zp_pdf_nsubgrids(const zp_pdf *pdf) { return pdf->nsub; }
int zp_pdf_has_flavour(const zp_pdf *pdf, int pid)
{
    int sl = pid_slot(pid);
    return sl >= 0 && pdf->col[sl] >= 0;
}
const char *zp_pdf_setname(const zp_pdf *pdf) { return pdf->setname; }
int zp_pdf_member(const zp_pdf *pdf) { return pdf->member; }
const char *zp_pdf_member_path(const zp_pdf *pdf) { return pdf->path; }
