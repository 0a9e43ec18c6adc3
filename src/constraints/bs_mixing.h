/* B_s - B_s-bar mixing (docs/PHYSICS.md §3, eq. 2.10): the Z' contribution R to
 * Delta M_s / Delta M_s^SM. Two methods ([bs_mixing] method):
 *   bound (the paper's, default): allowed while |R| < bs_mixing_max; Delta chi^2 = (R/sigma)^2
 *     with bs_mixing_max as the 2 sigma of a Gaussian centred on 0;
 *   likelihood: 1 + R against Delta M_s^exp / Delta M_s^SM from a data file, an asymmetric
 *     Gaussian (docs/PHYSICS.md §9); allowed while |pull| <= nsigma. */
#ifndef ZP_C_BS_MIXING_VOCAB
#define ZP_C_BS_MIXING_VOCAB
#define zp_bs_mixing_bits(B, U, x)                                                               \
    B(x, BS_MIXING, "bs_mixing",                                                                  \
      "B_s mixing: |R| < bs_mixing_max, eq. (2.10) (method bound), or |pull| <= nsigma of the Delta M_s likelihood")
#define zp_bs_mixing_obs(O, x)                                                                   \
    O(x, BS_RATIO, "bs_mixing_ratio", "1", 1, 0,                                                  \
      "Z' contribution R to Delta M_s / Delta M_s^SM, eq. (2.10)")                                \
    O(x, BS_CHI2, "bs_mixing_chi2", "1", 0, 0,                                                    \
      "Delta chi^2 of B_s mixing: (R / sigma)^2 with bs_mixing_max as 2 sigma (method bound), or the " \
      "asymmetric Gaussian in 1 + R (method likelihood)")
#define zp_bs_mixing_keys(K, x)                                                                  \
    K(x, "method", "bound | likelihood (Delta M_s data file)")                                   \
    K(x, "file", "Delta M_s data file (method likelihood)")                                       \
    K(x, "nsigma", "likelihood: pass if |pull| <= nsigma (> 0, default 2)")
/* (its INI section or "", one line for --help, how it defines Delta chi^2 or "") */
#define zp_bs_mixing_about "bs_mixing", "B_s mixing: |R| < bs_mixing_max, or the Delta M_s likelihood", \
    "bound: (R / sigma)^2, bs_mixing_max as 2 sigma; likelihood: asymmetric Gaussian in 1 + R"
#endif

#if defined(ZP_CONSTRAINT_CFG) && !defined(ZP_C_BS_MIXING_CFG)
#define ZP_C_BS_MIXING_CFG
typedef struct {
    int likelihood;                    /* 0: method bound, 1: likelihood */
    double nsigma;
    double dms_exp, dms_exp_sigma, dms_sm, dms_sm_up, dms_sm_down; /* ps^-1, from the file */
    double x0, sig_up, sig_down;       /* 1 + R preferred, and its errors above and below */
    char path[512];
    char source[512];
} zp_bs_mixing_cfg;
#endif

#if defined(ZP_CONSTRAINT_IMPL) && !defined(ZP_C_BS_MIXING_IMPL)
#define ZP_C_BS_MIXING_IMPL
static void zp_bs_mixing_defaults(zp_config *c)
{
    c->cc.bs_mixing.likelihood = 0;
    c->cc.bs_mixing.nsigma = 2.0;
    zp_ini_join_path(c->cc.bs_mixing.path, sizeof c->cc.bs_mixing.path, zp_ini_data_dir(),
                     "bs_mixing/delta_ms.ini");
}
static zp_status zp_bs_mixing_parse(const zp_ini_doc *d, zp_config *c, const char *dir)
{
    zp_bs_mixing_cfg *b = &c->cc.bs_mixing;
    ZP_TRY(zp_ini_file_key(d, "bs_mixing", "file", dir, b->path, sizeof b->path));
    const zp_ini_ent *e;
    if ((e = zp_ini_get(d, "bs_mixing", "method"))) {
        if (!strcmp(e->val, "bound")) b->likelihood = 0;
        else if (!strcmp(e->val, "likelihood")) b->likelihood = 1;
        else return ZP_INI_BAD(d, e, "'%s' is not a method (bound or likelihood)", e->val);
    }
    return zp_ini_nsigma(d, "bs_mixing", &b->nsigma);
}
/* the Delta M_s file, read only when the likelihood uses it */
static zp_status zp_bs_mixing_load(const zp_ini_doc *in, zp_config *c)
{
    zp_bs_mixing_cfg *b = &c->cc.bs_mixing;
    if (!b->likelihood) return ZP_OK;
    static const char *const keys[] = {"exp", "exp_sigma", "sm", "sm_up", "sm_down"};
    static const int pos[] = {1, 1, 1, 1, 1};
    double v[5];
    ZP_TRY(zp_ini_data_values(in, "bs_mixing", "file", b->path, "delta_ms", keys, pos, 5, v, b->source,
                              sizeof b->source));
    if (!(v[4] < v[2]))
        return zp_ini_bad(b->path, 0, "delta_ms", "sm_down", "must be below sm (got %g, sm %g)", v[4], v[2]);
    b->dms_exp = v[0], b->dms_exp_sigma = v[1], b->dms_sm = v[2], b->dms_sm_up = v[3], b->dms_sm_down = v[4];
    /* 1 + R that reproduces the measurement, and where it goes when the SM prediction moves
     * by its errors (a lower SM value needs a larger 1 + R); the measurement's own error,
     * relative, in quadrature */
    b->x0 = b->dms_exp / b->dms_sm;
    const double rel = b->dms_exp_sigma / b->dms_exp;
    const double up = b->dms_exp / (b->dms_sm - b->dms_sm_down) - b->x0;
    const double dn = b->x0 - b->dms_exp / (b->dms_sm + b->dms_sm_up);
    b->sig_up = sqrt(up * up + b->x0 * rel * b->x0 * rel);
    b->sig_down = sqrt(dn * dn + b->x0 * rel * b->x0 * rel);
    return ZP_OK;
}
static zp_status zp_bs_mixing_record(hid_t grp, const zp_config *c)
{
    const zp_bs_mixing_cfg *b = &c->cc.bs_mixing;
    ZP_TRY(zp_h5a_str(grp, "bs_mixing_method", b->likelihood ? "likelihood" : "bound"));
    if (!b->likelihood) return ZP_OK;
    ZP_TRY(zp_h5a_str(grp, "bs_mixing_file", b->path));
    ZP_TRY(zp_h5a_str(grp, "bs_mixing_source", b->source));
    const double v[] = {b->dms_exp, b->dms_exp_sigma, b->dms_sm, b->dms_sm_up, b->dms_sm_down};
    ZP_TRY(zp_h5a_num(grp, "bs_mixing_delta_ms_exp_sigma_sm_up_down", H5T_NATIVE_DOUBLE, v, 5));
    const double x[] = {b->x0, b->sig_up, b->sig_down};
    ZP_TRY(zp_h5a_num(grp, "bs_mixing_1pR_best_sigma_up_down", H5T_NATIVE_DOUBLE, x, 3));
    return zp_h5a_f64(grp, "bs_mixing_nsigma", b->nsigma);
}
/* where its data files are, blanked for the resume fingerprint (the numbers count, not
 * the path they were read from) */
