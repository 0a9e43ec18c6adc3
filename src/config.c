/* Scan configuration: INI input (inih) -> validated zp_config, plus the data files it names.
 *
 * Two passes. Pass 1 (ini_doc_parse) runs inih over the text through our own line reader,
 * which counts lines (Debian's inih has no line numbers in the handler), records section
 * headers, detects syntax errors, over-long lines and duplicate sections/keys, and joins
 * continuation lines of values ending in ','. The handler only stores (section, key,
 * value, line) entries. Pass 2 checks every section and key against the option table
 * below and converts the values into zp_config. Every input error is ZP_EINPUT with
 * "PATH:LINE: [section] key: what is wrong". The format is documented in docs/INPUT.md.
 * Library code: never prints, never exits. */
#include "zpscan/config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef ZP_DATADIR
#define ZP_DATADIR "inputs"
#endif

/* ------------------------------------------------------------------------------------ */
/* Names                                                                                */

const char *const zp_axis_names[ZP_NAXES] = {"mass", "gqL", "gqR", "gV", "gA"};

/* Constants: name, offset, and whether the value must be > 0. Same order as the struct. */
typedef struct {
    const char *name;
    size_t off;
    int positive;
} const_def;

#define KDEF(f, pos) {#f, offsetof(zp_constants, f), pos}
static const const_def const_defs[] = {
    KDEF(MZ, 1),       KDEF(sin2thetaW, 1), KDEF(alpha_MZ, 1),      KDEF(alpha_low, 1),
    KDEF(VtbVts, 0),   KDEF(m_mu, 1),       KDEF(m_e, 1),           KDEF(S0, 0),
    KDEF(sqrts, 1),    KDEF(Nc, 1),         KDEF(bs_mixing_max, 1), KDEF(lep_lambda_V, 1),
    KDEF(lep_lambda_A, 1), KDEF(bs_cross, 0), KDEF(pert_max, 1),    KDEF(width_max, 1),
};
#undef KDEF
#define NCONST ((int)(sizeof const_defs / sizeof const_defs[0]))

const char *const zp_constant_names[] = {
    "MZ", "sin2thetaW", "alpha_MZ", "alpha_low", "VtbVts", "m_mu", "m_e", "S0", "sqrts", "Nc",
    "bs_mixing_max", "lep_lambda_V", "lep_lambda_A", "bs_cross", "pert_max", "width_max", NULL,
};

_Static_assert(sizeof(zp_constants) == 16 * sizeof(double),
               "zp_constants changed: update const_defs and zp_constant_names");

#define DEFAULT_COMBINE                                                                  \
    ((1u << ZP_BIT_FLAVOUR) | (1u << ZP_BIT_LHC) | (1u << ZP_BIT_BS_MIXING) | (1u << ZP_BIT_LEP))

/* Default data files, relative to the data directory (ZPSCAN_DATADIR or ZP_DATADIR). */
#define DEF_FLAVOUR_FILE "flavour/table1_2017.ini"
#define DEF_G2_FILE "g2/presets.ini"
#define DEF_LUMI_FILE "lhc/lumi_NNPDF23_lo_as_0130_qed_13TeV.csv"
#define DEF_LIMITS_FILE "lhc/atlas139_dilepton_fid_limits.csv"

/* ------------------------------------------------------------------------------------ */
/* The option table: every section and key the input file accepts (pass 2 checks       */
/* against it; docs/INPUT.md describes the same keys). "axis.*" is each axis section.   */

typedef struct {
    const char *section;
    const char *key;
    const char *help;
} opt_def;

static const opt_def options[] = {
    {"scan", "lepton", "mu | e (required)"},
    {"scan", "output", "output file, relative to the current directory"},
    {"scan", "observables", "default | all | none | comma list of observable names"},
    {"scan", "points", "yes | no: store per-point datasets"},
    {"scan", "tile", "auto | 5 extents (mass,gqL,gqR,gV,gA), each >= 1"},
    {"scan", "combine", "constraints that enter the ALL bit, or none"},
    {"scan", "projections", "axis pairs a:b, or none"},
    {"scan", "checkpoint_seconds", "seconds between checkpoints (>= 0)"},
    {"scan", "progress_seconds", "seconds between progress lines (>= 0)"},
    {"scan", "max_output_bytes", "output size cap, 0 = none; suffix k/M/G/T"},
    {"axis.*", "min", "lower end (log axes: magnitude, > 0)"},
    {"axis.*", "max", "upper end"},
    {"axis.*", "n", "points (log axes: per sign)"},
    {"axis.*", "spacing", "lin | log"},
    {"axis.*", "sign", "log axes: + | - | +-"},
    {"axis.*", "include_zero", "log axes: yes | no"},
    {"axis.*", "values", "explicit strictly increasing list"},
    /* the constraints' sections: their keys in src/constraints/<name>.h */
    /* [constants]: every name of zp_constant_names, checked separately */
};
#define NOPTIONS ((int)(sizeof options / sizeof options[0]))

/* ------------------------------------------------------------------------------------ */
/* Pass 1: INI text -> entries                                                          */

typedef struct {
    char *sec;  /* section name ("" before any header) */
    char *key;
    char *val;  /* malloc'd, continuation lines appended */
    int line;   /* line of the key */
} ini_ent;

typedef struct {
    char *name;
    int line;
} ini_sec;

typedef struct {
    const char *path;
    ini_sec *secs;
    int nsec, capsec;
    ini_ent *ents;
    int nent, capent;
    int nlines;
} ini_doc;

typedef struct {
    ini_doc *d;
    const char *p;     /* next unread character of the text */
    int line;          /* current line number */
    int cur_sec;       /* index into d->secs, -1 before any header */
    int cont_pending;  /* the last value ended with ',': next content line continues it */
    int cur_is_cont;   /* the line just handed to inih is a continuation */
    int err;           /* an error has been recorded (zp_err_set) */
    zp_status st;
} ini_ctx;

static void ini_doc_free(ini_doc *d)
{
    for (int i = 0; i < d->nsec; ++i) free(d->secs[i].name);
    for (int i = 0; i < d->nent; ++i) {
        free(d->ents[i].key);
        free(d->ents[i].val);
    }
    free(d->secs);
    free(d->ents);
    memset(d, 0, sizeof *d);
}

/* "PATH:LINE: [section] key: message" (key may be NULL, line may be 0 = no line). */
static zp_status vbad(const char *path, int line, const char *sec, const char *key,
                      const char *fmt, va_list ap)
{
    char msg[768], where[1200];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = 0;
#define APPEND(...)                                                                      \
    do {                                                                                 \
        int k_ = snprintf(where + n, sizeof where - n, __VA_ARGS__);                     \
        if (k_ > 0) n = n + (size_t)k_ < sizeof where ? n + (size_t)k_ : sizeof where - 1; \
    } while (0)
    if (line > 0) APPEND("%s:%d:", path, line);
    else APPEND("%s:", path);
    if (sec) APPEND(" [%s]", sec);
    if (key) APPEND(" %s", key);
    if (sec || key) APPEND(":");
#undef APPEND
    zp_err_set(ZP_EINPUT, "%s %s", where, msg);
    return ZP_EINPUT;
}

__attribute__((format(printf, 5, 6)))
static zp_status bad(const char *path, int line, const char *sec, const char *key,
                     const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    zp_status st = vbad(path, line, sec, key, fmt, ap);
    va_end(ap);
    return st;
}

__attribute__((format(printf, 4, 5)))
static void ctx_bad(ini_ctx *x, const char *sec, const char *key, const char *fmt, ...)
{
    if (x->err) return;
    va_list ap;
    va_start(ap, fmt);
    vbad(x->d->path, x->line, sec, key, fmt, ap);
    va_end(ap);
    x->err = 1;
    x->st = ZP_EINPUT;
}

