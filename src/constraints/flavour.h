/* The b->sll fit (docs/PHYSICS.md §2, §4): the Wilson coefficients of the tree-level
 * matching (eq. 2.2) against the fit of a data file (the paper's Table 1 by default).
 * One non-zero coefficient: its interval; none: the SM point; C9 and C10 together: the
 * file's optional 2-D Gaussian; anything else (primed coefficients) is untested.
 * Likelihood: the asymmetric Gaussian of the 1 sigma interval (or the 2-D Gaussian).
 * A general Gaussian ([<lepton>.gauss]: a mean and covariance in any subset of C9, C10, C9',
 * C10') decides every point whose non-zero coefficients it covers, in place of the rules
 * above; points with a coefficient outside its subset are untested. Leptons: mu, e, and
 * univ (lepton = mu+e, the same coefficients for both); a lepton the file has nothing for
 * is untested everywhere (mu+e) or an input error (mu, e). */
#ifndef ZP_C_FLAVOUR_VOCAB
#define ZP_C_FLAVOUR_VOCAB
#define zp_flavour_bits(B, U, x)                                                                    \
    B(x, FLAVOUR, "flavour",                                                                      \
      "inside the b->sll fit band (Table 1 interval at the chosen level; 2-D Gaussian for C9+C10 if given)") \
    U(x, FLAVOUR_UNTESTED, "flavour_untested",                                                    \
      "the fit does not describe this point (several or primed coefficients non-zero): flavour not evaluated")
#define zp_flavour_obs(O, x)                                                                     \
    O(x, C9, "C9", "1", 1, 0, "Wilson coefficient C9 of the scan's lepton, tree-level matching eq. (2.2): K(M) gqL gV") \
    O(x, C10, "C10", "1", 1, 0, "Wilson coefficient C10, K(M) gqL gA")                            \
    O(x, C9P, "C9p", "1", 1, 0, "primed coefficient C9' (sbar gamma P_R b), K(M) gqR gV")          \
    O(x, C10P, "C10p", "1", 1, 0, "primed coefficient C10', K(M) gqR gA")                          \
    O(x, FLAVOUR_CHI2, "flavour_chi2", "1", 0, 1,                                                 \
      "Delta chi^2 of the point in the b->sll fit (asymmetric Gaussian from the 1 sigma interval of Table 1, " \
      "or the 2-D Gaussian); NaN where the fit does not describe the point")
#define zp_flavour_keys(K, x)                                                                    \
    K(x, "file", "flavour-fit data file")                                                         \
    K(x, "level", "1 | 2: which interval decides")
/* (its INI section or "", one line for --help, how it defines Delta chi^2 or "") */
#define zp_flavour_about "flavour", "b->sll global fit (Wilson coefficients C9, C10)", \
    "flavour_chi2: asymmetric Gaussian from the 1 sigma interval, or the 2-D Gaussian"
#endif

#if defined(ZP_CONSTRAINT_CFG) && !defined(ZP_C_FLAVOUR_CFG)
#define ZP_C_FLAVOUR_CFG
/* the b->sll fit (docs/PHYSICS.md §4) from its data file. Index: 0 = C9, 1 = C10 of the lepton. */
typedef struct {
    int have[2];
    double best[2], lo1[2], hi1[2], lo2[2], hi2[2];
    int level;                 /* 1 or 2: which interval decides the verdict */
    int have_gauss2d;          /* optional 2-D Gaussian in (C9, C10) for mixed points */
    double g2d_mean[2], g2d_cov[3]; /* cov: s99, s9_10, s10_10 */
    double g2d_chi2_max;       /* verdict threshold (6.18 = 2 sigma, 2 dof) */
    int gn;                    /* general Gaussian ([<l>.gauss]): its coefficients, 0 = none */
    int gidx[4];               /* which: 0 C9, 1 C10, 2 C9p, 3 C10p */
    double gmean[4], ginv[16]; /* mean and inverse covariance (gn x gn, row by row) */
    double gchi2max;
    char gsource[256];
    char path[512];
} zp_flavour_cfg;
#endif

