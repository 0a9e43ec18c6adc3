/* Neutrino trident production nu_mu N -> nu_mu mu+ mu- N (docs/PHYSICS.md §9), for a heavy Z'
 * that also couples to the muon's SU(2) partner with g_nu = gV - gA on nu-bar gamma P_L nu
 * (the switch [lhc] include_nu, which also adds Gamma(Z' -> nu nu)), after Altmannshofer,
 * Gori, Pospelov, Yavin (arXiv:1406.2332):
 *   sigma/sigma_SM = [(1 + 4 s_W^2 + 2 v^2 g'^2 gV g_nu/M^2)^2 + (1 - 2 v^2 g'^2 gA g_nu/M^2)^2]
 *                    / [(1 + 4 s_W^2)^2 + 1]
 * against CCFR's measured ratio, a Gaussian. Muons with include_nu only; otherwise
 * "trident_untested" (not applicable), never passed. */
#ifndef ZP_C_TRIDENT_VOCAB
#define ZP_C_TRIDENT_VOCAB
#define zp_trident_bits(B, U, x)                                                                 \
    B(x, TRIDENT, "trident", "neutrino trident: |sigma/sigma_SM - measured| <= nsigma sigma (CCFR)") \
    U(x, TRIDENT_UNTESTED, "trident_untested",                                                     \
      "trident not applicable (electrons, or no Z' coupling to neutrinos: [lhc] include_nu = no)")
#define zp_trident_obs(O, x)                                                                     \
    O(x, TRIDENT_RATIO, "trident_ratio", "1", 0, 0,                                               \
      "neutrino trident cross section over the SM's (arXiv:1406.2332); NaN where not applicable")  \
    O(x, TRIDENT_CHI2, "trident_chi2", "1", 0, 0, "Delta chi^2 of trident: ((ratio - measured)/sigma)^2")
#define zp_trident_keys(K, x)                                                                    \
    K(x, "file", "trident data file (measured sigma/sigma_SM, its error, v)")                     \
    K(x, "nsigma", "pass if |pull| <= nsigma (> 0, default 2)")
/* (its INI section or "", one line for --help, how it defines Delta chi^2 or "") */
#define zp_trident_about "trident", "neutrino trident production, CCFR (muons with include_nu)", \
    "pull^2: a Gaussian in sigma/sigma_SM with CCFR's error"
#endif

#if defined(ZP_CONSTRAINT_CFG) && !defined(ZP_C_TRIDENT_CFG)
#define ZP_C_TRIDENT_CFG
typedef struct {
    double ratio, ratio_sigma, vev, nsigma;
    char path[512];
    char source[512];
} zp_trident_cfg;
#endif

#if defined(ZP_CONSTRAINT_IMPL) && !defined(ZP_C_TRIDENT_IMPL)
#define ZP_C_TRIDENT_IMPL
static void zp_trident_defaults(zp_config *c)
{
    c->cc.trident.nsigma = 2.0;
    zp_ini_join_path(c->cc.trident.path, sizeof c->cc.trident.path, zp_ini_data_dir(), "trident/ccfr_1991.ini");
}
static zp_status zp_trident_parse(const zp_ini_doc *d, zp_config *c, const char *dir)
{
    zp_trident_cfg *t = &c->cc.trident;
    ZP_TRY(zp_ini_file_key(d, "trident", "file", dir, t->path, sizeof t->path));
    return zp_ini_nsigma(d, "trident", &t->nsigma);
}
static zp_status zp_trident_load(const zp_ini_doc *in, zp_config *c)
{
    zp_trident_cfg *t = &c->cc.trident;
    static const char *const keys[] = {"ratio", "ratio_sigma", "vev"};
    static const int pos[] = {1, 1, 1};
    double v[3];
    ZP_TRY(zp_ini_data_values(in, "trident", "file", t->path, "trident", keys, pos, 3, v, t->source,
                              sizeof t->source));
    t->ratio = v[0], t->ratio_sigma = v[1], t->vev = v[2];
    return ZP_OK;
}
static zp_status zp_trident_record(hid_t grp, const zp_config *c)
{
    const zp_trident_cfg *t = &c->cc.trident;
    ZP_TRY(zp_h5a_str(grp, "trident_file", t->path));
    ZP_TRY(zp_h5a_str(grp, "trident_source", t->source));
    const double v[] = {t->ratio, t->ratio_sigma, t->vev};
    ZP_TRY(zp_h5a_num(grp, "trident_ratio_sigma_vev", H5T_NATIVE_DOUBLE, v, 3));
    return zp_h5a_f64(grp, "trident_nsigma", t->nsigma);
}
/* where its data files are, blanked for the resume fingerprint (the numbers count, not
 * the path they were read from) */
