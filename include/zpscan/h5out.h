/* The result file: layout, attributes, dimension scales, collective tile writes and the
 * resume state. The writer does no physics. Format described in docs/FORMAT.md.
 *
 * Durability protocol (why resume after kill -9 is safe): every dataset is created and
 * allocated at file creation, so during the scan only raw data is written and the HDF5
 * metadata never changes. Finished tiles are recorded in one of two state slots
 * (/state/slot0, /state/slot1) together with the summary and projection accumulators of
 * exactly those tiles; a checkpoint flushes the tile data, writes the older slot,
 * flushes, then flips /state/header to it and flushes again. A kill at any moment leaves
 * the header pointing at a slot whose tiles are all on disk. */
#ifndef ZPSCAN_H5OUT_H
#define ZPSCAN_H5OUT_H

#include <hdf5.h>
#include <mpi.h>
#include <stdint.h>

#include "zpscan/config.h"
#include "zpscan/error.h"
#include "zpscan/grid.h"
#include "zpscan/model.h"
#include "zpscan/projections.h"

#define ZP_FORMAT_VERSION 2

typedef struct {
    const char *input_text;      /* the input file, verbatim */
    const char *zpscan_version;
    const char *build_info;      /* compiler, MPI, HDF5, GSL versions */
    const char *data_info;       /* data files used, with their citations */
    int nranks;
} zp_h5_meta;

typedef struct {
    MPI_Comm comm;
    int rank;
    hid_t file, dxpl_coll, dxpl_indep;
    hid_t d_pass, d_obs[ZP_NOBS];
    hid_t d_header, d_done[2], d_counts[2], d_pcount[2][ZP_MAX_PROJ], d_pmin[2][ZP_MAX_PROJ];
    int64_t generation;          /* of the slot the header points at */
    int slot;                    /* that slot; the next checkpoint writes 1 - slot */
    int store_points;
    int store_obs[ZP_NOBS];
    int64_t ntiles;
    int nproj;
    int64_t proj_ncell[ZP_MAX_PROJ];
    int collective_checked;      /* set once H5Pget_mpio_actual_io_mode confirmed collective */
    struct zp_wb *wb;            /* early writeback (writeback.h), or NULL */
    int tile_indep;              /* tile writes independent (default), or collective (ZPSCAN_H5_TILE_IO) */
} zp_h5;

/* Estimated bytes of the file (for the free-space check). */
uint64_t zp_h5_estimate_bytes(const zp_config *c, const zp_grid *g, const zp_acc *acc);

/* Create the file at `path` (collective) and lay out every object. */
zp_status zp_h5_create(MPI_Comm comm, const char *path, const zp_config *c, const zp_grid *g,
                       const zp_model *m, const zp_acc *acc, const zp_h5_meta *meta,
                       uint64_t fingerprint, zp_h5 *h);

/* Open an interrupted scan (collective). Refuses another format version or fingerprint.
 * On every rank: done[ntiles] from the current slot; on rank 0: `total` holds the slot's
 * accumulators (acc must be initialised with the same projection layout). */
zp_status zp_h5_open_resume(MPI_Comm comm, const char *path, const zp_config *c, const zp_grid *g,
                            uint64_t fingerprint, zp_h5 *h, uint8_t *done, zp_acc *total);

/* Collective: write one tile per rank (count == NULL: this rank writes nothing). */
zp_status zp_h5_write_tile(zp_h5 *h, const int64_t start[ZP_NAXES], const int64_t *count,
                           const zp_mask *mask, float *const obs[ZP_NOBS]);

/* Collective: make written tiles durable and record done[] + total (rank 0's) in a slot. */
zp_status zp_h5_checkpoint(zp_h5 *h, const uint8_t *done, const zp_acc *total);

/* Collective: write summary and projections from rank 0's total (layout: the projection
 * shapes, valid on every rank), the run record, and mark the file complete. Call after
 * the last checkpoint. */
zp_status zp_h5_finish(zp_h5 *h, const zp_acc *layout, const zp_acc *total, const char *record_json);

/* Collective close (safe on a partly opened handle). */
zp_status zp_h5_close(zp_h5 *h);

/* Read-only probe (one process): is `path` a regular file that is a zpscan result, is it
 * complete, and its fingerprint ("" if none; fingerprint may be NULL). */
zp_status zp_h5_probe(const char *path, int *is_zpscan, int *complete, char *fingerprint, size_t fplen);

#endif
