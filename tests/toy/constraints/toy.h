/* A toy constraint, built only into the test build of tests/test_toy.sh (meson option
 * toy_constraint): |gV| M <= toy_max GeV. It shows what one constraint takes: this file and
 * its line in src/constraints/registry.h. */
#ifndef ZP_C_TOY_VOCAB
#define ZP_C_TOY_VOCAB
#define zp_toy_bits(B, U, x) B(x, TOY, "toy", "toy bound |gV| M <= [toy] max (a test of the registry)")
#define zp_toy_obs(O, x) O(x, TOY_VM, "toy_gV_M", "GeV", 0, 0, "|gV| M, the toy constraint's observable")
#define zp_toy_keys(K, x) K(x, "max", "bound on |gV| M in GeV (not read: the toy uses 100)")
/* (its INI section or "", one line for --help, how it defines Delta chi^2 or "") */
#define zp_toy_about "toy", "toy bound on |gV| M (test build only)", \
    ""
#endif

#if defined(ZP_CONSTRAINT_CFG) && !defined(ZP_C_TOY_CFG)
#define ZP_C_TOY_CFG
ZP_CONSTRAINT_NO_CFG(toy)
#endif

#if defined(ZP_CONSTRAINT_IMPL) && !defined(ZP_C_TOY_IMPL)
#define ZP_C_TOY_IMPL
ZP_CONSTRAINT_NO_INPUTS(toy)
#endif

#if defined(ZP_KERNEL_PASS) && !defined(ZP_C_TOY_KERNEL)
#define ZP_C_TOY_KERNEL
typedef struct {
    double mass, max;
} zp_toy_rc;
typedef struct {
    vd vm;
} zp_toy_st;

INLINE void zp_toy_rc_init(zp_toy_rc *c, const zp_model *m, const zp_mass_slice *s, double gqL)
{
    (void)m, (void)gqL;
    c->mass = s->mass;
    c->max = 100.0;
}

INLINE void zp_toy_part1(const int full, const zp_toy_rc *c, const zp_pt *p, zp_toy_st *st, zp_blk *b)
{
    (void)full;
    st->vm = vabs(p->v) * c->mass;
    ZP_SETBIT(b, st->vm <= c->max, ZP_BIT_TOY);
}

INLINE void zp_toy_part2(const int full, const zp_toy_rc *c, const zp_pt *p, const zp_toy_st *st, zp_blk *b,
                         const zp_outs *out, int64_t i, int64_t nr)
{
    (void)c, (void)p, (void)b;
    ZP_PUT(full, out, ZP_OBS_TOY_VM, st->vm, i, nr);
}
#endif
ZP_CONSTRAINT(toy)
