#include "zpscan/projections.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

const char *const zp_pmin_names[ZP_NPMIN] = {"flavour_chi2", "g2_chi2", "chi2_total"};

/* Accumulators of fine projections are tens of MB: in 4 KiB pages their first touch (a
 * page fault each, costly in a VM) was ~7% of a 3e8-point scan. Large arrays are aligned to
 * 2 MiB and offered to transparent huge pages (a hint: ignored where THP is off). */
enum { ZP_HUGE = 2 << 20 };

static void *acc_alloc(size_t bytes)
{
    if (bytes < ZP_HUGE) return malloc(bytes ? bytes : 1);
    const size_t len = (bytes + ZP_HUGE - 1) / ZP_HUGE * ZP_HUGE;
    void *p = aligned_alloc(ZP_HUGE, len);
#ifdef MADV_HUGEPAGE
    if (p) (void)madvise(p, len, MADV_HUGEPAGE);
#endif
    return p;
}

uint64_t zp_acc_bytes(const zp_config *c, const zp_grid *g)
{
    uint64_t cells = 0;
    for (int p = 0; p < c->nproj; ++p) {
        const int A = c->proj[p][0], B = c->proj[p][1];
        uint64_t n = (uint64_t)g->n[A] * (uint64_t)g->n[B];
        if (A != ZP_AX_MASS && B != ZP_AX_MASS) n *= (uint64_t)g->n[ZP_AX_MASS];
        cells += n;
    }
    return cells * (ZP_NBITS * sizeof(uint64_t) + ZP_NPMIN * sizeof(double));
}

zp_status zp_acc_init(zp_acc *a, const zp_config *c, const zp_grid *g)
{
    return zp_acc_init_shape(a, c, g, 1);
}

zp_status zp_acc_init_shape(zp_acc *a, const zp_config *c, const zp_grid *g, int with_arrays)
{
    memset(a, 0, sizeof *a);
    a->nproj = c->nproj;
    for (int p = 0; p < c->nproj; ++p) {
        zp_proj_def *d = &a->def[p];
        int A = c->proj[p][0], B = c->proj[p][1];
        if (A == B || A < 0 || B < 0 || A >= ZP_NAXES || B >= ZP_NAXES)
            ZP_FAIL(ZP_EINPUT, "%s: [scan] projections: bad axis pair", c->input_path);
        snprintf(d->name, sizeof d->name, "%s_%s", zp_axis_names[A], zp_axis_names[B]);
        d->nkeep = 0;
        if (A != ZP_AX_MASS && B != ZP_AX_MASS) d->axes[d->nkeep++] = ZP_AX_MASS;
        d->axes[d->nkeep++] = A;
        d->axes[d->nkeep++] = B;
        d->ncell = 1;
        for (int k = d->nkeep - 1; k >= 0; --k) {
            d->dims[k] = g->n[d->axes[k]];
            d->stride[d->axes[k]] = d->ncell;
            d->ncell *= d->dims[k];
        }
        d->per_cell = g->npoints / d->ncell;
        if (!with_arrays) continue;
        a->pcount[p] = acc_alloc((size_t)(ZP_NBITS * d->ncell) * sizeof(uint64_t));
        a->pmin[p] = acc_alloc((size_t)(ZP_NPMIN * d->ncell) * sizeof(double));
        if (!a->pcount[p] || !a->pmin[p]) {
            zp_acc_free(a);
            ZP_FAIL(ZP_ENOMEM, "projection %s: %lld cells do not fit in memory", d->name,
                    (long long)d->ncell);
        }
    }
    zp_acc_zero(a);
    return ZP_OK;
}

void zp_acc_zero(zp_acc *a)
{
    memset(a->counts, 0, sizeof a->counts);
    a->npoints = 0;
    for (int p = 0; p < a->nproj; ++p) {
        if (!a->pcount[p]) continue; /* shape only */
        memset(a->pcount[p], 0, (size_t)(ZP_NBITS * a->def[p].ncell) * sizeof(uint64_t));
        for (int64_t i = 0; i < ZP_NPMIN * a->def[p].ncell; ++i) a->pmin[p][i] = INFINITY;
    }
}

void zp_acc_free(zp_acc *a)
{
    for (int p = 0; p < ZP_MAX_PROJ; ++p) {
        free(a->pcount[p]);
        free(a->pmin[p]);
        a->pcount[p] = NULL;
        a->pmin[p] = NULL;
    }
}

