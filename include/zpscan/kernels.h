/* Per-row evaluation of every constraint into a verdict bitmask and observables.
 * No I/O, no MPI, no allocation: pure arithmetic on structure-of-arrays rows. */
#ifndef ZPSCAN_KERNELS_H
#define ZPSCAN_KERNELS_H

#include <stdint.h>

#include "zpscan/config.h"
#include "zpscan/model.h"

/* One row: fixed mass (slice) and gqL; n points with couplings gqR[i], gV[i], gA[i].
 * Writes mask[i] and obs[k][i] for every k < ZP_NOBS (callers point unwanted
 * observables at a scratch row). */
void zp_kernel_row(const zp_model *restrict m, const zp_mass_slice *restrict s, double gqL,
                   const double *restrict gqR, const double *restrict gV,
                   const double *restrict gA, int64_t n, zp_mask *restrict mask,
                   float *const obs[ZP_NOBS]);

/* The same verdicts (bit-identical) writing only the mask and the observables the
 * projections read (zp_obs[k].projected; the other obs[k] may be NULL): for bitmask-only and projections-only scans (measured ~20% faster). */
void zp_kernel_row_verdicts(const zp_model *restrict m, const zp_mass_slice *restrict s, double gqL,
                            const double *restrict gqR, const double *restrict gV,
                            const double *restrict gA, int64_t n, zp_mask *restrict mask,
                            float *const obs[ZP_NOBS]);

/* The binned LHC method's Delta chi^2(mu = 1) alone for a row (NaN where the LHC does not test
 * the point or the method is fiducial_limit), by the kernel's own code: the likelihood's cost
 * apart from the other constraints (zpscan-bench-kernel --likelihood) and its check. */
void zp_kernel_row_lhc_dchi2(const zp_model *restrict m, const zp_mass_slice *restrict s, double gqL,
                             const double *restrict gqR, const double *restrict gV, const double *restrict gA,
                             int64_t n, float *restrict dchi2);

#endif
