/* Scan configuration: the input file's [scan], [axis.*] and [constants] sections into a
 * validated zp_config; each constraint's section and data files are its own
 * (src/constraints/, zp_constraints_parse/_load). The INI reading and the value getters are
 * src/ini.c; every error is ZP_EINPUT "PATH:LINE: [section] key: what is wrong"
 * (docs/INPUT.md). Library code: never prints, never exits. */
#include "zpscan/config.h"
#include "zpscan/constraints.h"
#include "zpscan/ini.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


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

/* ------------------------------------------------------------------------------------ */
/* The option table: every section and key the input file accepts (pass 2 checks       */
/* against it; docs/INPUT.md describes the same keys). "axis.*" is each axis section.   */

typedef struct {
    const char *section;
    const char *key;
    const char *help;
} opt_def;

static const opt_def options[] = {
    {"scan", "lepton", "mu | e | mu+e (required; mu+e: the same couplings to both)"},
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
/* Defaults                                                                             */

const char *zp_lepton_name(zp_lepton l)
{
    return l == ZP_LEPTON_MU ? "mu" : l == ZP_LEPTON_E ? "e" : "mu+e";
}

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

    zp_constraints_defaults(c);
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

static zp_status check_schema(const zp_ini_doc *d)
{
    for (int i = 0; i < d->nsec; ++i) {
        if (known_section(d->secs[i].name)) continue;
        char known[512] = "scan, axis.mass, axis.gqL, axis.gqR, axis.gV, axis.gA, constants";
        for (int c = 0; c < ZP_NCONSTRAINTS; ++c)
            if (zp_constraints[c].section[0]) {
                strncat(known, ", ", sizeof known - strlen(known) - 1);
                strncat(known, zp_constraints[c].section, sizeof known - strlen(known) - 1);
            }
        return zp_ini_bad(d->path, d->secs[i].line, d->secs[i].name, NULL, "unknown section (known: %s)", known);
    }
    for (int i = 0; i < d->nent; ++i) {
        const zp_ini_ent *e = &d->ents[i];
        if (known_key(e->sec, e->key)) continue;
        char known[512] = "";
        size_t kl = 0;
        const char *s = is_axis_section(e->sec) ? "axis.*" : e->sec, *k;
        for (int j = 0; (k = section_key(s, j)) && kl < sizeof known; ++j) {
            int w = snprintf(known + kl, sizeof known - kl, "%s%s", kl ? ", " : "", k);
            if (w > 0) kl += (size_t)w;
        }
        return ZP_INI_BAD(d, e, "unknown key (known: %s)", known);
    }
    return ZP_OK;
}

static zp_status need_section(const zp_ini_doc *d, const char *name, const zp_ini_sec **s)
{
    *s = zp_ini_section(d, name);
    if (!*s) return zp_ini_bad(d->path, 0, name, NULL, "required section is missing");
    return ZP_OK;
}

static zp_status parse_bytes(const zp_ini_doc *d, const zp_ini_ent *e, uint64_t *out)
{
    const char *s = e->val;
    if (!*s) return ZP_INI_BAD(d, e, "missing value (expected a byte count)");
    if (!isdigit((unsigned char)*s)) return ZP_INI_BAD(d, e, "'%s' is not a byte count", s);
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno == ERANGE) return ZP_INI_BAD(d, e, "'%s' is out of range", s);
    unsigned shift = 0;
    if (*end) {
        switch (*end) {
        case 'k': case 'K': shift = 10; break;
        case 'M': shift = 20; break;
        case 'G': shift = 30; break;
        case 'T': shift = 40; break;
        default: return ZP_INI_BAD(d, e, "'%s' is not a byte count (suffixes: k, M, G, T)", s);
        }
        if (end[1]) return ZP_INI_BAD(d, e, "'%s' is not a byte count (suffixes: k, M, G, T)", s);
    }
    if (shift && v > (UINT64_MAX >> shift)) return ZP_INI_BAD(d, e, "'%s' is out of range", s);
    *out = (uint64_t)v << shift;
    return ZP_OK;
}

