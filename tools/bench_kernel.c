/* zpscan-bench-kernel: single-core throughput of the per-point kernel (all constraints,
 * LHC from the real tables in inputs/lhc), with no output writes: the kernel writes into
 * L1/L2-resident row buffers, called again and again. Next to it, the core's peak vector
 * throughput (an AVX-512/AVX2 FMA and mul+add microbenchmark) and the kernel's arithmetic
 * per point, giving its fraction of the roofline; and zp_acc_row (projections) per point.
 *
 * Usage: zpscan-bench-kernel [--csv FILE] [--seconds S] [--quick] [--rows KIND] [--likelihood]
 *                            [--set paper|2026|binned] [--input INI]
 * --quick: only the verdicts kernel's rows of >= 1024 points (gqR != 0, gqR = 0, C9 alone), for A/B
 * experiments in seconds; no peak, bandwidth or projection rows. --rows KIND: --quick with one
 * kind only (verdicts, verdicts0 or verdictsC9). --likelihood: --quick with the binned LHC's
 * Delta chi^2 alone in place of the verdicts kernel (zp_kernel_row_lhc_dchi2, the kernel's own
 * code): what the likelihood costs per point apart from every other constraint.
 * --set 2026: the built-in grid with every 2026 constraint on (A/B against the paper's set).
 * --set binned: the paper's set with [lhc] method = binned (A/B against the paper's set).
 * --input: the constraints, data and masses of that scan input instead of the built-in one
 * (e.g. inputs/2026-muon-C9.ini for the 2026 constraint set; its couplings' axes make the rows). 
 * Benchmark only: never part of the test suite. */
#include <immintrin.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "zpscan/binned_slices.h"
#include "zpscan/config.h"
#include "zpscan/grid.h"
#include "zpscan/kernels.h"
#include "zpscan/lhc.h"
#include "zpscan/model.h"
#include "zpscan/projections.h"

/* Thread CPU time: the machine is shared, so wall time would count the time other jobs
 * hold this core; per-core throughput is what we want. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static void die(const char *what)
{
    fprintf(stderr, "zpscan-bench-kernel: %s: %s\n", what, zp_err_msg());
    exit(1);
}

/* ---- Arithmetic per point of the full kernel (src/kernels.c, 8-lane vector code), counted
 * by hand from the source for the benchmark's configuration (muons, no neutrino width, no
 * 2-D flavour Gaussian, the ATLAS table: 6 widths, 5 segment compares left). Double-precision
 * lane operations per point (common subexpressions counted once, row constants hoisted):
 *   couplings K r, C9, C10, C9', C10'                  5 mul
 *   squares v v, a a, r r                              3 mul
 *   g-2: 5a, *a, sub, *pref; (da-c)*is                 4 + 2
 *   Bs: gq2 (add), (bsx gqL)*r, sub, *pref             4
 *   widths: gl2, wl, wbs gq2, v-a, *wnu, *(v-a), 3 add  9
 *   num = P gq2 wl                                     2 mul
 *   LHC segment: 5 x (w - W[j]), limit L + S (w - W), limit * w   5 + 3 + 1
 *   flavour: e9, e10 (sub + mul each), e9^2, e10^2     6
 *   sigma B = num / w, ratio = sigma B / limit         2 div (none in the verdicts-only row)
 *   => add/sub/mul: 44, div: 2  (46 "flops")
 * That is the general flavour fit, which a block takes when its points fall into different Table 1
 * cases (or C9 and C10 meet the optional 2-D Gaussian). Uniform blocks take less:
 *  - every point gqR != 0 (a primed coefficient), or C9 and C10 both non-zero with no 2-D
 *    Gaussian: the verdict is known ("untested"): -6 flops (e9, e10, squares), ~-30 lane ops;
 *  - one coefficient alone (the paper's scenarios, e.g. gqR = gA = 0): its interval only,
 *    -3 flops (e10 and its square), ~-15 lane ops.
 * Non-arithmetic vector lane ops: compares ~20, selects/blends ~10, abs 4, sign shifts and
 * integer adds for the segment index 10, 3 permutes, 12 double->float converts (~59).
 * Mask assembly ~20 integer lane ops, stores 12 float + 1 uint16, loads 3 doubles. */
