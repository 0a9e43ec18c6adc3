/* LHC dilepton constraint: per-mass luminosity/acceptance tables, ATLAS-style limit
 * tables, and the per-mass slice the kernels consume (PHYSICS.md §6-7).
 * Everything here is per mass; the per-point work (widths, BR, ratio) is in kernels. */
#ifndef ZPSCAN_LHC_H
#define ZPSCAN_LHC_H

#include "zpscan/error.h"
#include "zpscan/lumi.h"

#define ZP_LHC_PAD 8  /* width columns a slice holds inline, padded by repeating the last: the
                         kernel takes that many segments by one vector permute, more by a loop */
#define ZP_LUMI_MAX_ROWS 4096    /* rows of a luminosity table */

/* Per-mass parton luminosity and acceptance table (written by zpscan-lumi).
 * POD, so rank 0 can read it and MPI_Bcast it as bytes. */
typedef struct {
    int n;                              /* rows, masses strictly increasing */
    double mass[ZP_LUMI_MAX_ROWS];      /* GeV */
    double lumi_bs[ZP_LUMI_MAX_ROWS];   /* sum over (b,sbar),(sbar,b),(s,bbar),(bbar,s) of
                                           int_tau^1 dx/x f_i(x,M) f_j(tau/x,M), tau = M^2/s */
    double acc[ZP_LUMI_MAX_ROWS];       /* fiducial acceptance of both leptons, in [0,1] */
    double sqrts;                       /* GeV, from the table's metadata */
    char pdfset[128];
    int member;
    char path[512];                     /* where it was read from (provenance) */
    char meta[2048];                    /* the table's metadata lines, verbatim */
    double pt_min, abs_eta_max;         /* the acceptance cuts (NaN if the file omits them) */
    double epsrel;                      /* quadrature relative accuracy (NaN if omitted) */
} zp_lumi_table;

/* Observed limits on the fiducial sigma*B(l+l-) versus pole mass and Gamma/M, any number
 * of rows and width columns (heap arrays; zp_limit_table_free releases them). */
typedef struct {
    int nm, nw;
    double *width;   /* nw Gamma/M values, increasing */
    double *mass;    /* nm GeV values, increasing */
    double *limit;   /* nm x nw fb, row by row: ZP_LIMIT(t, i, k) */
    char path[512];
    char citation[1024];                               /* the file's leading comment lines */
} zp_limit_table;
#define ZP_LIMIT(t, i, k) ((t)->limit[(size_t)(i) * (size_t)(t)->nw + (size_t)(k)])

/* Arrays for nm rows of nw widths (zeroed); frees what t held before only via _free. */
zp_status zp_limit_table_alloc(zp_limit_table *t, int nm, int nw);
void zp_limit_table_free(zp_limit_table *t);

/* Constants the per-mass factor needs (from the scan's [constants]). */
typedef struct {
    double sqrts;   /* GeV */
    double gprime;  /* g2/(2 cW) */
    double nc;      /* colours */
} zp_lhc_consts;

/* What the kernels need at one mass. The first ZP_LHC_PAD columns are held inline, padded
 * by repeating the last column (slope 0) so a fixed-trip permute interpolates without
 * branches; a table of more columns also has all of them in `all` (heap: width, limit,
 * slope, nw each), which zp_lhc_slice_free releases (and `bin`). A copy shares both. */
typedef struct {
    double sigma_per_g2;   /* P(M): sigma(pp->Z') in fb divided by (gqL^2 + gqR^2) */
    double acceptance;     /* A(M) */
    int mass_tested;       /* 0: M outside the limit table -> verdict "not tested" */
    int nw;                /* real width columns */
    double width[ZP_LHC_PAD];  /* Gamma/M of each column */
    double limit[ZP_LHC_PAD];  /* fb at this mass (log-interpolated in mass) */
    double slope[ZP_LHC_PAD];  /* d limit / d(Gamma/M) from column j to j+1 (0 past the last) */
    double *all;               /* nw > ZP_LHC_PAD: width[nw], limit[nw], slope[nw]; else NULL */
    struct zp_binned_tab *bin; /* the binned method's tables at this mass (binned.h), owned; else NULL */
} zp_lhc_slice;

