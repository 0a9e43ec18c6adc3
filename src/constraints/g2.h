/* Lepton g-2 (docs/PHYSICS.md §3): Delta a_l of the Z' against the measured discrepancy
 * of the scan's lepton (a preset of inputs/g2/presets.ini); pass by the input's rule.
 * Likelihood: a Gaussian in Delta a_l, Delta chi^2 = pull^2. For lepton = mu+e both
 * leptons: the muon's (preset) and the electron's (preset_e) must pass; Delta chi^2 sums. */
#ifndef ZP_C_G2_VOCAB
#define ZP_C_G2_VOCAB
/* bits: pass first, then "untested" if the constraint can be undecided */
#define zp_g2_bits(B, U, x) B(x, G2, "g2", "lepton g-2 rule passes (see /inputs attribute g2_rule)")
/* observables: (x, enum, name, units, stored by default, read by projections, description) */
#define zp_g2_obs(O, x)                                                                          \
    O(x, DELTA_A, "delta_a", "1", 1, 0,                                                           \
      "Z' contribution to the lepton anomalous moment, g'^2 m^2 (gV^2 - 5 gA^2)/(12 pi^2 M^2), "   \
      "eqs. (2.3)-(2.4)")                                                                         \
    O(x, G2_PULL, "g2_pull", "1", 0, 1, "(delta_a - measured discrepancy) / its uncertainty")            \
    O(x, DELTA_A_E, "delta_a_e", "1", 0, 0,                                                       \
      "lepton = mu+e only: the electron's Delta a (delta_a is the muon's); NaN otherwise")        \
    O(x, G2_PULL_E, "g2_pull_e", "1", 0, 0, "lepton = mu+e only: the electron's g-2 pull; NaN otherwise")
/* INI keys of the constraint's section: (x, key, help) */
#define zp_g2_keys(K, x)                                                                         \
    K(x, "preset", "preset name in the presets file (mu+e: the muon's)")                           \
    K(x, "preset_e", "mu+e: the electron's preset (default: preset)")                             \
    K(x, "file", "g-2 presets file")                                                              \
    K(x, "rule", "no_worse | pull")                                                               \
    K(x, "nsigma", "threshold in sigma (> 0)")
/* (its INI section or "", one line for --help, how it defines Delta chi^2 or "") */
#define zp_g2_about "g-2", "lepton g-2 against the measured discrepancy", \
    "pull^2: a Gaussian in Delta a_l with the preset's uncertainty"
#endif

#if defined(ZP_CONSTRAINT_CFG) && !defined(ZP_C_G2_CFG)
#define ZP_C_G2_CFG
typedef enum { ZP_G2_RULE_NO_WORSE = 0, ZP_G2_RULE_PULL } zp_g2_rule;
typedef struct {
    double central, sigma;     /* Delta a_l for the scan's lepton (mu+e: the muon) */
    double central_e, sigma_e; /* mu+e: the electron's */
    char preset_e[64];         /* mu+e: the electron's preset ("": preset) */
    zp_g2_rule rule;
    double nsigma;
    char preset[64];
    char path[512];
} zp_g2_cfg;
#endif

#if defined(ZP_CONSTRAINT_IMPL) && !defined(ZP_C_G2_IMPL)
#define ZP_C_G2_IMPL
/* its settings: zp_g2_cfg (c->cc.g2) */
static void zp_g2_defaults(zp_config *c)
{
    c->cc.g2.rule = ZP_G2_RULE_NO_WORSE;
    c->cc.g2.nsigma = 2.0;
    snprintf(c->cc.g2.preset, sizeof c->cc.g2.preset, "%s", "paper2017");
    zp_ini_join_path(c->cc.g2.path, sizeof c->cc.g2.path, zp_ini_data_dir(), "g2/presets.ini");
}
static zp_status zp_g2_record(hid_t grp, const zp_config *c)
{
    if (c->lepton == ZP_LEPTON_UNIV) {
        ZP_TRY(zp_h5a_str(grp, "g2_preset_e", c->cc.g2.preset_e[0] ? c->cc.g2.preset_e : c->cc.g2.preset));
        ZP_TRY(zp_h5a_f64(grp, "g2_central_e", c->cc.g2.central_e));
        ZP_TRY(zp_h5a_f64(grp, "g2_sigma_e", c->cc.g2.sigma_e));
    }
    ZP_TRY(zp_h5a_str(grp, "g2_preset", c->cc.g2.preset));
    ZP_TRY(zp_h5a_f64(grp, "g2_central", c->cc.g2.central));
    ZP_TRY(zp_h5a_f64(grp, "g2_sigma", c->cc.g2.sigma));
    ZP_TRY(zp_h5a_str(grp, "g2_rule", c->cc.g2.rule == ZP_G2_RULE_PULL
                                        ? "pull: pass if |pull| <= nsigma"
                                        : "no_worse: pass if |pull| <= max(nsigma, |pull of the SM|)"));
    ZP_TRY(zp_h5a_f64(grp, "g2_nsigma", c->cc.g2.nsigma));
    return ZP_OK;
}
/* where its data files are, blanked for the resume fingerprint (the numbers count, not
 * the path they were read from) */