/* zp_acc_row sees a row (the block of points sharing mass and gqL) as c[0] x c[1] x c[2]
 * points, stored contiguously, whose cells per step of each axis are s[0], s[1], s[2]
 * (0: reduced). Points that fall into the same cells position by position are added up
 * "vertically", lane by lane, into small local counters (L1-resident; the compiler vectorises
 * the lanes), and the lanes go into the projection's cells once per group ("flush", where a
 * reduced axis among the lanes is summed). Two ways to cut the points into equal lines:
 *  - axis 1 reduced ("wrap"): the cell depends on i0 and j only, periodically in the memory
 *    position, so a run of points (the row, or one span of c[1]*c[2] points when axis 0 is
 *    kept) is cut into lines of W lanes, W a multiple of c[2] (of 1 when axis 2 is reduced too):
 *    long lines whatever the axis lengths;
 *  - axis 1 kept ("span"): lines are the spans of c[1]*c[2] points of each i0, added up over i0
 *    when axis 0 is reduced;
 *  - axis 1 reduced, axis 2 kept and longer than LANES ("columns"): axis 2 cut into nearly
 *    equal columns, each added up over all lines of the row and flushed once;
 *  - axis 1 kept, axis 2 reduced, and a cell of one line (axis 0 kept or of one point) or of
 *    at most ACROSS_VERT lines of at least ACROSS_MIN points ("across"): counted across the
 *    lines in AK nibble lanes (across_add), summed once per cell. */
enum {
    LANES = 512,             /* lanes of a line at most: the locals stay in L1 */
    NIB_LINES = 15,          /* lines a 4-bit field holds */
    LINES_MAX = UINT16_MAX,  /* lines the uint16 counters hold (a multiple of NIB_LINES) */
};
/* Bits are counted in nibbles of 16-bit words, in groups of 12: bit 12g + k + 4f (k < 4,
 * f < 3) of the mask in nibble f of word 4g + k, so (mask >> (12g + k)) & 0x111 adds three
 * bits at once. Any number of bits: NGRP groups of four words. */
enum { NGRP = (ZP_NBITS + 11) / 12, NWORD = 4 * NGRP };
static inline int nib_word(int b) { return 4 * (b / 12) + (b % 12 & 3); }
static inline int nib_shift(int b) { return 4 * (b % 12 >> 2); }
_Static_assert(LINES_MAX % NIB_LINES == 0, "nibbles are spilled into the counters every 15 lines");

typedef struct {
    uint16_t nib[NWORD][LANES];    /* the mask's bits counted in nibbles (nib_word, nib_shift) */
    uint16_t cnt[ZP_NBITS][LANES]; /* counts per bit, once more than 15 lines were added */
    float mf[LANES];               /* minimum flavour chi2 (NaN: untested, skipped) */
    float mt[LANES];               /* minimum chi2_total (NaN skipped) */
    float mg[LANES];               /* minimum |g2 pull|; its square is the g2 chi2 */
    int n;                         /* lanes in use */
    int nl;                        /* lines added since the last flush */
    int have_cnt;                  /* cnt holds counts (else only nib does) */
} lane_acc;

static void lane_zero(lane_acc *L, int n)
{
    for (int k = 0; k < NWORD; ++k) memset(L->nib[k], 0, (size_t)n * sizeof L->nib[k][0]);
    for (int j = 0; j < n; ++j) L->mf[j] = L->mg[j] = L->mt[j] = INFINITY;
    L->n = n;
    L->nl = 0;
    L->have_cnt = 0;
}

/* The nibbles into the uint16 counters (every 15 lines, and before a flush). */
static void lane_spill(lane_acc *L)
{
    const int n = L->n;
    for (int b = 0; b < ZP_NBITS; ++b) {
        uint16_t *restrict c = L->cnt[b];
        const uint16_t *restrict t = L->nib[nib_word(b)];
        const int sh = nib_shift(b);
        if (!L->have_cnt)
            for (int j = 0; j < n; ++j) c[j] = (t[j] >> sh) & 15u;
        else
            for (int j = 0; j < n; ++j) c[j] += (t[j] >> sh) & 15u;
    }
    for (int k = 0; k < NWORD; ++k) memset(L->nib[k], 0, (size_t)n * sizeof L->nib[k][0]);
    L->have_cnt = 1;
}

