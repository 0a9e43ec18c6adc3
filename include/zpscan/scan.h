/* The scan driver: wires config, grid, model, kernels, projections and the writer.
 * Collective over `comm`; returns a status, never exits. */
#ifndef ZPSCAN_SCAN_H
#define ZPSCAN_SCAN_H

#include <mpi.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "zpscan/error.h"

/* Set by main's SIGTERM/SIGUSR1/SIGINT handler: finish the round, checkpoint, stop. */
extern volatile sig_atomic_t zp_scan_stop_requested;

typedef struct {
    const char *input_path;
    const char *output;        /* overrides [scan] output when non-NULL */
    int resume;                /* continue <output>.partial if there is one */
    int overwrite;             /* replace an existing result */
    int force;                 /* skip the free-space / size-cap refusal */
    double progress_seconds;   /* < 0: from the input */
    double checkpoint_seconds; /* < 0: from the input */
    int threads;               /* compute threads per rank; 0: zp_pipe_auto_threads */
    int dry_run;               /* validate, estimate, print the plan, write nothing */
    int quiet;
} zp_scan_opts;

typedef struct {
    int agreed;                /* every rank returned the same status (clean shutdown possible) */
    int already_complete;      /* --resume found a finished result */
    char output[ZP_PATH_MAX];  /* final path of the result */
} zp_scan_result;

zp_status zp_scan_run(MPI_Comm comm, const zp_scan_opts *o, zp_scan_result *res);

/* "compiler: ...<sep>MPI: ...<sep>HDF5: ...<sep>GSL: ..." (after MPI_Init). */
void zp_scan_build_info(char *buf, size_t len, const char *sep);

#endif