static void ctx_nomem(ini_ctx *x)
{
    if (x->err) return;
    zp_err_set(ZP_ENOMEM, "%s: out of memory while parsing", x->d->path);
    x->err = 1;
    x->st = ZP_ENOMEM;
}

static const char *cur_sec_name(const ini_ctx *x)
{
    return x->cur_sec >= 0 ? x->d->secs[x->cur_sec].name : NULL;
}

/* A line's text for a message: at most 60 characters, quoted. */
static const char *show(const char *s, size_t len)
{
    static char buf[80];
    if (len > 60) snprintf(buf, sizeof buf, "'%.57s...'", s);
    else snprintf(buf, sizeof buf, "'%.*s'", (int)len, s);
    return buf;
}

/* inih's inline-comment rule: ';' preceded by whitespace starts a comment. */
static size_t cut_inline_comment(const char *s, size_t len)
{
    int was_space = 0;
    for (size_t i = 0; i < len; ++i) {
        if (was_space && s[i] == ';') return i;
        was_space = isspace((unsigned char)s[i]);
    }
    return len;
}

/* The ini_reader: one line of the text per call (inih calls it once per line and counts
 * lines the same way; its error return is our line number). Lines are handed over
 * stripped of leading whitespace and comments, so inih's own multi-line rule (indented
 * lines continue a value) never fires by accident; we fire it on purpose, with one
 * leading blank, for a line that follows a value ending in ','. */
static char *ini_read_line(char *buf, int num, void *stream)
{
    ini_ctx *x = stream;
    if (x->err || *x->p == '\0') return NULL;
    const char *s = x->p, *e = strchr(s, '\n');
    if (!e) e = s + strlen(s);
    x->p = *e ? e + 1 : e;
    x->line++;
    x->d->nlines = x->line;
    x->cur_is_cont = 0;

    if (x->line == 1 && (unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB &&
        (unsigned char)s[2] == 0xBF)
        s += 3; /* UTF-8 byte-order mark */
    while (s < e && isspace((unsigned char)*s)) ++s;
    size_t len = (size_t)(e - s);
    if (len > 0 && (*s == ';' || *s == '#')) len = 0; /* whole-line comment */
    len = cut_inline_comment(s, len);
    while (len > 0 && isspace((unsigned char)s[len - 1])) --len;

    if (len == 0) { /* blank or comment: keeps a pending continuation */
        buf[0] = '\n';
        buf[1] = '\0';
        return buf;
    }
    /* a continuation is any content line without '=' that follows a value ending in ',' */
    int cont = x->cont_pending && *s != '[' && !memchr(s, '=', len);
    x->cont_pending = 0;
    if (len + (size_t)cont + 2 > (size_t)num) {
        ctx_bad(x, *s == '[' ? NULL : cur_sec_name(x), NULL, "line too long (at most %d characters after "
                "comments are removed; continue a long list on the next line after a ',')",
                num - 2 - cont);
        return NULL;
    }
    if (*s == '[') {
        const char *rb = memchr(s, ']', len);
        if (!rb) {
            ctx_bad(x, NULL, NULL, "section header without ']': %s", show(s, len));
            return NULL;
        }
        if ((size_t)(rb - s) + 1 != len) {
            ctx_bad(x, NULL, NULL, "text after the section header: %s", show(s, len));
            return NULL;
        }
        size_t nl = (size_t)(rb - s) - 1;
        const char *nm = s + 1;
        while (nl > 0 && isspace((unsigned char)*nm)) { ++nm; --nl; }
        while (nl > 0 && isspace((unsigned char)nm[nl - 1])) --nl;
        if (nl == 0) {
            ctx_bad(x, NULL, NULL, "empty section name");
            return NULL;
        }
        for (int i = 0; i < x->d->nsec; ++i)
            if (strlen(x->d->secs[i].name) == nl && !memcmp(x->d->secs[i].name, nm, nl)) {
                ctx_bad(x, x->d->secs[i].name, NULL, "duplicate section (first at line %d)",
                        x->d->secs[i].line);
                return NULL;
            }
        if (x->d->nsec == x->d->capsec) {
            int cap = x->d->capsec ? 2 * x->d->capsec : 16;
            ini_sec *ns = realloc(x->d->secs, (size_t)cap * sizeof *ns);
            if (!ns) { ctx_nomem(x); return NULL; }
            x->d->secs = ns;
            x->d->capsec = cap;
        }
        char *name = strndup(nm, nl);
        if (!name) { ctx_nomem(x); return NULL; }
        x->d->secs[x->d->nsec].name = name;
        x->d->secs[x->d->nsec].line = x->line;
        x->cur_sec = x->d->nsec++;
    } else if (!cont && !memchr(s, '=', len) && !memchr(s, ':', len)) {
        ctx_bad(x, cur_sec_name(x), NULL, "expected 'key = value' or '[section]', got: %s",
                show(s, len));
        return NULL;
    }
    size_t o = 0;
    if (cont) buf[o++] = ' ';
    memcpy(buf + o, s, len);
    buf[o + len] = '\n';
    buf[o + len + 1] = '\0';
    x->cur_is_cont = cont;
    return buf;
}

static int ini_on_entry(void *user, const char *section, const char *name, const char *value)
{
    (void)section; /* inih truncates long section names; we use our own record */
    ini_ctx *x = user;
    if (x->err) return 0;
    ini_doc *d = x->d;
    const char *sec = cur_sec_name(x);
    size_t vl = strlen(value);
    if (x->cur_is_cont) {
        ini_ent *e = &d->ents[d->nent - 1];
        size_t ol = strlen(e->val);
        char *nv = realloc(e->val, ol + vl + 2);
        if (!nv) { ctx_nomem(x); return 0; }
        nv[ol] = ' ';
        memcpy(nv + ol + 1, value, vl + 1);
        e->val = nv;
    } else {
        if (!sec) {
            ctx_bad(x, NULL, name, "key outside any section");
            return 0;
        }
        if (name[0] == '\0') {
            ctx_bad(x, sec, NULL, "empty key name");
            return 0;
        }
        for (int i = 0; i < d->nent; ++i)
            if (d->ents[i].sec == sec && !strcmp(d->ents[i].key, name)) {
                ctx_bad(x, sec, name, "duplicate key (first at line %d)", d->ents[i].line);
                return 0;
            }
        if (d->nent == d->capent) {
            int cap = d->capent ? 2 * d->capent : 32;
            ini_ent *ne = realloc(d->ents, (size_t)cap * sizeof *ne);
            if (!ne) { ctx_nomem(x); return 0; }
            d->ents = ne;
            d->capent = cap;
        }
        ini_ent *e = &d->ents[d->nent];
        e->sec = d->secs[x->cur_sec].name;
        e->key = strdup(name);
        e->val = strdup(value);
        e->line = x->line;
        if (!e->key || !e->val) {
            free(e->key);
            free(e->val);
            ctx_nomem(x);
            return 0;
        }
        d->nent++;
    }
    x->cont_pending = vl > 0 && value[vl - 1] == ',';
    return 1;
}

/* Parse `text` into entries. Errors (syntax, duplicates, long lines) are recorded. */
static zp_status ini_doc_parse(const char *path, const char *text, ini_doc *d)
{
    memset(d, 0, sizeof *d);
    d->path = path;
    ini_ctx x = {.d = d, .p = text, .cur_sec = -1, .st = ZP_OK};
    int rc = ini_parse_stream(ini_read_line, &x, ini_on_entry, &x);
    if (x.err) return x.st;
    if (rc == -2) ZP_FAIL(ZP_ENOMEM, "%s: out of memory while parsing", path);
    if (rc != 0) return bad(path, rc, NULL, NULL, "syntax error");
    return ZP_OK;
}

static const ini_sec *doc_sec(const ini_doc *d, const char *name)
{
    for (int i = 0; i < d->nsec; ++i)
        if (!strcmp(d->secs[i].name, name)) return &d->secs[i];
    return NULL;
}

static const ini_ent *doc_get(const ini_doc *d, const char *sec, const char *key)
{
    for (int i = 0; i < d->nent; ++i)
        if (!strcmp(d->ents[i].sec, sec) && !strcmp(d->ents[i].key, key)) return &d->ents[i];
    return NULL;
}

/* ------------------------------------------------------------------------------------ */
/* Value conversion: the whole token must be consumed                                   */

#define EBAD(d, e, ...) bad((d)->path, (e)->line, (e)->sec, (e)->key, __VA_ARGS__)

/* 1: ok; 0: not a finite number; -1: a number outside the range of double */
static int parse_real(const char *s, double *out)
{
    if (!*s || isspace((unsigned char)*s)) return 0;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || isnan(v)) return 0;
    if (errno == ERANGE) return -1;
    if (!isfinite(v)) return 0;
    *out = v;
    return 1;
}