/* The bits of n masks into the nibble words t[w * ld + j]: (mask >> (12g + k)) & 0x111 puts
 * bits 12g + k, +4, +8 in separate nibbles, so four adds count 12 bits (15 additions fit a
 * nibble). */
static inline void nib_add(uint16_t *restrict t, int64_t ld, const zp_mask *restrict mask, int n)
{
    for (int g = 0; g < NGRP; ++g) {
        uint16_t *restrict t0 = t + 4 * g * ld, *restrict t1 = t0 + ld, *restrict t2 = t1 + ld,
                          *restrict t3 = t2 + ld;
        for (int j = 0; j < n; ++j) {
            const uint32_t m = (uint32_t)mask[j] >> (12 * g);
            t0[j] += m & 0x111u;
            t1[j] += (m >> 1) & 0x111u;
            t2[j] += (m >> 2) & 0x111u;
            t3[j] += (m >> 3) & 0x111u;
        }
    }
}

/* The sum of m nibble words with their three nibbles spread into 10-bit fields of a uint32:
 * one sum counts three bits, exact while every nibble's total stays below 1024. */
static inline uint32_t nib_spread_sum(const uint16_t *t, int m)
{
    uint32_t sm = 0;
    for (int x = 0; x < m; ++x)
        sm += (t[x] & 0xfu) | (uint32_t)(t[x] & 0xf0u) << 6 | (uint32_t)(t[x] & 0xf00u) << 12;
    return sm;
}

/* One line of n <= L->n points into the lanes (nib_add).
 * The minima are taken in float: float -> double is exact and monotonic, so min-then-convert
 * equals the double minimum of the converted values; and (double)p * (double)p is exact, so
 * (min |p|)^2 is min p^2. `x < m ? x : m` skips a NaN x (it compares false); the locals start
 * at +inf and are never NaN. */
static void lane_add(lane_acc *restrict L, const zp_mask *restrict mask, const float *restrict chi,
                     const float *restrict pull, const float *restrict tot, int n, int mins)
{
    nib_add(L->nib[0], LANES, mask, n);
    if (mins)
        for (int j = 0; j < n; ++j) {
            const float f = chi[j], a = fabsf(pull[j]), t = tot[j];
            L->mf[j] = f < L->mf[j] ? f : L->mf[j];
            L->mg[j] = a < L->mg[j] ? a : L->mg[j];
            L->mt[j] = t < L->mt[j] ? t : L->mt[j];
        }
    if (++L->nl % NIB_LINES == 0) lane_spill(L);
}

/* Minima of n floats of each of x, y and z (none NaN), vertically over 16 lanes so it
 * vectorises. */
static void lane_min3(const float *x, const float *y, const float *z, int n, float *mx, float *my, float *mz)
{
    float r[16], q[16], u[16];
    for (int k = 0; k < 16; ++k) r[k] = q[k] = u[k] = INFINITY;
    int j = 0;
    for (; j + 16 <= n; j += 16)
        for (int k = 0; k < 16; ++k) {
            r[k] = x[j + k] < r[k] ? x[j + k] : r[k];
            q[k] = y[j + k] < q[k] ? y[j + k] : q[k];
            u[k] = z[j + k] < u[k] ? z[j + k] : u[k];
        }
    for (int k = 0; j + k < n; ++k) {
        r[k] = x[j + k] < r[k] ? x[j + k] : r[k];
        q[k] = y[j + k] < q[k] ? y[j + k] : q[k];
        u[k] = z[j + k] < u[k] ? z[j + k] : u[k];
    }
    for (int h = 8; h > 0; h /= 2) /* a tree, 16 -> 1 */
        for (int k = 0; k < h; ++k) {
            r[k] = r[k + h] < r[k] ? r[k + h] : r[k];
            q[k] = q[k + h] < q[k] ? q[k + h] : q[k];
            u[k] = u[k + h] < u[k] ? u[k + h] : u[k];
        }
    *mx = r[0];
    *my = q[0];
    *mz = u[0];
}

static inline double dmin(double x, double m) { return x < m ? x : m; }

/* Where a flush goes: a projection (nc cells per bit plane) or, with pc NULL, only the
 * summary; sum (the summary counts) gets the per-bit totals too, or is NULL. */
typedef struct {
    uint64_t *pc;
    double *pmf, *pmg, *pmt;
    int64_t nc;
    uint64_t *sum;
} flush_dst;

