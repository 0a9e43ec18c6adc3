#include "zpscan/preflight.h"

#include <errno.h>
#include <limits.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <stdio.h>
#include <unistd.h>

#include "zpscan/constraints.h"
#include "zpscan/h5out.h"

uint64_t zp_fnv1a(uint64_t h, const void *buf, size_t len)
{
    const unsigned char *p = buf;
    for (size_t i = 0; i < len; ++i) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

#define FNV(h, x) ((h) = zp_fnv1a((h), &(x), sizeof(x)))

uint64_t zp_preflight_fingerprint(const zp_config *c, const zp_grid *g, const zp_lumi_table *lt,
                                  const zp_limit_table *lim)
{
    uint64_t h = ZP_FNV_INIT;
    int fv = ZP_FORMAT_VERSION;
    FNV(h, fv);
    /* the vocabulary: a build with other constraints does not resume this file */
    for (int b = 0; b < ZP_NBITS; ++b) h = zp_fnv1a(h, zp_bit_names[b], strlen(zp_bit_names[b]) + 1);
    for (int k = 0; k < ZP_NOBS; ++k) h = zp_fnv1a(h, zp_obs_names[k], strlen(zp_obs_names[k]) + 1);
    for (int d = 0; d < ZP_NAXES; ++d) {
        FNV(h, g->n[d]);
        FNV(h, g->tile[d]);
        h = zp_fnv1a(h, g->v[d], (size_t)g->n[d] * sizeof(double));
    }
    int lep = (int)c->lepton;
    FNV(h, lep);
    h = zp_fnv1a(h, &c->k, sizeof c->k); /* all doubles: no padding */
    /* the constraints' settings and data as parsed and loaded (the struct is zeroed before it
     * is filled, so its padding hashes the same everywhere); not where the data files are: the
     * same numbers named by another path (another working directory at --resume) are the same
     * scan, and the numbers are in cc or hashed below */
    zp_constraint_cfgs cc;
    memcpy(&cc, &c->cc, sizeof cc); /* padding too (an assignment need not copy it) */
    zp_constraints_unpath(&cc);
    h = zp_fnv1a(h, &cc, sizeof cc);
    if (c->cc.lhc.enabled) {
        FNV(h, lt->n);
        h = zp_fnv1a(h, lt->mass, (size_t)lt->n * sizeof(double));
        h = zp_fnv1a(h, lt->lumi_bs, (size_t)lt->n * sizeof(double));
        h = zp_fnv1a(h, lt->acc, (size_t)lt->n * sizeof(double));
        FNV(h, lt->sqrts);
        FNV(h, lim->nm);
        FNV(h, lim->nw);
        /* widths and each row zero-padded to 64 columns: the layout of the fixed-size table
         * this hash was first defined on, so scans begun by earlier builds still resume */
        const int wpad = lim->nw > 64 ? lim->nw : 64;
        const double zero = 0.0;
        for (int k = 0; k < wpad; ++k) h = zp_fnv1a(h, k < lim->nw ? &lim->width[k] : &zero, sizeof zero);
        h = zp_fnv1a(h, lim->mass, (size_t)lim->nm * sizeof(double));
        for (int i = 0; i < lim->nm; ++i)
            for (int k = 0; k < wpad; ++k)
                h = zp_fnv1a(h, k < lim->nw ? &ZP_LIMIT(lim, i, k) : &zero, sizeof zero);
    }
    FNV(h, c->store_points);
    h = zp_fnv1a(h, c->store_obs, sizeof c->store_obs);
    FNV(h, c->combine);
    FNV(h, c->nproj);
    h = zp_fnv1a(h, c->proj, (size_t)c->nproj * sizeof c->proj[0]);
    return h;
}

static int file_exists(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0;
}

/* After a failed write: say so when the file system is (nearly) full. */
/* The directory holding `path` ("." for a bare name, "/" for a file in the root). */
static void parent_dir(const char *path, char *dir, size_t len)
{
    snprintf(dir, len, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash) snprintf(dir, len, ".");
    else if (slash == dir) snprintf(dir, len, "/");
    else *slash = '\0';
}

static const char *disk_full_hint(const char *path)
{
    char dir[ZP_PATH_MAX];
    parent_dir(path, dir, sizeof dir);
    struct statvfs vf;
    if (statvfs(dir, &vf) != 0) return "";
    if (vf.f_flag & ST_RDONLY) return " (the file system is read-only)";
    if ((uint64_t)vf.f_bavail * vf.f_frsize < (4u << 20)) return " (the file system is full)";
    return "";
}

void zp_preflight_io_error(const char *partial, const char *what)
{
    char pre[ZP_PATH_MAX + 128];
    snprintf(pre, sizeof pre, "%s: %s%s", partial, what, disk_full_hint(partial));
    zp_err_prefix(pre);
}

/* What stands at path, for a message ("a directory", ...); NULL for a regular file. */
static const char *kind_of(const struct stat *sb)
{
    if (S_ISREG(sb->st_mode)) return NULL;
    if (S_ISLNK(sb->st_mode)) return "a symbolic link";
    if (S_ISDIR(sb->st_mode)) return "a directory";
    if (S_ISFIFO(sb->st_mode)) return "a FIFO";
    if (S_ISCHR(sb->st_mode)) return "a character device";
    if (S_ISBLK(sb->st_mode)) return "a block device";
    if (S_ISSOCK(sb->st_mode)) return "a socket";
    return "not a regular file";
}

/* --overwrite removes only what zpscan made: a regular file with zpscan's root attributes. */
static zp_status replaceable_result(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) != 0) return ZP_OK; /* nothing there */
    const char *kind = kind_of(&sb);
    if (kind) ZP_FAIL(ZP_EINPUT, "%s: is %s, not a zpscan result: --overwrite replaces only those", path, kind);
    int isz, complete;
    zp_h5_probe(path, &isz, &complete, NULL, 0);
    if (!isz)
        ZP_FAIL(ZP_EINPUT, "%s: is not a zpscan result (no zpscan root attributes): --overwrite replaces only "
                "those", path);
    return ZP_OK;
}

