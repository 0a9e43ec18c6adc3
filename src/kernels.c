#include "zpscan/kernels.h"

#include <math.h>
#include <string.h>
#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "zpscan/binned.h"

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

/* any lane of a comparison result set */
INLINE int any_set(vi m)
{
#if defined(__AVX512DQ__)
    return _mm512_movepi64_mask((__m512i)m) != 0;
#else
    int64_t x = 0;
    for (int l = 0; l < VL; ++l) x |= m[l];
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

/* base[idx[l]] per lane (the binned LHC tables); idx in range: AVX-512's gather, else a loop */
#if defined(__AVX512F__)
#define ZP_GATHER(name, R, T, avx512)                                                            \
    INLINE R name(const T *base, vi idx) { return avx512; }
#else
#define ZP_GATHER(name, R, T, avx512)                                                            \
    INLINE R name(const T *base, vi idx)                                                         \
    {                                                                                            \
        R r;                                                                                     \
        for (int l = 0; l < VL; ++l) r[l] = base[idx[l]];                                        \
        return r;                                                                                \
    }
#endif
ZP_GATHER(vgather, vd, double, (vd)_mm512_i64gather_pd((__m512i)idx, base, 8))
ZP_GATHER(vgatheri, vi, int64_t, (vi)_mm512_i64gather_epi64((__m512i)idx, base, 8))
ZP_GATHER(vgatherf, vd, float, __builtin_convertvector((vf)_mm512_i64gather_ps((__m512i)idx, base, 4), vd))
/* base[idx[l]] and base[idx[l] + 1] per lane: with AVX-512 one 8-byte gather of the pair */
INLINE void vgatherf2(const float *base, vi idx, vd *lo, vd *hi)
{
#if defined(__AVX512F__)
    const __m512i p = _mm512_i64gather_epi64((__m512i)idx, (const void *)base, 4);
    *lo = (vd)_mm512_cvtps_pd(_mm256_castsi256_ps(_mm512_cvtepi64_epi32(p)));
    *hi = (vd)_mm512_cvtps_pd(_mm256_castsi256_ps(_mm512_cvtepi64_epi32(_mm512_srli_epi64(p, 32))));
#else
    *lo = vgatherf(base, idx);
    *hi = vgatherf(base, idx + 1);
#endif
}
INLINE vd vsqrt(vd x)
{
#if defined(__AVX512F__)
    return (vd)_mm512_sqrt_pd((__m512d)x);
#else
    vd r;
    for (int l = 0; l < VL; ++l) r[l] = __builtin_sqrt(x[l]);
    return r;
#endif
}

#define ZP_BITV(b) ((int64_t)1 << (b))

/* a verdict bit of the block where m is set (plain ORs: a masked OR per bit chains every bit
 * through one register, measured slower: BENCHMARKS.md §12) */
#define ZP_SETBIT(b, m, bit) ((b)->bits |= (m) & ZP_BITV(bit))
/* a constraint not evaluated where m is set: its untested bit (or none: -1) and its pass bit
 * as "untested" for `combine` */
#define ZP_UNTESTED(b, m, bit, ubit)                                                             \
    do {                                                                                         \
        if ((ubit) >= 0) ZP_SETBIT(b, m, ubit);                                                  \
        (b)->untested |= (m) & ZP_BITV(bit);                                                     \
    } while (0)

/* What every constraint may read of a block of VL points: the couplings and the model
 * quantities several constraints share (Gamma_tot/M and its lepton part). */
typedef struct {
    vd r, v, a;      /* gqR, gV, gA */
    vd vv, aa, rr;   /* their squares */
    vd gq2;          /* gqL^2 + gqR^2 */
    vd wl, w;        /* Gamma(l+l-)/M and Gamma_tot/M, PHYSICS.md §6 */
    /* 1 (a compile-time constant after inlining) in the verdicts pass of a row whose gqR is
     * zero throughout (the paper's scenarios): a constraint may then use row constants it
     * computed for gqR = 0 with the very same operations, so the bits are those of the
     * general code (tests/test_kernels.c compares the two) */
    int r0;
} zp_pt;

/* The verdict bits of a block as the constraints set them, and which constraints were not
 * evaluated (their pass bit set where untested; `combine` counts those as passed). */
typedef struct {
    vi bits, untested;
    vd chi2;      /* Delta chi^2 summed over the constraints in `combine` that define one */
    int64_t comb; /* the pass bits of the constraints in `combine` */
    int nan;      /* chi2 is NaN in every lane (a combined term undefined there): NaN + x is NaN,
                   * so the terms after it need not be computed (ZP_CHI2, ZP_NAN_TERM) */
} zp_blk;

/* a constraint's Delta chi^2 x into chi2_total when it is in `combine` (a row constant);
 * x is evaluated only when it can change the sum */
#define ZP_CHI2(b, bit, x)                                                                      \
    do {                                                                                         \
        if (((b)->comb & ZP_BITV(bit)) && !(b)->nan) (b)->chi2 += (x);                          \
    } while (0)
/* a combined term that is NaN in every lane of the block (its constraint not evaluated) */
#define ZP_NAN_TERM(b, bit)                                                                      \
    do {                                                                                         \
        if ((b)->comb & ZP_BITV(bit)) {                                                          \
            (b)->chi2 += (vd){0} + NAN;                                                          \
            (b)->nan = 1;                                                                        \
        }                                                                                        \
    } while (0)

typedef struct {
    zp_mask *mask;
    float *o[ZP_NOBS]; /* NULL where not wanted */
} zp_outs;

/* float32 observables; a verdicts-only pass stores only those the projections read,
 * decided at compile time (full and zp_obs_projected are constants after inlining) */
INLINE void zp_store(float *dst, vd x, int64_t nr)
{
    const vf f = __builtin_convertvector(x, vf);
    memcpy(dst, &f, nr * sizeof(float));
}
enum {
#define PROJ_(x, E, name, units, dflt, proj, desc) ZP_OBS_##E##_IS_PROJ = proj,
#define ZP_CONSTRAINT(n) zp_##n##_obs(PROJ_, n)
#include "constraints/registry.h"
#undef ZP_CONSTRAINT
#undef PROJ_
    ZP_OBS_CHI2_TOTAL_IS_PROJ = 1,
};
#define ZP_PUT(full, out, K, x, i, nr)                                                          \
    do {                                                                                         \
        if ((full) || K##_IS_PROJ) zp_store((out)->o[K] + (i), (x), (nr));                       \
    } while (0)

/* The constraints' kernel parts: each defines zp_<name>_rc (row constants), zp_<name>_st
 * (what its first half hands to its second), zp_<name>_rc_init, zp_<name>_part1 and
 * zp_<name>_part2 (src/constraints/<name>.h). */
/* for a constraint that hands nothing from its first half to its second, or does nothing in
 * the second (no observable, no likelihood) */
#define ZP_KERNEL_NO_STATE(n)                                                                    \
    typedef struct {                                                                             \
        char unused;                                                                             \
    } zp_##n##_st;
#define ZP_KERNEL_NO_PART2(n)                                                                    \
    INLINE void zp_##n##_part2(const int full, const zp_##n##_rc *c, const zp_pt *p, const zp_##n##_st *st, \
                               zp_blk *b, const zp_outs *out, int64_t i, int64_t nr)             \
    {                                                                                            \
        (void)full, (void)c, (void)p, (void)st, (void)b, (void)out, (void)i, (void)nr;           \
    }
#define ZP_KERNEL_PASS 1
#define ZP_CONSTRAINT(n)
#include "constraints/registry.h"
#undef ZP_CONSTRAINT

/* Everything that is constant along a row: the shared part, then each constraint's. */
typedef struct {
    double gqL2, wll, wbs, wnu, wex, nl;
    double wbs0; /* wbs gq2 at gqR = 0 */
#define ZP_CONSTRAINT(n) zp_##n##_rc n;
#include "constraints/registry.h"
#undef ZP_CONSTRAINT
    int64_t comb;
} rowc;

static void row_consts(const zp_model *m, const zp_mass_slice *s, double gqL, rowc *c)
{
    c->gqL2 = gqL * gqL;
    c->wll = m->w_ll;
    c->wbs = m->w_bs;
    c->wnu = m->w_nu;
    c->wex = m->w_extra;
    c->nl = m->nlep;
    c->wbs0 = c->wbs * (c->gqL2 + 0.0 * 0.0);
    c->comb = m->combine;
#define ZP_CONSTRAINT(n) zp_##n##_rc_init(&c->n, m, s, gqL);
#include "constraints/registry.h"
#undef ZP_CONSTRAINT
}

/* What the first half of a block's evaluation hands to the second. */
typedef struct {
    zp_pt p;
    zp_blk b;
#define ZP_CONSTRAINT(n) zp_##n##_st n;
#include "constraints/registry.h"
#undef ZP_CONSTRAINT
} half;

/* the couplings and widths every constraint reads (zp_pt) */
INLINE void pt_init(zp_pt *p, const int r0, const rowc *restrict c, vd r, vd v, vd a)
{
    const vd zero = {0};
    p->r0 = r0;
    p->r = r0 ? zero : r;
    p->v = v;
    p->a = a;
    p->vv = v * v;
    p->aa = a * a;
    p->rr = r0 ? zero : r * r;
    p->gq2 = r0 ? zero + c->gqL2 : c->gqL2 + p->rr; /* gqL2 + 0 = gqL2 exactly */
    /* widths, PHYSICS.md §6 */
    const vd gl2 = p->vv + p->aa, vma = v - a;
    p->wl = c->wll * gl2;
    /* mu+e: both lepton widths (x 1.0 is exact: one lepton keeps its bits) */
    p->w = p->wl * c->nl + (r0 ? zero + c->wbs0 : c->wbs * p->gq2) + c->wnu * vma * vma + c->wex;
}

INLINE half part1(const int full, const int r0, const rowc *restrict c, vd r, vd v, vd a)
{
    half h;
    zp_pt *p = &h.p;
    pt_init(p, r0, c, r, v, a);
    h.b.bits = h.b.untested = (vi){0};
    h.b.chi2 = (vd){0};
    h.b.comb = c->comb;
    h.b.nan = 0;
#define ZP_CONSTRAINT(n) zp_##n##_part1(full, &c->n, p, &h.n, &h.b);
#include "constraints/registry.h"
#undef ZP_CONSTRAINT
    return h;
}

INLINE void part2(const int full, const rowc *restrict c, const half *h, const zp_outs *out, int64_t i, int64_t nr)
{
    zp_blk b = h->b;
#define ZP_CONSTRAINT(n) zp_##n##_part2(full, &c->n, &h->p, &h->n, &b, out, i, nr);
#include "constraints/registry.h"
#undef ZP_CONSTRAINT
    /* a constraint in `combine` counts for ALL when it passes or was not evaluated;
     * COMPLETE says every one of them was evaluated */
    const vi ok = (b.bits | b.untested) & c->comb;
    const vi all = ok == c->comb, complete = (b.untested & c->comb) == 0;
    const vi bits = b.bits | (all & ZP_BITV(ZP_BIT_ALL)) | (complete & ZP_BITV(ZP_BIT_COMPLETE))
                    | (all & complete & ZP_BITV(ZP_BIT_ALLOWED));
    typedef zp_mask vm __attribute__((vector_size(VL * sizeof(zp_mask))));
    const vm mb = __builtin_convertvector(bits, vm);
    memcpy(out->mask + i, &mb, nr * sizeof(zp_mask));
    ZP_PUT(full, out, ZP_OBS_CHI2_TOTAL, b.chi2, i, nr);
}

/* 1 if every x[0..n) is +0 or -0: the bits of |x| ORed (a first-point test spares other rows) */
INLINE int all_zero(const double *x, int64_t n)
{
    if (n < 1 || x[0] != 0.0) return 0;
    vi acc = {0};
    int64_t j = 0;
    for (; j + VL <= n; j += VL) {
        vd r;
        memcpy(&r, x + j, sizeof r);
        acc |= (vi)r & INT64_MAX;
    }
    int t = 0;
    for (; j < n; ++j) t |= x[j] != 0.0;
    return !t && !any_set(acc != 0);
}

/* points i..i+nr of the row's couplings (nr <= VL; the rest of the block zero) */
INLINE void load_block(const double *gqR, const double *gV, const double *gA, int64_t i, int64_t nr, vd *r, vd *v,
                       vd *a)
{
    *r = *v = *a = (vd){0};
    memcpy(r, gqR + i, nr * sizeof(double));
    memcpy(v, gV + i, nr * sizeof(double));
    memcpy(a, gA + i, nr * sizeof(double));
}

/* the row's whole blocks; r0: every gqR of the row is zero (zp_pt.r0) */
INLINE int64_t row_blocks(const int full, const int r0, const rowc *restrict c, const double *restrict gqR,
                          const double *restrict gV, const double *restrict gA, int64_t n, const zp_outs *out)
{
    int64_t i = 0;
    /* block by block (a software-pipelined loop, the next block's first half issued before
     * this one's second, no longer paid off once the constraints' state grew: BENCHMARKS.md) */
    for (; i + VL <= n; i += VL) {
        vd r, v, a;
        load_block(gqR, gV, gA, i, VL, &r, &v, &a);
        const half h = part1(full, r0, c, r, v, a);
        part2(full, c, &h, out, i, VL);
    }
    return i;
}

INLINE void row_impl(const int full, const zp_model *restrict m, const zp_mass_slice *restrict s, double gqL,
                     const double *restrict gqR, const double *restrict gV, const double *restrict gA,
                     int64_t n, zp_mask *restrict mask, float *const *obs)
{
    rowc c;
    row_consts(m, s, gqL, &c);
    zp_outs out = {mask, {0}};
    for (int k = 0; k < ZP_NOBS; ++k) out.o[k] = obs[k];
    /* the verdicts pass of a row with gqR = 0 throughout (the paper's scenarios) takes its own
     * copy of the loop (zp_pt.r0); decided per row, so other rows run the general loop alone */
    const int r0 = !full && all_zero(gqR, n);
    int64_t i = r0 ? row_blocks(full, 1, &c, gqR, gV, gA, n, &out) : row_blocks(full, 0, &c, gqR, gV, gA, n, &out);
    if (i < n) { /* the tail through the same code on zero-padded inputs: identical rounding */
        const int64_t nr = n - i;
        vd r, v, a;
        load_block(gqR, gV, gA, i, nr, &r, &v, &a);
        const half h = part1(full, 0, &c, r, v, a);
        part2(full, &c, &h, &out, i, nr);
    }
}

void zp_kernel_row(const zp_model *restrict m, const zp_mass_slice *restrict s, double gqL,
                   const double *restrict gqR, const double *restrict gV,
                   const double *restrict gA, int64_t n, zp_mask *restrict mask,
                   float *const obs[ZP_NOBS])
{
    row_impl(1, m, s, gqL, gqR, gV, gA, n, mask, obs);
}

void zp_kernel_row_verdicts(const zp_model *restrict m, const zp_mass_slice *restrict s, double gqL,
                            const double *restrict gqR, const double *restrict gV,
                            const double *restrict gA, int64_t n, zp_mask *restrict mask,
                            float *const obs[ZP_NOBS])
{
    row_impl(0, m, s, gqL, gqR, gV, gA, n, mask, obs);
}

/* one block of zp_kernel_row_lhc_dchi2 (nr of its VL points stored) */
INLINE void lhc_dchi2_block(const rowc *restrict c, vd r, vd v, vd a, float *dst, int64_t nr)
{
    const zp_outs out = {NULL, {0}};
    zp_pt p;
    pt_init(&p, 0, c, r, v, a);
    zp_blk b = {.chi2 = {0}, .comb = ZP_BITV(ZP_BIT_LHC)};
    zp_lhc_st st;
    zp_lhc_part1(0, &c->lhc, &p, &st, &b);
    if (c->lhc.binned) {
        vi cell = {0};
        vd fc = {0};
        const vd lim = c->lhc.bin ? zp_lhc_binned_lim(c->lhc.bin, p.w, &cell, &fc) : (vd){0};
        const vi tested = zp_lhc_tested(&c->lhc, p.w);
        zp_lhc_binned(0, &c->lhc, &st, p.w, lim, tested, cell, fc, &b, &out, 0, nr);
    } else {
        b.chi2 += NAN; /* the fiducial limit defines none */
    }
    zp_store(dst, b.chi2, nr);
}

/* The binned LHC's Delta chi^2 alone, by the verdicts pass's own code (zp_lhc_part1,
 * zp_lhc_binned): its cost apart from the other constraints (zpscan-bench-kernel --likelihood)
 * and a check of the kernel's likelihood (tests/test_binned.c) */
void zp_kernel_row_lhc_dchi2(const zp_model *restrict m, const zp_mass_slice *restrict s, double gqL,
                             const double *restrict gqR, const double *restrict gV, const double *restrict gA,
                             int64_t n, float *restrict dchi2)
{
    rowc c;
    row_consts(m, s, gqL, &c);
    int64_t i = 0;
    for (; i + VL <= n; i += VL) { /* whole blocks, then the tail zero-padded (as row_impl) */
        vd r, v, a;
        load_block(gqR, gV, gA, i, VL, &r, &v, &a);
        lhc_dchi2_block(&c, r, v, a, dchi2 + i, VL);
    }
    if (i < n) {
        const int64_t nr = n - i;
        vd r, v, a;
        load_block(gqR, gV, gA, i, nr, &r, &v, &a);
        lhc_dchi2_block(&c, r, v, a, dchi2 + i, nr);
    }
}
