/* LEP-II contact-interaction bounds on e+e- -> e+e- (docs/PHYSICS.md §3, eq. 2.9):
 * separate bounds on |gV| and |gA| that grow with M. Electrons only; for muons LEP's
 * e+e- -> e+e- says nothing and the bit is always set. No likelihood (a cut). */
#ifndef ZP_C_LEP_VOCAB
#define ZP_C_LEP_VOCAB
#define zp_lep_bits(B, U, x) \
    B(x, LEP, "lep", "LEP contact-interaction bound, eq. (2.9) (electrons; always set for muons: no bound)")
#define zp_lep_obs(O, x)
#define zp_lep_keys(K, x)
/* (its INI section or "", one line for --help, how it defines Delta chi^2 or "") */
#define zp_lep_about "", "LEP-II contact-interaction bounds (electrons)", \
    ""
#endif

#if defined(ZP_CONSTRAINT_IMPL) && !defined(ZP_C_LEP_IMPL)
#define ZP_C_LEP_IMPL
ZP_CONSTRAINT_NO_INPUTS(lep)
#endif

#if defined(ZP_KERNEL_PASS) && !defined(ZP_C_LEP_KERNEL)
#define ZP_C_LEP_KERNEL
typedef struct {
    double lepV, lepA;
    int lep_on;
} zp_lep_rc;
ZP_KERNEL_NO_STATE(lep)

INLINE void zp_lep_rc_init(zp_lep_rc *c, const zp_model *m, const zp_mass_slice *s, double gqL)
{
    (void)m, (void)gqL;
    c->lepV = s->lepV_max;
    c->lepA = s->lepA_max;
    c->lep_on = !(c->lepV == INFINITY && c->lepA == INFINITY); /* muons: LEP says nothing */
}

INLINE void zp_lep_part1(const int full, const zp_lep_rc *c, const zp_pt *p, zp_lep_st *st, zp_blk *b)
{
    (void)full, (void)st;
    const vi lepok = c->lep_on ? (vabs(p->v) <= c->lepV) & (vabs(p->a) <= c->lepA) : (vi){0} - 1;
    b->bits |= lepok & ZP_BITV(ZP_BIT_LEP);
}

ZP_KERNEL_NO_PART2(lep)
#endif
ZP_CONSTRAINT(lep)
