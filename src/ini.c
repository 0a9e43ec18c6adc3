/* The INI reader (include/zpscan/ini.h). Pass 1 runs inih over the text through our own
 * line reader, which counts lines (Debian's inih has no line numbers in the handler), records
 * section headers, detects syntax errors, over-long lines and duplicate sections/keys, and
 * joins continuation lines of values ending in ','. The handler only stores (section, key,
 * value, line) entries; the getters below convert them. Never prints, never exits. */
#include "zpscan/ini.h"

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
/* Pass 1: INI text -> entries                                                          */

typedef struct {
    zp_ini_doc *d;
    const char *p;     /* next unread character of the text */
    int line;          /* current line number */
    int cur_sec;       /* index into d->secs, -1 before any header */
    int cont_pending;  /* the last value ended with ',': next content line continues it */
    int cur_is_cont;   /* the line just handed to inih is a continuation */
    int err;           /* an error has been recorded (zp_err_set) */
    zp_status st;
} ini_ctx;

void zp_ini_free(zp_ini_doc *d)
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
static zp_status zp_ini_vbad(const char *path, int line, const char *sec, const char *key,
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
zp_status zp_ini_bad(const char *path, int line, const char *sec, const char *key,
                     const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    zp_status st = zp_ini_vbad(path, line, sec, key, fmt, ap);
    va_end(ap);
    return st;
}

__attribute__((format(printf, 4, 5)))
static void ctx_bad(ini_ctx *x, const char *sec, const char *key, const char *fmt, ...)
{
    if (x->err) return;
    va_list ap;
    va_start(ap, fmt);
    zp_ini_vbad(x->d->path, x->line, sec, key, fmt, ap);
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
            zp_ini_sec *ns = realloc(x->d->secs, (size_t)cap * sizeof *ns);
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
    zp_ini_doc *d = x->d;
    const char *sec = cur_sec_name(x);
    size_t vl = strlen(value);
    if (x->cur_is_cont) {
        zp_ini_ent *e = &d->ents[d->nent - 1];
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
            zp_ini_ent *ne = realloc(d->ents, (size_t)cap * sizeof *ne);
            if (!ne) { ctx_nomem(x); return 0; }
            d->ents = ne;
            d->capent = cap;
        }
        zp_ini_ent *e = &d->ents[d->nent];
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
zp_status zp_ini_parse(const char *path, const char *text, zp_ini_doc *d)
{
    memset(d, 0, sizeof *d);
    d->path = path;
    ini_ctx x = {.d = d, .p = text, .cur_sec = -1, .st = ZP_OK};
    int rc = ini_parse_stream(ini_read_line, &x, ini_on_entry, &x);
    if (x.err) return x.st;
    if (rc == -2) ZP_FAIL(ZP_ENOMEM, "%s: out of memory while parsing", path);
    if (rc != 0) return zp_ini_bad(path, rc, NULL, NULL, "syntax error");
    return ZP_OK;
}

const zp_ini_sec *zp_ini_section(const zp_ini_doc *d, const char *name)
{
    for (int i = 0; i < d->nsec; ++i)
        if (!strcmp(d->secs[i].name, name)) return &d->secs[i];
    return NULL;
}

const zp_ini_ent *zp_ini_get(const zp_ini_doc *d, const char *sec, const char *key)
{
    for (int i = 0; i < d->nent; ++i)
        if (!strcmp(d->ents[i].sec, sec) && !strcmp(d->ents[i].key, key)) return &d->ents[i];
    return NULL;
}

/* ------------------------------------------------------------------------------------ */
/* Value conversion: the whole token must be consumed                                   */


/* 1: ok; 0: not a finite number; -1: a number outside the range of double */
int zp_ini_parse_real(const char *s, double *out)
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

int zp_ini_parse_int(const char *s, int64_t *out)
{
    if (!*s || isspace((unsigned char)*s)) return 0;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end != '\0' || errno == ERANGE) return 0;
    *out = v;
    return 1;
}

zp_status zp_ini_real(const zp_ini_doc *d, const zp_ini_ent *e, double *out)
{
    if (!e->val[0]) return ZP_INI_BAD(d, e, "missing value (expected a number)");
    int r = zp_ini_parse_real(e->val, out);
    if (r < 0) return ZP_INI_BAD(d, e, "'%s' is out of the range of double precision", e->val);
    if (r == 0) return ZP_INI_BAD(d, e, "'%s' is not a finite number", e->val);
    return ZP_OK;
}

zp_status zp_ini_int(const zp_ini_doc *d, const zp_ini_ent *e, int64_t *out)
{
    if (!e->val[0]) return ZP_INI_BAD(d, e, "missing value (expected an integer)");
    if (!zp_ini_parse_int(e->val, out))
        return ZP_INI_BAD(d, e, "'%s' is not an integer", e->val);
    return ZP_OK;
}

zp_status zp_ini_bool(const zp_ini_doc *d, const zp_ini_ent *e, int *out)
{
    static const char *yes[] = {"yes", "true", "on", "1"}, *no[] = {"no", "false", "off", "0"};
    for (int i = 0; i < 4; ++i) {
        if (!strcmp(e->val, yes[i])) { *out = 1; return ZP_OK; }
        if (!strcmp(e->val, no[i])) { *out = 0; return ZP_OK; }
    }
    return ZP_INI_BAD(d, e, "'%s' is not yes or no", e->val);
}

/* Split a comma list in place into trimmed items; empty items are errors. */
zp_status zp_ini_list(const zp_ini_doc *d, const zp_ini_ent *e, char *buf, char **items,
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
        if (l == 0) return ZP_INI_BAD(d, e, "empty element %d in the list", *n + 1);
        if (*n == max) return ZP_INI_BAD(d, e, "too many elements (at most %d)", max);
        items[(*n)++] = p;
        if (!c) break;
        p = c + 1;
    }
    return ZP_OK;
}