#define KERNEL_FLOPS_PER_POINT 46.0
#define KERNEL_DIVS_PER_POINT 2.0
#define KERNEL_FPOPS_PER_POINT 105.0 /* flops + compare/select/abs/shift/permute/cvt lane ops */
#define KERNEL_FLOPS_SHORTCUT 40.0   /* the same with gqR != 0 (flavour fit skipped) */
#define KERNEL_FPOPS_SHORTCUT 75.0
#define KERNEL_FLOPS_ONECOEF 43.0    /* one coefficient alone in every lane (C9-only rows) */

/* ---- Peak vector throughput: independent chains (16 accumulators hide the latency of
 * 2 pipes x 4 cycles). */
#if defined(__AVX512F__)
typedef __m512d vd;
#define VL 8
#define VSET1(x) _mm512_set1_pd(x)
#define VFMA(a, b, c) _mm512_fmadd_pd(a, b, c)
#define VMUL(a, b) _mm512_mul_pd(a, b)
#define VADD(a, b) _mm512_add_pd(a, b)
#define VSUM(a) _mm512_reduce_add_pd(a)
#define ISA "AVX-512 (8 doubles)"
#elif defined(__AVX2__)
typedef __m256d vd;
#define VL 4
#define VSET1(x) _mm256_set1_pd(x)
#define VFMA(a, b, c) _mm256_fmadd_pd(a, b, c)
#define VMUL(a, b) _mm256_mul_pd(a, b)
#define VADD(a, b) _mm256_add_pd(a, b)
static double VSUM(vd a)
{
    double t[4];
    _mm256_storeu_pd(t, a);
    return t[0] + t[1] + t[2] + t[3];
}
#define ISA "AVX2 (4 doubles)"
#else
#error "bench_kernel needs AVX2 or AVX-512 (build with -march=native)"
#endif

#define NACC 16
static double peak_fma(long iters, double *sink)
{
    vd acc[NACC];
    for (int k = 0; k < NACC; ++k) acc[k] = VSET1(1.0 + k * 1e-3);
    const vd x = VSET1(0.999999), y = VSET1(1e-7);
    for (long it = 0; it < iters; ++it) {
        for (int k = 0; k < NACC; ++k) acc[k] = VFMA(acc[k], x, y);
    }
    double s = 0;
    for (int k = 0; k < NACC; ++k) s += VSUM(acc[k]);
    *sink += s;
    return (double)iters * NACC * VL * 2.0; /* flops */
}

/* Separate mul and add (the kernel is built with -ffp-contract=off: no FMAs), half each. */
static double peak_muladd(long iters, double *sink)
{
    vd m[NACC / 2], a[NACC / 2];
    for (int k = 0; k < NACC / 2; ++k) { m[k] = VSET1(1.0 + k * 1e-3); a[k] = VSET1(k); }
    const vd x = VSET1(0.9999999), y = VSET1(1e-7);
    for (long it = 0; it < iters; ++it) {
        for (int k = 0; k < NACC / 2; ++k) { m[k] = VMUL(m[k], x); a[k] = VADD(a[k], y); }
    }
    double s = 0;
    for (int k = 0; k < NACC / 2; ++k) s += VSUM(m[k]) + VSUM(a[k]);
    *sink += s;
    return (double)iters * NACC * VL; /* flops (lane operations) */
}

static double rate_from(double (*f)(long, double *), double seconds, double *sink, long iters)
{
    for (;;) {
        double t0 = now();
        double ops = f(iters, sink);
        double dt = now() - t0;
        if (dt > seconds) return ops / dt;
        iters *= 2;
    }
}

static double rate(double (*f)(long, double *), double seconds, double *sink)
{
    return rate_from(f, seconds, sink, 1 << 16);
}