/* The lanes' minima into the cells (as lane_flush maps them), and the lanes emptied. */
static void lane_flush_min(lane_acc *L, const flush_dst *d, int64_t cell, int64_t l0, int64_t c2, int64_t s1,
                           int64_t s2)
{
    const int n = L->n;
    if (d->pc) {
        for (int l = 0; l < n;) {
            const int64_t q = (l0 + l) / c2, j = (l0 + l) % c2;
            const int m = s1 == 0 && s2 == 0 ? n - l : (int)(c2 - j < n - l ? c2 - j : n - l);
            const int64_t i = cell + q * s1 + j * s2;
            if (s2 == 0) {
                float f, a, t;
                lane_min3(L->mf + l, L->mg + l, L->mt + l, m, &f, &a, &t);
                const double g = a;
                d->pmf[i] = dmin(f, d->pmf[i]);
                d->pmg[i] = dmin(g * g, d->pmg[i]);
                d->pmt[i] = dmin(t, d->pmt[i]);
            } else {
                for (int k = 0; k < m; ++k) {
                    const double g = L->mg[l + k];
                    d->pmf[i + k * s2] = dmin(L->mf[l + k], d->pmf[i + k * s2]);
                    d->pmg[i + k * s2] = dmin(g * g, d->pmg[i + k * s2]);
                    d->pmt[i + k * s2] = dmin(L->mt[l + k], d->pmt[i + k * s2]);
                }
            }
            l += m;
        }
    }
    for (int j = 0; j < n; ++j) L->mf[j] = L->mg[j] = L->mt[j] = INFINITY;
    L->nl = 0;
    L->have_cnt = 0;
}

/* Segments of at most SEG_NIB_MAX lanes: the three 4-bit counts of a nibble word, spread
 * into 10-bit fields of a uint32, add up over the segment without carries (15 * 68 < 1024),
 * so one sum per nibble word (4) instead of one per bit (12). */
enum { SEG_NIB_MAX = 68 };

static void flush_segments_nib(lane_acc *L, const flush_dst *d, int64_t cell, int64_t l0, int64_t c2,
                               int64_t s1)
{
    const int n = L->n;
    for (int l = 0; l < n;) {
        const int64_t q = (l0 + l) / c2, j = (l0 + l) % c2;
        const int m = (int)(c2 - j < n - l ? c2 - j : n - l);
        const int64_t i = cell + q * s1;
        for (int w = 0; w < NWORD; ++w) {
            const uint32_t sm = nib_spread_sum(L->nib[w] + l, m);
            for (int f = 0, b; f < 3 && (b = 12 * (w / 4) + w % 4 + 4 * f) < ZP_NBITS; ++f) {
                const uint64_t v = (sm >> (10 * f)) & 1023u;
                d->pc[b * d->nc + i] += v;
                if (d->sum) d->sum[b] += v;
            }
        }
        l += m;
    }
    for (int k = 0; k < NWORD; ++k) memset(L->nib[k], 0, (size_t)n * sizeof L->nib[k][0]);
    lane_flush_min(L, d, cell, l0, c2, s1, 0);
}

/* The lanes into the cells: lane l is position p = l0 + l of a span of c2-point lines, whose
 * cell is cell + (p / c2) * s1 + (p % c2) * s2; taken a segment of equal p / c2 at a time
 * (all lanes at once when both axes are reduced). Leaves the lanes empty. */