static int parse_int(const char *s, int64_t *out)
{
    if (!*s || isspace((unsigned char)*s)) return 0;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end != '\0' || errno == ERANGE) return 0;
    *out = v;
    return 1;
}

static zp_status get_real(const ini_doc *d, const ini_ent *e, double *out)
{
    if (!e->val[0]) return EBAD(d, e, "missing value (expected a number)");
    int r = parse_real(e->val, out);
    if (r < 0) return EBAD(d, e, "'%s' is out of the range of double precision", e->val);
    if (r == 0) return EBAD(d, e, "'%s' is not a finite number", e->val);
    return ZP_OK;
}

static zp_status get_int(const ini_doc *d, const ini_ent *e, int64_t *out)
{
    if (!e->val[0]) return EBAD(d, e, "missing value (expected an integer)");
    if (!parse_int(e->val, out))
        return EBAD(d, e, "'%s' is not an integer", e->val);
    return ZP_OK;
}

static zp_status get_bool(const ini_doc *d, const ini_ent *e, int *out)
{
    static const char *yes[] = {"yes", "true", "on", "1"}, *no[] = {"no", "false", "off", "0"};
    for (int i = 0; i < 4; ++i) {
        if (!strcmp(e->val, yes[i])) { *out = 1; return ZP_OK; }
        if (!strcmp(e->val, no[i])) { *out = 0; return ZP_OK; }
    }
    return EBAD(d, e, "'%s' is not yes or no", e->val);
}

/* Split a comma list in place into trimmed items; empty items are errors. */
#define MAX_ITEMS (ZP_AXIS_MAX_LIST + 1)
static zp_status split_list(const ini_doc *d, const ini_ent *e, char *buf, char **items,
                            int max, int *n)
{
    *n = 0;
    char *p = buf;
    for (;;) {
        char *c = strchr(p, ',');
        if (c) *c = '\0';
        while (isspace((unsigned char)*p)) ++p;
        size_t l = strlen(p);
        while (l > 0 && isspace((unsigned char)p[l - 1])) p[--l] = '\0';
        if (l == 0) return EBAD(d, e, "empty element %d in the list", *n + 1);
        if (*n == max) return EBAD(d, e, "too many elements (at most %d)", max);
        items[(*n)++] = p;
        if (!c) break;
        p = c + 1;
    }
    return ZP_OK;
}

/* Resolve a data-file path: absolute as is, otherwise relative to `dir`. */
static zp_status join_path(char *out, size_t cap, const char *dir, const char *p)
{
    int n;
    if (p[0] == '/' || !dir || !dir[0] || !strcmp(dir, "."))
        n = snprintf(out, cap, "%s", p);
    else
        n = snprintf(out, cap, "%s/%s", dir, p);
    return (n < 0 || (size_t)n >= cap) ? ZP_EINPUT : ZP_OK;
}

static const char *data_dir(void)
{
    const char *e = getenv("ZPSCAN_DATADIR");
    return (e && e[0]) ? e : ZP_DATADIR;
}

static zp_status get_path(const ini_doc *d, const ini_ent *e, const char *dir, char *out,
                          size_t cap)
{
    if (!e->val[0]) return EBAD(d, e, "missing value (expected a file name)");
    if (join_path(out, cap, dir, e->val) != ZP_OK)
        return EBAD(d, e, "path too long (at most %zu characters)", cap - 1);
    return ZP_OK;
}

/* ------------------------------------------------------------------------------------ */
/* Defaults                                                                             */

void zp_config_defaults(zp_config *c)
{
    memset(c, 0, sizeof *c);
    c->lepton = ZP_LEPTON_MU;
    for (int a = 0; a < ZP_NAXES; ++a) {
        c->axes[a].spacing = ZP_SPACING_LIN;
        c->axes[a].sign = ZP_SIGN_PLUS;
    }
    c->store_points = 1;
    for (int k = 0; k < ZP_NOBS; ++k) c->store_obs[k] = zp_obs[k].is_default;
    c->combine = DEFAULT_COMBINE;

    zp_constants *k = &c->k;
    k->MZ = 91.1876;
    k->sin2thetaW = 0.23122;
    k->alpha_MZ = 1.0 / 127.952;
    k->alpha_low = 1.0 / 133.0;
    k->VtbVts = -0.0404;
    k->m_mu = 0.1056583755;
    k->m_e = 0.00051099895;
    k->S0 = 2.3;
    k->sqrts = 13000.0;
    k->Nc = 3.0;
    k->bs_mixing_max = 0.10;
    k->lep_lambda_V = 20600.0;
    k->lep_lambda_A = 10100.0;
    k->bs_cross = 9.7;
    k->pert_max = sqrt(4.0 * M_PI);
    k->width_max = 0.10;

    const char *dd = data_dir();
    c->flavour.level = 2;
    c->flavour.g2d_chi2_max = 6.18;
    join_path(c->flavour.path, sizeof c->flavour.path, dd, DEF_FLAVOUR_FILE);
    c->g2.rule = ZP_G2_RULE_NO_WORSE;
    c->g2.nsigma = 2.0;
    snprintf(c->g2.preset, sizeof c->g2.preset, "%s", "paper2017");
    join_path(c->g2.path, sizeof c->g2.path, dd, DEF_G2_FILE);
    c->lhc.enabled = 1;
    c->lhc.include_nu = 0;
    c->lhc.extra_width = 0.0;
    join_path(c->lhc.lumi_path, sizeof c->lhc.lumi_path, dd, DEF_LUMI_FILE);
    join_path(c->lhc.limits_path, sizeof c->lhc.limits_path, dd, DEF_LIMITS_FILE);
    c->lhc.pdf_member = 0;
    c->lhc.pt_min = 30.0;
    c->lhc.eta_max = 2.5;
    c->nproj = 2;
    c->proj[0][0] = ZP_AX_GQL;
    c->proj[0][1] = ZP_AX_GV;
    c->proj[1][0] = ZP_AX_GQL;
    c->proj[1][1] = ZP_AX_GA;
    c->checkpoint_seconds = 30.0;
    c->progress_seconds = 10.0;
    c->max_output_bytes = 0;
}

/* ------------------------------------------------------------------------------------ */
/* Pass 2: the input file                                                               */

static int axis_index(const char *name)
{
    for (int a = 0; a < ZP_NAXES; ++a)
        if (!strcmp(name, zp_axis_names[a])) return a;
    return -1;
}