/* ---- Memory bandwidth for the roofline's sloped roofs: STREAM triad a = b + s c over
 * three arrays of n doubles (24 bytes per element counted, as STREAM does). */
static double triad_n;
static double *tr_a, *tr_b, *tr_c;
static double triad(long iters, double *sink)
{
    const long n = (long)triad_n;
    for (long it = 0; it < iters; ++it) {
        const double q = 1.0 + 1e-9 * (double)it;
        for (long i = 0; i < n; ++i) tr_a[i] = tr_b[i] + q * tr_c[i];
        __asm__ volatile("" ::: "memory"); /* every pass really stores */
    }
    *sink += tr_a[n / 2];
    return (double)iters * (double)n * 24.0; /* bytes */
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median3(double a, double b, double c)
{
    double v[3] = {a, b, c};
    qsort(v, 3, sizeof v[0], cmp_d);
    return v[1];
}

static const char *INI = /* --set paper (default) */
    "[scan]\nlepton = mu\noutput = /dev/null\nobservables = default\n"
    "combine = flavour, g2, lhc, bs_mixing, lep, width, perturbative\n"
    "projections = gqL:gV, gqL:gA\n"
    "[axis.mass]\nvalues = 500, 1000, 2000, 3000\n"
    "[axis.gqL]\nspacing = log\nsign = +-\nmin = 1e-4\nmax = 1\nn = 8\n"
    "[axis.gqR]\nspacing = log\nsign = +-\nmin = 1e-4\nmax = 1\nn = 2\n"
    "[axis.gV]\nspacing = log\nsign = +-\nmin = 1e-3\nmax = 3\nn = 32\n"
    "[axis.gA]\nspacing = log\nsign = +-\ninclude_zero = yes\nmin = 1e-3\nmax = 3\nn = 16\n";
/* --set 2026: the same grid with every 2026 constraint on (docs/PHYSICS.md §10) */
static const char *INI_2026 =
    "[scan]\nlepton = mu\noutput = /dev/null\nobservables = default\n"
    "combine = flavour, g2, lhc, bs_mixing, lep, width, perturbative, bsmumu, trident\n"
    "projections = gqL:gV, gqL:gA\n"
    "[g-2]\npreset = wp25\n[bs_mixing]\nmethod = likelihood\n[lhc]\ninclude_nu = yes\n"
    "[axis.mass]\nvalues = 500, 1000, 2000, 3000\n"
    "[axis.gqL]\nspacing = log\nsign = +-\nmin = 1e-4\nmax = 1\nn = 8\n"
    "[axis.gqR]\nspacing = log\nsign = +-\nmin = 1e-4\nmax = 1\nn = 2\n"
    "[axis.gV]\nspacing = log\nsign = +-\nmin = 1e-3\nmax = 3\nn = 32\n"
    "[axis.gA]\nspacing = log\nsign = +-\ninclude_zero = yes\nmin = 1e-3\nmax = 3\nn = 16\n";

/* --set binned: the paper's set with the LHC's binned likelihood (in combine, so the verdicts
 * kernel also interpolates its Delta chi^2 for chi2_total) */
static const char *INI_BINNED =
    "[scan]\nlepton = mu\noutput = /dev/null\nobservables = default\n"
    "combine = flavour, g2, lhc, bs_mixing, lep, width, perturbative\n"
    "projections = gqL:gV, gqL:gA\n"
    "[lhc]\nmethod = binned\n"
    "[axis.mass]\nvalues = 500, 1000, 2000, 3000\n"
    "[axis.gqL]\nspacing = log\nsign = +-\nmin = 1e-4\nmax = 1\nn = 8\n"
    "[axis.gqR]\nspacing = log\nsign = +-\nmin = 1e-4\nmax = 1\nn = 2\n"
    "[axis.gV]\nspacing = log\nsign = +-\nmin = 1e-3\nmax = 3\nn = 32\n"
    "[axis.gA]\nspacing = log\nsign = +-\ninclude_zero = yes\nmin = 1e-3\nmax = 3\nn = 16\n";

/* Rows of the benchmark grid, evaluated again and again: points/s (median of 3) of the full
 * kernel or of the verdicts-only one, for rows of n points. */
typedef struct {
    const zp_model *m;
    const zp_mass_slice *sl;
    int nmass;
    const zp_grid *g;
    const double *r, *v, *a;
    zp_mask *mask;
    float **obs;
    double secs;
} row_bench;

static double row_rate(const row_bench *b, int verdicts, int64_t n)
{
    double pr[3];
    for (int rep = 0; rep < 3; ++rep) {
        long calls = 0;
        double t0 = now(), dt;
        do {
            for (int k = 0; k < 64; ++k, ++calls) {
                const zp_mass_slice *s = &b->sl[calls % b->nmass];
                const double gqL = b->g->v[1][calls % b->g->n[1]];
                if (verdicts == 2)
                    zp_kernel_row_lhc_dchi2(b->m, s, gqL, b->r, b->v, b->a, n, b->obs[0]);
                else if (verdicts)
                    zp_kernel_row_verdicts(b->m, s, gqL, b->r, b->v, b->a, n, b->mask, b->obs);
                else
                    zp_kernel_row(b->m, s, gqL, b->r, b->v, b->a, n, b->mask, b->obs);
            }
            dt = now() - t0;
        } while (dt < b->secs);
        pr[rep] = (double)calls * n / dt;
    }
    return median3(pr[0], pr[1], pr[2]);
}

/* One kind of row at every length: the verdicts kernel and the full one, printed and as CSV rows
 * verdicts_<tag> and kernel_<tag> (flops per point for the roofline columns). */
static void row_kind(const row_bench *rb, const int64_t *lens, int nlen, FILE *out, double peak_m, double peak_f,
                     const char *label, const char *tag, double flops, const char *what)
{
    for (int li = 0; li < nlen; ++li) {
        const int64_t n = lens[li];
        const double p = row_rate(rb, 1, n), pk = row_rate(rb, 0, n);
        printf("%-10s %8lld %14.4g %10.3f   (%s; full kernel %.4g points/s)\n", label, (long long)n, p, 1e9 / p,
               what, pk);
        if (out) {
            fprintf(out, "verdicts_%s,%lld,%.6g,%.6g,0,0,0\n", tag, (long long)n, p, 1e9 / p);
            fprintf(out, "kernel_%s,%lld,%.6g,%.6g,%.6g,%.4f,%.4f\n", tag, (long long)n, pk, 1e9 / pk, pk * flops,
                    pk * flops / peak_m, pk * flops / peak_f);
        }
    }
}

int main(int argc, char **argv)
{
    const char *csv = NULL, *input = NULL;
    double secs = 0.25;
    int quick = 0, likelihood = 0;
    const char *only = NULL;
    for (int i = 1; i < argc; ++i) {
        if (!strcmp(argv[i], "--csv") && i + 1 < argc) csv = argv[++i];
        else if (!strcmp(argv[i], "--quick")) quick = 1;
        else if (!strcmp(argv[i], "--rows") && i + 1 < argc) quick = 1, only = argv[++i];
        else if (!strcmp(argv[i], "--likelihood")) quick = 1, likelihood = 1;
        else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) secs = atof(argv[++i]);
        else if (!strcmp(argv[i], "--input") && i + 1 < argc) input = argv[++i];
        else if (!strcmp(argv[i], "--set") && i + 1 < argc && !strcmp(argv[i + 1], "2026")) INI = INI_2026, ++i;
        else if (!strcmp(argv[i], "--set") && i + 1 < argc && !strcmp(argv[i + 1], "paper")) ++i;
        else if (!strcmp(argv[i], "--set") && i + 1 < argc && !strcmp(argv[i + 1], "binned")) INI = INI_BINNED, ++i;
        else {
            fprintf(stderr, "usage: %s [--csv FILE] [--seconds S] [--quick] [--rows KIND] [--likelihood] [--set paper|2026|binned] [--input INI]\n", argv[0]);
            return 2;
        }
    }

    /* ---- the real set-up path: an input file, its data files, the LHC tables */
    char ini[] = "/tmp/zpscan-bench-XXXXXX.ini";
    int fd = mkstemps(ini, 4);
    if (fd < 0 || write(fd, INI, strlen(INI)) != (ssize_t)strlen(INI)) { perror("tmp ini"); return 1; }
    close(fd);
    static zp_config c;
    static zp_lumi_table lt;
    static zp_limit_table lim;
    char *text = NULL;
    if (zp_config_load(input ? input : ini, &c, &text) != ZP_OK) die("config");
    unlink(ini);
    free(text);
    if (zp_lumi_table_read(c.cc.lhc.lumi_path, &lt) != ZP_OK) die(c.cc.lhc.lumi_path);
    if (zp_limit_table_read(c.cc.lhc.limits_path, &lim) != ZP_OK) die(c.cc.lhc.limits_path);
    zp_model m;
    if (zp_model_init(&c, &m) != ZP_OK) die("model");
    zp_grid g;
    if (zp_grid_build(&c, &g) != ZP_OK) die("grid");
    const int nmass = (int)g.n[ZP_AX_MASS];
    zp_mass_slice *sl = calloc((size_t)nmass, sizeof *sl);
    for (int i = 0; i < nmass; ++i)
        if (zp_model_slice(&m, &c, &lt, &lim, g.v[ZP_AX_MASS][i], &sl[i]) != ZP_OK) die("slice");
    if (c.cc.lhc.enabled && c.cc.lhc.binned) { /* the binned LHC method's tables, as the scan makes them */
        static zp_spectra sp;
        if (zp_spectra_read(c.cc.lhc.spectra, NULL, &sp) != ZP_OK) die(c.cc.lhc.spectra);
        const double t0 = now();
        for (int i = 0; i < nmass; ++i)
            if (zp_binned_slice_make(&c, &lt, &sp, g.v[ZP_AX_MASS][i], &sl[i]) != ZP_OK) die("binned slice");
        printf("binned LHC tables: %.3f s per mass slice (%d masses, one process)\n", (now() - t0) / nmass, nmass);
    }

    /* ---- row buffers: couplings from the grid's axes (all three vary within a row) */
    const int64_t lens[] = {64, 256, 1024, 4096, 16384};
    const int nlen = (int)(sizeof lens / sizeof lens[0]);
    const int64_t nmax = lens[nlen - 1];
    double *r = aligned_alloc(64, nmax * sizeof(double)), *v = aligned_alloc(64, nmax * sizeof(double)),
           *a = aligned_alloc(64, nmax * sizeof(double));
    zp_mask *mask = aligned_alloc(64, nmax * sizeof(zp_mask));
    float *obs[ZP_NOBS];
    for (int k = 0; k < ZP_NOBS; ++k) obs[k] = aligned_alloc(64, nmax * sizeof(float));
    for (int64_t i = 0; i < nmax; ++i) {
        int64_t ia = i % g.n[4], iv = (i / g.n[4]) % g.n[3], ir = (i / (g.n[4] * g.n[3])) % g.n[2];
        r[i] = g.v[2][ir];
        v[i] = g.v[3][iv];
        a[i] = g.v[4][ia];
    }

    printf("# zpscan kernel benchmark (one core; machine shared, figures are medians of 3)\n");
    printf("# input: %s\n", input ? input : INI == INI_2026 ? "built-in grid, 2026 constraint set" : "built-in grid, paper constraint set");
    if (quick) { /* the verdicts kernel's three row kinds only */
        double *z = aligned_alloc(64, nmax * sizeof(double));
        for (int64_t i = 0; i < nmax; ++i) z[i] = 0.0;
        const row_bench kinds[3] = {{&m, sl, nmass, &g, r, v, a, mask, obs, secs},
                                    {&m, sl, nmass, &g, z, v, a, mask, obs, secs},
                                    {&m, sl, nmass, &g, z, v, z, mask, obs, secs}};
        static const char *const names[3] = {"verdicts", "verdicts0", "verdictsC9"};
        for (int k = 0; k < 3; ++k)
            for (int li = 2; li < nlen && (!only || !strcmp(only, names[k])); ++li)
                printf("%-10s %8lld %14.4g\n", names[k], (long long)lens[li], row_rate(&kinds[k], likelihood ? 2 : 1, lens[li]));
        free(z);
        return 0;
    }
    printf("# vector ISA of this build: %s\n", ISA);
    double sink = 0;
    double pf[3], pm[3];
    for (int rep = 0; rep < 3; ++rep) {
        pf[rep] = rate(peak_fma, secs, &sink);
        pm[rep] = rate(peak_muladd, secs, &sink);
    }
    const double peak_f = median3(pf[0], pf[1], pf[2]), peak_m = median3(pm[0], pm[1], pm[2]);
    printf("peak FMA          : %.3g flop/s (%.3g vector FMA instr/s)\n", peak_f, peak_f / (2.0 * VL));
    printf("peak mul+add      : %.3g flop/s (no FMA; the kernel's -ffp-contract=off arithmetic)\n", peak_m);

    FILE *out = csv ? fopen(csv, "w") : NULL;
    if (csv && !out) { perror(csv); return 1; }
    if (out)
        fprintf(out, "what,row_len,points_per_s,ns_per_point,flops_per_s,frac_peak_muladd,frac_peak_fma\n"
                     "peak_fma,0,0,0,%.6g,0,1\npeak_muladd,0,0,0,%.6g,1,0\n", peak_f, peak_m);

    /* triad bandwidth at three working-set sizes: L1-, L2- and DRAM-resident */
    static const long tr_sizes[3] = {1024, 20480, 8L << 20}; /* doubles per array: 24 KB, 480 KB, 192 MB */
    static const char *const tr_names[3] = {"bw_l1", "bw_l2", "bw_dram"};
    double bw[3];
    tr_a = malloc(tr_sizes[2] * sizeof(double));
    tr_b = malloc(tr_sizes[2] * sizeof(double));
    tr_c = malloc(tr_sizes[2] * sizeof(double));
    if (!tr_a || !tr_b || !tr_c) die("triad arrays");
    for (long i = 0; i < tr_sizes[2]; ++i) tr_a[i] = 0, tr_b[i] = 1.0 + i * 1e-9, tr_c[i] = 2.0 - i * 1e-9;
    for (int z = 0; z < 3; ++z) {
        triad_n = (double)tr_sizes[z];
        double b3[3];
        for (int rep = 0; rep < 3; ++rep) b3[rep] = rate_from(triad, secs, &sink, 1);
        bw[z] = median3(b3[0], b3[1], b3[2]);
        printf("triad %-11s: %.3g bytes/s (3 x %ld KB)\n", tr_names[z], bw[z], tr_sizes[z] * 8 / 1024);
        if (out) fprintf(out, "%s,%ld,0,0,%.6g,0,0\n", tr_names[z], tr_sizes[z] * 24, bw[z]);
    }
    free(tr_a);
    free(tr_b);
    free(tr_c);

    printf("%-10s %8s %14s %10s %12s %10s %10s\n", "what", "row_len", "points/s", "ns/point", "flop/s",
           "%mul+add", "%FMA");
    const row_bench rb = {&m, sl, nmass, &g, r, v, a, mask, obs, secs};
    double best_kernel = 0, kernel_4096 = 0;
    for (int li = 0; li < nlen; ++li) {
        const int64_t n = lens[li];
        const double p = row_rate(&rb, 0, n);
        if (p > best_kernel) best_kernel = p;
        if (n == 4096) kernel_4096 = p;
        const double fl = p * KERNEL_FLOPS_SHORTCUT; /* these rows have gqR != 0 */
        printf("%-10s %8lld %14.4g %10.3f %12.4g %9.1f%% %9.1f%%\n", "kernel", (long long)n, p, 1e9 / p, fl,
               100 * fl / peak_m, 100 * fl / peak_f);
        if (out)
            fprintf(out, "kernel,%lld,%.6g,%.6g,%.6g,%.4f,%.4f\n", (long long)n, p, 1e9 / p, fl, fl / peak_m,
                    fl / peak_f);
    }
    /* the verdicts-only row (bitmask / projections-only scans): mask + 2 observables */
    for (int li = 0; li < nlen; ++li) {
        const int64_t n = lens[li];
        const double p = row_rate(&rb, 1, n);
        printf("%-10s %8lld %14.4g %10.3f\n", "verdicts", (long long)n, p, 1e9 / p);
        if (out) fprintf(out, "verdicts,%lld,%.6g,%.6g,0,0,0\n", (long long)n, p, 1e9 / p);
    }
    /* The rows above have gqR != 0 everywhere (the 5-D scans), where the kernel knows the flavour
     * verdict without evaluating it (primed coefficients: Table 1 tests none). Rows with gqR = 0
     * and gV, gA non-zero: C9 and C10 together, untested too unless the flavour file has the
     * 2-D Gaussian (this one has not): measured apart. */
    double *r0 = aligned_alloc(64, nmax * sizeof(double));
    for (int64_t i = 0; i < nmax; ++i) r0[i] = 0.0;
    const row_bench rb0 = {&m, sl, nmass, &g, r0, v, a, mask, obs, secs};
    row_kind(&rb0, lens, nlen, out, peak_m, peak_f, "verdicts0", "gqR0", KERNEL_FLOPS_SHORTCUT,
             "gqR = 0: C9 and C10 together");
    /* The paper's C9 scenario: gqR = 0 and gA = 0, so C9 is the only non-zero coefficient and
     * every point takes Table 1's interval test. */
    double *a0 = aligned_alloc(64, nmax * sizeof(double));
    for (int64_t i = 0; i < nmax; ++i) a0[i] = 0.0;
    const row_bench rbc9 = {&m, sl, nmass, &g, r0, v, a0, mask, obs, secs};
    row_kind(&rbc9, lens, nlen, out, peak_m, peak_f, "verdictsC9", "C9only", KERNEL_FLOPS_ONECOEF,
             "gqR = gA = 0: C9 only, Table 1 interval");
    free(a0);
    free(r0);
    printf("kernel arithmetic per point (hand count, src/kernels.c): %.0f flops (%.0f of them divides), "
           "%.0f FP lane ops incl. compares/selects/abs/max/converts (the general flavour fit); %.0f flops, %.0f lane ops "
           "(verdict known: gqR != 0, or C9 and C10 without a 2-D Gaussian); %.0f flops (one coefficient alone)\n",
           KERNEL_FLOPS_PER_POINT, KERNEL_DIVS_PER_POINT, KERNEL_FPOPS_PER_POINT, KERNEL_FLOPS_SHORTCUT,
           KERNEL_FPOPS_SHORTCUT, KERNEL_FLOPS_ONECOEF);
    printf("roofline: best %.3g points/s (gqR != 0) -> %.1f%% of mul+add peak in flops, %.1f%% counting all %.0f "
           "FP lane ops; compute-bound ceiling %.3g points/s (mul+add peak / all FP lane ops)\n",
           best_kernel, 100 * best_kernel * KERNEL_FLOPS_SHORTCUT / peak_m,
           100 * best_kernel * KERNEL_FPOPS_SHORTCUT / peak_m, KERNEL_FPOPS_SHORTCUT,
           peak_m / KERNEL_FPOPS_SHORTCUT);
    if (out)
        fprintf(out, "kernel_fpops,%d,%.6g,%.6g,%.6g,%.4f,%.4f\n", 0, best_kernel, 1e9 / best_kernel,
                best_kernel * KERNEL_FPOPS_SHORTCUT, best_kernel * KERNEL_FPOPS_SHORTCUT / peak_m,
                best_kernel * KERNEL_FPOPS_SHORTCUT / peak_f);

    /* ---- projections: zp_acc_row on real masks, a row = one tile's inner block */
    zp_acc acc;
    if (zp_acc_init(&acc, &c, &g) != ZP_OK) die("acc");
    const int64_t nin = g.n[2] * g.n[3] * g.n[4];
    /* the tile box: whole inner axes (as the automatic tile has them), one row at a time */
    const int64_t bst[ZP_NAXES] = {0, 0, 0, 0, 0}, bct[ZP_NAXES] = {1, 1, g.n[2], g.n[3], g.n[4]};
    for (int64_t i = 0; i < nin; ++i) {
        r[i] = g.v[2][(i / (g.n[3] * g.n[4]))];
        v[i] = g.v[3][(i / g.n[4]) % g.n[3]];
        a[i] = g.v[4][i % g.n[4]];
    }
    /* one mask row per (mass, gqL), as in a tile */
    const int64_t nrows = g.n[0] * g.n[1];
    zp_mask *masks = malloc(nrows * nin * sizeof(zp_mask));
    float *chi = malloc(nrows * nin * sizeof(float)), *pull = malloc(nrows * nin * sizeof(float));
    float *tot = malloc(nrows * nin * sizeof(float));
    for (int64_t row = 0; row < nrows; ++row) {
        float *o[ZP_NOBS];
        for (int k = 0; k < ZP_NOBS; ++k) o[k] = obs[k];
        o[ZP_OBS_FLAVOUR_CHI2] = chi + row * nin;
        o[ZP_OBS_G2_PULL] = pull + row * nin;
        o[ZP_OBS_CHI2_TOTAL] = tot + row * nin;
        zp_kernel_row(&m, &sl[row / g.n[1]], g.v[1][row % g.n[1]], r, v, a, nin, masks + row * nin, o);
    }
    double pa[3], pk[3];
    for (int rep = 0; rep < 3; ++rep) {
        long pts = 0;
        double t0 = now(), dt;
        do {
            for (int64_t row = 0; row < nrows; ++row)
                zp_acc_row(&acc, row / g.n[1], row % g.n[1], bst, bct, masks + row * nin, chi + row * nin,
                           pull + row * nin, tot + row * nin);
            pts += nrows * nin;
            dt = now() - t0;
        } while (dt < secs);
        pa[rep] = pts / dt;
        /* the same rows through the kernel, for the ratio in the same conditions */
        pts = 0;
        t0 = now();
        do {
            for (int64_t row = 0; row < nrows; ++row) {
                float *o[ZP_NOBS];
                for (int k = 0; k < ZP_NOBS; ++k) o[k] = obs[k];
                zp_kernel_row(&m, &sl[row / g.n[1]], g.v[1][row % g.n[1]], r, v, a, nin, mask, o);
            }
            pts += nrows * nin;
            dt = now() - t0;
        } while (dt < secs);
        pk[rep] = pts / dt;
    }
    const double pacc = median3(pa[0], pa[1], pa[2]), pker = median3(pk[0], pk[1], pk[2]);
    printf("%-10s %8lld %14.4g %10.3f   (%d projections of %lld cells; kernel on the same rows: %.4g "
           "points/s, %.3f ns/point; zp_acc_row costs %.2fx the kernel)\n",
           "acc_row", (long long)nin, pacc, 1e9 / pacc, acc.nproj, (long long)acc.def[0].ncell, pker,
           1e9 / pker, pker / pacc);
    if (out) {
        fprintf(out, "acc_row,%lld,%.6g,%.6g,0,0,0\n", (long long)nin, pacc, 1e9 / pacc);
        fprintf(out, "kernel_same_rows,%lld,%.6g,%.6g,0,0,0\n", (long long)nin, pker, 1e9 / pker);
        fclose(out);
    }
    (void)kernel_4096;
    if (sink == 12345.0) printf("%g\n", sink);
    uint64_t chk = 0;
    for (int b = 0; b < ZP_NBITS; ++b) chk += acc.counts[b];
    fprintf(stderr, "checksum %llu\n", (unsigned long long)chk);
    zp_acc_free(&acc);
    return 0;
}