static void lane_flush(lane_acc *L, const flush_dst *d, int64_t cell, int64_t l0, int64_t c2, int64_t s1,
                       int64_t s2)
{
    if (L->nl == 0) return;
    const int n = L->n;
    /* fewer than 15 lines: the counts are read from the nibbles, else all go to cnt first */
    if (L->have_cnt && L->nl % NIB_LINES) lane_spill(L);
    const int in_nib = !L->have_cnt;
    if (in_nib && d->pc && s2 == 0 && s1 != 0 && c2 <= SEG_NIB_MAX) {
        flush_segments_nib(L, d, cell, l0, c2, s1);
        return;
    }
    /* count of bit b in lane j: (nib[b & 3][j] >> 4 * (b >> 2)) & 15, or cnt[b][j]; sums of
     * at most LANES lanes of at most LINES_MAX fit in uint32 */
    _Static_assert((uint64_t)LANES * LINES_MAX <= UINT32_MAX, "lane sums fit in uint32");
    uint16_t tmp[LANES];
    for (int b = 0; b < ZP_NBITS; ++b) {
        const uint16_t *c = L->cnt[b];
        if (in_nib) {
            const uint16_t *t = L->nib[nib_word(b)];
            const int sh = nib_shift(b);
            for (int j = 0; j < n; ++j) tmp[j] = (t[j] >> sh) & 15u;
            c = tmp;
        }
        uint32_t tot = 0;
        if (d->pc) {
            uint64_t *pc = d->pc + b * d->nc;
            for (int l = 0; l < n;) { /* one segment of a line at a time */
                const int64_t q = (l0 + l) / c2, j = (l0 + l) % c2;
                const int m = s1 == 0 && s2 == 0 ? n - l : (int)(c2 - j < n - l ? c2 - j : n - l);
                uint64_t *dst = pc + cell + q * s1 + j * s2;
                if (s2 == 0) {
                    uint32_t sm = 0;
                    for (int k = 0; k < m; ++k) sm += c[l + k];
                    *dst += sm;
                    tot += sm;
                } else if (s2 == 1) {
                    for (int k = 0; k < m; ++k) dst[k] += c[l + k];
                } else {
                    for (int k = 0; k < m; ++k) dst[k * s2] += c[l + k];
                }
                l += m;
            }
        }
        if (d->sum) {
            if (!d->pc || s2 != 0)
                for (int j = 0; j < n; ++j) tot += c[j];
            d->sum[b] += tot;
        }
    }
    if (in_nib) for (int k = 0; k < NWORD; ++k) memset(L->nib[k], 0, (size_t)n * sizeof L->nib[k][0]);
    lane_flush_min(L, d, cell, l0, c2, s1, s2);
}

/* Cells of whole lines ("across"): axis 2 reduced, axis 1 kept, so each cell is made of
 * whole c[2]-point segments (one, or c[0] of them when axis 0 is reduced too), counted across:
 * each segment is cut into pieces of AK points added up lane by lane into AK nibble lanes (as
 * lane_add; a last partial piece is zero-padded, and a zero mask adds nothing), spilled into
 * uint32 lanes every 15 pieces, and the lanes summed once per cell. */
enum { AK = 32, ACROSS_MIN = 16, ACROSS_VERT = 4 /* shorter lines, or more lines a cell: lanes */ };

typedef float vf16 __attribute__((vector_size(64)));
typedef int32_t vi16 __attribute__((vector_size(64)));

typedef struct {
    uint16_t nib[NWORD][AK];
    uint32_t cnt[ZP_NBITS][AK];
    float mf[16], mg[16], mt[16];
    int np;       /* pieces in the nibbles */
    int have_cnt; /* cnt holds counts */
} across_acc;

static void across_zero(across_acc *A)
{
    memset(A->nib, 0, sizeof A->nib);
    for (int k = 0; k < 16; ++k) A->mf[k] = A->mg[k] = A->mt[k] = INFINITY;
    A->np = 0;
    A->have_cnt = 0;
}

static void across_spill(across_acc *A)
{
    for (int b = 0; b < ZP_NBITS; ++b) {
        uint32_t *restrict c = A->cnt[b];
        const uint16_t *restrict t = A->nib[nib_word(b)];
        const int sh = nib_shift(b);
        if (!A->have_cnt)
            for (int k = 0; k < AK; ++k) c[k] = (t[k] >> sh) & 15u;
        else
            for (int k = 0; k < AK; ++k) c[k] += (t[k] >> sh) & 15u;
    }
    memset(A->nib, 0, sizeof A->nib);
    A->np = 0;
    A->have_cnt = 1;
}

static inline void across_piece(across_acc *restrict A, const zp_mask *restrict p)
{
    nib_add(A->nib[0], AK, p, AK);
    if (++A->np == NIB_LINES) across_spill(A);
}

