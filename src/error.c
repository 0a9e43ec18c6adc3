#include "zpscan/error.h"

#include <hdf5.h>
#include <stdio.h>
#include <string.h>

static char g_msg[1024];
static zp_status g_status = ZP_OK;

/* Messages quote what users wrote: newlines fold to spaces (one line), other control bytes
 * (a terminal escape in an input value) are printed as \xNN, never raw. */
static void sanitize(char *dst, size_t cap, const char *src)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)src; *p && n + 5 < cap; ++p) {
        if (*p == '\n' || *p == '\r' || *p == '\t') dst[n++] = ' ';
        else if (*p < 0x20 || *p == 0x7f) n += (size_t)snprintf(dst + n, cap - n, "\\x%02x", *p);
        else dst[n++] = (char)*p;
    }
    dst[n] = '\0';
}

void zp_err_set(zp_status st, const char *fmt, ...)
{
    if (g_status != ZP_OK) return; /* keep the root cause */
    char raw[sizeof g_msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    sanitize(g_msg, sizeof g_msg, raw);
    g_status = st;
}

void zp_err_prefix(const char *prefix)
{
    if (g_status == ZP_OK) return;
    char tmp[2 * sizeof g_msg + 8], clean[sizeof g_msg];
    sanitize(clean, sizeof clean, prefix);
    snprintf(tmp, sizeof tmp, "%s: %s", clean, g_msg);
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
