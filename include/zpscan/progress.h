/* The progress line (rank 0, at most one per interval) and the JSON run record. */
#ifndef ZPSCAN_PROGRESS_H
#define ZPSCAN_PROGRESS_H

#include <stdint.h>

#include "zpscan/config.h"

typedef struct {
    double interval, t_start, t_last;
    int64_t ntiles, tiles_at_start, npoints;
    int silent;
} zp_progress;

typedef struct {
    const char *input, *output, *version, *build;
    int nranks;
    int threads;                       /* compute threads per rank (1: the rank itself) */
    int64_t npoints, ntiles, tiles_before, tiles_computed;
    int complete;
    double t_setup, t_write, t_checkpoint, t_total;
    double t_compute;                  /* max over ranks: computing, or waiting for the compute threads */
    double t_wait;                     /* max over ranks: waiting for the round's flags */
    double t_finish;                   /* results written, flushed, marked complete; < 0: not known yet */
    double tile_mean, tile_cv, tile_max; /* compute time per tile: mean, std/mean, max (all ranks) */
    int io_mode;              /* H5D_mpio_actual_io_mode_t of the first tile write, -1 unknown */
    /* the binned LHC method's per-mass tables (lhc_slices = 0: not used): wall time of the
     * phase, seconds per slice (mean, max over slices), width nodes per slice (mean) */
    int64_t lhc_slices;
    double lhc_wall, lhc_slice_mean, lhc_slice_max, lhc_nodes_mean;
    const uint64_t *counts;   /* ZP_NBITS */
} zp_run_record;

void zp_progress_init(zp_progress *p, double interval, int64_t ntiles, int64_t tiles_done,
                      int64_t npoints, int silent);
/* Print "zpscan: progress ..." when the interval has passed (interval <= 0: never). */
void zp_progress_update(zp_progress *p, int64_t tiles_done);
/* Format seconds as H:MM:SS into buf. */
void zp_progress_hms(double s, char *buf, int len);
/* The run record as a JSON object (malloc'd). */
char *zp_progress_record(const zp_progress *p, const zp_run_record *r);

#endif