static zp_status parse_scan(const zp_ini_doc *d, zp_config *c)
{
    const zp_ini_sec *s;
    ZP_TRY(need_section(d, "scan", &s));
    const zp_ini_ent *e;

    if (!(e = zp_ini_get(d, "scan", "lepton")))
        return zp_ini_bad(d->path, s->line, "scan", "lepton", "required key is missing (mu, e or mu+e)");
    if (!strcmp(e->val, "mu")) c->lepton = ZP_LEPTON_MU;
    else if (!strcmp(e->val, "e")) c->lepton = ZP_LEPTON_E;
    else if (!strcmp(e->val, "mu+e")) c->lepton = ZP_LEPTON_UNIV;
    else return ZP_INI_BAD(d, e, "'%s' is not a lepton (mu, e or mu+e)", e->val);

    if ((e = zp_ini_get(d, "scan", "output"))) {
        if (!e->val[0]) return ZP_INI_BAD(d, e, "missing value (expected a file name)");
        if (strlen(e->val) >= sizeof c->output_path)
            return ZP_INI_BAD(d, e, "path too long (at most %zu characters)", sizeof c->output_path - 1);
        snprintf(c->output_path, sizeof c->output_path, "%s", e->val);
    }

    if ((e = zp_ini_get(d, "scan", "observables"))) {
        memset(c->store_obs, 0, sizeof c->store_obs);
        if (!strcmp(e->val, "default")) {
            for (int k = 0; k < ZP_NOBS; ++k) c->store_obs[k] = zp_obs[k].is_default;
        } else if (!strcmp(e->val, "all")) {
            for (int i = 0; i < ZP_NOBS; ++i) c->store_obs[i] = 1;
        } else if (strcmp(e->val, "none")) {
            char buf[1024], *it[ZP_NOBS + 1];
            int n;
            if (strlen(e->val) >= sizeof buf) return ZP_INI_BAD(d, e, "value too long");
            snprintf(buf, sizeof buf, "%s", e->val);
            ZP_TRY(zp_ini_list(d, e, buf, it, ZP_NOBS, &n));
            for (int i = 0; i < n; ++i) {
                if (!strcmp(it[i], "default")) { /* "default, lhc_chi2": the defaults and more */
                    for (int j = 0; j < ZP_NOBS; ++j) c->store_obs[j] |= zp_obs[j].is_default;
                    continue;
                }
                int k = -1;
                for (int j = 0; j < ZP_NOBS; ++j)
                    if (!strcmp(it[i], zp_obs_names[j])) k = j;
                if (k < 0) {
                    char known[512] = "";
                    for (int j = 0; j < ZP_NOBS; ++j) {
                        strcat(known, j ? ", " : "");
                        strcat(known, zp_obs_names[j]);
                    }
                    return ZP_INI_BAD(d, e, "unknown observable '%s' (known: %s; or default, all, "
                                "none)", it[i], known);
                }
                if (c->store_obs[k]) return ZP_INI_BAD(d, e, "observable '%s' listed twice", it[i]);
                c->store_obs[k] = 1;
            }
        }
    }

    if ((e = zp_ini_get(d, "scan", "points"))) ZP_TRY(zp_ini_bool(d, e, &c->store_points));

    if ((e = zp_ini_get(d, "scan", "tile")) && strcmp(e->val, "auto")) {
        char buf[512], *it[ZP_NAXES + 1];
        int n;
        if (!e->val[0]) return ZP_INI_BAD(d, e, "missing value (auto or 5 extents)");
        if (strlen(e->val) >= sizeof buf) return ZP_INI_BAD(d, e, "value too long");
        snprintf(buf, sizeof buf, "%s", e->val);
        ZP_TRY(zp_ini_list(d, e, buf, it, ZP_NAXES + 1, &n));
        if (n != ZP_NAXES)
            return ZP_INI_BAD(d, e, "expected auto or 5 extents (mass,gqL,gqR,gV,gA), got %d", n);
        for (int i = 0; i < n; ++i) {
            int64_t v;
            if (!zp_ini_parse_int(it[i], &v))
                return ZP_INI_BAD(d, e, "extent %d ('%s') is not an integer", i + 1, it[i]);
            if (v < 1) return ZP_INI_BAD(d, e, "extent %d (%s) must be >= 1", i + 1, it[i]);
            c->tile[i] = v;
        }
    }

    if ((e = zp_ini_get(d, "scan", "combine"))) {
        c->combine = 0;
        if (strcmp(e->val, "none")) {
            char buf[512], *it[ZP_NCONSTRAINTS + 1];
            int n;
            if (!e->val[0]) return ZP_INI_BAD(d, e, "missing value (a list of constraints or none)");
            if (strlen(e->val) >= sizeof buf) return ZP_INI_BAD(d, e, "value too long");
            snprintf(buf, sizeof buf, "%s", e->val);
            ZP_TRY(zp_ini_list(d, e, buf, it, ZP_NCONSTRAINTS + 1, &n));
            for (int i = 0; i < n; ++i) {
                const int ci = zp_constraint_find(it[i]);
                if (ci < 0) {
                    char known[512] = "";
                    for (int j = 0; j < ZP_NCONSTRAINTS; ++j) {
                        strncat(known, j ? ", " : "", sizeof known - strlen(known) - 1);
                        strncat(known, zp_constraints[j].name, sizeof known - strlen(known) - 1);
                    }
                    return ZP_INI_BAD(d, e, "unknown constraint '%s' (known: %s; or none)", it[i], known);
                }
                const int bit = zp_constraints[ci].pass_bit;
                if (c->combine & (1u << bit))
                    return ZP_INI_BAD(d, e, "constraint '%s' listed twice", it[i]);
                c->combine |= 1u << bit;
            }
        }
    }

    if ((e = zp_ini_get(d, "scan", "projections"))) {
        c->nproj = 0;
        if (strcmp(e->val, "none")) {
            char buf[1024], *it[ZP_MAX_PROJ + 1];
            int n;
            if (!e->val[0]) return ZP_INI_BAD(d, e, "missing value (axis pairs a:b, or none)");
            if (strlen(e->val) >= sizeof buf) return ZP_INI_BAD(d, e, "value too long");
            snprintf(buf, sizeof buf, "%s", e->val);
            ZP_TRY(zp_ini_list(d, e, buf, it, ZP_MAX_PROJ, &n));
            for (int i = 0; i < n; ++i) {
                char *colon = strchr(it[i], ':');
                if (!colon || strchr(colon + 1, ':'))
                    return ZP_INI_BAD(d, e, "'%s' is not an axis pair a:b", it[i]);
                *colon = '\0';
                char *a = it[i], *b = colon + 1;
                size_t la = strlen(a);
                while (la > 0 && isspace((unsigned char)a[la - 1])) a[--la] = '\0';
                while (isspace((unsigned char)*b)) ++b;
                int ia = axis_index(a), ib = axis_index(b);
                if (ia < 0 || ib < 0)
                    return ZP_INI_BAD(d, e, "unknown axis '%s' in pair %d (axes: gqL, gqR, gV, gA)",
                                ia < 0 ? a : b, i + 1);
                if (ia == ZP_AX_MASS || ib == ZP_AX_MASS)
                    return ZP_INI_BAD(d, e, "pair %d: projections are made per mass slice, so mass "
                                "cannot be one of their axes", i + 1);
                if (ia == ib) return ZP_INI_BAD(d, e, "pair %d uses the axis %s twice", i + 1, a);
                for (int j = 0; j < c->nproj; ++j)
                    if ((c->proj[j][0] == ia && c->proj[j][1] == ib) ||
                        (c->proj[j][0] == ib && c->proj[j][1] == ia))
                        return ZP_INI_BAD(d, e, "pair %s:%s listed twice", a, b);
                c->proj[c->nproj][0] = ia;
                c->proj[c->nproj][1] = ib;
                c->nproj++;
            }
        }
    }

    if ((e = zp_ini_get(d, "scan", "checkpoint_seconds")))
        ZP_TRY(zp_ini_nonneg(d, e, &c->checkpoint_seconds));
    if ((e = zp_ini_get(d, "scan", "progress_seconds")))
        ZP_TRY(zp_ini_nonneg(d, e, &c->progress_seconds));
    if ((e = zp_ini_get(d, "scan", "max_output_bytes")))
        ZP_TRY(parse_bytes(d, e, &c->max_output_bytes));
    return ZP_OK;
}

