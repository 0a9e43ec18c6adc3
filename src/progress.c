#include "zpscan/progress.h"

#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void zp_progress_init(zp_progress *p, double interval, int64_t ntiles, int64_t tiles_done,
                      int64_t npoints, int silent)
{
    p->interval = interval;
    p->t_start = p->t_last = MPI_Wtime();
    p->ntiles = ntiles;
    p->tiles_at_start = tiles_done;
    p->npoints = npoints;
    p->silent = silent;
}

void zp_progress_hms(double s, char *buf, int len)
{
    if (!isfinite(s) || s < 0) { snprintf(buf, (size_t)len, "--:--:--"); return; }
    long t = (long)(s + 0.5);
    snprintf(buf, (size_t)len, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
}

void zp_progress_update(zp_progress *p, int64_t tiles_done)
{
    if (p->silent || p->interval <= 0) return;
    double now = MPI_Wtime();
    if (now - p->t_last < p->interval) return;
    p->t_last = now;
    double el = now - p->t_start;
    double frac = p->ntiles ? (double)tiles_done / (double)p->ntiles : 1.0;
    double rate_tiles = (double)(tiles_done - p->tiles_at_start) / el;
    double pts = rate_tiles * ((double)p->npoints / (double)p->ntiles);
    char e[32], eta[32];
    zp_progress_hms(el, e, sizeof e);
    zp_progress_hms(rate_tiles > 0 ? (double)(p->ntiles - tiles_done) / rate_tiles : NAN, eta, sizeof eta);
    printf("zpscan: progress %lld/%lld tiles (%.1f%%), %.3g points/s, elapsed %s, ETA %s\n",
           (long long)tiles_done, (long long)p->ntiles, 100.0 * frac, pts, e, eta);
    fflush(stdout);
}

/* JSON string escaping for paths and version strings. */
static void esc(char *out, size_t len, const char *s)
{
    size_t k = 0;
    for (; s && *s && k + 7 < len; ++s) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') { out[k++] = '\\'; out[k++] = (char)ch; }
        else if (ch < 0x20) k += (size_t)snprintf(out + k, len - k, "\\u%04x", ch);
        else out[k++] = (char)ch;
    }
    out[k] = '\0';
}

char *zp_progress_record(const zp_progress *p, const zp_run_record *r)
{
    (void)p;
    char in[2 * ZP_PATH_MAX], outp[2 * ZP_PATH_MAX], ver[256], build[1100];
    esc(in, sizeof in, r->input);
    esc(outp, sizeof outp, r->output);
    esc(ver, sizeof ver, r->version);
    esc(build, sizeof build, r->build);
    const size_t cap = 8192 + strlen(in) + strlen(outp);
    char *j = malloc(cap);
    if (!j) return NULL;
    double pts = r->npoints * ((double)r->tiles_computed / (double)(r->ntiles ? r->ntiles : 1));
    const char *mode = r->io_mode == 0 ? "none" : r->io_mode == 1 ? "chunk-independent"
                       : r->io_mode == 2 ? "chunk-collective" : r->io_mode == 3 ? "chunk-mixed"
                       : r->io_mode == 4 ? "contiguous-collective" : "unknown";
    char fin[96] = "";
    if (r->t_finish >= 0) /* "total" ends where the finish begins; "total_durable" includes it */
        snprintf(fin, sizeof fin, ", \"finish\": %.6f, \"total_durable\": %.6f", r->t_finish,
                 r->t_total + r->t_finish);
    int k = snprintf(j, cap,
        "{\n  \"zpscan_version\": \"%s\",\n  \"build\": \"%s\",\n  \"input\": \"%s\",\n  \"output\": \"%s\",\n"
        "  \"nranks\": %d,\n  \"threads_per_rank\": %d,\n  \"npoints\": %lld,\n  \"ntiles\": %lld,\n  \"tiles_done_before_this_run\": %lld,\n"
        "  \"tiles_computed_this_run\": %lld,\n  \"complete\": %s,\n  \"first_write_io_mode\": \"%s\",\n"
        "  \"timings_s\": {\"setup\": %.6f, \"compute\": %.6f, \"write\": %.6f, \"checkpoint\": %.6f, "
        "\"wait\": %.6f, \"total\": %.6f%s},\n"
        "  \"tile_compute_s\": {\"mean\": %.6g, \"cv\": %.4f, \"max\": %.6g},\n"
        "  \"points_per_s\": %.6g,\n  \"pass_counts\": {",
        ver, build, in, outp, r->nranks, r->threads > 0 ? r->threads : 1, (long long)r->npoints, (long long)r->ntiles,
        (long long)r->tiles_before, (long long)r->tiles_computed, r->complete ? "true" : "false", mode,
        r->t_setup, r->t_compute, r->t_write, r->t_checkpoint, r->t_wait, r->t_total, fin, r->tile_mean, r->tile_cv,
        r->tile_max,
        r->t_total > 0 ? pts / r->t_total : 0.0);
    for (int b = 0; b < ZP_NBITS && k > 0 && (size_t)k < cap; ++b)
        k += snprintf(j + k, cap - (size_t)k, "%s\"%s\": %llu", b ? ", " : "", zp_bit_names[b],
                      (unsigned long long)r->counts[b]);
    if (r->lhc_slices > 0 && k > 0 && (size_t)k < cap)
        k += snprintf(j + k, cap - (size_t)k,
                      "},\n  \"lhc_binned_precompute_s\": {\"slices\": %lld, \"wall\": %.6f, \"per_slice_mean\": %.6g, "
                      "\"per_slice_max\": %.6g, \"width_nodes_mean\": %.4g",
                      (long long)r->lhc_slices, r->lhc_wall, r->lhc_slice_mean, r->lhc_slice_max, r->lhc_nodes_mean);
    if (k > 0 && (size_t)k < cap) snprintf(j + k, cap - (size_t)k, "}\n}\n");
    return j;
}