static void zp_g2_unpath(zp_g2_cfg *s)
{
    memset(s->path, 0, sizeof s->path);
}
/* its [g-2] keys (docs/INPUT.md); data-file paths are relative to the input file */
static zp_status zp_g2_parse(const zp_ini_doc *d, zp_config *c, const char *dir)
{
    ZP_TRY(zp_ini_file_key(d, "g-2", "file", dir, c->cc.g2.path, sizeof c->cc.g2.path));
    const zp_ini_ent *e;
    if ((e = zp_ini_get(d, "g-2", "preset"))) {
        if (!e->val[0]) return ZP_INI_BAD(d, e, "missing value (expected a preset name)");
        if (strlen(e->val) >= sizeof c->cc.g2.preset)
            return ZP_INI_BAD(d, e, "preset name too long (at most %zu characters)",
                        sizeof c->cc.g2.preset - 1);
        snprintf(c->cc.g2.preset, sizeof c->cc.g2.preset, "%s", e->val);
    }
    if ((e = zp_ini_get(d, "g-2", "preset_e"))) {
        if (c->lepton != ZP_LEPTON_UNIV) return ZP_INI_BAD(d, e, "only for lepton = mu+e (use preset)");
        if (!e->val[0]) return ZP_INI_BAD(d, e, "missing value (expected a preset name)");
        if (strlen(e->val) >= sizeof c->cc.g2.preset_e)
            return ZP_INI_BAD(d, e, "preset name too long (at most %zu characters)", sizeof c->cc.g2.preset_e - 1);
        snprintf(c->cc.g2.preset_e, sizeof c->cc.g2.preset_e, "%s", e->val);
    }
    if ((e = zp_ini_get(d, "g-2", "rule"))) {
        if (!strcmp(e->val, "no_worse")) c->cc.g2.rule = ZP_G2_RULE_NO_WORSE;
        else if (!strcmp(e->val, "pull")) c->cc.g2.rule = ZP_G2_RULE_PULL;
        else return ZP_INI_BAD(d, e, "'%s' is not a rule (no_worse or pull)", e->val);
    }
    if ((e = zp_ini_get(d, "g-2", "nsigma"))) {
        ZP_TRY(zp_ini_real(d, e, &c->cc.g2.nsigma));
        if (!(c->cc.g2.nsigma > 0)) return ZP_INI_BAD(d, e, "must be > 0 (got %s)", e->val);
    }
    return ZP_OK;
}

/* preset `name` (named by key `key` of [g-2]) is in the presets file and has an entry for
 * the muon (e = 0) or the electron (e = 1) */
static zp_status g2_preset_has(const zp_ini_doc *in, const zp_ini_doc *d, const zp_g2_cfg *g, const char *key,
                               const char *name, int e)
{
    const int pline = zp_ini_line(in, "g-2", key);
    const zp_ini_sec *s = zp_ini_section(d, name);
    if (!s) {
        char known[512] = "";
        for (int i = 0; i < d->nsec; ++i) {
            size_t kl = strlen(known);
            snprintf(known + kl, sizeof known - kl, "%s%s", i ? ", " : "", d->secs[i].name);
        }
        return zp_ini_bad(in->path, pline, "g-2", key, "preset '%s' is not in %s (presets: %s)", name, g->path,
                          known);
    }
    if (!zp_ini_get(d, name, e ? "e_central" : "mu_central"))
        return zp_ini_bad(in->path, pline, "g-2", key, "preset '%s' in %s (line %d) has no %s entry (%s_central, "
                          "%s_sigma), but the scan needs the %s's", name, g->path, s->line, e ? "electron" : "muon",
                          e ? "e" : "mu", e ? "e" : "mu", e ? "electron" : "muon");
    return ZP_OK;
}