#define AXIS_MAX_N 1000000000LL

static zp_status parse_axis(const zp_ini_doc *d, int a, zp_axis_spec *ax)
{
    char sec[32];
    snprintf(sec, sizeof sec, "axis.%s", zp_axis_names[a]);
    const zp_ini_sec *s;
    ZP_TRY(need_section(d, sec, &s));
    const zp_ini_ent *emin = zp_ini_get(d, sec, "min"), *emax = zp_ini_get(d, sec, "max"),
                  *en = zp_ini_get(d, sec, "n"), *esp = zp_ini_get(d, sec, "spacing"),
                  *esg = zp_ini_get(d, sec, "sign"), *ez = zp_ini_get(d, sec, "include_zero"),
                  *ev = zp_ini_get(d, sec, "values");
    memset(ax, 0, sizeof *ax);
    ax->spacing = ZP_SPACING_LIN;
    ax->sign = ZP_SIGN_PLUS;

    if (ev) {
        const zp_ini_ent *clash[] = {emin, emax, en, esp, esg, ez};
        for (size_t i = 0; i < sizeof clash / sizeof clash[0]; ++i)
            if (clash[i])
                return ZP_INI_BAD(d, clash[i], "conflicts with 'values' (line %d): give either an "
                            "explicit list or min/max/n", ev->line);
        if (!ev->val[0]) return ZP_INI_BAD(d, ev, "missing value (expected a list of numbers)");
        char *buf = strdup(ev->val);
        char **it = malloc(ZP_INI_MAX_ITEMS * sizeof *it);
        if (!buf || !it) {
            free(buf);
            free(it);
            ZP_FAIL(ZP_ENOMEM, "%s: out of memory", d->path);
        }
        int n;
        zp_status st = zp_ini_list(d, ev, buf, it, ZP_AXIS_MAX_LIST, &n);
        for (int i = 0; st == ZP_OK && i < n; ++i) {
            if (zp_ini_parse_real(it[i], &ax->list[i]) != 1)
                st = ZP_INI_BAD(d, ev, "element %d ('%s') is not a finite double-precision number",
                          i + 1, it[i]);
            else if (i > 0 && ax->list[i] == ax->list[i - 1])
                st = ZP_INI_BAD(d, ev, "duplicate value %s (elements %d and %d)", it[i], i, i + 1);
            else if (i > 0 && ax->list[i] < ax->list[i - 1])
                st = ZP_INI_BAD(d, ev, "values must be strictly increasing: element %d (%s) < "
                          "element %d (%s)", i + 1, it[i], i, it[i - 1]);
            else if (a == ZP_AX_MASS && !(ax->list[i] > 0))
                st = ZP_INI_BAD(d, ev, "masses must be > 0 GeV (element %d is %s)", i + 1, it[i]);
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
        else return ZP_INI_BAD(d, esp, "'%s' is not a spacing (lin or log)", esp->val);
    }
    if (ax->spacing == ZP_SPACING_LIN) {
        if (esg) return ZP_INI_BAD(d, esg, "only log axes take a sign (this axis is lin)");
        if (ez) return ZP_INI_BAD(d, ez, "only log axes take include_zero (this axis is lin)");
    }
    if (!emin) return zp_ini_bad(d->path, s->line, sec, "min", "required key is missing (or give values)");
    if (!emax) return zp_ini_bad(d->path, s->line, sec, "max", "required key is missing (or give values)");
    if (!en) return zp_ini_bad(d->path, s->line, sec, "n", "required key is missing (or give values)");
    ZP_TRY(zp_ini_real(d, emin, &ax->min));
    ZP_TRY(zp_ini_real(d, emax, &ax->max));
    ZP_TRY(zp_ini_int(d, en, &ax->n));
    if (ax->n < 1) return ZP_INI_BAD(d, en, "must be >= 1 (got %s)", en->val);
    if (ax->n > AXIS_MAX_N) return ZP_INI_BAD(d, en, "too many points (at most %lld)", AXIS_MAX_N);
    if (ax->spacing == ZP_SPACING_LOG && !(ax->min > 0))
        return ZP_INI_BAD(d, emin, "a log axis cannot touch 0: min must be > 0 (got %s; min and max "
                    "are magnitudes, use sign and include_zero for negatives and 0)", emin->val);
    if (a == ZP_AX_MASS && !(ax->min > 0))
        return ZP_INI_BAD(d, emin, "masses must be > 0 GeV (got %s)", emin->val);
    if (ax->min > ax->max)
        return ZP_INI_BAD(d, emax, "max (%s) < min (%s)", emax->val, emin->val);
    if (ax->n == 1 && ax->min != ax->max)
        return ZP_INI_BAD(d, en, "n = 1 needs min = max (a fixed axis), got min %s, max %s",
                    emin->val, emax->val);
    if (ax->n > 1 && ax->min == ax->max)
        return ZP_INI_BAD(d, en, "min = max needs n = 1 (got %s)", en->val);
    if (esg) {
        if (!strcmp(esg->val, "+")) ax->sign = ZP_SIGN_PLUS;
        else if (!strcmp(esg->val, "-")) ax->sign = ZP_SIGN_MINUS;
        else if (!strcmp(esg->val, "+-")) ax->sign = ZP_SIGN_BOTH;
        else return ZP_INI_BAD(d, esg, "'%s' is not a sign (+, - or +-)", esg->val);
    }
    if (ez) ZP_TRY(zp_ini_bool(d, ez, &ax->include_zero));
    if (a == ZP_AX_MASS && ax->spacing == ZP_SPACING_LOG &&
        (ax->sign != ZP_SIGN_PLUS || ax->include_zero))
        return ZP_INI_BAD(d, esg ? esg : ez, "masses must be > 0 GeV: the mass axis takes neither "
                    "negative values nor 0");
    return ZP_OK;
}

static zp_status parse_constants(const zp_ini_doc *d, zp_config *c)
{
    for (int i = 0; i < d->nent; ++i) {
        const zp_ini_ent *e = &d->ents[i];
        if (strcmp(e->sec, "constants")) continue;
        for (int j = 0; j < NCONST; ++j) {
            if (strcmp(e->key, const_defs[j].name)) continue;
            double v;
            ZP_TRY(zp_ini_real(d, e, &v));
            if (const_defs[j].positive && !(v > 0)) return ZP_INI_BAD(d, e, "must be > 0 (got %s)", e->val);
            if (!strcmp(e->key, "sin2thetaW") && !(v < 1))
                return ZP_INI_BAD(d, e, "must be < 1 (got %s)", e->val);
            *(double *)((char *)&c->k + const_defs[j].off) = v;
        }
    }
    return ZP_OK;
}

/* Line of an entry if present, else of its section header, else 0. */
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

static zp_status parse_doc(const zp_ini_doc *d, zp_config *c)
{
    ZP_TRY(check_schema(d));
    ZP_TRY(parse_scan(d, c));
    for (int a = 0; a < ZP_NAXES; ++a) ZP_TRY(parse_axis(d, a, &c->axes[a]));
    ZP_TRY(parse_constants(d, c));
    ZP_TRY(zp_constraints_parse(d, c, c->input_dir));
    return ZP_OK;
}

zp_status zp_config_parse(const char *path, const char *text, zp_config *c)
{
    zp_config_defaults(c);
    ZP_TRY(set_paths(path, c));
    zp_ini_doc d;
    zp_status st = zp_ini_parse(path, text, &d);
    if (st == ZP_OK) st = parse_doc(&d, c);
    zp_ini_free(&d);
    return st;
}

zp_status zp_config_load(const char *path, zp_config *c, char **text_out)
{
    if (text_out) *text_out = NULL;
    char *text = NULL;
    size_t len = 0;
    int err = zp_ini_slurp(path, &text, &len);
    if (err == ENOMEM) ZP_FAIL(ZP_ENOMEM, "%s: out of memory reading the file", path);
    if (err) ZP_FAIL(ZP_EINPUT, "%s: cannot read the input file: %s", path, zp_ini_strerror(err));
    if (strlen(text) != len) {
        free(text);
        ZP_FAIL(ZP_EINPUT, "%s: contains a NUL byte (not a text file)", path);
    }

    zp_config_defaults(c);
    zp_status st = set_paths(path, c);
    zp_ini_doc d;
    memset(&d, 0, sizeof d);
    if (st == ZP_OK) st = zp_ini_parse(path, text, &d);
    if (st == ZP_OK) st = parse_doc(&d, c);
    if (st == ZP_OK) st = zp_constraints_load(&d, c);
    zp_ini_free(&d);
    if (st != ZP_OK || !text_out) free(text);
    else *text_out = text;
    return st;
}
