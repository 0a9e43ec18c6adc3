/* One writer per output: PATH.lock, created with O_CREAT | O_EXCL (atomic on local file
 * systems, NFSv3+ and Lustre; no reliance on flock/fcntl locks), holding "host pid job
 * start". A lock is stale when its holder ran on this host and is gone, or when it has not
 * been refreshed for ZP_LOCK_STALE_SECONDS (the holder refreshes it every round), so a
 * killed job never blocks --resume for ever. Rank 0 only. */
#ifndef ZPSCAN_LOCK_H
#define ZPSCAN_LOCK_H

#include "zpscan/error.h"

#define ZP_LOCK_STALE_SECONDS 600

typedef struct {
    char path[ZP_PATH_MAX + 16];
    int held;
    double last_touch;
} zp_lock;

/* Take the lock of `output` (the result's path), or ZP_EINPUT naming the holder. */
zp_status zp_lock_acquire(zp_lock *l, const char *output);
/* Refresh it (at most every few seconds; cheap to call each round). */
void zp_lock_touch(zp_lock *l, double now);
/* Give it up (no-op when not held). */
void zp_lock_release(zp_lock *l);

#endif
