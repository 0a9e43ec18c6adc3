/* Perturbativity (docs/PHYSICS.md §3): g'|g| < pert_max (sqrt(4 pi)) for all four
 * couplings. A cut, no likelihood. */
#ifndef ZP_C_PERTURBATIVE_VOCAB
#define ZP_C_PERTURBATIVE_VOCAB
#define zp_perturbative_bits(B, U, x) B(x, PERTURBATIVE, "perturbative", "g'|g| < pert_max for all four couplings")
#define zp_perturbative_obs(O, x)
#define zp_perturbative_keys(K, x)
#define zp_perturbative_section ""
#define zp_perturbative_chi2 ""
#define zp_perturbative_summary "perturbative couplings"
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
} zp_perturbative_rc;
typedef struct {
    char unused;
} zp_perturbative_st;

INLINE void zp_perturbative_rc_init(zp_perturbative_rc *c, const zp_model *m, const zp_mass_slice *s, double gqL)
{
    (void)s;
    c->pert = m->pert_g;
    c->pertL = -(int64_t)(fabs(gqL) < m->pert_g);
}

INLINE void zp_perturbative_part1(const int full, const zp_perturbative_rc *c, const zp_pt *p,
                                  zp_perturbative_st *st, zp_blk *b)
{
    (void)full, (void)st;
    const vi ok = (vabs(p->r) < c->pert) & (vabs(p->v) < c->pert) & (vabs(p->a) < c->pert) & c->pertL;
    b->bits |= ok & ZP_BITV(ZP_BIT_PERTURBATIVE);
}

INLINE void zp_perturbative_part2(const int full, const zp_perturbative_rc *c, const zp_pt *p,
                                  const zp_perturbative_st *st, zp_blk *b, const zp_outs *out, int64_t i,
                                  int64_t nr)
{
    (void)full, (void)c, (void)p, (void)st, (void)b, (void)out, (void)i, (void)nr;
}
#endif
ZP_CONSTRAINT(perturbative)