static inline const double *zp_lhc_widths(const zp_lhc_slice *s) { return s->all ? s->all : s->width; }
static inline const double *zp_lhc_limits(const zp_lhc_slice *s) { return s->all ? s->all + s->nw : s->limit; }
static inline const double *zp_lhc_slopes(const zp_lhc_slice *s) { return s->all ? s->all + 2 * s->nw : s->slope; }
void zp_lhc_slice_free(zp_lhc_slice *s);
/* Fills the padded columns and slopes from nw widths and limits (allocating `all` when
 * nw > ZP_LHC_PAD); the tests build slices by hand with it. */
zp_status zp_lhc_slice_set(zp_lhc_slice *s, int nw, const double *width, const double *limit);

/* Table file (CSV, format "zpscan-lumi-table 1"): '#' metadata lines "# key: value"
 * (format, pdfset, member, sqrts_gev, mu_f, pairs, cut_pt_min_gev, cut_abs_eta_max, epsrel,
 * code_version, ...; format, pdfset, member and sqrts_gev are required), then the header
 * "mass_gev,lumi_bs,acc", then one row per mass (strictly increasing, lumi > 0,
 * 0 <= acc <= 1, at least 2 rows). Errors name file:line:column. */
zp_status zp_lumi_table_read(const char *path, zp_lumi_table *t);
/* The input's check compared the table's sqrts with the scan's, the scan reads it again:
 * ZP_EINPUT naming the input and its [lhc] lumi_table key when the two no longer agree */
zp_status zp_lumi_table_unchanged(const zp_lumi_table *t, double sqrts, const char *input);
zp_status zp_limit_table_read(const char *path, zp_limit_table *t);

/* lumi_bs and the acceptance at a mass inside the table, interpolated as below */
void zp_lumi_table_at(const zp_lumi_table *lt, double mass, double *lumi, double *acc);

/* Largest i in [0, n-2] with x[i] <= v (x increasing, n >= 2; v below x[0] gives 0). */
int zp_lhc_bracket(const double *x, int n, double v);
/* P(M), A(M) interpolated from the lumi table (error if M outside it), limits at M. */
zp_status zp_lhc_slice_at(const zp_lumi_table *lt, const zp_limit_table *lim,
                          const zp_lhc_consts *c, double mass, zp_lhc_slice *out);
/* Details of zp_lhc_slice_at: lumi and acceptance are interpolated linearly in log M
 * (log of the lumi, the acceptance itself); exact at the table's masses. Limits: log(limit)
 * linear in M between the limit table's masses; outside its mass range mass_tested = 0
 * and the limits are NaN (so a forgotten flag can never read as "allowed"). lim may be
 * NULL (nothing tested). */

/* 1 GeV^-2 in fb. */
#define ZP_GEV2_TO_FB 0.3893794e12

/* sigma(pp -> R) in fb at LO, narrow width: (4 pi^2/3) (1/(M s)) Gamma(R -> ij) L_ij,
 * for one ordered-pair luminosity sum L_ij that shares the width Gamma (GeV). */
double zp_lhc_sigma_fb(double mass, double sqrts, double width_ij, double lumi_ij);
/* Gamma(Z' -> b sbar) / (gqL^2 + gqR^2) = N_c g'^2 M / (24 pi). */
double zp_lhc_width_bs_per_g2(const zp_lhc_consts *c, double mass);

/* Fill a table by computing lumi_bs and the acceptance at the given masses (any order,
 * repeats dropped, 1..ZP_LUMI_MAX_ROWS of them, each in (0, sqrts)) from an LHAPDF set found
 * on LHAPDF_DATA_PATH. A one-row table serves exactly that mass in zp_lhc_slice_at. */
zp_status zp_lumi_table_compute(const char *setname, int member, double sqrts,
                                const double *mass, int n, const zp_lumi_cuts *cuts,
                                double epsrel, zp_lumi_table *t);
/* The same from an open PDF handle. */
zp_status zp_lumi_table_compute_pdf(const zp_pdf *pdf, double sqrts, const double *mass, int n,
                                    const zp_lumi_cuts *cuts, double epsrel, zp_lumi_table *t);
/* Write a table in the format zp_lumi_table_read reads (metadata from t->meta). */
zp_status zp_lumi_table_write(const char *path, const zp_lumi_table *t);

#endif