/* Resolve a data-file path: absolute as is, otherwise relative to `dir`. */
zp_status zp_ini_join_path(char *out, size_t cap, const char *dir, const char *p)
{
    int n;
    if (p[0] == '/' || !dir || !dir[0] || !strcmp(dir, "."))
        n = snprintf(out, cap, "%s", p);
    else
        n = snprintf(out, cap, "%s/%s", dir, p);
    return (n < 0 || (size_t)n >= cap) ? ZP_EINPUT : ZP_OK;
}

/* An installed zpscan (meson install) finds its data beside itself, in
 * BIN/../share/zpscan/inputs, wherever the prefix was moved; a build-tree binary has no
 * such directory and uses the source tree's inputs/ (ZP_DATADIR). */
static const char *installed_data_dir(void)
{
    static char dir[4096];
    static int done;
    if (done) return dir[0] ? dir : NULL;
    done = 1;
    char exe[4096];
    const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return NULL;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash) return NULL;
    *slash = '\0';
    char rel[4200];
    struct stat sb;
    /* canonical, so the file's provenance attributes name it plainly */
    if (snprintf(rel, sizeof rel, "%s/../share/zpscan/inputs", exe) >= (int)sizeof rel || stat(rel, &sb) ||
        !S_ISDIR(sb.st_mode) || !realpath(rel, dir)) {
        dir[0] = '\0';
        return NULL;
    }
    return dir;
}

const char *zp_ini_data_dir(void)
{
    const char *e = getenv("ZPSCAN_DATADIR");
    if (e && e[0]) return e;
    const char *inst = installed_data_dir();
    return inst ? inst : ZP_DATADIR;
}

zp_status zp_ini_file_key(const zp_ini_doc *d, const char *sec, const char *key, const char *dir, char *out,
                          size_t cap)
{
    const zp_ini_ent *e = zp_ini_get(d, sec, key);
    return e ? zp_ini_path(d, e, dir, out, cap) : ZP_OK;
}

zp_status zp_ini_path(const zp_ini_doc *d, const zp_ini_ent *e, const char *dir, char *out,
                          size_t cap)
{
    if (!e->val[0]) return ZP_INI_BAD(d, e, "missing value (expected a file name)");
    if (zp_ini_join_path(out, cap, dir, e->val) != ZP_OK)
        return ZP_INI_BAD(d, e, "path too long (at most %zu characters)", cap - 1);
    return ZP_OK;
}

zp_status zp_ini_nonneg(const zp_ini_doc *d, const zp_ini_ent *e, double *out)
{
    ZP_TRY(zp_ini_real(d, e, out));
    if (*out < 0) return ZP_INI_BAD(d, e, "must be >= 0 (got %s)", e->val);
    return ZP_OK;
}

int zp_ini_line(const zp_ini_doc *d, const char *sec, const char *key)
{
    const zp_ini_ent *e = zp_ini_get(d, sec, key);
    if (e) return e->line;
    const zp_ini_sec *s = zp_ini_section(d, sec);
    return s ? s->line : 0;
}

/* ------------------------------------------------------------------------------------ */
/* Files                                                                                */

/* Read a whole file; on failure return errno (0 on success). */
const char *zp_ini_strerror(int err)
{
    return err == ZP_INI_NOT_REGULAR ? "not a regular file (a FIFO, device or socket)" : strerror(err);
}

int zp_ini_regular(const char *path)
{
    struct stat sb; /* before opening: a FIFO would block the open, a device never end */
    if (stat(path, &sb) != 0) return errno ? errno : EIO;
    if (S_ISDIR(sb.st_mode)) return EISDIR;
    return S_ISREG(sb.st_mode) ? 0 : ZP_INI_NOT_REGULAR;
}

