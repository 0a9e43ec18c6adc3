#include "zpscan/kernels.h"

#include <math.h>
#include <string.h>
#if defined(__AVX512DQ__)
#include <immintrin.h>
#endif

/* The row is evaluated 8 points at a time with GCC/Clang vector extensions: each operation
 * below is one AVX-512 instruction on 8 doubles (two AVX2 or four SSE2 ones elsewhere; the
 * compiler lowers them, the arithmetic is the same IEEE operation per lane). The last,
 * partial block goes through the very same code on zero-padded inputs, so the bits of a
 * point never depend on where a row starts (the kernels are built with -ffp-contract=off:
 * no fused multiply-adds anywhere). Compared with letting GCC vectorise a scalar loop this
 * (measured, tools/bench_kernel.c) removes the stack spills of its 32-lane body, the
 * 7-segment LHC interpolation (one lane permute instead) and all divides of the verdicts. */
#define VL 8
#if defined(__GNUC__) && !defined(__clang__)
/* the vector-valued helpers are static: no ABI crosses a translation unit (the note is
 * about calls between objects built with and without AVX-512) */
#pragma GCC diagnostic ignored "-Wpsabi"
#endif
typedef double vd __attribute__((vector_size(VL * sizeof(double))));
typedef int64_t vi __attribute__((vector_size(VL * sizeof(int64_t))));
typedef float vf __attribute__((vector_size(VL * sizeof(float))));
typedef uint16_t vh __attribute__((vector_size(VL * sizeof(uint16_t))));

_Static_assert(ZP_LHC_MAX_WIDTHS == VL, "the LHC segment tables are one vector of VL doubles");

#define INLINE static inline __attribute__((always_inline))

/* m ? a : b per lane, m = -1 / 0 as comparisons give */
INLINE vd vsel(vi m, vd a, vd b) { return (vd)(((vi)a & m) | ((vi)b & ~m)); }
INLINE vd vabs(vd x) { return (vd)((vi)x & INT64_MAX); }
/* every lane of a comparison result set */
INLINE int all_set(vi m)
{
#if defined(__AVX512DQ__)
    return _mm512_movepi64_mask((__m512i)m) == 0xFF;
#else
    int64_t x = -1;
    for (int l = 0; l < VL; ++l) x &= m[l];
    return x != 0;
#endif
}

/* t[k[l]] per lane, k in [0, VL) */
INLINE vd vperm(vd t, vi k)
{
#if defined(__GNUC__) && !defined(__clang__)
    return __builtin_shuffle(t, k);
#else
    vd r;
    for (int l = 0; l < VL; ++l) r[l] = t[k[l] & (VL - 1)];
    return r;
#endif
}

/* Everything that is constant along a row. Boolean row constants are lane masks (-1 / 0). */
typedef struct {
    double K, KL, g2pref, bs_pref, lepV, lepA, g2c, g2is, g2thr, bsmax, bsxL, wmax, pert, gqL2;
    double wll, wbs, wnu, wex, P, wtop;
    /* LHC limit table, one entry per segment: entry 0 = below the first width (flat at
     * limit[0]), entry j+1 = segment j: limit[j] + slope[j] (w - width[j]) for
     * width[j] <= w (< width[j+1]). Entry k applies when k of Wt[1..7] are <= w. */
    vd Lt, St, Wt;
    int64_t k0; /* compares known true for every w >= 0 (Wt[1..j0-1] <= 0) */
    int j0, j1; /* the compares that remain: Wt[j0..j1] (trailing repeats dropped) */
    double b9, b10, iu9, id9, iu10, id10, lo9, hi9, lo10, hi10, gm9, gm10, gi0, gi1x2, gi2, gchi, chi_sm;
    int64_t h9, h10, g2d, lhc_on, pass_sm, pertL, comb;
    int lep_on;
} rowc;