/* One segment of n points into A; minima as in lane_add, vertically over 16 lanes. */
static void across_add(across_acc *restrict A, const zp_mask *restrict mask, const float *restrict chi,
                       const float *restrict pull, const float *restrict tot, int64_t n)
{
    int64_t j = 0;
    for (; j + AK <= n; j += AK) across_piece(A, mask + j);
    if (j < n) { /* a partial piece, into the first n - j lanes */
        nib_add(A->nib[0], AK, mask + j, (int)(n - j));
        if (++A->np == NIB_LINES) across_spill(A);
    }
    /* GCC vector types: the same loop as plain C stays scalar */
    vf16 r, q, u;
    memcpy(&r, A->mf, sizeof r);
    memcpy(&q, A->mg, sizeof q);
    memcpy(&u, A->mt, sizeof u);
    const vi16 nosign = (vi16){0} + 0x7fffffff;
    for (j = 0; j + 16 <= n; j += 16) {
        vf16 f, p, t;
        memcpy(&f, chi + j, sizeof f);
        memcpy(&p, pull + j, sizeof p);
        memcpy(&t, tot + j, sizeof t);
        const vf16 a = (vf16)((vi16)p & nosign); /* fabsf */
        const vi16 mf = f < r, ma = a < q, mt = t < u; /* false for a NaN f, a or t */
        r = (vf16)(((vi16)f & mf) | ((vi16)r & ~mf));
        q = (vf16)(((vi16)a & ma) | ((vi16)q & ~ma));
        u = (vf16)(((vi16)t & mt) | ((vi16)u & ~mt));
    }
    memcpy(A->mf, &r, sizeof r);
    memcpy(A->mg, &q, sizeof q);
    memcpy(A->mt, &u, sizeof u);
    for (int k = 0; j + k < n; ++k) {
        const float f = chi[j + k], a = fabsf(pull[j + k]), t = tot[j + k];
        A->mf[k] = f < A->mf[k] ? f : A->mf[k];
        A->mg[k] = a < A->mg[k] ? a : A->mg[k];
        A->mt[k] = t < A->mt[k] ? t : A->mt[k];
    }
}

/* A's counts and minima into the cell. */
static void across_flush(across_acc *A, const flush_dst *d, int64_t cell)
{
    uint64_t cnt[ZP_NBITS];
    if (!A->have_cnt) {
        /* at most 15 pieces: the three nibbles of a word spread into 10-bit fields
         * (15 * AK < 1024), one sum per word */
        _Static_assert(NIB_LINES * AK < 1024, "10-bit fields hold the nibble sums");
        for (int w = 0; w < NWORD; ++w) {
            const uint32_t sm = nib_spread_sum(A->nib[w], AK);
            for (int f = 0, b; f < 3 && (b = 12 * (w / 4) + w % 4 + 4 * f) < ZP_NBITS; ++f)
                cnt[b] = (sm >> (10 * f)) & 1023u;
        }
    } else {
        if (A->np) across_spill(A);
        for (int b = 0; b < ZP_NBITS; ++b) {
            uint64_t sm = 0;
            for (int k = 0; k < AK; ++k) sm += A->cnt[b][k];
            cnt[b] = sm;
        }
    }
    for (int b = 0; b < ZP_NBITS; ++b) {
        d->pc[b * d->nc + cell] += cnt[b];
        if (d->sum) d->sum[b] += cnt[b];
    }
    float f = INFINITY, a = INFINITY;
    for (int k = 0; k < 16; ++k) {
        f = A->mf[k] < f ? A->mf[k] : f;
        a = A->mg[k] < a ? A->mg[k] : a;
    }
    float t = INFINITY;
    for (int k = 0; k < 16; ++k) t = A->mt[k] < t ? A->mt[k] : t;
    const double g = a;
    d->pmf[cell] = dmin(f, d->pmf[cell]);
    d->pmg[cell] = dmin(g * g, d->pmg[cell]);
    d->pmt[cell] = dmin(t, d->pmt[cell]);
}

