/* zpscan: the command. Owns MPI_Init/Finalize, signals and the exit code. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <hdf5.h>
#include <mpi.h>

#include "zp_version.h"
#include "zpscan/error.h"
#include "zpscan/scan.h"
#include "zpscan/vocab.h"

/* The one option table: getopt, --help and the README come from here. */
typedef struct {
    const char *name;
    int shortopt;
    const char *arg;   /* NULL: flag */
    const char *help;
} opt_def;

static const opt_def options[] = {
    {"output", 'o', "PATH", "result file (overrides [scan] output); written as PATH.partial, renamed when complete"},
    {"resume", 'r', NULL, "continue PATH.partial if it exists (any rank count); a finished PATH exits 0"},
    {"overwrite", 'W', NULL, "replace an existing result or interrupted scan"},
    {"force", 'f', NULL, "write even if the size estimate exceeds the free space or max_output_bytes"},
    {"progress", 'p', "SECONDS", "progress line interval (0: none; default from [scan] progress_seconds)"},
    {"checkpoint", 'c', "SECONDS", "how often finished tiles are made durable (default [scan] checkpoint_seconds)"},
    {"threads", 't', "N", "compute threads per rank (default: the CPUs the rank may run on, shared among the ranks of the node on them)"},
    {"dry-run", 'n', NULL, "validate the input, print the grid, tiles and size estimate, write nothing"},
    {"quiet", 'q', NULL, "no informational output (errors still go to stderr)"},
    {"version", 'V', NULL, "print zpscan's version and the MPI, HDF5 and GSL it was built with"},
    {"help", 'h', NULL, "this help"},
};
#define NOPT ((int)(sizeof options / sizeof options[0]))

static void usage(FILE *f)
{
    fprintf(f, "usage: zpscan [options] INPUT.ini\n"
               "       mpirun -n N zpscan [options] INPUT.ini   (or srun under SLURM)\n\n"
               "Scan the Z' model of arXiv:1704.06200 over (M, gqL, gqR, gV, gA) and write one HDF5 file.\n\n"
               "options:\n");
    for (int i = 0; i < NOPT; ++i) {
        char left[64];
        snprintf(left, sizeof left, "-%c, --%s%s%s", options[i].shortopt, options[i].name,
                 options[i].arg ? " " : "", options[i].arg ? options[i].arg : "");
        fprintf(f, "  %-28s %s\n", left, options[i].help);
    }
    /* the constraint registry: names for [scan] combine, their sections and keys */
    fprintf(f, "\nconstraints ([scan] combine names; likelihood: enters chi2_total):\n");
    for (int c = 0; c < ZP_NCONSTRAINTS; ++c) {
        const zp_constraint_desc *d = &zp_constraints[c];
        fprintf(f, "  %-14s %s%s\n", d->name, d->summary, d->chi2[0] ? "; likelihood" : "");
        for (int k = 0; d->keys[k]; ++k)
            fprintf(f, "  %14s [%s] %s: %s\n", "", d->section, d->keys[k], d->key_help[k]);
    }
    fprintf(f, "\nexit codes: 0 done (or already complete); 2 bad input, usage, or not enough space;\n"
               "            3 runtime failure (I/O, MPI, memory); 4 stopped by SIGTERM/SIGUSR1/SIGINT,\n"
               "            the PATH.partial left behind is resumable with --resume.\n"
               "Input format: docs/INPUT.md; output format: docs/FORMAT.md.\n");
}

static void version(void)
{
    char info[1024];
    zp_scan_build_info(info, sizeof info, "\n");
    printf("zpscan %s\n%s\n", ZP_VERSION_STRING, info);
}

static void on_signal(int sig)
{
    (void)sig;
    zp_scan_stop_requested = 1;
}

static int parse_seconds(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v >= 0) || v > 1e9) return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    /* zpscan never uses MPI-IO shared file pointers, but Open MPI 4 sets them up at every
     * open: its lockedfile component formats the file's path into a fixed-size buffer (a path
     * of ~1000 characters aborted in it). sm (the default, files in Open MPI's session
     * directory) and individual remain; a user's own choice is left alone. */
#if defined(OPEN_MPI)
    setenv("OMPI_MCA_sharedfp", "^lockedfile", 0);