/* the presets file: every preset checked, the chosen one's numbers kept */
static zp_status zp_g2_load(const zp_ini_doc *in, zp_config *c)
{
    zp_g2_cfg *g = &c->cc.g2;
    const zp_lepton lep = c->lepton;
    zp_ini_doc d;
    ZP_TRY(zp_ini_load_named(in, "g-2", "file", g->path, &d));
    zp_status st = ZP_OK;

    static const char *keys[] = {"mu_central", "mu_sigma", "e_central", "e_sigma", "source"};
    for (int i = 0; st == ZP_OK && i < d.nent; ++i) {
        int ok = 0;
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; ++k) ok |= !strcmp(d.ents[i].key, keys[k]);
        if (!ok) st = ZP_INI_BAD(&d, &d.ents[i], "unknown key (known: mu_central, mu_sigma, e_central, "
                           "e_sigma, source)");
    }
    /* every preset: numbers, pairs complete, sigma > 0 */
    for (int i = 0; st == ZP_OK && i < d.nsec; ++i) {
        const char *sec = d.secs[i].name;
        int any = 0;
        for (int l = 0; st == ZP_OK && l < 2; ++l) {
            double cval = 0, sval = 0;
            int hc, hs;
            st = zp_ini_data_real(&d, sec, keys[2 * l], 0, &cval, &hc);
            if (st == ZP_OK) st = zp_ini_data_real(&d, sec, keys[2 * l + 1], 0, &sval, &hs);
            if (st != ZP_OK) break;
            if (hc != hs) {
                st = zp_ini_bad(d.path, d.secs[i].line, sec, keys[2 * l + (hc ? 1 : 0)],
                         "required key is missing (%s needs both)", hc ? keys[2 * l] : keys[2 * l + 1]);
                break;
            }
            if (hs && !(sval > 0)) {
                st = ZP_INI_BAD(&d, zp_ini_get(&d, sec, keys[2 * l + 1]), "must be > 0");
                break;
            }
            any |= hc;
            /* the scan's lepton (mu+e: the muon) from preset; mu+e's electron from preset_e */
            const int first = lep == ZP_LEPTON_E ? 1 : 0;
            if (hc && l == first && !strcmp(sec, g->preset)) {
                g->central = cval;
                g->sigma = sval;
            }
            if (hc && l == 1 && lep == ZP_LEPTON_UNIV && !strcmp(sec, g->preset_e[0] ? g->preset_e : g->preset)) {
                g->central_e = cval;
                g->sigma_e = sval;
            }
        }
        if (st == ZP_OK && !any)
            st = zp_ini_bad(d.path, d.secs[i].line, sec, NULL, "preset has neither mu_central/mu_sigma "
                     "nor e_central/e_sigma");
    }
    /* the preset(s) the scan names exist and have its lepton(s) */
    if (st == ZP_OK) st = g2_preset_has(in, &d, g, "preset", g->preset, lep == ZP_LEPTON_E);
    if (st == ZP_OK && lep == ZP_LEPTON_UNIV)
        st = g2_preset_has(in, &d, g, g->preset_e[0] ? "preset_e" : "preset",
                           g->preset_e[0] ? g->preset_e : g->preset, 1);
    zp_ini_free(&d);
    return st;
}

#endif

#if defined(ZP_KERNEL_PASS) && !defined(ZP_C_G2_KERNEL)
#define ZP_C_G2_KERNEL
typedef struct {
    double g2pref, g2c, g2is, g2thr;
    int two; /* lepton = mu+e: the electron as well */
    double pref2, c2, is2, thr2;
} zp_g2_rc;
typedef struct {
    vd da, pull; /* (mu+e's electron: recomputed in the second half, only when stored) */
} zp_g2_st;

INLINE void zp_g2_rc_init(zp_g2_rc *c, const zp_model *m, const zp_mass_slice *s, double gqL)
{
    (void)gqL;
    c->g2pref = s->g2pref;
    c->g2c = m->g2_central;
    c->g2is = m->g2_inv_sigma;
    c->g2thr = m->g2_threshold;
    c->two = m->ml2 > 0.0;
    c->pref2 = s->g2pref2;
    c->c2 = m->g2_central2;
    c->is2 = m->g2_inv_sigma2;
    c->thr2 = m->g2_threshold2;
}

/* eqs. (2.3)-(2.4) together */
INLINE void zp_g2_part1(const int full, const zp_g2_rc *c, const zp_pt *p, zp_g2_st *st, zp_blk *b)
{
    (void)full;
    st->da = c->g2pref * (p->vv - 5.0 * p->a * p->a); /* (5a)a as always: no new rounding */
    st->pull = (st->da - c->g2c) * c->g2is;
    vi ok = vabs(st->pull) <= c->g2thr;
    vd chi2 = st->pull * st->pull;
    if (c->two) { /* a row constant */
        const vd pull2 = (c->pref2 * (p->vv - 5.0 * p->a * p->a) - c->c2) * c->is2;
        ok &= vabs(pull2) <= c->thr2;
        chi2 += pull2 * pull2;
    }
    ZP_SETBIT(b, ok, ZP_BIT_G2);
    ZP_CHI2(b, ZP_BIT_G2, chi2);
}

INLINE void zp_g2_part2(const int full, const zp_g2_rc *c, const zp_pt *p, const zp_g2_st *st,
                        zp_blk *b, const zp_outs *out, int64_t i, int64_t nr)
{
    (void)c, (void)p, (void)b;
    ZP_PUT(full, out, ZP_OBS_G2_PULL, st->pull, i, nr);
    ZP_PUT(full, out, ZP_OBS_DELTA_A, st->da, i, nr);
    if (full) {
        const vd da2 = c->two ? c->pref2 * (p->vv - 5.0 * p->a * p->a) : (vd){0} + NAN;
        ZP_PUT(full, out, ZP_OBS_DELTA_A_E, da2, i, nr);
        ZP_PUT(full, out, ZP_OBS_G2_PULL_E, (da2 - c->c2) * c->is2, i, nr);
    }
}
#endif
ZP_CONSTRAINT(g2)