/* One projection (or, with d->pc NULL, the summary alone) over a row. */
static void acc_block(lane_acc *L, const int64_t c[3], const int64_t s[3], const flush_dst *d, int64_t cell0,
                      const zp_mask *mask, const float *chi, const float *pull, const float *tot)
{
    const int64_t span = c[1] * c[2];
    const int mins = d->pc != NULL;
    if (s[1] == 0 && (s[2] == 0 || c[2] <= LANES)) {
        /* wrap: lines of W points, W a multiple of the period of the cells in memory */
        const int64_t per = s[2] ? c[2] : 1, W = per * (LANES / per);
        const int64_t nrun = s[0] ? c[0] : 1, len = s[0] ? span : c[0] * span;
        for (int64_t r = 0; r < nrun; ++r) {
            const int64_t o0 = r * len;
            lane_zero(L, (int)(len < W ? len : W));
            for (int64_t o = o0; o < o0 + len; o += W) {
                const int n = (int)(o0 + len - o < W ? o0 + len - o : W);
                lane_add(L, mask + o, chi + o, pull + o, tot + o, n, mins);
                if (L->nl == LINES_MAX) lane_flush(L, d, cell0 + r * s[0], 0, c[2], 0, s[2]);
            }
            lane_flush(L, d, cell0 + r * s[0], 0, c[2], 0, s[2]);
        }
    } else if (s[1] == 0) {
        /* columns: axis 1 reduced, axis 2 kept and longer than the lanes: axis 2 is cut into
         * nearly equal columns of at most LANES points, and the lines of a column (every i1,
         * and every i0 when axis 0 is reduced) added up in the lanes, one flush per column */
        const int64_t ncol = (c[2] + LANES - 1) / LANES, wc = (c[2] + ncol - 1) / ncol;
        const int64_t ngrp = s[0] ? c[0] : 1, nvert = s[0] ? 1 : c[0];
        for (int64_t g = 0; g < ngrp; ++g)
            for (int64_t j0 = 0; j0 < c[2]; j0 += wc) {
                const int n = (int)(c[2] - j0 < wc ? c[2] - j0 : wc);
                const int64_t cell = cell0 + g * s[0] + j0 * s[2];
                lane_zero(L, n);
                for (int64_t v = 0; v < nvert; ++v)
                    for (int64_t i1 = 0; i1 < c[1]; ++i1) {
                        const int64_t o = ((g + v) * c[1] + i1) * c[2] + j0;
                        lane_add(L, mask + o, chi + o, pull + o, tot + o, n, mins);
                        if (L->nl == LINES_MAX) lane_flush(L, d, cell, 0, c[2], 0, s[2]);
                    }
                lane_flush(L, d, cell, 0, c[2], 0, s[2]);
            }
    } else if (s[2] == 0 && d->pc && (s[0] != 0 || c[0] == 1 || (c[2] >= ACROSS_MIN && c[0] <= ACROSS_VERT))) {
        /* every cell whole lines: counted across them, nothing to flush lane by lane */
        const int64_t ngrp = s[0] ? c[0] : 1, nvert = s[0] ? 1 : c[0];
        across_acc A;
        for (int64_t g = 0; g < ngrp; ++g)
            for (int64_t i1 = 0; i1 < c[1]; ++i1) {
                across_zero(&A);
                for (int64_t v = 0; v < nvert; ++v) {
                    const int64_t o = ((g + v) * c[1] + i1) * c[2];
                    across_add(&A, mask + o, chi + o, pull + o, tot + o, c[2]);
                }
                across_flush(&A, d, cell0 + g * s[0] + i1 * s[1]);
            }
    } else {
        /* span: the spans of each i0, chunked into lines of at most LANES points (whole
         * c[2]-point segments when they fit: a segment is then flushed at once) */
        const int64_t ngrp = s[0] ? c[0] : 1, nvert = s[0] ? 1 : c[0];
        const int64_t W = c[2] <= LANES ? c[2] * (LANES / c[2]) : LANES;
        for (int64_t l0 = 0; l0 < span; l0 += W) {
            const int n = (int)(span - l0 < W ? span - l0 : W);
            for (int64_t g = 0; g < ngrp; ++g) {
                const int64_t cell = cell0 + g * s[0];
                lane_zero(L, n);
                for (int64_t v = 0; v < nvert; ++v) {
                    const int64_t o = (g + v) * span + l0;
                    lane_add(L, mask + o, chi + o, pull + o, tot + o, n, mins);
                    if (L->nl == LINES_MAX) lane_flush(L, d, cell, l0, c[2], s[1], s[2]);
                }
                lane_flush(L, d, cell, l0, c[2], s[1], s[2]);
            }
        }
    }
}

