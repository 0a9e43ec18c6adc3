/* Before a scan writes anything (rank 0): what is at the output path, whether it may be
 * written and has room, and the fingerprint that ties a file to its input. */
#ifndef ZPSCAN_PREFLIGHT_H
#define ZPSCAN_PREFLIGHT_H

#include <stddef.h>
#include <stdint.h>

#include "zpscan/config.h"
#include "zpscan/error.h"
#include "zpscan/grid.h"
#include "zpscan/lhc.h"

typedef enum { ZP_OUT_NEW = 0, ZP_OUT_RESUME, ZP_OUT_COMPLETE } zp_out_mode;

typedef struct {
    int resume, overwrite, force;
} zp_out_policy;

/* Decide what the scan does with `final` and `partial` (est: the result's size estimate, fp:
 * this input's fingerprint). A finished result is "complete" only when its fingerprint is
 * fp; --overwrite replaces only regular files that are zpscan results (and their run record
 * `final`.json only when it is one of ours). */
zp_status zp_preflight_output(const zp_config *c, const zp_out_policy *p, const char *final,
                              const char *partial, uint64_t est, uint64_t fp, zp_out_mode *mode);

/* What the results depend on, field by field (never padding bytes or paths). */
uint64_t zp_preflight_fingerprint(const zp_config *c, const zp_grid *g, const zp_lumi_table *lt,
                                  const zp_limit_table *lim);

/* Prefix the recorded error with "<path>: <what>" and, when the file system holding path is
 * (nearly) full, say so. */
void zp_preflight_io_error(const char *path, const char *what);

/* FNV-1a 64 over the bytes of a buffer, continuing from h (start with ZP_FNV_INIT). */
#define ZP_FNV_INIT 0xcbf29ce484222325ULL
uint64_t zp_fnv1a(uint64_t h, const void *buf, size_t len);

#endif