static void row_consts(const zp_model *m, const zp_mass_slice *s, double gqL, rowc *c)
{
    c->K = s->K;
    c->KL = s->K * gqL;
    c->g2pref = s->g2pref;
    c->bs_pref = s->bs_pref;
    c->lepV = s->lepV_max;
    c->lepA = s->lepA_max;
    c->lep_on = !(c->lepV == INFINITY && c->lepA == INFINITY); /* muons: LEP says nothing */
    c->g2c = m->g2_central;
    c->g2is = m->g2_inv_sigma;
    c->g2thr = m->g2_threshold;
    c->bsmax = m->bs_max;
    c->bsxL = m->bs_cross * gqL;
    c->wmax = m->width_max;
    c->pert = m->pert_g;
    c->pertL = -(int64_t)(fabs(gqL) < m->pert_g);
    c->gqL2 = gqL * gqL;
    c->wll = m->w_ll;
    c->wbs = m->w_bs;
    c->wnu = m->w_nu;
    c->wex = m->w_extra;
    c->P = s->lhc.sigma_per_g2 * s->lhc.acceptance;
    c->lhc_on = -(int64_t)(m->lhc_enabled && s->lhc.mass_tested);
    c->wtop = s->lhc.width[s->lhc.nw > 0 ? s->lhc.nw - 1 : 0];
    c->Lt[0] = s->lhc.limit[0];
    c->St[0] = 0.0;
    c->Wt[0] = s->lhc.width[0];
    for (int j = 0; j + 1 < ZP_LHC_MAX_WIDTHS; ++j) {
        c->Lt[j + 1] = s->lhc.limit[j];
        c->St[j + 1] = s->lhc_slope[j];
        c->Wt[j + 1] = s->lhc.width[j];
    }
    /* Gamma/M is a sum of non-negative terms (or NaN, never LHC-tested): a width <= 0 is
     * always passed. Repeated widths at the end (the padding) have slope 0 and the same
     * limit, so stopping at the first of them gives the same value. */
    const int wpos = m->w_ll >= 0 && m->w_bs >= 0 && m->w_nu >= 0 && m->w_extra >= 0;
    c->j0 = 1;
    c->k0 = 0;
    while (wpos && c->j0 < VL && c->Wt[c->j0] <= 0.0) {
        ++c->j0;
        ++c->k0;
    }
    c->j1 = VL - 1;
    while (c->j1 > c->j0 && c->Wt[c->j1] == c->Wt[c->j1 - 1]) --c->j1;
    c->h9 = -(int64_t)(m->f_have[0] != 0);
    c->h10 = -(int64_t)(m->f_have[1] != 0);
    c->g2d = -(int64_t)(m->f_g2d != 0);
    c->b9 = m->f_best[0];
    c->b10 = m->f_best[1];
    /* (C - best) / sigma as a product with the reciprocal (rounding-level change) */
    c->iu9 = 1.0 / m->f_sup[0];
    c->id9 = 1.0 / m->f_sdn[0];
    c->iu10 = 1.0 / m->f_sup[1];
    c->id10 = 1.0 / m->f_sdn[1];
    c->lo9 = m->f_lo[0];
    c->hi9 = m->f_hi[0];
    c->lo10 = m->f_lo[1];
    c->hi10 = m->f_hi[1];
    c->gm9 = m->f_g2d_mean[0];
    c->gm10 = m->f_g2d_mean[1];
    c->gi0 = m->f_g2d_inv[0];
    c->gi1x2 = 2.0 * m->f_g2d_inv[1];
    c->gi2 = m->f_g2d_inv[2];
    c->gchi = m->f_g2d_chi2max;
    c->comb = m->combine;
    /* SM-point flavour verdict is the same for every point: compute once. */
    const int h9 = m->f_have[0], h10 = m->f_have[1];
    const double z9 = (0.0 - c->b9) * (0.0 > c->b9 ? c->iu9 : c->id9);
    const double z10 = (0.0 - c->b10) * (0.0 > c->b10 ? c->iu10 : c->id10);
    c->chi_sm = fmin(h9 ? z9 * z9 : INFINITY, h10 ? z10 * z10 : INFINITY);
    c->pass_sm = -(int64_t)((!h9 || (c->lo9 <= 0.0 && 0.0 <= c->hi9))
                            && (!h10 || (c->lo10 <= 0.0 && 0.0 <= c->hi10)) && (h9 || h10));
}

#define B(b) ((int64_t)1 << (b))