static int is_axis_section(const char *sec)
{
    return !strncmp(sec, "axis.", 5) && axis_index(sec + 5) >= 0;
}

/* The j-th key of section s ("axis.*" for every axis, "constants" for [constants]): the
 * option table's, or the constraint's whose section it is. NULL past the last. */
static const char *section_key(const char *s, int j)
{
    if (!strcmp(s, "constants")) return j < NCONST ? const_defs[j].name : NULL;
    for (int i = 0; i < NOPTIONS; ++i)
        if (!strcmp(options[i].section, s) && j-- == 0) return options[i].key;
    for (int c = 0; c < ZP_NCONSTRAINTS; ++c)
        if (!strcmp(zp_constraints[c].section, s))
            for (const char *const *k = zp_constraints[c].keys; *k; ++k)
                if (j-- == 0) return *k;
    return NULL;
}

static int known_key(const char *sec, const char *key)
{
    const char *s = is_axis_section(sec) ? "axis.*" : sec, *k;
    for (int j = 0; (k = section_key(s, j)); ++j)
        if (!strcmp(k, key)) return 1;
    return 0;
}

static int known_section(const char *sec)
{
    if (!strcmp(sec, "scan") || !strcmp(sec, "constants") || is_axis_section(sec)) return 1;
    for (int c = 0; c < ZP_NCONSTRAINTS; ++c)
        if (zp_constraints[c].section[0] && !strcmp(sec, zp_constraints[c].section)) return 1;
    return 0;
}

static zp_status check_schema(const ini_doc *d)
{
    for (int i = 0; i < d->nsec; ++i) {
        if (known_section(d->secs[i].name)) continue;
        char known[512] = "scan, axis.mass, axis.gqL, axis.gqR, axis.gV, axis.gA, constants";
        for (int c = 0; c < ZP_NCONSTRAINTS; ++c)
            if (zp_constraints[c].section[0]) {
                strncat(known, ", ", sizeof known - strlen(known) - 1);
                strncat(known, zp_constraints[c].section, sizeof known - strlen(known) - 1);
            }
        return bad(d->path, d->secs[i].line, d->secs[i].name, NULL, "unknown section (known: %s)", known);
    }
    for (int i = 0; i < d->nent; ++i) {
        const ini_ent *e = &d->ents[i];
        if (known_key(e->sec, e->key)) continue;
        char known[512] = "";
        size_t kl = 0;
        const char *s = is_axis_section(e->sec) ? "axis.*" : e->sec, *k;
        for (int j = 0; (k = section_key(s, j)) && kl < sizeof known; ++j) {
            int w = snprintf(known + kl, sizeof known - kl, "%s%s", kl ? ", " : "", k);
            if (w > 0) kl += (size_t)w;
        }
        return EBAD(d, e, "unknown key (known: %s)", known);
    }
    return ZP_OK;
}

static zp_status need_section(const ini_doc *d, const char *name, const ini_sec **s)
{
    *s = doc_sec(d, name);
    if (!*s) return bad(d->path, 0, name, NULL, "required section is missing");
    return ZP_OK;
}

static zp_status parse_bytes(const ini_doc *d, const ini_ent *e, uint64_t *out)
{
    const char *s = e->val;
    if (!*s) return EBAD(d, e, "missing value (expected a byte count)");
    if (!isdigit((unsigned char)*s)) return EBAD(d, e, "'%s' is not a byte count", s);
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno == ERANGE) return EBAD(d, e, "'%s' is out of range", s);
    unsigned shift = 0;
    if (*end) {
        switch (*end) {
        case 'k': case 'K': shift = 10; break;
        case 'M': shift = 20; break;
        case 'G': shift = 30; break;
        case 'T': shift = 40; break;
        default: return EBAD(d, e, "'%s' is not a byte count (suffixes: k, M, G, T)", s);
        }
        if (end[1]) return EBAD(d, e, "'%s' is not a byte count (suffixes: k, M, G, T)", s);
    }
    if (shift && v > (UINT64_MAX >> shift)) return EBAD(d, e, "'%s' is out of range", s);
    *out = (uint64_t)v << shift;
    return ZP_OK;
}

static zp_status parse_nonneg(const ini_doc *d, const ini_ent *e, double *out)
{
    ZP_TRY(get_real(d, e, out));
    if (*out < 0) return EBAD(d, e, "must be >= 0 (got %s)", e->val);
    return ZP_OK;
}