static void zp_bs_mixing_unpath(zp_bs_mixing_cfg *s)
{
    memset(s->path, 0, sizeof s->path);
}
#endif

#if defined(ZP_KERNEL_PASS) && !defined(ZP_C_BS_MIXING_KERNEL)
#define ZP_C_BS_MIXING_KERNEL
typedef struct {
    double bs_pref, bsmax, bsxL, inv_sigma;
    int lik;
    double x0, inv_up, inv_down, nsig;
    double R0, z0;  /* at gqR = 0 (zp_pt.r0): R and the pull, from the same code */
    int64_t ok0;
} zp_bs_mixing_rc;
typedef struct {
    vd R, z; /* z: the pull (R / sigma for the bound) */
} zp_bs_mixing_st;

/* R of eq. (2.10), its pull z and the verdict from gq2 = gqL^2 + gqR^2 and gqR */
INLINE vi zp_bs_mixing_eval(const zp_bs_mixing_rc *c, vd gq2, vd r, vd *R, vd *z)
{
    *R = c->bs_pref * (gq2 - c->bsxL * r);
    if (!c->lik) {
        *z = *R * c->inv_sigma;
        return vabs(*R) < c->bsmax;
    }
    const vd dx = (1.0 + *R) - c->x0;
    *z = dx * vsel(dx > 0.0, (vd){0} + c->inv_up, (vd){0} + c->inv_down);
    return vabs(*z) <= c->nsig;
}

INLINE void zp_bs_mixing_rc_init(zp_bs_mixing_rc *c, const zp_model *m, const zp_mass_slice *s, double gqL)
{
    c->bs_pref = s->bs_pref;
    c->bsmax = m->bs_max;
    c->bsxL = m->bs_cross * gqL;
    c->inv_sigma = 2.0 / m->bs_max; /* the bound is the 2 sigma of the Gaussian */
    c->lik = m->cc.bs_mixing.likelihood;
    c->x0 = m->cc.bs_mixing.x0;
    c->inv_up = 1.0 / m->cc.bs_mixing.sig_up;
    c->inv_down = 1.0 / m->cc.bs_mixing.sig_down;
    c->nsig = m->cc.bs_mixing.nsigma;
    /* gqR = 0: the kernel's own gq2 = gqL^2 + 0 x 0 through the same vector code */
    vd R, z;
    const vi ok = zp_bs_mixing_eval(c, (vd){0} + (gqL * gqL + 0.0 * 0.0), (vd){0}, &R, &z);
    c->R0 = R[0];
    c->z0 = z[0];
    c->ok0 = ok[0];
}

INLINE void zp_bs_mixing_part1(const int full, const zp_bs_mixing_rc *c, const zp_pt *p, zp_bs_mixing_st *st,
                               zp_blk *b)
{
    (void)full;
    vi ok;
    if (p->r0) { /* a row constant there */
        st->R = (vd){0} + c->R0;
        st->z = (vd){0} + c->z0;
        ok = (vi){0} + c->ok0;
    } else {
        ok = zp_bs_mixing_eval(c, p->gq2, p->r, &st->R, &st->z);
    }
    ZP_SETBIT(b, ok, ZP_BIT_BS_MIXING);
    ZP_CHI2(b, ZP_BIT_BS_MIXING, st->z * st->z);
}

INLINE void zp_bs_mixing_part2(const int full, const zp_bs_mixing_rc *c, const zp_pt *p,
                               const zp_bs_mixing_st *st, zp_blk *b, const zp_outs *out, int64_t i, int64_t nr)
{
    (void)c, (void)p, (void)b;
    ZP_PUT(full, out, ZP_OBS_BS_RATIO, st->R, i, nr);
    ZP_PUT(full, out, ZP_OBS_BS_CHI2, st->z * st->z, i, nr);
}
#endif
ZP_CONSTRAINT(bs_mixing)
