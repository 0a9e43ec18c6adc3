/* The binned LHC method's per-mass tables for a scan, made in parallel: each rank makes
 * those of masses i = rank (mod nranks), then each is broadcast from the rank that made it,
 * so every rank ends with every slice (docs/PHYSICS.md §11). */
#ifndef ZPSCAN_BINNED_SLICES_H
#define ZPSCAN_BINNED_SLICES_H

#include <mpi.h>
#include <stdint.h>

#include "zpscan/binned.h"
#include "zpscan/model.h"

typedef struct {
    int64_t slices;          /* masses the LHC tests (tables made) */
    double wall;             /* seconds, the whole phase on this rank */
    double slice_mean, slice_max; /* seconds per table, over all masses (every rank knows them) */
    double nodes_mean;       /* width nodes per table */
} zp_binned_stats;

/* One mass on this process alone (tools, tests): slice->lhc from the tables at `mass`
 * (tested, limits, bin), or untested NaN limits where the spectra do not reach. */
zp_status zp_binned_slice_make(const zp_config *c, const zp_lumi_table *lt, const zp_spectra *sp, double mass,
                               zp_mass_slice *slice);

/* For c->cc.lhc.binned: fills slices[i].lhc (tested, limits = x95 at the width nodes, bin)
 * for the nm masses. Collective; every rank returns the same status. */
zp_status zp_binned_slices(MPI_Comm comm, const zp_config *c, const zp_lumi_table *lt, const zp_spectra *sp,
                           const double *mass, int64_t nm, zp_mass_slice *slices, zp_binned_stats *stats);

#endif