/* PATH.creating is the file a killed scan was laying out: removed and made again when it is
 * a regular file that is empty, begins as HDF5 does, or whose first bytes were never written
 * (the ranks' data can reach the disk before the superblock); anything else is not ours. */
static zp_status replaceable_creating(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) != 0) return ZP_OK;
    const char *kind = kind_of(&sb);
    if (kind) ZP_FAIL(ZP_EINPUT, "%s: is %s, where zpscan lays out a new file; remove it", path, kind);
    if (sb.st_size == 0) return ZP_OK;
    static const unsigned char sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    unsigned char head[8] = {0};
    FILE *f = fopen(path, "rb");
    const size_t n = f ? fread(head, 1, sizeof head, f) : 0;
    if (f) fclose(f);
    static const unsigned char unwritten[8] = {0}; /* MPI-IO wrote data before the superblock */
    if (n != sizeof head || (memcmp(head, sig, sizeof sig) != 0 && memcmp(head, unwritten, sizeof head) != 0))
        ZP_FAIL(ZP_EINPUT, "%s: exists and is not a file zpscan began (not HDF5); remove it", path);
    return ZP_OK;
}

/* The run record PATH.json is written at the end: only over nothing or a record of ours. */
static zp_status replaceable_record(const char *final)
{
    char json[ZP_PATH_MAX + 16];
    snprintf(json, sizeof json, "%s.json", final);
    struct stat sb;
    if (lstat(json, &sb) != 0) return ZP_OK;
    const char *kind = kind_of(&sb);
    if (kind) ZP_FAIL(ZP_EINPUT, "%s: is %s, where the run record would go; remove it or choose another -o", json, kind);
    char head[512] = "";
    FILE *f = fopen(json, "r");
    size_t n = f ? fread(head, 1, sizeof head - 1, f) : 0;
    if (f) fclose(f);
    head[n] = '\0';
    if (!strstr(head, "\"zpscan_version\""))
        ZP_FAIL(ZP_EINPUT, "%s: exists and is not a zpscan run record; remove it or choose another -o", json);
    return ZP_OK;
}