#if defined(ZP_CONSTRAINT_IMPL) && !defined(ZP_C_FLAVOUR_IMPL)
#define ZP_C_FLAVOUR_IMPL
/* its settings: zp_flavour_cfg (c->cc.flavour) */
static void zp_flavour_defaults(zp_config *c)
{
    c->cc.flavour.level = 2;
    c->cc.flavour.g2d_chi2_max = 6.18;
    zp_ini_join_path(c->cc.flavour.path, sizeof c->cc.flavour.path, zp_ini_data_dir(), "flavour/table1_2017.ini");
}
/* the fit itself, so figures need not find the data file again: [C9, C10] */
static zp_status zp_flavour_record(hid_t grp, const zp_config *c)
{
    ZP_TRY(zp_h5a_str(grp, "flavour_file", c->cc.flavour.path));
    ZP_TRY(zp_h5a_i64(grp, "flavour_level_sigma", c->cc.flavour.level));
    ZP_TRY(zp_h5a_num(grp, "flavour_have", H5T_NATIVE_INT, c->cc.flavour.have, 2));
    ZP_TRY(zp_h5a_num(grp, "flavour_best", H5T_NATIVE_DOUBLE, c->cc.flavour.best, 2));
    ZP_TRY(zp_h5a_num(grp, "flavour_lo1", H5T_NATIVE_DOUBLE, c->cc.flavour.lo1, 2));
    ZP_TRY(zp_h5a_num(grp, "flavour_hi1", H5T_NATIVE_DOUBLE, c->cc.flavour.hi1, 2));
    ZP_TRY(zp_h5a_num(grp, "flavour_lo2", H5T_NATIVE_DOUBLE, c->cc.flavour.lo2, 2));
    ZP_TRY(zp_h5a_num(grp, "flavour_hi2", H5T_NATIVE_DOUBLE, c->cc.flavour.hi2, 2));
    ZP_TRY(zp_h5a_str(grp, "flavour_multi_rule",
                    c->cc.flavour.have_gauss2d
                        ? "C9 and C10 both non-zero: 2-D Gaussian chi2 <= chi2_max (see flavour file)"
                        : "several coefficients non-zero: not described by the fit (flavour_untested)"));
    if (c->cc.flavour.gn) { /* the general Gaussian */
        static const char *const cn[4] = {"C9", "C10", "C9p", "C10p"};
        const char *names[4];
        for (int k = 0; k < c->cc.flavour.gn; ++k) names[k] = cn[c->cc.flavour.gidx[k]];
        ZP_TRY(zp_h5a_strs(grp, "flavour_gauss_coefficients", names, c->cc.flavour.gn));
        ZP_TRY(zp_h5a_num(grp, "flavour_gauss_mean", H5T_NATIVE_DOUBLE, c->cc.flavour.gmean, c->cc.flavour.gn));
        ZP_TRY(zp_h5a_num(grp, "flavour_gauss_inverse_cov", H5T_NATIVE_DOUBLE, c->cc.flavour.ginv,
                          c->cc.flavour.gn * c->cc.flavour.gn));
        ZP_TRY(zp_h5a_f64(grp, "flavour_gauss_chi2_max", c->cc.flavour.gchi2max));
        ZP_TRY(zp_h5a_str(grp, "flavour_gauss_source", c->cc.flavour.gsource));
    }
    return ZP_OK;
}
/* where its data files are, blanked for the resume fingerprint (the numbers count, not
 * the path they were read from) */
static void zp_flavour_unpath(zp_flavour_cfg *s)
{
    memset(s->path, 0, sizeof s->path);
}
/* its [flavour] keys (docs/INPUT.md); data-file paths are relative to the input file */
static zp_status zp_flavour_parse(const zp_ini_doc *d, zp_config *c, const char *dir)
{
    ZP_TRY(zp_ini_file_key(d, "flavour", "file", dir, c->cc.flavour.path, sizeof c->cc.flavour.path));
    const zp_ini_ent *e;
    if ((e = zp_ini_get(d, "flavour", "level"))) {
        if (!strcmp(e->val, "1")) c->cc.flavour.level = 1;
        else if (!strcmp(e->val, "2")) c->cc.flavour.level = 2;
        else return ZP_INI_BAD(d, e, "'%s' is not a level (1 or 2)", e->val);
    }
    return ZP_OK;
}