/* What the first half of a block's evaluation hands to the second. */
typedef struct {
    vd w, num, pull, chi, o[6];
    vi bits; /* every verdict bit but LHC, LHC_UNTESTED and the combined ones */
    vi fu;   /* FLAVOUR bit set where flavour was not tested */
} half;

/* (C - best) / sigma with the asymmetric Table 1 errors, as products with reciprocals */
INLINE vd fit_pull(vd C, double best, double inv_up, double inv_dn)
{
    const vd zero = {0};
    return (C - best) * vsel(C > best, zero + inv_up, zero + inv_dn);
}
INLINE vi in_interval(vd C, double lo, double hi) { return (C >= lo) & (C <= hi); }

INLINE half part1(const int full, const rowc *restrict c, vd r, vd v, vd a)
{
    half h;
    const vd zero = {0};
    const vd Kr = c->K * r;
    const vd C9 = c->KL * v, C10 = c->KL * a, C9p = Kr * v, C10p = Kr * a;
    const vd vv = v * v, aa = a * a, rr = r * r;

    /* lepton g-2, eqs. (2.3)-(2.4) together */
    const vd da = c->g2pref * (vv - 5.0 * a * a); /* (5a)a as before: no new rounding */
    const vd pull = (da - c->g2c) * c->g2is;
    const vi g2ok = vabs(pull) <= c->g2thr;

    /* Bs mixing, eq. (2.10) */
    const vd gq2 = c->gqL2 + rr;
    const vd R = c->bs_pref * (gq2 - c->bsxL * r);
    const vi bsok = vabs(R) < c->bsmax;

    /* LEP, eq. (2.9) (infinite bounds for muons: always passed) */
    const vd ar = vabs(r), av = vabs(v), aA = vabs(a);
    const vi lepok = c->lep_on ? (av <= c->lepV) & (aA <= c->lepA) : (vi){0} - 1;

    /* perturbativity: g'|g| < sqrt(4 pi) for every coupling */
    const vi pertok = (ar < c->pert) & (av < c->pert) & (aA < c->pert) & c->pertL;

    /* widths, PHYSICS.md §6 */
    const vd gl2 = vv + aa, vma = v - a;
    const vd wl = c->wll * gl2;
    const vd w = wl + c->wbs * gq2 + c->wnu * vma * vma + c->wex;
    const vi widthok = w <= c->wmax;
    h.w = w;
    /* sigma B = P gq2 wl / w; the verdict compares num = P gq2 wl with limit * w instead
     * (no divide; w = 0 only when wl = 0) */
    h.num = c->P * gq2 * wl;

    /* flavour fit (Table 1): one non-zero coefficient -> its interval; none -> the SM
     * point; C9 and C10 together -> the optional 2-D Gaussian; otherwise untested. */
    const vi nzp = (C9p != 0.0) | (C10p != 0.0);
    vi fok, ftested;
    if (all_set(nzp)) {
        /* a primed coefficient in every lane (gqR != 0): Table 1 tests none of them, so the
         * verdicts below are known (untested, chi2 NaN); the same bits, a third of the work */
        fok = ftested = (vi){0};
        h.chi = zero + NAN;
    } else {
        const vi nz9 = C9 != 0.0, nz10 = C10 != 0.0;
        const vi only9 = nz9 & ~nz10 & ~nzp & c->h9, only10 = nz10 & ~nz9 & ~nzp & c->h10;
        if (!c->g2d && all_set(nz9 & nz10)) {
            /* C9 and C10 both non-zero in every lane and no 2-D Gaussian to test them together
             * (Table 1 has none): untested again, the same bits as the general case gives */
            fok = ftested = (vi){0};
            h.chi = zero + NAN;
        } else if (all_set(only9) || all_set(only10)) {
            /* one coefficient alone in every lane (the paper's scenarios): its interval */
            const int is9 = all_set(only9);
            const vd C = is9 ? C9 : C10;
            ftested = (vi){0} - 1;
            fok = is9 ? in_interval(C, c->lo9, c->hi9) : in_interval(C, c->lo10, c->hi10);
            const vd e = is9 ? fit_pull(C, c->b9, c->iu9, c->id9) : fit_pull(C, c->b10, c->iu10, c->id10);
            h.chi = e * e;
        } else {
            const vd e9 = fit_pull(C9, c->b9, c->iu9, c->id9), e10 = fit_pull(C10, c->b10, c->iu10, c->id10);
            vd chi2d = zero;
            if (c->g2d) { /* a row constant */
                const vd x9 = C9 - c->gm9, x10 = C10 - c->gm10;
                chi2d = c->gi0 * x9 * x9 + c->gi1x2 * x9 * x10 + c->gi2 * x10 * x10;
            }
            const vi sm = ~(nz9 | nz10 | nzp), mixed = nz9 & nz10 & ~nzp & c->g2d;
            ftested = only9 | only10 | sm | mixed;
            fok = (only9 & in_interval(C9, c->lo9, c->hi9)) | (only10 & in_interval(C10, c->lo10, c->hi10))
                  | (sm & c->pass_sm) | (mixed & (chi2d <= c->gchi));
            vd chi = vsel(only9, e9 * e9, zero + NAN);
            chi = vsel(only10, e10 * e10, chi);
            chi = vsel(sm, zero + c->chi_sm, chi);
            h.chi = vsel(mixed, chi2d, chi);
        }
    }
    h.pull = pull;
    h.bits = (fok & B(ZP_BIT_FLAVOUR)) | (~ftested & B(ZP_BIT_FLAVOUR_UNTESTED)) | (g2ok & B(ZP_BIT_G2))
             | (lepok & B(ZP_BIT_LEP)) | (bsok & B(ZP_BIT_BS_MIXING)) | (pertok & B(ZP_BIT_PERTURBATIVE))
             | (widthok & B(ZP_BIT_WIDTH));
    h.fu = ~ftested & B(ZP_BIT_FLAVOUR);
    if (full) {
        h.o[0] = C9;
        h.o[1] = C10;
        h.o[2] = C9p;
        h.o[3] = C10p;
        h.o[4] = da;
        h.o[5] = R;
    }
    return h;
}