zp_status zp_preflight_output(const zp_config *c, const zp_out_policy *o, const char *final,
                              const char *partial, uint64_t est, uint64_t fp, zp_out_mode *mode)
{
    *mode = ZP_OUT_NEW;
    /* the longest name zpscan makes is PATH.creating: it and its file name must be legal */
    const char *base = strrchr(final, '/') ? strrchr(final, '/') + 1 : final;
    if (!*base) ZP_FAIL(ZP_EINPUT, "%s: the output names a directory, not a file", final);
    if (strlen(base) + strlen(".creating") > NAME_MAX)
        ZP_FAIL(ZP_EINPUT, "%s: the file name has %zu characters; with zpscan's suffixes (.creating, .partial, "
                ".json) it must stay within %d, so at most %zu", final, strlen(base), NAME_MAX,
                (size_t)NAME_MAX - strlen(".creating"));
    if (strlen(final) + strlen(".creating") >= ZP_PATH_MAX)
        ZP_FAIL(ZP_EINPUT, "%s: the output path is too long (at most %zu characters)", final,
                (size_t)ZP_PATH_MAX - 1 - strlen(".creating"));
    int fin = file_exists(final), part = file_exists(partial);
    if (o->resume) {
        if (part) {
            *mode = ZP_OUT_RESUME;
        } else if (fin) {
            int isz, complete;
            char have[64], want[32];
            zp_h5_probe(final, &isz, &complete, have, sizeof have);
            if (!isz || !complete)
                ZP_FAIL(ZP_EINPUT, "%s: exists but is not a complete zpscan result; nothing to resume", final);
            snprintf(want, sizeof want, "%016" PRIx64, fp);
            if (strcmp(have, want) == 0) {
                *mode = ZP_OUT_COMPLETE;
                return ZP_OK;
            }
            ZP_FAIL(ZP_EINPUT, "%s: a finished scan of another input, grid or data (fingerprint %s, this input "
                    "%s): not resumed; replace it with --overwrite (not --resume), or choose another -o", final,
                    have[0] ? have : "none", want);
        }
    }
    if (o->overwrite) { /* main refuses --overwrite with --resume */
        ZP_TRY(replaceable_result(final));
        ZP_TRY(replaceable_result(partial));
    } else if (!o->resume) {
        if (fin)
            ZP_FAIL(ZP_EINPUT, "%s: output exists (use --overwrite to replace it, --resume to continue)", final);
        if (part)
            ZP_FAIL(ZP_EINPUT, "%s: an interrupted scan is there (use --resume to continue it, --overwrite to start again)",
                    partial);
    }
    ZP_TRY(replaceable_record(final));
    if (*mode == ZP_OUT_NEW) { /* PATH.creating is removed before the file is laid out there */
        char creating[ZP_PATH_MAX + 16];
        snprintf(creating, sizeof creating, "%s.creating", final);
        ZP_TRY(replaceable_creating(creating));
    }
    /* the directory must be writable */
    char dir[ZP_PATH_MAX];
    parent_dir(final, dir, sizeof dir);
    if (access(dir, W_OK) != 0)
        ZP_FAIL(ZP_EINPUT, "%s: output directory %s is not writable: %s", final, dir, strerror(errno));
    if (*mode == ZP_OUT_NEW && !o->force) {
        struct statvfs vf;
        if (statvfs(dir, &vf) == 0) {
            uint64_t avail = (uint64_t)vf.f_bavail * (uint64_t)vf.f_frsize;
            if (est > avail)
                ZP_FAIL(ZP_ESPACE, "%s: the result needs about %.3g GB but %s has %.3g GB free "
                        "(shrink the grid or observables, or --force)", final, est / 1e9, dir, avail / 1e9);
        }
        if (c->max_output_bytes > 0 && est > c->max_output_bytes)
            ZP_FAIL(ZP_ESPACE, "%s: the result needs about %.3g GB, over [scan] max_output_bytes = %.3g GB "
                    "(or --force)", final, est / 1e9, (double)c->max_output_bytes / 1e9);
    }
    return ZP_OK;
}