#endif
    /* handlers first: a batch system's warning may come while MPI is still starting */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    /* SA_RESTART: a signal while MPI starts must not fail its system calls (MPICH's
     * singleton start waits in accept() for the mpiexec it spawns; an EINTR there left the
     * process waiting forever); the flag is polled, nothing here relies on EINTR */
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    /* FUNNELED: the early-writeback helper (writeback.h) and the compute threads (pipe.h)
     * never call MPI */
    int provided = MPI_THREAD_SINGLE;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* we report HDF5 errors ourselves, once */
    gsl_set_error_handler_off();

    struct option lopts[NOPT + 1];
    char sopts[3 * NOPT + 1];
    int k = 0;
    for (int i = 0; i < NOPT; ++i) {
        lopts[i] = (struct option){options[i].name, options[i].arg ? required_argument : no_argument, NULL,
                                   options[i].shortopt};
        sopts[k++] = (char)options[i].shortopt;
        if (options[i].arg) sopts[k++] = ':';
    }
    sopts[k] = '\0';
    memset(&lopts[NOPT], 0, sizeof lopts[NOPT]);

    zp_scan_opts o = {.progress_seconds = -1, .checkpoint_seconds = -1};
    int c, bad = 0, help = 0, ver = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, sopts, lopts, NULL)) != -1) {
        switch (c) {
        case 'o': o.output = optarg; break;
        case 'r': o.resume = 1; break;
        case 'W': o.overwrite = 1; break;
        case 'f': o.force = 1; break;
        case 'p':
            if (parse_seconds(optarg, &o.progress_seconds)) {
                if (!rank) fprintf(stderr, "zpscan: error: --progress: '%s' is not a number of seconds\n", optarg);
                bad = 1;
            }
            break;
        case 'c':
            if (parse_seconds(optarg, &o.checkpoint_seconds)) {
                if (!rank) fprintf(stderr, "zpscan: error: --checkpoint: '%s' is not a number of seconds\n", optarg);
                bad = 1;
            }
            break;
        case 't': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (end == optarg || *end || v < 1 || v > 1024) {
                if (!rank) fprintf(stderr, "zpscan: error: --threads: '%s' is not a thread count (1 to 1024)\n", optarg);
                bad = 1;
            } else {
                o.threads = (int)v;
            }
            break;
        }
        case 'n': o.dry_run = 1; break;
        case 'q': o.quiet = 1; break;
        case 'V': ver = 1; break;
        case 'h': help = 1; break;
        default:
            if (!rank) fprintf(stderr, "zpscan: error: unknown option or missing argument: %s\n", argv[optind - 1]);
            bad = 1;
        }
    }
    if (!bad && !help && !ver && optind != argc - 1) {
        if (!rank) fprintf(stderr, "zpscan: error: expected exactly one input file (see --help)\n");
        bad = 1;
    }
    if (bad || help || ver) {
        if (!rank && help) usage(stdout);
        if (!rank && ver) version();
        MPI_Finalize();
        return bad ? 2 : 0;
    }
    if (o.resume && o.overwrite) {
        if (!rank) fprintf(stderr, "zpscan: error: --resume and --overwrite exclude each other\n");
        MPI_Finalize();
        return 2;
    }
    o.input_path = argv[optind];

    zp_scan_result res;
    zp_status st = zp_scan_run(MPI_COMM_WORLD, &o, &res);
    fflush(stdout);
    if (st == ZP_OK) {
        if (res.already_complete && !rank && !o.quiet)
            printf("zpscan: %s is already complete: nothing to do\n", res.output);
        MPI_Finalize();
        return 0;
    }
    int code = zp_status_exit_code(st);
    if (zp_err_status() != ZP_OK) {
        const char *what = st == ZP_EINTR ? "stopped" : "error";
        if (rank) fprintf(stderr, "zpscan: rank %d: %s: %s\n", rank, what, zp_err_msg());
        else fprintf(stderr, "zpscan: %s: %s\n", what, zp_err_msg());
        fflush(stderr);
    }
    if (!res.agreed) {
        /* the other ranks may be inside a collective. A rank without a message waits a moment
         * so that the one with it prints before an abort takes it down (MPICH's launcher
         * kills the job as soon as any rank aborts or exits non-zero) */
        if (zp_err_status() == ZP_OK) sleep(2);
        MPI_Abort(MPI_COMM_WORLD, code);
    }
    /* agreed: no rank leaves before rank 0 has said why (a launcher may end the job when the
     * first non-zero exit arrives) */
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Finalize();
    return code;
}
