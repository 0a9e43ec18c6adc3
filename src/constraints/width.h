/* The Z' width (docs/PHYSICS.md §6): Gamma_tot/M <= width_max. Gamma_tot/M itself is a
 * model quantity (the LHC constraint uses it too), computed once per point by the kernel
 * (zp_pt.w). A cut, no likelihood. */
#ifndef ZP_C_WIDTH_VOCAB
#define ZP_C_WIDTH_VOCAB
#define zp_width_bits(B, U, x) B(x, WIDTH, "width", "Gamma_tot/M <= width_max")
#define zp_width_obs(O, x)                                                                       \
    O(x, WIDTH_RATIO, "width_ratio", "1", 1, 0,                                                   \
      "Gamma_tot / M of the Z' (l+l-, b sbar + s bbar, optional nu nubar and extra width)")
#define zp_width_keys(K, x)
/* (its INI section or "", one line for --help, how it defines Delta chi^2 or "") */
#define zp_width_about "", "total width, Gamma/M <= width_max", \
    ""
#endif

#if defined(ZP_CONSTRAINT_CFG) && !defined(ZP_C_WIDTH_CFG)
#define ZP_C_WIDTH_CFG
ZP_CONSTRAINT_NO_CFG(width)
#endif

#if defined(ZP_CONSTRAINT_IMPL) && !defined(ZP_C_WIDTH_IMPL)
#define ZP_C_WIDTH_IMPL
ZP_CONSTRAINT_NO_INPUTS(width)
#endif

#if defined(ZP_KERNEL_PASS) && !defined(ZP_C_WIDTH_KERNEL)
#define ZP_C_WIDTH_KERNEL
typedef struct {
    double wmax;
} zp_width_rc;
ZP_KERNEL_NO_STATE(width)

INLINE void zp_width_rc_init(zp_width_rc *c, const zp_model *m, const zp_mass_slice *s, double gqL)
{
    (void)s, (void)gqL;
    c->wmax = m->width_max;
}

INLINE void zp_width_part1(const int full, const zp_width_rc *c, const zp_pt *p, zp_width_st *st, zp_blk *b)
{
    (void)full, (void)st;
    ZP_SETBIT(b, p->w <= c->wmax, ZP_BIT_WIDTH);
}

INLINE void zp_width_part2(const int full, const zp_width_rc *c, const zp_pt *p, const zp_width_st *st,
                           zp_blk *b, const zp_outs *out, int64_t i, int64_t nr)
{
    (void)c, (void)st, (void)b;
    ZP_PUT(full, out, ZP_OBS_WIDTH_RATIO, p->w, i, nr);
}
#endif
ZP_CONSTRAINT(width)
