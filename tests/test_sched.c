/* The tile schedule (sched.h) under MPI: every pending tile handed out exactly once, in its
 * round, whatever the rank count and however unevenly the ranks run; static rounds give each
 * rank one call per round. Run by meson with 1, 2 and 3 ranks (oversubscribed).
 * Prints "ok"/"not ok" lines; exit status = number of failures (rank 0). */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zpscan/sched.h"

static int fails, passes;
static int64_t mine; /* tiles this rank took in the last run */

static void check(int rank, int ok, const char *what)
{
    if (rank == 0) printf("%s - %s\n", ok ? "ok" : "not ok", what);
    if (ok) ++passes;
    else ++fails;
}

static void nap(int us)
{
    struct timespec ts = {0, us * 1000L};
    nanosleep(&ts, NULL);
}

/* runs a schedule over npend tiles; owner[i] = round of tile i (-1: never), summed over ranks */
static int run(MPI_Comm comm, int64_t npend, int dynamic, int64_t *rounds_seen, int64_t *nonecalls)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    zp_sched s;
    mine = 0;
    if (zp_sched_init(&s, comm, npend, dynamic) != ZP_OK) return 0;
    int64_t *round_of = calloc((size_t)npend + 1, sizeof *round_of), *cnt = calloc((size_t)npend + 1, sizeof *cnt);
    int ok = round_of && cnt;
    int64_t none = 0;
    for (int64_t r = 0; ok && r < s.nrounds; ++r) {
        int64_t k;
        while ((k = zp_sched_next(&s, r)) != ZP_SCHED_END) {
            if (k == ZP_SCHED_NONE) { ++none; continue; }
            if (k < 0 || k >= npend) { ok = 0; break; }
            cnt[k] += 1;
            round_of[k] = r + 1;
            ++mine;
            nap(rank == 0 ? 3000 : 20 * rank); /* rank 0 is slow (by far more than a loaded machine
                                                  jitters): the others take more */
        }
        MPI_Barrier(comm); /* the scan's per-round reduction */
    }
    MPI_Allreduce(MPI_IN_PLACE, cnt, (int)npend, MPI_INT64_T, MPI_SUM, comm);
    MPI_Allreduce(MPI_IN_PLACE, round_of, (int)npend, MPI_INT64_T, MPI_SUM, comm);
    MPI_Allreduce(MPI_IN_PLACE, &none, 1, MPI_INT64_T, MPI_SUM, comm);
    for (int64_t i = 0; ok && i < npend; ++i) {
        if (cnt[i] != 1) ok = 0;
        /* tile i belongs to the round whose end is the first one above i */
        const int64_t r = round_of[i] - 1;
        if (r < 0 || i >= zp_sched_round_end(&s, r) || (r > 0 && i < zp_sched_round_end(&s, r - 1))) ok = 0;
    }
    *rounds_seen = s.nrounds;
    *nonecalls = none;
    free(round_of);
    free(cnt);
    if (zp_sched_free(&s) != ZP_OK) ok = 0;
    int all = ok;
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, comm);
    return all;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    char what[160];
    const int64_t sizes[] = {0, 1, 5, 16, 17, 100, 257};
    for (size_t t = 0; t < sizeof sizes / sizeof sizes[0]; ++t) {
        const int64_t n = sizes[t];
        int64_t rounds, none;
        snprintf(what, sizeof what, "%d ranks, %lld tiles, dynamic: each tile once, in its round", size,
                 (long long)n);
        check(rank, run(MPI_COMM_WORLD, n, 1, &rounds, &none), what);
        snprintf(what, sizeof what, "%d ranks, %lld tiles, dynamic: %lld rounds of %d tiles", size, (long long)n,
                 (long long)rounds, ZP_SCHED_K * size);
        check(rank, rounds == (n + ZP_SCHED_K * size - 1) / (ZP_SCHED_K * size) && none == 0, what);
        if (size >= 2 && n >= 100) { /* the slow rank 0 took fewer tiles than rank 1 */
            int64_t *per = malloc((size_t)size * sizeof *per);
            MPI_Allgather(&mine, 1, MPI_INT64_T, per, 1, MPI_INT64_T, MPI_COMM_WORLD);
            snprintf(what, sizeof what, "%d ranks, %lld tiles, dynamic: the slow rank took %lld, rank 1 %lld", size,
                     (long long)n, (long long)per[0], (long long)per[1]);
            check(rank, per[0] < per[1], what);
            free(per);
        }
        snprintf(what, sizeof what, "%d ranks, %lld tiles, static: each tile once, in its round", size, (long long)n);
        check(rank, run(MPI_COMM_WORLD, n, 0, &rounds, &none), what);
        /* static: one call per rank per round, so the last round's idle ranks get NONE */
        snprintf(what, sizeof what, "%d ranks, %lld tiles, static: %lld rounds, %lld idle calls", size,
                 (long long)n, (long long)rounds, (long long)none);
        check(rank, rounds == (n + size - 1) / size && none == rounds * size - n, what);
    }
    /* two nodes' worth of layout on one machine: split the world and run on each half at once */
    if (size >= 2) {
        MPI_Comm half;
        MPI_Comm_split(MPI_COMM_WORLD, rank % 2, rank, &half);
        int64_t rounds, none;
        const int ok = run(half, 41, 1, &rounds, &none);
        snprintf(what, sizeof what, "two sub-communicators side by side: each tile once");
        check(rank, ok, what);
        MPI_Comm_free(&half);
    }
    if (rank == 0) printf("# %d passed, %d failed\n", passes, fails);
    MPI_Finalize();
    return rank == 0 ? (fails > 255 ? 255 : fails) : 0;
}