typedef struct {
    uint16_t *mask;
    float *pull, *chi;
    float *o[10]; /* C9, C10, C9', C10', delta a, Bs ratio, width, sigma B, limit, ratio */
} outs;

INLINE void store(float *dst, vd x, int64_t nr)
{
    const vf f = __builtin_convertvector(x, vf);
    memcpy(dst, &f, nr * sizeof(float));
}

INLINE void part2(const int full, const rowc *restrict c, const half *h, const outs *out, int64_t i, int64_t nr)
{
    const vd zero = {0}, w = h->w;
    /* LHC limit: k = number of segment starts Wt[1..7] <= w, counted from the sign bits of
     * w - Wt[j] (>= 0 exactly when w >= Wt[j]; NaN w is never tested), then the segment's
     * L, S, W by a lane permute: the same L + S (w - W) as a search would give. */
    vi k = (vi){0} + (c->k0 + c->j1 - c->j0 + 1);
    for (int j = c->j0; j <= c->j1; ++j) k += (vi)(w - c->Wt[j]) >> 63;
    const vd lim = vperm(c->Lt, k) + vperm(c->St, k) * (w - vperm(c->Wt, k));
    const vi tested = c->lhc_on & (w <= c->wtop);
    const vi lhcok = tested & (h->num <= lim * w); /* sigma B <= limit (lim > 0) */
    vi bits = h->bits | (lhcok & B(ZP_BIT_LHC)) | (~tested & B(ZP_BIT_LHC_UNTESTED));
    /* a constraint in `combine` counts for ALL when it passes or was not evaluated;
     * COMPLETE says every one of them was evaluated */
    const vi untested = h->fu | (~tested & B(ZP_BIT_LHC));
    const vi ok = (bits | untested) & c->comb;
    const vi all = ok == c->comb, complete = (untested & c->comb) == 0;
    bits |= (all & B(ZP_BIT_ALL)) | (complete & B(ZP_BIT_COMPLETE)) | (all & complete & B(ZP_BIT_ALLOWED));
    const vh mb = __builtin_convertvector(bits, vh);
    memcpy(out->mask + i, &mb, nr * sizeof(uint16_t));
    store(out->pull + i, h->pull, nr);
    store(out->chi + i, h->chi, nr);
    if (full) { /* a compile-time constant after inlining */
        for (int q = 0; q < 6; ++q) store(out->o[q] + i, h->o[q], nr);
        store(out->o[6] + i, w, nr);
        const vd sbf = h->num / vsel(w > 0.0, w, zero + 1.0); /* w = 0 only when wl = 0 */
        store(out->o[7] + i, sbf, nr);
        store(out->o[8] + i, vsel(tested, lim, zero + NAN), nr);
        store(out->o[9] + i, vsel(tested, sbf / lim, zero + NAN), nr);
    }
}

