/* Lepton g-2 (docs/PHYSICS.md §3): Delta a_l of the Z' against the measured discrepancy
 * of the scan's lepton (a preset of inputs/g2/presets.ini); pass by the input's rule.
 * Likelihood: a Gaussian in Delta a_l, Delta chi^2 = pull^2. */
#ifndef ZP_C_G2_VOCAB
#define ZP_C_G2_VOCAB
/* bits: pass first, then "untested" if the constraint can be undecided */
#define zp_g2_bits(B, U, x) B(x, G2, "g2", "lepton g-2 rule passes (see /inputs attribute g2_rule)")
/* observables: (x, enum, name, units, stored by default, read by projections, description) */
#define zp_g2_obs(O, x)                                                                          \
    O(x, DELTA_A, "delta_a", "1", 1, 0,                                                           \
      "Z' contribution to the lepton anomalous moment, g'^2 m^2 (gV^2 - 5 gA^2)/(12 pi^2 M^2), "   \
      "eqs. (2.3)-(2.4)")                                                                         \
    O(x, G2_PULL, "g2_pull", "1", 0, 1, "(delta_a - measured discrepancy) / its uncertainty")
/* INI keys of the constraint's section: (x, key, help) */
#define zp_g2_keys(K, x)                                                                         \
    K(x, "preset", "preset name in the presets file")                                             \
    K(x, "file", "g-2 presets file")                                                              \
    K(x, "rule", "no_worse | pull")                                                               \
    K(x, "nsigma", "threshold in sigma (> 0)")
#define zp_g2_section "g-2"
#define zp_g2_chi2 "pull^2: a Gaussian in Delta a_l with the preset's uncertainty"
#define zp_g2_summary "lepton g-2 against the measured discrepancy"
#endif

#if defined(ZP_KERNEL_PASS) && !defined(ZP_C_G2_KERNEL)
#define ZP_C_G2_KERNEL
typedef struct {
    double g2pref, g2c, g2is, g2thr;
} zp_g2_rc;
typedef struct {
    vd da, pull;
} zp_g2_st;

INLINE void zp_g2_rc_init(zp_g2_rc *c, const zp_model *m, const zp_mass_slice *s, double gqL)
{
    (void)gqL;
    c->g2pref = s->g2pref;
    c->g2c = m->g2_central;
    c->g2is = m->g2_inv_sigma;
    c->g2thr = m->g2_threshold;
}

/* eqs. (2.3)-(2.4) together */
INLINE void zp_g2_part1(const int full, const zp_g2_rc *c, const zp_pt *p, zp_g2_st *st, zp_blk *b)
{
    (void)full;
    st->da = c->g2pref * (p->vv - 5.0 * p->a * p->a); /* (5a)a as always: no new rounding */
    st->pull = (st->da - c->g2c) * c->g2is;
    b->bits |= (vabs(st->pull) <= c->g2thr) & ZP_BITV(ZP_BIT_G2);
}

INLINE void zp_g2_part2(const int full, const zp_g2_rc *c, const zp_pt *p, const zp_g2_st *st,
                        zp_blk *b, const zp_outs *out, int64_t i, int64_t nr)
{
    (void)c, (void)p;
    ZP_CHI2(b, ZP_BIT_G2, st->pull * st->pull);
    ZP_PUT(full, out, ZP_OBS_G2_PULL, st->pull, i, nr);
    ZP_PUT(full, out, ZP_OBS_DELTA_A, st->da, i, nr);
}
#endif
ZP_CONSTRAINT(g2)
