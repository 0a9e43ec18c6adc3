/* zpscan error codes, messages and checked-call macros.
 * Library code returns zp_status and never exits; only main decides to abort. */
#ifndef ZPSCAN_ERROR_H
#define ZPSCAN_ERROR_H

#include <stdarg.h>

typedef enum {
    ZP_OK = 0,
    ZP_EINPUT,     /* bad configuration or data file: exit code 2 */
    ZP_EIO,        /* file system / HDF5 / MPI-IO failure */
    ZP_ENOMEM,
    ZP_EMPI,
    ZP_ENUM,       /* numerical failure (GSL) */
    ZP_ESPACE,     /* not enough disk space / over the size cap: exit code 2 */
    ZP_EINTR,      /* interrupted by a signal, resumable state left behind */
    ZP_EINTERNAL
} zp_status;

/* Record the first error of this process (later ones are dropped so the root cause
 * survives): "file:line: message". zp_err_msg() returns it, zp_err_clear() resets it. */
void zp_err_set(zp_status st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *zp_err_msg(void);
/* Put context (e.g. the file being written) in front of the recorded message. */
void zp_err_prefix(const char *prefix);
zp_status zp_err_status(void);
void zp_err_clear(void);
const char *zp_status_name(zp_status st);
/* Process exit code for a status: 0 ok, 2 input/space, 3 runtime, 4 interrupted. */
int zp_status_exit_code(zp_status st);

/* Propagate a non-OK status to the caller. */
#define ZP_TRY(expr)                                                         \
    do {                                                                     \
        zp_status zp_try_st_ = (expr);                                       \
        if (zp_try_st_ != ZP_OK) return zp_try_st_;                          \
    } while (0)

/* MPI calls: on failure record MPI's own error string, return ZP_EMPI. */
#define ZP_MPI(call)                                                         \
    do {                                                                     \
        int zp_mpi_rc_ = (call);                                             \
        if (zp_mpi_rc_ != MPI_SUCCESS) {                                     \
            char zp_mpi_s_[MPI_MAX_ERROR_STRING]; int zp_mpi_l_ = 0;         \
            MPI_Error_string(zp_mpi_rc_, zp_mpi_s_, &zp_mpi_l_);             \
            zp_err_set(ZP_EMPI, "%s:%d: %s failed: %s", __FILE__, __LINE__,  \
                       #call, zp_mpi_s_);                                    \
            return ZP_EMPI;                                                  \
        }                                                                    \
    } while (0)

/* HDF5 calls returning herr_t or hid_t: negative means failure. The HDF5 error
 * stack's innermost message is appended by zp_h5_errstr(). */
const char *zp_h5_errstr(void);
#define ZP_H5(call)                                                          \
    do {                                                                     \
        if ((call) < 0) {                                                    \
            zp_err_set(ZP_EIO, "%s:%d: %s failed: %s", __FILE__, __LINE__,   \
                       #call, zp_h5_errstr());                               \
            return ZP_EIO;                                                   \
        }                                                                    \
    } while (0)
/* Same, assigning a hid_t result. */
#define ZP_H5ID(var, call)                                                   \
    do {                                                                     \
        (var) = (call);                                                      \
        if ((var) < 0) {                                                     \
            zp_err_set(ZP_EIO, "%s:%d: %s failed: %s", __FILE__, __LINE__,   \
                       #call, zp_h5_errstr());                               \
            return ZP_EIO;                                                   \
        }                                                                    \
    } while (0)

/* GSL calls (after gsl_set_error_handler_off()). */
#define ZP_GSL(call)                                                         \
    do {                                                                     \
        int zp_gsl_rc_ = (call);                                             \
        if (zp_gsl_rc_ != 0) {                                               \
            zp_err_set(ZP_ENUM, "%s:%d: %s failed: %s", __FILE__, __LINE__,  \
                       #call, gsl_strerror(zp_gsl_rc_));                     \
            return ZP_ENUM;                                                  \
        }                                                                    \
    } while (0)

/* Fail with a formatted message. */
#define ZP_FAIL(st, ...)                                                     \
    do { zp_err_set((st), __VA_ARGS__); return (st); } while (0)

/* the longest path zpscan takes (the output with its suffixes must fit) */
#define ZP_PATH_MAX 4096

#endif