int zp_ini_slurp(const char *path, char **text, size_t *len)
{
    *text = NULL;
    if (len) *len = 0;
    const int reg = zp_ini_regular(path);
    if (reg) return reg;
    FILE *f = fopen(path, "rb");
    if (!f) return errno ? errno : EIO;
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
    int err = zp_ini_slurp(path, text, len);
    if (err == ENOMEM) ZP_FAIL(ZP_ENOMEM, "%s: out of memory reading the file", path);
    if (err) ZP_FAIL(ZP_EIO, "%s: cannot read: %s", path, zp_ini_strerror(err));
    return ZP_OK;
}

/* Read a file the input names; errors point at the input line and name the file. */
zp_status zp_ini_read_named(const zp_ini_doc *in, const char *sec, const char *key,
                            const char *path, char **text)
{
    size_t len;
    int line = zp_ini_line(in, sec, key), dflt = zp_ini_get(in, sec, key) == NULL;
    int err = zp_ini_slurp(path, text, &len);
    if (err == ENOMEM) ZP_FAIL(ZP_ENOMEM, "%s: out of memory reading the file", path);
    if (err)
        return zp_ini_bad(in->path, line, sec, key, "cannot read '%s': %s%s", path, zp_ini_strerror(err),
                   dflt ? ZP_INI_DEFAULT_HINT : "");
    if (strlen(*text) != len) {
        free(*text);
        *text = NULL;
        return zp_ini_bad(in->path, line, sec, key, "'%s' contains a NUL byte (not a text file)", path);
    }
    return ZP_OK;
}

zp_status zp_ini_load_named(const zp_ini_doc *in, const char *sec, const char *key, const char *path,
                            zp_ini_doc *d)
{
    char *text = NULL;
    ZP_TRY(zp_ini_read_named(in, sec, key, path, &text));
    const zp_status st = zp_ini_parse(path, text, d);
    free(text);
    if (st != ZP_OK) zp_ini_free(d);
    return st;
}

/* ------------------------------------------------------------------------------------ */
/* Data files                                                                           */

zp_status zp_ini_data_real(const zp_ini_doc *d, const char *sec, const char *key, int required,
                           double *out, int *have)
{
    const zp_ini_ent *e = zp_ini_get(d, sec, key);
    if (have) *have = e != NULL;
    if (!e) {
        if (!required) return ZP_OK;
        return zp_ini_bad(d->path, zp_ini_section(d, sec)->line, sec, key, "required key is missing");
    }
    return zp_ini_real(d, e, out);
}


zp_status zp_ini_data_values(const zp_ini_doc *in, const char *insec, const char *inkey, const char *path,
                             const char *sec, const char *const *keys, const int *positive, int n, double *out,
                             char *src, size_t srccap)
{
    zp_ini_doc d;
    ZP_TRY(zp_ini_load_named(in, insec, inkey, path, &d));
    zp_status st = ZP_OK;
    for (int i = 0; st == ZP_OK && i < d.nsec; ++i)
        if (strcmp(d.secs[i].name, sec))
            st = zp_ini_bad(d.path, d.secs[i].line, d.secs[i].name, NULL, "unknown section (expected [%s])", sec);
    for (int i = 0; st == ZP_OK && i < d.nent; ++i) {
        int known = !strcmp(d.ents[i].key, "source");
        for (int k = 0; k < n; ++k) known |= !strcmp(d.ents[i].key, keys[k]);
        if (!known) st = ZP_INI_BAD(&d, &d.ents[i], "unknown key");
    }
    if (st == ZP_OK && !zp_ini_section(&d, sec))
        st = zp_ini_bad(d.path, 0, sec, NULL, "required section is missing");
    for (int k = 0; st == ZP_OK && k < n; ++k) {
        int have = 0;
        st = zp_ini_data_real(&d, sec, keys[k], 1, &out[k], &have);
        if (st == ZP_OK && positive && positive[k] && !(out[k] > 0))
            st = ZP_INI_BAD(&d, zp_ini_get(&d, sec, keys[k]), "must be > 0 (got %g)", out[k]);
    }
    if (st == ZP_OK) {
        const zp_ini_ent *e = zp_ini_get(&d, sec, "source");
        if (!e || !e->val[0])
            st = zp_ini_bad(d.path, zp_ini_section(&d, sec)->line, sec, "source",
                            "required key is missing (every number names its source)");
        else
            snprintf(src, srccap, "%s", e->val);
    }
    zp_ini_free(&d);
    return st;
}

zp_status zp_ini_nsigma(const zp_ini_doc *d, const char *sec, double *out)
{
    const zp_ini_ent *e = zp_ini_get(d, sec, "nsigma");
    if (!e) return ZP_OK;
    ZP_TRY(zp_ini_real(d, e, out));
    if (!(*out > 0)) return ZP_INI_BAD(d, e, "must be > 0 (got %s)", e->val);
    return ZP_OK;
}
