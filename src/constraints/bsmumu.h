/* B_s -> mu+ mu- (docs/PHYSICS.md §9): BR/BR_SM = |1 + (C10 - C10')/C10^SM|^2 with the
 * Z' coefficients of eq. (2.2) (C9 does not enter; the model has no scalar operators),
 * against the measured average: a Gaussian in BR with the measurement's and the SM
 * prediction's errors in quadrature. Muons only: for electrons the point is
 * "bsmumu_untested" (not applicable), never passed. */
#ifndef ZP_C_BSMUMU_VOCAB
#define ZP_C_BSMUMU_VOCAB
#define zp_bsmumu_bits(B, U, x)                                                                  \
    B(x, BSMUMU, "bsmumu", "B_s -> mu mu: |BR - BR_exp| <= nsigma sigma (muons)")                 \
    U(x, BSMUMU_UNTESTED, "bsmumu_untested", "B_s -> mu mu not applicable (the scan's lepton is not the muon)")
#define zp_bsmumu_obs(O, x)                                                                      \
    O(x, BSMUMU_RATIO, "bsmumu_ratio", "1", 0, 0,                                                 \
      "BR(B_s -> mu mu) / BR_SM = |1 + (C10 - C10')/C10^SM|^2; NaN where not applicable")         \
    O(x, BSMUMU_CHI2, "bsmumu_chi2", "1", 0, 0,                                                   \
      "Delta chi^2 of B_s -> mu mu: ((ratio BR_SM - BR_exp)/sigma)^2, sigma^2 = sigma_exp^2 + sigma_SM^2")
#define zp_bsmumu_keys(K, x)                                                                     \
    K(x, "file", "B_s -> mu mu data file (measured and SM branching ratios, C10^SM)")              \
    K(x, "nsigma", "pass if |pull| <= nsigma (> 0, default 2)")                                   \
    K(x, "c10_sm", "override the data file's C10^SM (non-zero)")
/* (its INI section or "", one line for --help, how it defines Delta chi^2 or "") */
#define zp_bsmumu_about "bsmumu", "B_s -> mu mu branching ratio (muons)", \
    "pull^2: a Gaussian in BR, experimental and SM errors in quadrature"
#endif

#if defined(ZP_CONSTRAINT_CFG) && !defined(ZP_C_BSMUMU_CFG)
#define ZP_C_BSMUMU_CFG
typedef struct {
    double br_exp, br_exp_sigma, br_sm, br_sm_sigma, c10_sm, nsigma;
    int c10_given; /* [bsmumu] c10_sm overrides the file */
    char path[512];
    char source[512];
} zp_bsmumu_cfg;
#endif

#if defined(ZP_CONSTRAINT_IMPL) && !defined(ZP_C_BSMUMU_IMPL)
#define ZP_C_BSMUMU_IMPL
static void zp_bsmumu_defaults(zp_config *c)
{
    c->cc.bsmumu.nsigma = 2.0;
    zp_ini_join_path(c->cc.bsmumu.path, sizeof c->cc.bsmumu.path, zp_ini_data_dir(), "bsmumu/bsmumu_2024.ini");
}
static zp_status zp_bsmumu_parse(const zp_ini_doc *d, zp_config *c, const char *dir)
{
    zp_bsmumu_cfg *b = &c->cc.bsmumu;
    ZP_TRY(zp_ini_file_key(d, "bsmumu", "file", dir, b->path, sizeof b->path));
    const zp_ini_ent *e;
    if ((e = zp_ini_get(d, "bsmumu", "c10_sm"))) {
        ZP_TRY(zp_ini_real(d, e, &b->c10_sm));
        if (b->c10_sm == 0) return ZP_INI_BAD(d, e, "must be non-zero");
        b->c10_given = 1;
    }
    return zp_ini_nsigma(d, "bsmumu", &b->nsigma);
}
static zp_status zp_bsmumu_load(const zp_ini_doc *in, zp_config *c)
{
    zp_bsmumu_cfg *b = &c->cc.bsmumu;
    static const char *const keys[] = {"br_exp", "br_exp_sigma", "br_sm", "br_sm_sigma", "c10_sm"};
    static const int pos[] = {1, 1, 1, 1, 0};
    double v[5];
    ZP_TRY(zp_ini_data_values(in, "bsmumu", "file", b->path, "bsmumu", keys, pos, 5, v, b->source,
                              sizeof b->source));
    if (v[4] == 0) return zp_ini_bad(b->path, 0, "bsmumu", "c10_sm", "must be non-zero");
    b->br_exp = v[0], b->br_exp_sigma = v[1], b->br_sm = v[2], b->br_sm_sigma = v[3];
    if (!b->c10_given) b->c10_sm = v[4];
    return ZP_OK;
}
static zp_status zp_bsmumu_record(hid_t grp, const zp_config *c)
{
    const zp_bsmumu_cfg *b = &c->cc.bsmumu;
    ZP_TRY(zp_h5a_str(grp, "bsmumu_file", b->path));
    ZP_TRY(zp_h5a_str(grp, "bsmumu_source", b->source));
    const double v[] = {b->br_exp, b->br_exp_sigma, b->br_sm, b->br_sm_sigma};
    ZP_TRY(zp_h5a_num(grp, "bsmumu_br_exp_sigma_sm_sigma", H5T_NATIVE_DOUBLE, v, 4));
    ZP_TRY(zp_h5a_f64(grp, "bsmumu_c10_sm", b->c10_sm));
    return zp_h5a_f64(grp, "bsmumu_nsigma", b->nsigma);
}
/* where its data files are, blanked for the resume fingerprint (the numbers count, not
 * the path they were read from) */
