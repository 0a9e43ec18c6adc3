/* B_s - B_s-bar mixing (docs/PHYSICS.md §3, eq. 2.10): the Z' contribution R to
 * Delta M_s / Delta M_s^SM; allowed while |R| < bs_mixing_max. */
#ifndef ZP_C_BS_MIXING_VOCAB
#define ZP_C_BS_MIXING_VOCAB
#define zp_bs_mixing_bits(B, U, x) B(x, BS_MIXING, "bs_mixing", "|Bs mixing ratio R| < bs_mixing_max, eq. (2.10)")
#define zp_bs_mixing_obs(O, x)                                                                   \
    O(x, BS_RATIO, "bs_mixing_ratio", "1", 1, 0,                                                  \
      "Z' contribution to Delta M_s / Delta M_s^SM, eq. (2.10); allowed if |R| < bs_mixing_max")   \
    O(x, BS_CHI2, "bs_mixing_chi2", "1", 0, 0,                                                    \
      "Delta chi^2 of B_s mixing: a Gaussian in R centred on 0 with bs_mixing_max as its 2 sigma")
#define zp_bs_mixing_keys(K, x)
/* (its INI section or "", one line for --help, how it defines Delta chi^2 or "") */
#define zp_bs_mixing_about "", "B_s mixing, |R| < bs_mixing_max", \
    "(R / sigma)^2, a Gaussian in R centred on 0 with the bound bs_mixing_max as its 2 sigma"
#endif

#if defined(ZP_CONSTRAINT_IMPL) && !defined(ZP_C_BS_MIXING_IMPL)
#define ZP_C_BS_MIXING_IMPL
ZP_CONSTRAINT_NO_INPUTS(bs_mixing)
#endif

#if defined(ZP_KERNEL_PASS) && !defined(ZP_C_BS_MIXING_KERNEL)
#define ZP_C_BS_MIXING_KERNEL
typedef struct {
    double bs_pref, bsmax, bsxL, inv_sigma;
} zp_bs_mixing_rc;
typedef struct {
    vd R, z; /* z = R / sigma */
} zp_bs_mixing_st;

INLINE void zp_bs_mixing_rc_init(zp_bs_mixing_rc *c, const zp_model *m, const zp_mass_slice *s, double gqL)
{
    c->bs_pref = s->bs_pref;
    c->bsmax = m->bs_max;
    c->bsxL = m->bs_cross * gqL;
    c->inv_sigma = 2.0 / m->bs_max; /* the bound is the 2 sigma of the Gaussian */
}

INLINE void zp_bs_mixing_part1(const int full, const zp_bs_mixing_rc *c, const zp_pt *p, zp_bs_mixing_st *st,
                               zp_blk *b)
{
    (void)full;
    st->R = c->bs_pref * (p->gq2 - c->bsxL * p->r);
    b->bits |= (vabs(st->R) < c->bsmax) & ZP_BITV(ZP_BIT_BS_MIXING);
    st->z = st->R * c->inv_sigma;
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
