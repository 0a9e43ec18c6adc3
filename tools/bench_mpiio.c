/* zpscan-bench-mpiio: the raw MPI-IO reference for the end-to-end benchmark, and the
 * collective latencies the scaling estimate of BENCHMARKS.md uses.
 *
 *   zpscan-bench-mpiio write PATH BYTES BLOCK   collective MPI_File_write_at_all of BYTES in
 *       total, BLOCK bytes per rank per round, rank-interleaved like zpscan's round-robin
 *       tiles; MPI_File_sync before close (zpscan flushes at checkpoints and close). Prints
 *       one CSV line: ranks,bytes,seconds,bytes_per_s  (time = open .. sync + close).
 *   zpscan-bench-mpiio write-contig PATH BYTES  the same bytes, each rank one contiguous share
 *       in independent 16 MiB MPI_File_write_at calls (a second, simpler reference).
 *   zpscan-bench-mpiio coll                      MPI_Allreduce / MPI_Reduce latency for the
 *       sizes zpscan uses; CSV lines: op,ranks,count,bytes,seconds_per_call.
 * Benchmark only: never part of the test suite. */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Both writers: create/truncate PATH on all ranks; sync + close, then rank 0 prints
 * ranks,bytes,seconds,bytes_per_s (the slowest rank's open .. sync + close). */
static MPI_File open_out(const char *path)
{
    MPI_File fh;
    if (MPI_File_open(MPI_COMM_WORLD, path, MPI_MODE_CREATE | MPI_MODE_WRONLY, MPI_INFO_NULL, &fh) !=
        MPI_SUCCESS) {
        fprintf(stderr, "zpscan-bench-mpiio: cannot open %s\n", path);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    MPI_File_set_size(fh, 0);
    return fh;
}

static void close_out(MPI_File *fh, double t0, long long total)
{
    int rank, np;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    MPI_File_sync(*fh);
    MPI_File_close(fh);
    double dt = MPI_Wtime() - t0, mx;
    MPI_Reduce(&dt, &mx, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    if (rank == 0) printf("%d,%lld,%.6f,%.6g\n", np, total, mx, total / mx);
}

static int do_write(const char *path, long long total, long long block)
{
    int rank, np;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    char *buf = malloc((size_t)block);
    for (long long i = 0; i < block; ++i) buf[i] = (char)(i * 131 + rank);
    long long nblk = (total + block - 1) / block, rounds = (nblk + np - 1) / np;
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    MPI_File fh = open_out(path);
    for (long long r = 0; r < rounds; ++r) {
        long long k = r * np + rank;
        long long off = k * block, len = 0;
        if (k < nblk) len = off + block <= total ? block : total - off;
        MPI_Status stt;
        MPI_File_write_at_all(fh, (MPI_Offset)(k < nblk ? off : 0), buf, (int)len, MPI_BYTE, &stt);
    }
    close_out(&fh, t0, total);
    free(buf);
    return 0;
}

/* The simplest fast pattern, as a second reference: every rank writes one contiguous share
 * of the file with independent 16 MiB MPI_File_write_at calls, then sync + close. */
static int do_write_contig(const char *path, long long total)
{
    int rank, np;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    const long long piece = 16LL << 20;
    char *buf = malloc((size_t)piece);
    for (long long i = 0; i < piece; ++i) buf[i] = (char)(i * 131 + rank);
    const long long share = (total + np - 1) / np, beg = rank * share;
    const long long end = beg + share < total ? beg + share : total;
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    MPI_File fh = open_out(path);
    for (long long off = beg; off < end; off += piece) {
        const long long len = end - off < piece ? end - off : piece;
        MPI_Status stt;
        MPI_File_write_at(fh, (MPI_Offset)off, buf, (int)len, MPI_BYTE, &stt);
    }
    close_out(&fh, t0, total);
    free(buf);
    return 0;
}

static double time_coll(int allreduce, int count, MPI_Datatype t, MPI_Op op, void *in, void *out, int reps)
{
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    for (int i = 0; i < reps; ++i) {
        if (allreduce) MPI_Allreduce(in, out, count, t, op, MPI_COMM_WORLD);
        else MPI_Reduce(in, out, count, t, op, 0, MPI_COMM_WORLD);
    }
    double dt = (MPI_Wtime() - t0) / reps, mx;
    MPI_Allreduce(&dt, &mx, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    return mx;
}

static int do_coll(void)
{
    int rank, np;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    /* the per-round flags (2 ints), the summary counts (12 uint64), and projection
     * accumulators of 1e3 .. 1e7 uint64 (11 bits x cells) */
    int iflags[2] = {0, 1}, oflags[2];
    double t = time_coll(1, 2, MPI_INT, MPI_MAX, iflags, oflags, 20000);
    if (rank == 0) printf("allreduce_int_max,%d,2,8,%.4g\n", np, t);
    const int sizes[] = {12, 1000, 100000, 1000000, 10000000};
    for (int s = 0; s < 5; ++s) {
        int n = sizes[s];
        uint64_t *a = calloc((size_t)n, 8), *b = calloc((size_t)n, 8);
        int reps = n <= 1000 ? 5000 : n <= 100000 ? 200 : n <= 1000000 ? 20 : 3;
        double tr = time_coll(0, n, MPI_UINT64_T, MPI_SUM, a, b, reps);
        if (rank == 0) printf("reduce_u64_sum,%d,%d,%lld,%.4g\n", np, n, 8LL * n, tr);
        free(a);
        free(b);
    }
    return 0;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rc = 2;
    if (argc == 5 && !strcmp(argv[1], "write")) rc = do_write(argv[2], atoll(argv[3]), atoll(argv[4]));
    else if (argc == 4 && !strcmp(argv[1], "write-contig")) rc = do_write_contig(argv[2], atoll(argv[3]));
    else if (argc == 2 && !strcmp(argv[1], "coll")) rc = do_coll();
    else fprintf(stderr, "usage: %s write PATH BYTES BLOCK | write-contig PATH BYTES | coll\n", argv[0]);
    MPI_Finalize();
    return rc;
}