static zp_status parse_scan(const ini_doc *d, zp_config *c)
{
    const ini_sec *s;
    ZP_TRY(need_section(d, "scan", &s));
    const ini_ent *e;

    if (!(e = doc_get(d, "scan", "lepton")))
        return bad(d->path, s->line, "scan", "lepton", "required key is missing (mu or e)");
    if (!strcmp(e->val, "mu")) c->lepton = ZP_LEPTON_MU;
    else if (!strcmp(e->val, "e")) c->lepton = ZP_LEPTON_E;
    else return EBAD(d, e, "'%s' is not a lepton (mu or e)", e->val);

    if ((e = doc_get(d, "scan", "output"))) {
        if (!e->val[0]) return EBAD(d, e, "missing value (expected a file name)");
        if (strlen(e->val) >= sizeof c->output_path)
            return EBAD(d, e, "path too long (at most %zu characters)", sizeof c->output_path - 1);
        snprintf(c->output_path, sizeof c->output_path, "%s", e->val);
    }

    if ((e = doc_get(d, "scan", "observables"))) {
        memset(c->store_obs, 0, sizeof c->store_obs);
        if (!strcmp(e->val, "default")) {
            for (int k = 0; k < ZP_NOBS; ++k) c->store_obs[k] = zp_obs[k].is_default;
        } else if (!strcmp(e->val, "all")) {
            for (int i = 0; i < ZP_NOBS; ++i) c->store_obs[i] = 1;
        } else if (strcmp(e->val, "none")) {
            char buf[1024], *it[ZP_NOBS + 1];
            int n;
            if (strlen(e->val) >= sizeof buf) return EBAD(d, e, "value too long");
            snprintf(buf, sizeof buf, "%s", e->val);
            ZP_TRY(split_list(d, e, buf, it, ZP_NOBS, &n));
            for (int i = 0; i < n; ++i) {
                int k = -1;
                for (int j = 0; j < ZP_NOBS; ++j)
                    if (!strcmp(it[i], zp_obs_names[j])) k = j;
                if (k < 0) {
                    char known[512] = "";
                    for (int j = 0; j < ZP_NOBS; ++j) {
                        strcat(known, j ? ", " : "");
                        strcat(known, zp_obs_names[j]);
                    }
                    return EBAD(d, e, "unknown observable '%s' (known: %s; or default, all, "
                                "none)", it[i], known);
                }
                if (c->store_obs[k]) return EBAD(d, e, "observable '%s' listed twice", it[i]);
                c->store_obs[k] = 1;
            }
        }
    }

    if ((e = doc_get(d, "scan", "points"))) ZP_TRY(get_bool(d, e, &c->store_points));

    if ((e = doc_get(d, "scan", "tile")) && strcmp(e->val, "auto")) {
        char buf[512], *it[ZP_NAXES + 1];
        int n;
        if (!e->val[0]) return EBAD(d, e, "missing value (auto or 5 extents)");
        if (strlen(e->val) >= sizeof buf) return EBAD(d, e, "value too long");
        snprintf(buf, sizeof buf, "%s", e->val);
        ZP_TRY(split_list(d, e, buf, it, ZP_NAXES + 1, &n));
        if (n != ZP_NAXES)
            return EBAD(d, e, "expected auto or 5 extents (mass,gqL,gqR,gV,gA), got %d", n);
        for (int i = 0; i < n; ++i) {
            int64_t v;
            if (!parse_int(it[i], &v))
                return EBAD(d, e, "extent %d ('%s') is not an integer", i + 1, it[i]);
            if (v < 1) return EBAD(d, e, "extent %d (%s) must be >= 1", i + 1, it[i]);
            c->tile[i] = v;
        }
    }

    if ((e = doc_get(d, "scan", "combine"))) {
        c->combine = 0;
        if (strcmp(e->val, "none")) {
            char buf[512], *it[ZP_NCONSTRAINTS + 1];
            int n;
            if (!e->val[0]) return EBAD(d, e, "missing value (a list of constraints or none)");
            if (strlen(e->val) >= sizeof buf) return EBAD(d, e, "value too long");
            snprintf(buf, sizeof buf, "%s", e->val);
            ZP_TRY(split_list(d, e, buf, it, ZP_NCONSTRAINTS + 1, &n));
            for (int i = 0; i < n; ++i) {
                const int ci = zp_constraint_find(it[i]);
                if (ci < 0) {
                    char known[512] = "";
                    for (int j = 0; j < ZP_NCONSTRAINTS; ++j) {
                        strncat(known, j ? ", " : "", sizeof known - strlen(known) - 1);
                        strncat(known, zp_constraints[j].name, sizeof known - strlen(known) - 1);
                    }
                    return EBAD(d, e, "unknown constraint '%s' (known: %s; or none)", it[i], known);
                }
                const int bit = zp_constraints[ci].pass_bit;
                if (c->combine & (1u << bit))
                    return EBAD(d, e, "constraint '%s' listed twice", it[i]);
                c->combine |= 1u << bit;
            }
        }
    }

    if ((e = doc_get(d, "scan", "projections"))) {
        c->nproj = 0;
        if (strcmp(e->val, "none")) {
            char buf[1024], *it[ZP_MAX_PROJ + 1];
            int n;
            if (!e->val[0]) return EBAD(d, e, "missing value (axis pairs a:b, or none)");
            if (strlen(e->val) >= sizeof buf) return EBAD(d, e, "value too long");
            snprintf(buf, sizeof buf, "%s", e->val);
            ZP_TRY(split_list(d, e, buf, it, ZP_MAX_PROJ, &n));
            for (int i = 0; i < n; ++i) {
                char *colon = strchr(it[i], ':');
                if (!colon || strchr(colon + 1, ':'))
                    return EBAD(d, e, "'%s' is not an axis pair a:b", it[i]);
                *colon = '\0';
                char *a = it[i], *b = colon + 1;
                size_t la = strlen(a);
                while (la > 0 && isspace((unsigned char)a[la - 1])) a[--la] = '\0';
                while (isspace((unsigned char)*b)) ++b;
                int ia = axis_index(a), ib = axis_index(b);
                if (ia < 0 || ib < 0)
                    return EBAD(d, e, "unknown axis '%s' in pair %d (axes: gqL, gqR, gV, gA)",
                                ia < 0 ? a : b, i + 1);
                if (ia == ZP_AX_MASS || ib == ZP_AX_MASS)
                    return EBAD(d, e, "pair %d: projections are made per mass slice, so mass "
                                "cannot be one of their axes", i + 1);
                if (ia == ib) return EBAD(d, e, "pair %d uses the axis %s twice", i + 1, a);
                for (int j = 0; j < c->nproj; ++j)
                    if ((c->proj[j][0] == ia && c->proj[j][1] == ib) ||
                        (c->proj[j][0] == ib && c->proj[j][1] == ia))
                        return EBAD(d, e, "pair %s:%s listed twice", a, b);
                c->proj[c->nproj][0] = ia;
                c->proj[c->nproj][1] = ib;
                c->nproj++;
            }
        }
    }

    if ((e = doc_get(d, "scan", "checkpoint_seconds")))
        ZP_TRY(parse_nonneg(d, e, &c->checkpoint_seconds));
    if ((e = doc_get(d, "scan", "progress_seconds")))
        ZP_TRY(parse_nonneg(d, e, &c->progress_seconds));
    if ((e = doc_get(d, "scan", "max_output_bytes")))
        ZP_TRY(parse_bytes(d, e, &c->max_output_bytes));
    return ZP_OK;
}

#define AXIS_MAX_N 1000000000LL

static zp_status parse_axis(const ini_doc *d, int a, zp_axis_spec *ax)
{
    char sec[32];
    snprintf(sec, sizeof sec, "axis.%s", zp_axis_names[a]);
    const ini_sec *s;
    ZP_TRY(need_section(d, sec, &s));
    const ini_ent *emin = doc_get(d, sec, "min"), *emax = doc_get(d, sec, "max"),
                  *en = doc_get(d, sec, "n"), *esp = doc_get(d, sec, "spacing"),
                  *esg = doc_get(d, sec, "sign"), *ez = doc_get(d, sec, "include_zero"),
                  *ev = doc_get(d, sec, "values");
    memset(ax, 0, sizeof *ax);
    ax->spacing = ZP_SPACING_LIN;
    ax->sign = ZP_SIGN_PLUS;

    if (ev) {
        const ini_ent *clash[] = {emin, emax, en, esp, esg, ez};
        for (size_t i = 0; i < sizeof clash / sizeof clash[0]; ++i)
            if (clash[i])
                return EBAD(d, clash[i], "conflicts with 'values' (line %d): give either an "
                            "explicit list or min/max/n", ev->line);
        if (!ev->val[0]) return EBAD(d, ev, "missing value (expected a list of numbers)");
        char *buf = strdup(ev->val);
        char **it = malloc(MAX_ITEMS * sizeof *it);
        if (!buf || !it) {
            free(buf);
            free(it);
            ZP_FAIL(ZP_ENOMEM, "%s: out of memory", d->path);
        }
        int n;
        zp_status st = split_list(d, ev, buf, it, ZP_AXIS_MAX_LIST, &n);
        for (int i = 0; st == ZP_OK && i < n; ++i) {
            if (parse_real(it[i], &ax->list[i]) != 1)
                st = EBAD(d, ev, "element %d ('%s') is not a finite double-precision number",
                          i + 1, it[i]);
            else if (i > 0 && ax->list[i] == ax->list[i - 1])
                st = EBAD(d, ev, "duplicate value %s (elements %d and %d)", it[i], i, i + 1);
            else if (i > 0 && ax->list[i] < ax->list[i - 1])
                st = EBAD(d, ev, "values must be strictly increasing: element %d (%s) < "
                          "element %d (%s)", i + 1, it[i], i, it[i - 1]);
            else if (a == ZP_AX_MASS && !(ax->list[i] > 0))
                st = EBAD(d, ev, "masses must be > 0 GeV (element %d is %s)", i + 1, it[i]);
        }
        free(buf);
        free(it);
        ZP_TRY(st);
        ax->spacing = ZP_SPACING_LIST;
        ax->nlist = n;
        ax->n = n;
        ax->min = ax->list[0];
        ax->max = ax->list[n - 1];
        return ZP_OK;
    }

    if (esp) {
        if (!strcmp(esp->val, "lin")) ax->spacing = ZP_SPACING_LIN;
        else if (!strcmp(esp->val, "log")) ax->spacing = ZP_SPACING_LOG;
        else return EBAD(d, esp, "'%s' is not a spacing (lin or log)", esp->val);
    }
    if (ax->spacing == ZP_SPACING_LIN) {
        if (esg) return EBAD(d, esg, "only log axes take a sign (this axis is lin)");
        if (ez) return EBAD(d, ez, "only log axes take include_zero (this axis is lin)");
    }
    if (!emin) return bad(d->path, s->line, sec, "min", "required key is missing (or give values)");
    if (!emax) return bad(d->path, s->line, sec, "max", "required key is missing (or give values)");
    if (!en) return bad(d->path, s->line, sec, "n", "required key is missing (or give values)");
    ZP_TRY(get_real(d, emin, &ax->min));
    ZP_TRY(get_real(d, emax, &ax->max));
    ZP_TRY(get_int(d, en, &ax->n));
    if (ax->n < 1) return EBAD(d, en, "must be >= 1 (got %s)", en->val);
    if (ax->n > AXIS_MAX_N) return EBAD(d, en, "too many points (at most %lld)", AXIS_MAX_N);
    if (ax->spacing == ZP_SPACING_LOG && !(ax->min > 0))
        return EBAD(d, emin, "a log axis cannot touch 0: min must be > 0 (got %s; min and max "
                    "are magnitudes, use sign and include_zero for negatives and 0)", emin->val);
    if (a == ZP_AX_MASS && !(ax->min > 0))
        return EBAD(d, emin, "masses must be > 0 GeV (got %s)", emin->val);
    if (ax->min > ax->max)
        return EBAD(d, emax, "max (%s) < min (%s)", emax->val, emin->val);
    if (ax->n == 1 && ax->min != ax->max)
        return EBAD(d, en, "n = 1 needs min = max (a fixed axis), got min %s, max %s",
                    emin->val, emax->val);
    if (ax->n > 1 && ax->min == ax->max)
        return EBAD(d, en, "min = max needs n = 1 (got %s)", en->val);
    if (esg) {
        if (!strcmp(esg->val, "+")) ax->sign = ZP_SIGN_PLUS;
        else if (!strcmp(esg->val, "-")) ax->sign = ZP_SIGN_MINUS;
        else if (!strcmp(esg->val, "+-")) ax->sign = ZP_SIGN_BOTH;
        else return EBAD(d, esg, "'%s' is not a sign (+, - or +-)", esg->val);
    }
    if (ez) ZP_TRY(get_bool(d, ez, &ax->include_zero));
    if (a == ZP_AX_MASS && ax->spacing == ZP_SPACING_LOG &&
        (ax->sign != ZP_SIGN_PLUS || ax->include_zero))
        return EBAD(d, esg ? esg : ez, "masses must be > 0 GeV: the mass axis takes neither "
                    "negative values nor 0");
    return ZP_OK;
}