INLINE half load_part1(const int full, const rowc *restrict c, const double *gqR, const double *gV,
                       const double *gA, int64_t i)
{
    vd r, v, a;
    memcpy(&r, gqR + i, sizeof r);
    memcpy(&v, gV + i, sizeof v);
    memcpy(&a, gA + i, sizeof a);
    return part1(full, c, r, v, a);
}

INLINE void row_impl(const int full, const zp_model *restrict m, const zp_mass_slice *restrict s, double gqL,
                     const double *restrict gqR, const double *restrict gV, const double *restrict gA,
                     int64_t n, uint16_t *restrict mask, float *restrict opull, float *restrict ochi,
                     float *const *obs)
{
    rowc c;
    row_consts(m, s, gqL, &c);
    outs out = {mask, opull, ochi, {0}};
    if (full) {
        static const int map[10] = {ZP_OBS_C9,        ZP_OBS_C10,      ZP_OBS_C9P,         ZP_OBS_C10P,
                                    ZP_OBS_DELTA_A,   ZP_OBS_BS_RATIO, ZP_OBS_WIDTH_RATIO, ZP_OBS_SIGMAB_FID,
                                    ZP_OBS_LHC_LIMIT, ZP_OBS_LHC_RATIO};
        for (int k = 0; k < 10; ++k) out.o[k] = obs[map[k]];
    }
    int64_t i = 0;
    if (n >= VL) {
        /* software-pipelined: the first half of block i+1 is issued before the second half
         * (LHC limit, combined bits, stores) of block i, so the out-of-order core has
         * independent work while the long width -> limit -> verdict chain completes */
        half h = load_part1(full, &c, gqR, gV, gA, 0);
        for (; i + 2 * VL <= n; i += VL) {
            const half next = load_part1(full, &c, gqR, gV, gA, i + VL);
            part2(full, &c, &h, &out, i, VL);
            h = next;
        }
        part2(full, &c, &h, &out, i, VL);
        i += VL;
    }
    if (i < n) { /* the tail through the same code on zero-padded inputs: identical rounding */
        const int64_t nr = n - i;
        vd r = {0}, v = {0}, a = {0};
        memcpy(&r, gqR + i, nr * sizeof(double));
        memcpy(&v, gV + i, nr * sizeof(double));
        memcpy(&a, gA + i, nr * sizeof(double));
        const half h = part1(full, &c, r, v, a);
        part2(full, &c, &h, &out, i, nr);
    }
}

void zp_kernel_row(const zp_model *restrict m, const zp_mass_slice *restrict s, double gqL,
                   const double *restrict gqR, const double *restrict gV,
                   const double *restrict gA, int64_t n, uint16_t *restrict mask,
                   float *const obs[ZP_NOBS])
{
    row_impl(1, m, s, gqL, gqR, gV, gA, n, mask, obs[ZP_OBS_G2_PULL], obs[ZP_OBS_FLAVOUR_CHI2], obs);
}

void zp_kernel_row_verdicts(const zp_model *restrict m, const zp_mass_slice *restrict s, double gqL,
                            const double *restrict gqR, const double *restrict gV,
                            const double *restrict gA, int64_t n, uint16_t *restrict mask,
                            float *restrict flavour_chi2, float *restrict g2_pull)
{
    row_impl(0, m, s, gqL, gqR, gV, gA, n, mask, g2_pull, flavour_chi2, NULL);
}