static void zp_trident_unpath(zp_trident_cfg *s)
{
    memset(s->path, 0, sizeof s->path);
}
#endif

#if defined(ZP_KERNEL_PASS) && !defined(ZP_C_TRIDENT_KERNEL)
#define ZP_C_TRIDENT_KERNEL
typedef struct {
    int on;
    double k, cv, inv_den, meas, inv_sigma, nsig; /* k = 2 v^2 g'^2 / M^2, cv = 1 + 4 s_W^2 */
    double lo, hi; /* the verdict as a window on the ratio: |pull| <= nsigma */
} zp_trident_rc;
ZP_KERNEL_NO_STATE(trident) /* the observables are recomputed in the second half */
INLINE vd zp_trident_ratio(const zp_trident_rc *c, const zp_pt *p)
{
    const vd gnu = p->v - p->a;
    const vd cvt = c->cv + c->k * p->v * gnu, cat = 1.0 - c->k * p->a * gnu;
    return (cvt * cvt + cat * cat) * c->inv_den;
}

/* its Delta chi^2: the pull of the measured ratio, squared */
INLINE vd zp_trident_z2(const zp_trident_rc *c, vd ratio)
{
    const vd z = (ratio - c->meas) * c->inv_sigma;
    return z * z;
}

INLINE void zp_trident_rc_init(zp_trident_rc *c, const zp_model *m, const zp_mass_slice *s, double gqL)
{
    (void)gqL;
    const zp_trident_cfg *t = &m->cc.trident;
    c->on = m->lepton != ZP_LEPTON_E && m->w_nu > 0.0; /* mu, or mu+e */
    const double v = t->vev;
    c->k = 2.0 * v * v * m->gprime * m->gprime / (s->mass * s->mass);
    c->cv = 1.0 + 4.0 * m->sin2w;
    c->inv_den = 1.0 / (c->cv * c->cv + 1.0);
    c->meas = t->ratio;
    c->inv_sigma = 1.0 / t->ratio_sigma;
    c->nsig = t->nsigma;
    c->lo = t->ratio - t->nsigma * t->ratio_sigma;
    c->hi = t->ratio + t->nsigma * t->ratio_sigma;
}

INLINE void zp_trident_part1(const int full, const zp_trident_rc *c, const zp_pt *p, zp_trident_st *st, zp_blk *b)
{
    (void)full, (void)st;
    if (!c->on) {
        ZP_UNTESTED(b, (vi){0} - 1, ZP_BIT_TRIDENT, ZP_BIT_TRIDENT_UNTESTED);
        ZP_NAN_TERM(b, ZP_BIT_TRIDENT); /* chi2_total is undefined where a term is untested */
        return;
    }
    const vd ratio = zp_trident_ratio(c, p);
    ZP_SETBIT(b, (ratio >= c->lo) & (ratio <= c->hi), ZP_BIT_TRIDENT);
    ZP_CHI2(b, ZP_BIT_TRIDENT, zp_trident_z2(c, ratio));
}

INLINE void zp_trident_part2(const int full, const zp_trident_rc *c, const zp_pt *p, const zp_trident_st *st,
                             zp_blk *b, const zp_outs *out, int64_t i, int64_t nr)
{
    (void)b, (void)st;
    if (!full) return; /* neither observable is projected */
    const vd ratio = c->on ? zp_trident_ratio(c, p) : (vd){0} + NAN;
    const vd z = (ratio - c->meas) * c->inv_sigma;
    ZP_PUT(full, out, ZP_OBS_TRIDENT_RATIO, ratio, i, nr);
    ZP_PUT(full, out, ZP_OBS_TRIDENT_CHI2, z * z, i, nr);
}
#endif
ZP_CONSTRAINT(trident)