void zp_acc_row(zp_acc *a, int64_t mass, int64_t gql, const int64_t st[ZP_NAXES], const int64_t ct[ZP_NAXES],
                const zp_mask *mask, const float *flavour_chi2, const float *g2_pull, const float *chi2_total)
{
    lane_acc L;
    /* The block's axes of more than one point, slowest first, padded in front with axes of
     * one point (those only add to the base cell): (gqR, gV, gA) = (1, 1, n) when only gA
     * varies, so the lines are as long as they can be. */
    int64_t c[3] = {1, 1, 1}, ax[3] = {-1, -1, -1};
    for (int d = ZP_AX_GA, k = 2; d >= ZP_AX_GQR; --d)
        if (ct[d] > 1) { c[k] = ct[d]; ax[k--] = d; }
    a->npoints += (uint64_t)(c[0] * c[1] * c[2]);
    if (a->nproj == 0) { /* the summary alone: every point into one "cell" */
        const int64_t s[3] = {0, 0, 0};
        const flush_dst d = {.sum = a->counts};
        acc_block(&L, c, s, &d, 0, mask, flavour_chi2, g2_pull, chi2_total);
        return;
    }
    for (int p = 0; p < a->nproj; ++p) {
        const zp_proj_def *def = &a->def[p];
        int64_t s[3], cell0 = mass * def->stride[ZP_AX_MASS] + gql * def->stride[ZP_AX_GQL];
        for (int d = ZP_AX_GQR; d < ZP_NAXES; ++d) cell0 += st[d] * def->stride[d];
        for (int k = 0; k < 3; ++k) s[k] = ax[k] < 0 ? 0 : def->stride[ax[k]];
        const flush_dst d = {.pc = a->pcount[p], .pmf = a->pmin[p], .pmg = a->pmin[p] + def->ncell, .pmt = a->pmin[p] + 2 * def->ncell,
                             .nc = def->ncell, .sum = p == 0 ? a->counts : NULL};
        acc_block(&L, c, s, &d, cell0, mask, flavour_chi2, g2_pull, chi2_total);
    }
}

static void merge_proj(zp_acc *dst, const zp_acc *src, int p)
{
    const int64_t nc = src->def[p].ncell;
    for (int64_t i = 0; i < ZP_NBITS * nc; ++i) dst->pcount[p][i] += src->pcount[p][i];
    for (int64_t i = 0; i < ZP_NPMIN * nc; ++i) dst->pmin[p][i] = fmin(dst->pmin[p][i], src->pmin[p][i]);
}

void zp_acc_merge(zp_acc *dst, const zp_acc *src)
{
    for (int b = 0; b < ZP_NBITS; ++b) dst->counts[b] += src->counts[b];
    dst->npoints += src->npoints;
    for (int p = 0; p < src->nproj; ++p) merge_proj(dst, src, p);
}

zp_status zp_acc_reduce(zp_acc *local, zp_acc *total, int root, MPI_Comm comm)
{
    int rank;
    ZP_MPI(MPI_Comm_rank(comm, &rank));
    uint64_t cbuf[ZP_NBITS + 1];
    memcpy(cbuf, local->counts, sizeof local->counts);
    cbuf[ZP_NBITS] = local->npoints;
    uint64_t cres[ZP_NBITS + 1];
    ZP_MPI(MPI_Reduce(cbuf, cres, ZP_NBITS + 1, MPI_UINT64_T, MPI_SUM, root, comm));
    if (rank == root) {
        for (int b = 0; b < ZP_NBITS; ++b) total->counts[b] += cres[b];
        total->npoints += cres[ZP_NBITS];
    }
    for (int p = 0; p < local->nproj; ++p) {
        const int64_t nc = local->def[p].ncell;
        /* root reduces in place into its local buffer, then merges that into total */
        /* counts above 2^31 elements would overflow the int count: chunk the calls */
        const int64_t step = 1 << 17; /* 1 MiB messages: no large temporary buffers in MPI_Reduce */
        for (int64_t off = 0; off < ZP_NBITS * nc; off += step) {
            int len = (int)(ZP_NBITS * nc - off < step ? ZP_NBITS * nc - off : step);
            ZP_MPI(MPI_Reduce(rank == root ? MPI_IN_PLACE : (void *)(local->pcount[p] + off),
                              local->pcount[p] + off, len, MPI_UINT64_T, MPI_SUM, root, comm));
        }
        for (int64_t off = 0; off < ZP_NPMIN * nc; off += step) {
            int len = (int)(ZP_NPMIN * nc - off < step ? ZP_NPMIN * nc - off : step);
            ZP_MPI(MPI_Reduce(rank == root ? MPI_IN_PLACE : (void *)(local->pmin[p] + off),
                              local->pmin[p] + off, len, MPI_DOUBLE, MPI_MIN, root, comm));
        }
        if (rank == root) merge_proj(total, local, p);
    }
    return ZP_OK;
}
