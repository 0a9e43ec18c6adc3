#include "zpscan/error.h"

#include <hdf5.h>
#include <stdio.h>
#include <string.h>

static char g_msg[1024];
static zp_status g_status = ZP_OK;

void zp_err_set(zp_status st, const char *fmt, ...)
{
    if (g_status != ZP_OK) return; /* keep the root cause */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g_msg, sizeof g_msg, fmt, ap);
    va_end(ap);
    /* one-line messages: fold any newline a library put in */
    for (char *p = g_msg; *p; ++p)
        if (*p == '\n' || *p == '\r') *p = ' ';
    g_status = st;
}

void zp_err_prefix(const char *prefix)
{
    if (g_status == ZP_OK) return;
    char tmp[2 * sizeof g_msg];
    snprintf(tmp, sizeof tmp, "%s: %s", prefix, g_msg);
    size_t n = strlen(tmp);
    if (n >= sizeof g_msg) n = sizeof g_msg - 1; /* truncate: the prefix and cause come first */
    memcpy(g_msg, tmp, n);
    g_msg[n] = '\0';
}

const char *zp_err_msg(void) { return g_status == ZP_OK ? "no error" : g_msg; }
zp_status zp_err_status(void) { return g_status; }
void zp_err_clear(void) { g_status = ZP_OK; g_msg[0] = '\0'; }

const char *zp_status_name(zp_status st)
{
    switch (st) {
    case ZP_OK: return "ok";
    case ZP_EINPUT: return "input error";
    case ZP_EIO: return "I/O error";
    case ZP_ENOMEM: return "out of memory";
    case ZP_EMPI: return "MPI error";
    case ZP_ENUM: return "numerical error";
    case ZP_ESPACE: return "insufficient space";
    case ZP_EINTR: return "interrupted";
    case ZP_EINTERNAL: return "internal error";
    }
    return "unknown error";
}

int zp_status_exit_code(zp_status st)
{
    switch (st) {
    case ZP_OK: return 0;
    case ZP_EINPUT:
    case ZP_ESPACE: return 2;
    case ZP_EINTR: return 4;
    default: return 3;
    }
}

/* Walk callback: keep the innermost (first) entry, the one that says what went wrong. */
static herr_t walk_cb(unsigned n, const H5E_error2_t *e, void *data)
{
    if (n == 0) snprintf((char *)data, 256, "%s (%s)", e->desc ? e->desc : "?", e->func_name ? e->func_name : "?");
    return 0;
}

const char *zp_h5_errstr(void)
{
    static char buf[256];
    snprintf(buf, sizeof buf, "no HDF5 error detail");
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, walk_cb, buf); /* innermost first: the real cause */
    return buf;
}
