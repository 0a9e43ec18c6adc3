/* Early writeback of a file that MPI-IO writes: tile data otherwise sit in the page cache
 * (and in a VM, in the host's cache) until the checkpoint's flush, which then waits for all
 * of them at once while nothing computes. A hint only: every failure is ignored, and
 * durability still comes from the checkpoint's H5Fflush.
 *
 * Modes (ZPSCAN_WRITEBACK): "flush" (default) — a helper thread calls fdatasync on its own
 * read-only descriptor after every `every` bytes written, so the device (and a hypervisor's
 * write cache) drains while the ranks compute; the thread only waits on the disk, it costs
 * no CPU to speak of and makes no MPI or HDF5 call. "start" — sync_file_range(WRITE) in the
 * caller's thread: starts the kernel's writeback but flushes no device cache. "0" — off. */
#ifndef ZPSCAN_WRITEBACK_H
#define ZPSCAN_WRITEBACK_H

#include <stdint.h>

typedef enum { ZP_WB_OFF = 0, ZP_WB_START, ZP_WB_FLUSH } zp_wb_mode;

typedef struct zp_wb zp_wb;

/* The mode named by ZPSCAN_WRITEBACK (unset: ZP_WB_FLUSH; unknown values: ZP_WB_FLUSH). */
zp_wb_mode zp_wb_mode_from_env(void);

/* NULL when off or when anything fails (no writeback then, nothing else changes). */
zp_wb *zp_wb_open(const char *path, zp_wb_mode mode, int64_t every);

/* `bytes` more were written by this process. Never blocks on the disk in ZP_WB_FLUSH mode. */
void zp_wb_note(zp_wb *w, int64_t bytes);

/* Flushes (or hints) requested so far, and flushes the helper has completed (ZP_WB_FLUSH). */
int64_t zp_wb_count(const zp_wb *w);
int64_t zp_wb_flushes(zp_wb *w);

/* Stops the helper (waiting for a flush in progress) and closes the descriptor. NULL is fine. */
void zp_wb_close(zp_wb *w);

#endif