static zp_status parse_constants(const ini_doc *d, zp_config *c)
{
    for (int i = 0; i < d->nent; ++i) {
        const ini_ent *e = &d->ents[i];
        if (strcmp(e->sec, "constants")) continue;
        for (int j = 0; j < NCONST; ++j) {
            if (strcmp(e->key, const_defs[j].name)) continue;
            double v;
            ZP_TRY(get_real(d, e, &v));
            if (const_defs[j].positive && !(v > 0)) return EBAD(d, e, "must be > 0 (got %s)", e->val);
            if (!strcmp(e->key, "sin2thetaW") && !(v < 1))
                return EBAD(d, e, "must be < 1 (got %s)", e->val);
            *(double *)((char *)&c->k + const_defs[j].off) = v;
        }
    }
    return ZP_OK;
}

/* Line of an entry if present, else of its section header, else 0. */
static int ent_line(const ini_doc *d, const char *sec, const char *key)
{
    const ini_ent *e = doc_get(d, sec, key);
    if (e) return e->line;
    const ini_sec *s = doc_sec(d, sec);
    return s ? s->line : 0;
}

static zp_status parse_data_sections(const ini_doc *d, zp_config *c, const char *dir)
{
    const ini_ent *e;
    if ((e = doc_get(d, "flavour", "file")))
        ZP_TRY(get_path(d, e, dir, c->flavour.path, sizeof c->flavour.path));
    if ((e = doc_get(d, "flavour", "level"))) {
        if (!strcmp(e->val, "1")) c->flavour.level = 1;
        else if (!strcmp(e->val, "2")) c->flavour.level = 2;
        else return EBAD(d, e, "'%s' is not a level (1 or 2)", e->val);
    }

    if ((e = doc_get(d, "g-2", "file")))
        ZP_TRY(get_path(d, e, dir, c->g2.path, sizeof c->g2.path));
    if ((e = doc_get(d, "g-2", "preset"))) {
        if (!e->val[0]) return EBAD(d, e, "missing value (expected a preset name)");
        if (strlen(e->val) >= sizeof c->g2.preset)
            return EBAD(d, e, "preset name too long (at most %zu characters)",
                        sizeof c->g2.preset - 1);
        snprintf(c->g2.preset, sizeof c->g2.preset, "%s", e->val);
    }
    if ((e = doc_get(d, "g-2", "rule"))) {
        if (!strcmp(e->val, "no_worse")) c->g2.rule = ZP_G2_RULE_NO_WORSE;
        else if (!strcmp(e->val, "pull")) c->g2.rule = ZP_G2_RULE_PULL;
        else return EBAD(d, e, "'%s' is not a rule (no_worse or pull)", e->val);
    }
    if ((e = doc_get(d, "g-2", "nsigma"))) {
        ZP_TRY(get_real(d, e, &c->g2.nsigma));
        if (!(c->g2.nsigma > 0)) return EBAD(d, e, "must be > 0 (got %s)", e->val);
    }

    if ((e = doc_get(d, "lhc", "enabled"))) ZP_TRY(get_bool(d, e, &c->lhc.enabled));
    if ((e = doc_get(d, "lhc", "lumi_table")))
        ZP_TRY(get_path(d, e, dir, c->lhc.lumi_path, sizeof c->lhc.lumi_path));
    if ((e = doc_get(d, "lhc", "limits")))
        ZP_TRY(get_path(d, e, dir, c->lhc.limits_path, sizeof c->lhc.limits_path));
    if ((e = doc_get(d, "lhc", "include_nu"))) ZP_TRY(get_bool(d, e, &c->lhc.include_nu));
    if ((e = doc_get(d, "lhc", "extra_width"))) ZP_TRY(parse_nonneg(d, e, &c->lhc.extra_width));
    if ((e = doc_get(d, "lhc", "pdf_set"))) {
        if (strlen(e->val) >= sizeof c->lhc.pdf_set)
            return EBAD(d, e, "set name too long (at most %zu characters)",
                        sizeof c->lhc.pdf_set - 1);
        snprintf(c->lhc.pdf_set, sizeof c->lhc.pdf_set, "%s", e->val);
    }
    if ((e = doc_get(d, "lhc", "pdf_member"))) {
        int64_t m;
        ZP_TRY(get_int(d, e, &m));
        if (m < 0 || m > 100000) return EBAD(d, e, "must be between 0 and 100000 (got %s)", e->val);
        c->lhc.pdf_member = (int)m;
    }
    if ((e = doc_get(d, "lhc", "pt_min"))) ZP_TRY(parse_nonneg(d, e, &c->lhc.pt_min));
    if ((e = doc_get(d, "lhc", "eta_max"))) {
        ZP_TRY(get_real(d, e, &c->lhc.eta_max));
        if (!(c->lhc.eta_max > 0)) return EBAD(d, e, "must be > 0 (got %s)", e->val);
    }
    return ZP_OK;
}

