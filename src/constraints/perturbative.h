/* Perturbativity (docs/PHYSICS.md §3): g'|g| < pert_max (sqrt(4 pi)) for all four
 * couplings. A cut, no likelihood. */
#ifndef ZP_C_PERTURBATIVE_VOCAB
#define ZP_C_PERTURBATIVE_VOCAB
#define zp_perturbative_bits(B, U, x) B(x, PERTURBATIVE, "perturbative", "g'|g| < pert_max for all four couplings")
#define zp_perturbative_obs(O, x)
#define zp_perturbative_keys(K, x)
/* (its INI section or "", one line for --help, how it defines Delta chi^2 or "") */
#define zp_perturbative_about "", "perturbative couplings", \
    ""
#endif

#if defined(ZP_CONSTRAINT_CFG) && !defined(ZP_C_PERTURBATIVE_CFG)
#define ZP_C_PERTURBATIVE_CFG
ZP_CONSTRAINT_NO_CFG(perturbative)
#endif

#if defined(ZP_CONSTRAINT_IMPL) && !defined(ZP_C_PERTURBATIVE_IMPL)
#define ZP_C_PERTURBATIVE_IMPL
ZP_CONSTRAINT_NO_INPUTS(perturbative)
#endif

#if defined(ZP_KERNEL_PASS) && !defined(ZP_C_PERTURBATIVE_KERNEL)
#define ZP_C_PERTURBATIVE_KERNEL
typedef struct {
    double pert;
    int64_t pertL;
    int64_t r0ok; /* |gqR| < pert at gqR = 0 */
} zp_perturbative_rc;
ZP_KERNEL_NO_STATE(perturbative)

INLINE void zp_perturbative_rc_init(zp_perturbative_rc *c, const zp_model *m, const zp_mass_slice *s, double gqL)
{
    (void)s;
    c->pert = m->pert_g;
    c->pertL = -(int64_t)(fabs(gqL) < m->pert_g);
    c->r0ok = -(int64_t)(0.0 < m->pert_g);
}

INLINE void zp_perturbative_part1(const int full, const zp_perturbative_rc *c, const zp_pt *p,
                                  zp_perturbative_st *st, zp_blk *b)
{
    (void)full, (void)st;
    const vi okr = p->r0 ? (vi){0} + c->r0ok : vabs(p->r) < c->pert;
    const vi ok = okr & (vabs(p->v) < c->pert) & (vabs(p->a) < c->pert) & c->pertL;
    ZP_SETBIT(b, ok, ZP_BIT_PERTURBATIVE);
}

ZP_KERNEL_NO_PART2(perturbative)
#endif
ZP_CONSTRAINT(perturbative)