static void zp_bsmumu_unpath(zp_bsmumu_cfg *s)
{
    memset(s->path, 0, sizeof s->path);
}
#endif

#if defined(ZP_KERNEL_PASS) && !defined(ZP_C_BSMUMU_KERNEL)
#define ZP_C_BSMUMU_KERNEL
typedef struct {
    int on;                 /* muons */
    double kc, gqL;         /* K / C10^SM: (C10 - C10')/C10^SM = kc gA (gqL - gqR) */
    double br_sm, br_exp, inv_sigma, nsig;
    double lo, hi;          /* the verdict as a window on the ratio: |pull| <= nsigma */
} zp_bsmumu_rc;
/* nothing handed from the first half to the second: the observables are recomputed there
 * (only when stored), so the verdicts kernel carries no extra state */
ZP_KERNEL_NO_STATE(bsmumu)
INLINE vd zp_bsmumu_ratio(const zp_bsmumu_rc *c, const zp_pt *p)
{
    const vd t = 1.0 + c->kc * p->a * (c->gqL - p->r);
    return t * t;
}

/* its Delta chi^2: the pull of BR in a Gaussian with both errors in quadrature, squared */
INLINE vd zp_bsmumu_z2(const zp_bsmumu_rc *c, vd ratio)
{
    const vd z = (ratio * c->br_sm - c->br_exp) * c->inv_sigma;
    return z * z;
}

INLINE void zp_bsmumu_rc_init(zp_bsmumu_rc *c, const zp_model *m, const zp_mass_slice *s, double gqL)
{
    const zp_bsmumu_cfg *b = &m->cc.bsmumu;
    c->on = m->lepton != ZP_LEPTON_E; /* mu, or mu+e */
    c->kc = s->K / b->c10_sm;
    c->gqL = gqL;
    c->br_sm = b->br_sm;
    c->br_exp = b->br_exp;
    c->inv_sigma = 1.0 / sqrt(b->br_exp_sigma * b->br_exp_sigma + b->br_sm_sigma * b->br_sm_sigma);
    c->nsig = b->nsigma;
    const double sig = sqrt(b->br_exp_sigma * b->br_exp_sigma + b->br_sm_sigma * b->br_sm_sigma);
    c->lo = (c->br_exp - c->nsig * sig) / c->br_sm;
    c->hi = (c->br_exp + c->nsig * sig) / c->br_sm;
}

INLINE void zp_bsmumu_part1(const int full, const zp_bsmumu_rc *c, const zp_pt *p, zp_bsmumu_st *st, zp_blk *b)
{
    (void)full, (void)st;
    if (!c->on) {
        ZP_UNTESTED(b, (vi){0} - 1, ZP_BIT_BSMUMU, ZP_BIT_BSMUMU_UNTESTED);
        ZP_NAN_TERM(b, ZP_BIT_BSMUMU); /* chi2_total is undefined where a term is untested */
        return;
    }
    /* the verdict: BR/BR_SM inside [lo, hi], the ratios at pull -nsigma and +nsigma */
    const vd ratio = zp_bsmumu_ratio(c, p);
    ZP_SETBIT(b, (ratio >= c->lo) & (ratio <= c->hi), ZP_BIT_BSMUMU);
    ZP_CHI2(b, ZP_BIT_BSMUMU, zp_bsmumu_z2(c, ratio));
}

INLINE void zp_bsmumu_part2(const int full, const zp_bsmumu_rc *c, const zp_pt *p, const zp_bsmumu_st *st,
                            zp_blk *b, const zp_outs *out, int64_t i, int64_t nr)
{
    (void)b, (void)st;
    if (!full) return; /* neither observable is projected */
    const vd ratio = c->on ? zp_bsmumu_ratio(c, p) : (vd){0} + NAN;
    const vd z = (ratio * c->br_sm - c->br_exp) * c->inv_sigma;
    ZP_PUT(full, out, ZP_OBS_BSMUMU_RATIO, ratio, i, nr);
    ZP_PUT(full, out, ZP_OBS_BSMUMU_CHI2, z * z, i, nr);
}
#endif
ZP_CONSTRAINT(bsmumu)