/* inv = a^-1 for a symmetric n x n (n <= 4) matrix, by Cholesky; non-zero if a is not
 * positive definite */
static int zp_flavour_invert(const double *a, int n, double *inv)
{
    double L[16] = {0}, Li[16] = {0};
    for (int i = 0; i < n; ++i)
        for (int j = 0; j <= i; ++j) {
            double s = a[i * n + j];
            for (int k = 0; k < j; ++k) s -= L[i * 4 + k] * L[j * 4 + k];
            if (i == j) {
                if (!(s > 0)) return 1;
                L[i * 4 + i] = sqrt(s);
            } else {
                L[i * 4 + j] = s / L[j * 4 + j];
            }
        }
    for (int j = 0; j < n; ++j) /* L^-1, column by column */
        for (int i = j; i < n; ++i) {
            double s = i == j ? 1.0 : 0.0;
            for (int k = j; k < i; ++k) s -= L[i * 4 + k] * Li[k * 4 + j];
            Li[i * 4 + j] = s / L[i * 4 + i];
        }
    for (int i = 0; i < n; ++i) /* a^-1 = L^-T L^-1 */
        for (int j = 0; j < n; ++j) {
            double s = 0;
            for (int k = i > j ? i : j; k < n; ++k) s += Li[k * 4 + i] * Li[k * 4 + j];
            inv[i * n + j] = s;
        }
    return 0;
}

/* [<lep>.gauss]: coefficients (a subset of C9, C10, C9p, C10p), mean, cov (row by row,
 * symmetric, positive definite), chi2_max, source; into f when f is not NULL */
static zp_status flavour_gauss(const zp_ini_doc *d, const char *lep, zp_flavour_cfg *f)
{
    char sec[32];
    snprintf(sec, sizeof sec, "%s.gauss", lep);
    const zp_ini_sec *s = zp_ini_section(d, sec);
    if (!s) return ZP_OK;
    static const char *names[4] = {"C9", "C10", "C9p", "C10p"};
    const zp_ini_ent *e;
    char buf[1024], *it[ZP_INI_MAX_ITEMS];
    int n = 0, idx[4];
    if (!(e = zp_ini_get(d, sec, "coefficients"))) return zp_ini_bad(d->path, s->line, sec, "coefficients", "required key is missing");
    snprintf(buf, sizeof buf, "%s", e->val);
    ZP_TRY(zp_ini_list(d, e, buf, it, ZP_INI_MAX_ITEMS, &n));
    if (n < 1 || n > 4) return ZP_INI_BAD(d, e, "%d coefficients (1 to 4 of C9, C10, C9p, C10p)", n);
    for (int k = 0; k < n; ++k) {
        idx[k] = -1;
        for (int j = 0; j < 4; ++j)
            if (!strcmp(it[k], names[j])) idx[k] = j;
        if (idx[k] < 0) return ZP_INI_BAD(d, e, "'%s' is not C9, C10, C9p or C10p", it[k]);
        for (int j = 0; j < k; ++j)
            if (idx[j] == idx[k]) return ZP_INI_BAD(d, e, "'%s' given twice", it[k]);
    }
    double mean[4], cov[16], chi2max;
    int m = 0;
    if (!(e = zp_ini_get(d, sec, "mean"))) return zp_ini_bad(d->path, s->line, sec, "mean", "required key is missing");
    snprintf(buf, sizeof buf, "%s", e->val);
    ZP_TRY(zp_ini_list(d, e, buf, it, ZP_INI_MAX_ITEMS, &m));
    if (m != n) return ZP_INI_BAD(d, e, "%d values for %d coefficients", m, n);
    for (int k = 0; k < n; ++k)
        if (!zp_ini_parse_real(it[k], &mean[k])) return ZP_INI_BAD(d, e, "'%s' is not a number", it[k]);
    if (!(e = zp_ini_get(d, sec, "cov"))) return zp_ini_bad(d->path, s->line, sec, "cov", "required key is missing");
    snprintf(buf, sizeof buf, "%s", e->val);
    ZP_TRY(zp_ini_list(d, e, buf, it, ZP_INI_MAX_ITEMS, &m));
    if (m != n * n) return ZP_INI_BAD(d, e, "%d values, a %dx%d matrix needs %d (row by row)", m, n, n, n * n);
    for (int k = 0; k < m; ++k)
        if (!zp_ini_parse_real(it[k], &cov[k])) return ZP_INI_BAD(d, e, "'%s' is not a number", it[k]);
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < i; ++j)
            if (cov[i * n + j] != cov[j * n + i]) return ZP_INI_BAD(d, e, "not symmetric (entries %d,%d and %d,%d)", i + 1, j + 1, j + 1, i + 1);
    double inv[16];
    if (zp_flavour_invert(cov, n, inv)) return ZP_INI_BAD(d, e, "not positive definite");
    ZP_TRY(zp_ini_data_real(d, sec, "chi2_max", 1, &chi2max, NULL));
    if (!(chi2max > 0)) return ZP_INI_BAD(d, zp_ini_get(d, sec, "chi2_max"), "must be > 0");
    if (!(e = zp_ini_get(d, sec, "source")) || !e->val[0])
        return zp_ini_bad(d->path, s->line, sec, "source", "required key is missing (every number names its source)");
    if (f) {
        f->gn = n;
        for (int k = 0; k < n; ++k) f->gidx[k] = idx[k], f->gmean[k] = mean[k];
        memcpy(f->ginv, inv, sizeof inv);
        f->gchi2max = chi2max;
        snprintf(f->gsource, sizeof f->gsource, "%s", e->val);
    }
    return ZP_OK;
}