/* input_path, input_dir and the default output name (<input stem>.h5 in the current dir). */
static zp_status set_paths(const char *path, zp_config *c)
{
    size_t pl = strlen(path);
    if (pl >= sizeof c->input_path || pl >= sizeof c->input_dir)
        ZP_FAIL(ZP_EINPUT, "%s: input path too long (at most %zu characters)", path,
                sizeof c->input_dir - 1);
    snprintf(c->input_path, sizeof c->input_path, "%s", path);
    const char *slash = strrchr(path, '/');
    if (!slash) snprintf(c->input_dir, sizeof c->input_dir, ".");
    else if (slash == path) snprintf(c->input_dir, sizeof c->input_dir, "/");
    else snprintf(c->input_dir, sizeof c->input_dir, "%.*s", (int)(slash - path), path);
    const char *base = slash ? slash + 1 : path;
    size_t bl = strlen(base);
    if (bl > 4 && !strcmp(base + bl - 4, ".ini")) bl -= 4;
    if (bl == 0) base = "zpscan", bl = 6;
    snprintf(c->output_path, sizeof c->output_path, "%.*s.h5", (int)bl, base);
    return ZP_OK;
}

static zp_status parse_doc(const ini_doc *d, zp_config *c)
{
    ZP_TRY(check_schema(d));
    ZP_TRY(parse_scan(d, c));
    for (int a = 0; a < ZP_NAXES; ++a) ZP_TRY(parse_axis(d, a, &c->axes[a]));
    ZP_TRY(parse_constants(d, c));
    ZP_TRY(parse_data_sections(d, c, c->input_dir));
    return ZP_OK;
}

zp_status zp_config_parse(const char *path, const char *text, zp_config *c)
{
    zp_config_defaults(c);
    ZP_TRY(set_paths(path, c));
    ini_doc d;
    zp_status st = ini_doc_parse(path, text, &d);
    if (st == ZP_OK) st = parse_doc(&d, c);
    ini_doc_free(&d);
    return st;
}

/* ------------------------------------------------------------------------------------ */
/* Files                                                                                */

/* Read a whole file; on failure return errno (0 on success). */
static int slurp(const char *path, char **text, size_t *len)
{
    *text = NULL;
    if (len) *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return errno ? errno : EIO;
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0 && S_ISDIR(sb.st_mode)) {
        fclose(f);
        return EISDIR;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    if (!buf) { fclose(f); return ENOMEM; }
    for (;;) {
        if (n + 1 >= cap) {
            if (cap > ((size_t)1 << 30)) { free(buf); fclose(f); return EFBIG; }
            char *nb = realloc(buf, cap * 2);
            if (!nb) { free(buf); fclose(f); return ENOMEM; }
            buf = nb;
            cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - n - 1, f);
        n += r;
        if (r == 0) break;
    }
    int err = ferror(f) ? (errno ? errno : EIO) : 0;
    fclose(f);
    if (err) { free(buf); return err; }
    buf[n] = '\0';
    *text = buf;
    if (len) *len = n;
    return 0;
}

zp_status zp_read_text_file(const char *path, char **text, size_t *len)
{
    int err = slurp(path, text, len);
    if (err == ENOMEM) ZP_FAIL(ZP_ENOMEM, "%s: out of memory reading the file", path);
    if (err) ZP_FAIL(ZP_EIO, "%s: cannot read: %s", path, strerror(err));
    return ZP_OK;
}

/* Read a file the input names; errors point at the input line and name the file. */
#define DEFAULT_HINT " (the default file: set the key, or ZPSCAN_DATADIR to the data directory)"
static zp_status read_named(const ini_doc *in, const char *sec, const char *key,
                            const char *path, char **text)
{
    size_t len;
    int line = ent_line(in, sec, key), dflt = doc_get(in, sec, key) == NULL;
    int err = slurp(path, text, &len);
    if (err == ENOMEM) ZP_FAIL(ZP_ENOMEM, "%s: out of memory reading the file", path);
    if (err)
        return bad(in->path, line, sec, key, "cannot read '%s': %s%s", path, strerror(err),
                   dflt ? DEFAULT_HINT : "");
    if (strlen(*text) != len) {
        free(*text);
        *text = NULL;
        return bad(in->path, line, sec, key, "'%s' contains a NUL byte (not a text file)", path);
    }
    return ZP_OK;
}

/* ------------------------------------------------------------------------------------ */
/* Data files                                                                           */

static zp_status data_real(const ini_doc *d, const char *sec, const char *key, int required,
                           double *out, int *have)
{
    const ini_ent *e = doc_get(d, sec, key);
    if (have) *have = e != NULL;
    if (!e) {
        if (!required) return ZP_OK;
        return bad(d->path, doc_sec(d, sec)->line, sec, key, "required key is missing");
    }
    return get_real(d, e, out);
}

static zp_status load_flavour(const ini_doc *in, zp_flavour_data *f, zp_lepton lep)
{
    char *text = NULL;
    ZP_TRY(read_named(in, "flavour", "file", f->path, &text));
    ini_doc d;
    zp_status st = ini_doc_parse(f->path, text, &d);
    free(text);
    if (st != ZP_OK) { ini_doc_free(&d); return st; }

    static const char *leps[2] = {"mu", "e"}, *coefs[2] = {"C9", "C10"};
    static const char *ckeys[] = {"best", "lo1", "hi1", "lo2", "hi2"};
    static const char *gkeys[] = {"mean_C9", "mean_C10", "cov_99", "cov_9_10", "cov_10_10",
                                  "chi2_max"};
    /* schema */
    for (int i = 0; st == ZP_OK && i < d.nsec; ++i) {
        const char *n = d.secs[i].name;
        int ok = 0;
        for (int l = 0; l < 2; ++l) {
            char b[32];
            for (int k = 0; k < 2; ++k) {
                snprintf(b, sizeof b, "%s.%s", leps[l], coefs[k]);
                ok |= !strcmp(n, b);
            }
            snprintf(b, sizeof b, "%s.gauss2d", leps[l]);
            ok |= !strcmp(n, b);
        }
        if (!ok)
            st = bad(d.path, d.secs[i].line, n, NULL, "unknown section (known: mu.C9, mu.C10, "
                     "mu.gauss2d, e.C9, e.C10, e.gauss2d)");
    }
    for (int i = 0; st == ZP_OK && i < d.nent; ++i) {
        const ini_ent *e = &d.ents[i];
        int g = strstr(e->sec, ".gauss2d") != NULL, ok = 0;
        if (g) {
            for (size_t k = 0; k < sizeof gkeys / sizeof gkeys[0]; ++k) ok |= !strcmp(e->key, gkeys[k]);
        } else {
            for (size_t k = 0; k < sizeof ckeys / sizeof ckeys[0]; ++k) ok |= !strcmp(e->key, ckeys[k]);
        }
        if (!ok) st = EBAD(&d, e, "unknown key");
    }
    /* values, for both leptons (so a broken entry is found whichever lepton is scanned) */
    for (int l = 0; st == ZP_OK && l < 2; ++l) {
        for (int k = 0; st == ZP_OK && k < 2; ++k) {
            char sec[32];
            snprintf(sec, sizeof sec, "%s.%s", leps[l], coefs[k]);
            const ini_sec *s = doc_sec(&d, sec);
            if (!s) continue;
            double v[5];
            for (int j = 0; st == ZP_OK && j < 5; ++j)
                st = data_real(&d, sec, ckeys[j], 1, &v[j], NULL);
            if (st != ZP_OK) break;
            /* lo2 <= lo1 < best < hi1 <= hi2 */
            const char *which = NULL;
            if (!(v[3] <= v[1])) which = "lo2";
            else if (!(v[1] < v[0])) which = "lo1";
            else if (!(v[0] < v[2])) which = "hi1";
            else if (!(v[2] <= v[4])) which = "hi2";
            if (which) {
                st = EBAD(&d, doc_get(&d, sec, which), "intervals must nest: need lo2 <= lo1 < "
                          "best < hi1 <= hi2 (got %g, %g, %g, %g, %g)", v[3], v[1], v[0], v[2], v[4]);
                break;
            }
            if ((int)lep == l) {
                f->have[k] = 1;
                f->best[k] = v[0];
                f->lo1[k] = v[1];
                f->hi1[k] = v[2];
                f->lo2[k] = v[3];
                f->hi2[k] = v[4];
            }
        }
        char sec[32];
        snprintf(sec, sizeof sec, "%s.gauss2d", leps[l]);
        const ini_sec *s = doc_sec(&d, sec);
        if (st != ZP_OK || !s) continue;
        double g[6] = {0, 0, 0, 0, 0, 6.18};
        for (int j = 0; st == ZP_OK && j < 6; ++j)
            st = data_real(&d, sec, gkeys[j], j < 5, &g[j], NULL);
        if (st != ZP_OK) break;
        if (!(g[2] > 0)) st = EBAD(&d, doc_get(&d, sec, "cov_99"), "must be > 0");
        else if (!(g[4] > 0)) st = EBAD(&d, doc_get(&d, sec, "cov_10_10"), "must be > 0");
        else if (!(g[2] * g[4] - g[3] * g[3] > 0))
            st = EBAD(&d, doc_get(&d, sec, "cov_9_10"), "the covariance is not positive definite");
        else if (!(g[5] > 0)) st = EBAD(&d, doc_get(&d, sec, "chi2_max"), "must be > 0");
        if (st == ZP_OK && (int)lep == l) {
            f->have_gauss2d = 1;
            f->g2d_mean[0] = g[0];
            f->g2d_mean[1] = g[1];
            f->g2d_cov[0] = g[2];
            f->g2d_cov[1] = g[3];
            f->g2d_cov[2] = g[4];
            f->g2d_chi2_max = g[5];
        }
    }
    if (st == ZP_OK && !f->have[0] && !f->have[1])
        st = bad(d.path, 0, NULL, NULL, "no [%s.C9] or [%s.C10] section for the scanned lepton",
                 leps[lep], leps[lep]);
    ini_doc_free(&d);
    return st;
}

