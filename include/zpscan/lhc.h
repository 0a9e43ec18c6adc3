/* LHC dilepton constraint: per-mass luminosity/acceptance tables, ATLAS-style limit
 * tables, and the per-mass slice the kernels consume (PHYSICS.md §6-7).
 * Everything here is per mass; the per-point work (widths, BR, ratio) is in kernels. */
#ifndef ZPSCAN_LHC_H
#define ZPSCAN_LHC_H

#include "zpscan/error.h"

#define ZP_LHC_MAX_WIDTHS 8      /* width hypotheses in a limit table */
#define ZP_LHC_MAX_MASSES 8192   /* rows of a limit table */
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
} zp_lumi_table;

/* Observed limits on the fiducial sigma*B(l+l-) versus pole mass and Gamma/M. */
typedef struct {
    int nm, nw;
    double width[ZP_LHC_MAX_WIDTHS];                   /* Gamma/M, increasing */
    double mass[ZP_LHC_MAX_MASSES];                    /* GeV, increasing */
    double limit[ZP_LHC_MAX_MASSES][ZP_LHC_MAX_WIDTHS];/* fb */
    char path[512];
    char citation[1024];                               /* the file's leading comment lines */
} zp_limit_table;

/* Constants the per-mass factor needs (from the scan's [constants]). */
typedef struct {
    double sqrts;   /* GeV */
    double gprime;  /* g2/(2 cW) */
    double nc;      /* colours */
} zp_lhc_consts;

/* What the kernels need at one mass. Limits are padded to ZP_LHC_MAX_WIDTHS by repeating
 * the last column so a fixed-trip loop interpolates without branches. */
typedef struct {
    double sigma_per_g2;   /* P(M): sigma(pp->Z') in fb divided by (gqL^2 + gqR^2) */
    double acceptance;     /* A(M) */
    int mass_tested;       /* 0: M outside the limit table -> verdict "not tested" */
    int nw;                /* real width columns */
    double width[ZP_LHC_MAX_WIDTHS];   /* Gamma/M of each column */
    double limit[ZP_LHC_MAX_WIDTHS];   /* fb at this mass (log-interpolated in mass) */
} zp_lhc_slice;

zp_status zp_lumi_table_read(const char *path, zp_lumi_table *t);
zp_status zp_limit_table_read(const char *path, zp_limit_table *t);

/* P(M), A(M) interpolated from the lumi table (error if M outside it), limits at M. */
zp_status zp_lhc_slice_at(const zp_lumi_table *lt, const zp_limit_table *lim,
                          const zp_lhc_consts *c, double mass, zp_lhc_slice *out);

#endif