/* the fit file: every section checked, the scanned lepton's numbers kept */
static zp_status zp_flavour_load(const zp_ini_doc *in, zp_config *c)
{
    zp_flavour_cfg *f = &c->cc.flavour;
    const zp_lepton lep = c->lepton;
    zp_ini_doc d;
    ZP_TRY(zp_ini_load_named(in, "flavour", "file", f->path, &d));
    zp_status st = ZP_OK;

    static const char *leps[3] = {"mu", "e", "univ"}, *coefs[2] = {"C9", "C10"};
    static const char *ckeys[] = {"best", "lo1", "hi1", "lo2", "hi2"};
    static const char *gkeys[] = {"mean_C9", "mean_C10", "cov_99", "cov_9_10", "cov_10_10",
                                  "chi2_max"};
    /* schema */
    for (int i = 0; st == ZP_OK && i < d.nsec; ++i) {
        const char *n = d.secs[i].name;
        int ok = 0;
        for (int l = 0; l < 3; ++l) {
            char b[32];
            for (int k = 0; k < 2; ++k) {
                snprintf(b, sizeof b, "%s.%s", leps[l], coefs[k]);
                ok |= !strcmp(n, b);
            }
            snprintf(b, sizeof b, "%s.gauss2d", leps[l]);
            ok |= !strcmp(n, b);
            snprintf(b, sizeof b, "%s.gauss", leps[l]);
            ok |= !strcmp(n, b);
        }
        if (!ok)
            st = zp_ini_bad(d.path, d.secs[i].line, n, NULL, "unknown section (known: <l>.C9, <l>.C10, "
                     "<l>.gauss2d, <l>.gauss for l = mu, e, univ)");
    }
    for (int i = 0; st == ZP_OK && i < d.nent; ++i) {
        const zp_ini_ent *e = &d.ents[i];
        int g = strstr(e->sec, ".gauss2d") != NULL, ok = 0;
        const size_t sl = strlen(e->sec);
        if (sl > 6 && !strcmp(e->sec + sl - 6, ".gauss")) {
            static const char *nkeys[] = {"coefficients", "mean", "cov", "chi2_max", "source"};
            for (size_t k = 0; k < sizeof nkeys / sizeof nkeys[0]; ++k) ok |= !strcmp(e->key, nkeys[k]);
        } else if (g) {
            for (size_t k = 0; k < sizeof gkeys / sizeof gkeys[0]; ++k) ok |= !strcmp(e->key, gkeys[k]);
        } else {
            for (size_t k = 0; k < sizeof ckeys / sizeof ckeys[0]; ++k) ok |= !strcmp(e->key, ckeys[k]);
        }
        if (!ok) st = ZP_INI_BAD(&d, e, "unknown key");
    }
    /* values, for every lepton (so a broken entry is found whichever lepton is scanned) */
    for (int l = 0; st == ZP_OK && l < 3; ++l) {
        if (st == ZP_OK) st = flavour_gauss(&d, leps[l], (int)lep == l ? f : NULL);
        for (int k = 0; st == ZP_OK && k < 2; ++k) {
            char sec[32];
            snprintf(sec, sizeof sec, "%s.%s", leps[l], coefs[k]);
            const zp_ini_sec *s = zp_ini_section(&d, sec);
            if (!s) continue;
            double v[5];
            for (int j = 0; st == ZP_OK && j < 5; ++j)
                st = zp_ini_data_real(&d, sec, ckeys[j], 1, &v[j], NULL);
            if (st != ZP_OK) break;
            /* lo2 <= lo1 < best < hi1 <= hi2 */
            const char *which = NULL;
            if (!(v[3] <= v[1])) which = "lo2";
            else if (!(v[1] < v[0])) which = "lo1";
            else if (!(v[0] < v[2])) which = "hi1";
            else if (!(v[2] <= v[4])) which = "hi2";
            if (which) {
                st = ZP_INI_BAD(&d, zp_ini_get(&d, sec, which), "intervals must nest: need lo2 <= lo1 < "
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
        const zp_ini_sec *s = zp_ini_section(&d, sec);
        if (st != ZP_OK || !s) continue;
        double g[6] = {0, 0, 0, 0, 0, 6.18};
        for (int j = 0; st == ZP_OK && j < 6; ++j)
            st = zp_ini_data_real(&d, sec, gkeys[j], j < 5, &g[j], NULL);
        if (st != ZP_OK) break;
        if (!(g[2] > 0)) st = ZP_INI_BAD(&d, zp_ini_get(&d, sec, "cov_99"), "must be > 0");
        else if (!(g[4] > 0)) st = ZP_INI_BAD(&d, zp_ini_get(&d, sec, "cov_10_10"), "must be > 0");
        else if (!(g[2] * g[4] - g[3] * g[3] > 0))
            st = ZP_INI_BAD(&d, zp_ini_get(&d, sec, "cov_9_10"), "the covariance is not positive definite");
        else if (!(g[5] > 0)) st = ZP_INI_BAD(&d, zp_ini_get(&d, sec, "chi2_max"), "must be > 0");
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
    /* mu+e with nothing for univ: untested everywhere (no numbers the file does not give) */
    if (st == ZP_OK && !f->have[0] && !f->have[1] && !f->gn && lep != ZP_LEPTON_UNIV)
        st = zp_ini_bad(d.path, 0, NULL, NULL, "no [%s.C9], [%s.C10] or [%s.gauss] section for the scanned lepton",
                 leps[lep], leps[lep], leps[lep]);
    zp_ini_free(&d);
    return st;
}

#endif

#if defined(ZP_KERNEL_PASS) && !defined(ZP_C_FLAVOUR_KERNEL)
#define ZP_C_FLAVOUR_KERNEL
typedef struct {
    double K, KL;
    double b9, b10, iu9, id9, iu10, id10, lo9, hi9, lo10, hi10, gm9, gm10, gi0, gi1x2, gi2, gchi, chi_sm;
    int64_t h9, h10, g2d, pass_sm;
    int none;          /* nothing for this lepton (mu+e without univ entries): untested */
    int gn, gidx[4];   /* the general Gaussian */
    double gmean[4], ginv[16]; /* (gchi: its chi2_max when gn) */
} zp_flavour_rc;
typedef struct {
    vd C9, C10, C9p, C10p, chi;
} zp_flavour_st;

INLINE void zp_flavour_rc_init(zp_flavour_rc *c, const zp_model *m, const zp_mass_slice *s, double gqL)
{
    c->K = s->K;
    c->KL = s->K * gqL;
    c->h9 = -(int64_t)(m->f_have[0] != 0);
    c->h10 = -(int64_t)(m->f_have[1] != 0);
    c->g2d = -(int64_t)(m->f_g2d != 0);
    c->b9 = m->f_best[0];
    c->b10 = m->f_best[1];
    /* (C - best) / sigma as a product with the reciprocal (rounding-level change) */
    c->iu9 = 1.0 / m->f_sup[0];
    c->id9 = 1.0 / m->f_sdn[0];
    c->iu10 = 1.0 / m->f_sup[1];
    c->id10 = 1.0 / m->f_sdn[1];
    c->lo9 = m->f_lo[0];
    c->hi9 = m->f_hi[0];
    c->lo10 = m->f_lo[1];
    c->hi10 = m->f_hi[1];
    c->gm9 = m->f_g2d_mean[0];
    c->gm10 = m->f_g2d_mean[1];
    c->gi0 = m->f_g2d_inv[0];
    c->gi1x2 = 2.0 * m->f_g2d_inv[1];
    c->gi2 = m->f_g2d_inv[2];
    c->gchi = m->f_g2d_chi2max;
    c->gn = m->f_gn;
    for (int k = 0; k < 4; ++k) c->gidx[k] = m->f_gidx[k], c->gmean[k] = m->f_gmean[k];
    for (int k = 0; k < 16; ++k) c->ginv[k] = m->f_ginv[k];
    c->gchi = m->f_gn ? m->f_gchi2max : c->gchi;
    c->none = !m->f_have[0] && !m->f_have[1] && !m->f_g2d && !m->f_gn;
    /* SM-point flavour verdict is the same for every point: compute once. */
    const int h9 = m->f_have[0], h10 = m->f_have[1];
    const double z9 = (0.0 - c->b9) * (0.0 > c->b9 ? c->iu9 : c->id9);
    const double z10 = (0.0 - c->b10) * (0.0 > c->b10 ? c->iu10 : c->id10);
    c->chi_sm = fmin(h9 ? z9 * z9 : INFINITY, h10 ? z10 * z10 : INFINITY);
    c->pass_sm = -(int64_t)((!h9 || (c->lo9 <= 0.0 && 0.0 <= c->hi9))
                            && (!h10 || (c->lo10 <= 0.0 && 0.0 <= c->hi10)) && (h9 || h10));
}

/* (C - best) / sigma with the asymmetric Table 1 errors, as products with reciprocals */
INLINE vd zp_flavour_pull(vd C, double best, double inv_up, double inv_dn)
{
    const vd zero = {0};
    return (C - best) * vsel(C > best, zero + inv_up, zero + inv_dn);
}
INLINE vi zp_flavour_in(vd C, double lo, double hi) { return (C >= lo) & (C <= hi); }

INLINE void zp_flavour_part1(const int full, const zp_flavour_rc *c, const zp_pt *p, zp_flavour_st *st, zp_blk *b)
{
    (void)full;
    const vd zero = {0};
    const vd Kr = c->K * p->r;
    const vd C9 = c->KL * p->v, C10 = c->KL * p->a;
    /* gqR = 0 (the verdicts pass only, where the primed coefficients are not stored): none */
    const vd C9p = p->r0 ? zero : Kr * p->v, C10p = p->r0 ? zero : Kr * p->a;
    const vi nzp = p->r0 ? (vi){0} : (C9p != 0.0) | (C10p != 0.0);
    vi fok, ftested;
    int allnan = 0; /* untested in every lane: chi NaN throughout */
    if (c->gn) { /* a row constant: the general Gaussian decides what it covers */
        const vd C[4] = {C9, C10, C9p, C10p};
        vi outside = (vi){0};
        int in[4] = {0, 0, 0, 0};
        for (int k = 0; k < c->gn; ++k) in[c->gidx[k]] = 1;
        for (int j = 0; j < 4; ++j)
            if (!in[j]) outside |= C[j] != 0.0;
        vd x[4], chi = zero;
        for (int k = 0; k < c->gn; ++k) x[k] = C[c->gidx[k]] - c->gmean[k];
        for (int i = 0; i < c->gn; ++i)
            for (int j = 0; j < c->gn; ++j) chi += c->ginv[i * c->gn + j] * x[i] * x[j];
        ftested = ~outside;
        fok = ftested & (chi <= c->gchi);
        st->chi = vsel(ftested, chi, zero + NAN);
    } else if (c->none) {
        fok = ftested = (vi){0};
        st->chi = zero + NAN;
        allnan = 1;
    } else if (!p->r0 && all_set(nzp)) {
        /* a primed coefficient in every lane (gqR != 0): Table 1 tests none of them, so the
         * verdicts below are known (untested, chi2 NaN); the same bits, a third of the work */
        fok = ftested = (vi){0};
        st->chi = zero + NAN;
        allnan = 1;
    } else {
        const vi nz9 = C9 != 0.0, nz10 = C10 != 0.0;
        const vi only9 = nz9 & ~nz10 & ~nzp & c->h9, only10 = nz10 & ~nz9 & ~nzp & c->h10;
        if (!c->g2d && all_set(nz9 & nz10)) {
            /* C9 and C10 both non-zero in every lane and no 2-D Gaussian to test them together
             * (Table 1 has none): untested again, the same bits as the general case gives */
            fok = ftested = (vi){0};
            st->chi = zero + NAN;
            allnan = 1;
        } else if (all_set(only9) || all_set(only10)) {
            /* one coefficient alone in every lane (the paper's scenarios): its interval */
            const int is9 = all_set(only9);
            const vd C = is9 ? C9 : C10;
            ftested = (vi){0} - 1;
            fok = is9 ? zp_flavour_in(C, c->lo9, c->hi9) : zp_flavour_in(C, c->lo10, c->hi10);
            const vd e = is9 ? zp_flavour_pull(C, c->b9, c->iu9, c->id9) : zp_flavour_pull(C, c->b10, c->iu10, c->id10);
            st->chi = e * e;
        } else {
            /* the four cases are disjoint: each only where some lane has it */
            const vi sm = ~(nz9 | nz10 | nzp), mixed = nz9 & nz10 & ~nzp & c->g2d;
            ftested = only9 | only10 | sm | mixed;
            fok = (vi){0};
            vd chi = zero + NAN;
            if (any_set(only9)) {
                const vd e9 = zp_flavour_pull(C9, c->b9, c->iu9, c->id9);
                fok |= only9 & zp_flavour_in(C9, c->lo9, c->hi9);
                chi = vsel(only9, e9 * e9, chi);
            }
            if (any_set(only10)) {
                const vd e10 = zp_flavour_pull(C10, c->b10, c->iu10, c->id10);
                fok |= only10 & zp_flavour_in(C10, c->lo10, c->hi10);
                chi = vsel(only10, e10 * e10, chi);
            }
            if (any_set(sm)) {
                fok |= sm & c->pass_sm;
                chi = vsel(sm, zero + c->chi_sm, chi);
            }
            if (c->g2d && any_set(mixed)) { /* c->g2d: a row constant */
                const vd x9 = C9 - c->gm9, x10 = C10 - c->gm10;
                const vd chi2d = c->gi0 * x9 * x9 + c->gi1x2 * x9 * x10 + c->gi2 * x10 * x10;
                fok |= mixed & (chi2d <= c->gchi);
                chi = vsel(mixed, chi2d, chi);
            }
            st->chi = chi;
        }
    }
    ZP_SETBIT(b, fok, ZP_BIT_FLAVOUR);
    ZP_UNTESTED(b, ~ftested, ZP_BIT_FLAVOUR, ZP_BIT_FLAVOUR_UNTESTED);
    if (allnan) ZP_NAN_TERM(b, ZP_BIT_FLAVOUR);
    else ZP_CHI2(b, ZP_BIT_FLAVOUR, st->chi);
    st->C9 = C9;
    st->C10 = C10;
    st->C9p = C9p;
    st->C10p = C10p;
}

INLINE void zp_flavour_part2(const int full, const zp_flavour_rc *c, const zp_pt *p, const zp_flavour_st *st,
                             zp_blk *b, const zp_outs *out, int64_t i, int64_t nr)
{
    (void)c, (void)p, (void)b;
    ZP_PUT(full, out, ZP_OBS_FLAVOUR_CHI2, st->chi, i, nr);
    ZP_PUT(full, out, ZP_OBS_C9, st->C9, i, nr);
    ZP_PUT(full, out, ZP_OBS_C10, st->C10, i, nr);
    ZP_PUT(full, out, ZP_OBS_C9P, st->C9p, i, nr);
    ZP_PUT(full, out, ZP_OBS_C10P, st->C10p, i, nr);
}
#endif
ZP_CONSTRAINT(flavour)