static zp_status load_g2(const ini_doc *in, zp_g2_data *g, zp_lepton lep)
{
    char *text = NULL;
    ZP_TRY(read_named(in, "g-2", "file", g->path, &text));
    ini_doc d;
    zp_status st = ini_doc_parse(g->path, text, &d);
    free(text);
    if (st != ZP_OK) { ini_doc_free(&d); return st; }

    static const char *keys[] = {"mu_central", "mu_sigma", "e_central", "e_sigma", "source"};
    for (int i = 0; st == ZP_OK && i < d.nent; ++i) {
        int ok = 0;
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; ++k) ok |= !strcmp(d.ents[i].key, keys[k]);
        if (!ok) st = EBAD(&d, &d.ents[i], "unknown key (known: mu_central, mu_sigma, e_central, "
                           "e_sigma, source)");
    }
    /* every preset: numbers, pairs complete, sigma > 0 */
    for (int i = 0; st == ZP_OK && i < d.nsec; ++i) {
        const char *sec = d.secs[i].name;
        int any = 0;
        for (int l = 0; st == ZP_OK && l < 2; ++l) {
            double cval = 0, sval = 0;
            int hc, hs;
            st = data_real(&d, sec, keys[2 * l], 0, &cval, &hc);
            if (st == ZP_OK) st = data_real(&d, sec, keys[2 * l + 1], 0, &sval, &hs);
            if (st != ZP_OK) break;
            if (hc != hs) {
                st = bad(d.path, d.secs[i].line, sec, keys[2 * l + (hc ? 1 : 0)],
                         "required key is missing (%s needs both)", hc ? keys[2 * l] : keys[2 * l + 1]);
                break;
            }
            if (hs && !(sval > 0)) {
                st = EBAD(&d, doc_get(&d, sec, keys[2 * l + 1]), "must be > 0");
                break;
            }
            any |= hc;
            if (hc && (int)lep == l && !strcmp(sec, g->preset)) {
                g->central = cval;
                g->sigma = sval;
            }
        }
        if (st == ZP_OK && !any)
            st = bad(d.path, d.secs[i].line, sec, NULL, "preset has neither mu_central/mu_sigma "
                     "nor e_central/e_sigma");
    }
    if (st == ZP_OK) {
        int pline = ent_line(in, "g-2", "preset");
        const ini_sec *s = doc_sec(&d, g->preset);
        if (!s) {
            char known[512] = "";
            for (int i = 0; i < d.nsec; ++i) {
                size_t kl = strlen(known);
                snprintf(known + kl, sizeof known - kl, "%s%s", i ? ", " : "", d.secs[i].name);
            }
            st = bad(in->path, pline, "g-2", "preset", "preset '%s' is not in %s (presets: %s)",
                     g->preset, g->path, known);
        } else if (!doc_get(&d, g->preset, lep == ZP_LEPTON_MU ? "mu_central" : "e_central")) {
            st = bad(in->path, pline, "g-2", "preset", "preset '%s' in %s (line %d) has no %s "
                     "entry (%s_central, %s_sigma), but the scan's lepton is %s", g->preset,
                     g->path, s->line, lep == ZP_LEPTON_MU ? "muon" : "electron",
                     lep == ZP_LEPTON_MU ? "mu" : "e", lep == ZP_LEPTON_MU ? "mu" : "e",
                     lep == ZP_LEPTON_MU ? "mu" : "e");
        }
    }
    ini_doc_free(&d);
    return st;
}

static zp_status check_readable(const ini_doc *in, const char *key, const char *path)
{
    struct stat sb;
    int err = 0;
    if (stat(path, &sb) != 0) err = errno;
    else if (S_ISDIR(sb.st_mode)) err = EISDIR;
    else if (access(path, R_OK) != 0) err = errno;
    if (!err) return ZP_OK;
    return bad(in->path, ent_line(in, "lhc", key), "lhc", key, "cannot read '%s': %s%s", path,
               strerror(err), doc_get(in, "lhc", key) ? "" : DEFAULT_HINT);
}

zp_status zp_config_load(const char *path, zp_config *c, char **text_out)
{
    if (text_out) *text_out = NULL;
    char *text = NULL;
    size_t len = 0;
    int err = slurp(path, &text, &len);
    if (err == ENOMEM) ZP_FAIL(ZP_ENOMEM, "%s: out of memory reading the file", path);
    if (err) ZP_FAIL(ZP_EINPUT, "%s: cannot read the input file: %s", path, strerror(err));
    if (strlen(text) != len) {
        free(text);
        ZP_FAIL(ZP_EINPUT, "%s: contains a NUL byte (not a text file)", path);
    }

    zp_config_defaults(c);
    zp_status st = set_paths(path, c);
    ini_doc d;
    memset(&d, 0, sizeof d);
    if (st == ZP_OK) st = ini_doc_parse(path, text, &d);
    if (st == ZP_OK) st = parse_doc(&d, c);
    if (st == ZP_OK) st = load_flavour(&d, &c->flavour, c->lepton);
    if (st == ZP_OK) st = load_g2(&d, &c->g2, c->lepton);
    if (st == ZP_OK && c->lhc.enabled) {
        if (!c->lhc.pdf_set[0])
            st = check_readable(&d, "lumi_table", c->lhc.lumi_path);
        if (st == ZP_OK) st = check_readable(&d, "limits", c->lhc.limits_path);
    }
    ini_doc_free(&d);
    if (st != ZP_OK || !text_out) free(text);
    else *text_out = text;
    return st;
}
