/* LEP-II contact-interaction bounds on e+e- -> e+e- (docs/PHYSICS.md §3, eq. 2.9):
 * separate bounds on |gV| and |gA| that grow with M (the paper's approximation: one operator
 * at a time, vector and axial bounds applied separately). Electrons only; for muons LEP's
 * e+e- -> e+e- says nothing and the bit is always set. A contact interaction needs
 * M^2 >> s: below [lep] min_mass (default 209 GeV, LEP-II's highest sqrt(s)) the bound does
 * not hold as written and the point is "lep_untested", never passed. No likelihood (a cut). */
#ifndef ZP_C_LEP_VOCAB
#define ZP_C_LEP_VOCAB
#define zp_lep_bits(B, U, x)                                                                     \
    B(x, LEP, "lep", "LEP contact-interaction bound, eq. (2.9) (electrons; always set for muons: no bound)") \
    U(x, LEP_UNTESTED, "lep_untested",                                                            \
      "M below [lep] min_mass: the contact-interaction bound does not apply, LEP not evaluated")
#define zp_lep_obs(O, x)
#define zp_lep_keys(K, x) K(x, "min_mass", "GeV (>= 0): below it the contact bound is not applied (default 209)")
/* (its INI section or "", one line for --help, how it defines Delta chi^2 or "") */
#define zp_lep_about "lep", "LEP-II contact-interaction bounds (electrons; M >= min_mass)", \
    ""
#endif

#if defined(ZP_CONSTRAINT_CFG) && !defined(ZP_C_LEP_CFG)
#define ZP_C_LEP_CFG
typedef struct {
    double min_mass; /* GeV */
} zp_lep_cfg;
#endif

#if defined(ZP_CONSTRAINT_IMPL) && !defined(ZP_C_LEP_IMPL)
#define ZP_C_LEP_IMPL
static void zp_lep_defaults(zp_config *c)
{
    c->cc.lep.min_mass = 209.0; /* LEP-II's highest centre-of-mass energy, GeV */
}
static zp_status zp_lep_parse(const zp_ini_doc *d, zp_config *c, const char *dir)
{
    (void)dir;
    const zp_ini_ent *e = zp_ini_get(d, "lep", "min_mass");
    if (e) ZP_TRY(zp_ini_nonneg(d, e, &c->cc.lep.min_mass));
    return ZP_OK;
}
static zp_status zp_lep_load(const zp_ini_doc *d, zp_config *c)
{
    (void)d, (void)c;
    return ZP_OK;
}
static zp_status zp_lep_record(hid_t grp, const zp_config *c)
{
    return zp_h5a_f64(grp, "lep_min_mass", c->cc.lep.min_mass);
}
/* no data file: nothing to blank for the resume fingerprint */
static void zp_lep_unpath(zp_lep_cfg *s) { (void)s; }
#endif

#if defined(ZP_KERNEL_PASS) && !defined(ZP_C_LEP_KERNEL)
#define ZP_C_LEP_KERNEL
typedef struct {
    double lepV, lepA;
    int lep_on, valid;
} zp_lep_rc;
ZP_KERNEL_NO_STATE(lep)

INLINE void zp_lep_rc_init(zp_lep_rc *c, const zp_model *m, const zp_mass_slice *s, double gqL)
{
    (void)gqL;
    c->lepV = s->lepV_max;
    c->lepA = s->lepA_max;
    c->lep_on = !(c->lepV == INFINITY && c->lepA == INFINITY); /* muons: LEP says nothing */
    c->valid = s->mass >= m->cc.lep.min_mass;
}

INLINE void zp_lep_part1(const int full, const zp_lep_rc *c, const zp_pt *p, zp_lep_st *st, zp_blk *b)
{
    (void)full, (void)st;
    if (c->lep_on && !c->valid) { /* a row constant: the whole row is below min_mass */
        ZP_UNTESTED(b, (vi){0} - 1, ZP_BIT_LEP, ZP_BIT_LEP_UNTESTED);
        return;
    }
    const vi lepok = c->lep_on ? (vabs(p->v) <= c->lepV) & (vabs(p->a) <= c->lepA) : (vi){0} - 1;
    ZP_SETBIT(b, lepok, ZP_BIT_LEP);
}

ZP_KERNEL_NO_PART2(lep)
#endif
ZP_CONSTRAINT(lep)
