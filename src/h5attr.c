/* Attribute and dataset helpers for the result file (include/zpscan/h5attr.h). */
#include "zpscan/h5attr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- small attribute helpers (all collective in a parallel file: same args on every rank) */

zp_status zp_h5a_str(hid_t loc, const char *name, const char *value)
{
    hid_t t, s, a;
    ZP_H5ID(t, H5Tcopy(H5T_C_S1));
    ZP_H5(H5Tset_size(t, H5T_VARIABLE));
    ZP_H5(H5Tset_cset(t, H5T_CSET_UTF8));
    ZP_H5ID(s, H5Screate(H5S_SCALAR));
    if (H5Aexists(loc, name) > 0) {
        ZP_H5ID(a, H5Aopen(loc, name, H5P_DEFAULT));
    } else {
        ZP_H5ID(a, H5Acreate2(loc, name, t, s, H5P_DEFAULT, H5P_DEFAULT));
    }
    const char *v = value ? value : "";
    ZP_H5(H5Awrite(a, t, &v));
    ZP_H5(H5Aclose(a));
    ZP_H5(H5Sclose(s));
    ZP_H5(H5Tclose(t));
    return ZP_OK;
}

zp_status zp_h5a_strs(hid_t loc, const char *name, const char *const *values, int n)
{
    hid_t t, s, a;
    hsize_t dim = (hsize_t)n;
    ZP_H5ID(t, H5Tcopy(H5T_C_S1));
    ZP_H5(H5Tset_size(t, H5T_VARIABLE));
    ZP_H5(H5Tset_cset(t, H5T_CSET_UTF8));
    ZP_H5ID(s, H5Screate_simple(1, &dim, NULL));
    ZP_H5ID(a, H5Acreate2(loc, name, t, s, H5P_DEFAULT, H5P_DEFAULT));
    ZP_H5(H5Awrite(a, t, values));
    ZP_H5(H5Aclose(a));
    ZP_H5(H5Sclose(s));
    ZP_H5(H5Tclose(t));
    return ZP_OK;
}

zp_status zp_h5a_num(hid_t loc, const char *name, hid_t type, const void *v, int n)
{
    hid_t s, a;
    hsize_t dim = (hsize_t)n;
    ZP_H5ID(s, n == 1 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dim, NULL));
    if (H5Aexists(loc, name) > 0) {
        ZP_H5ID(a, H5Aopen(loc, name, H5P_DEFAULT));
    } else {
        ZP_H5ID(a, H5Acreate2(loc, name, type, s, H5P_DEFAULT, H5P_DEFAULT));
    }
    ZP_H5(H5Awrite(a, type, v));
    ZP_H5(H5Aclose(a));
    ZP_H5(H5Sclose(s));
    return ZP_OK;
}

zp_status zp_h5a_f64(hid_t loc, const char *name, double v)
{
    return zp_h5a_num(loc, name, H5T_NATIVE_DOUBLE, &v, 1);
}
zp_status zp_h5a_i64(hid_t loc, const char *name, int64_t v)
{
    return zp_h5a_num(loc, name, H5T_NATIVE_INT64, &v, 1);
}

zp_status zp_h5a_read_i64(hid_t loc, const char *name, int64_t *v)
{
    hid_t a;
    ZP_H5ID(a, H5Aopen(loc, name, H5P_DEFAULT));
    ZP_H5(H5Aread(a, H5T_NATIVE_INT64, v));
    ZP_H5(H5Aclose(a));
    return ZP_OK;
}

zp_status zp_h5a_read_str(hid_t loc, const char *name, char *buf, size_t len)
{
    hid_t a, t, ft;
    ZP_H5ID(a, H5Aopen(loc, name, H5P_DEFAULT));
    ZP_H5ID(ft, H5Aget_type(a));
    if (H5Tis_variable_str(ft) <= 0) {
        H5Tclose(ft);
        H5Aclose(a);
        ZP_FAIL(ZP_EIO, "attribute %s is not a variable-length string", name);
    }
    ZP_H5ID(t, H5Tcopy(H5T_C_S1));
    ZP_H5(H5Tset_size(t, H5T_VARIABLE));
    ZP_H5(H5Tset_cset(t, H5T_CSET_UTF8));
    char *v = NULL;
    ZP_H5(H5Aread(a, t, &v));
    snprintf(buf, len, "%s", v ? v : "");
    H5free_memory(v);
    ZP_H5(H5Tclose(t));
    ZP_H5(H5Tclose(ft));
    ZP_H5(H5Aclose(a));
    return ZP_OK;
}

/* ---- datasets */

/* A dataset allocated now, never filled: all metadata exists before the first tile. */
zp_status zp_h5_make_dset(hid_t loc, const char *name, hid_t type, int rank, const hsize_t *dims,
                           const hsize_t *chunk, hid_t *out)
{
    hid_t s, dcpl;
    ZP_H5ID(s, H5Screate_simple(rank, dims, NULL));
    ZP_H5ID(dcpl, H5Pcreate(H5P_DATASET_CREATE));
    if (chunk) ZP_H5(H5Pset_chunk(dcpl, rank, chunk));
    ZP_H5(H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY));
    ZP_H5(H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER));
    ZP_H5(H5Pset_obj_track_times(dcpl, 0));
    ZP_H5ID(*out, H5Dcreate2(loc, name, type, s, H5P_DEFAULT, dcpl, H5P_DEFAULT));
    ZP_H5(H5Pclose(dcpl));
    ZP_H5(H5Sclose(s));
    return ZP_OK;
}

zp_status zp_h5_read_whole(hid_t d, hid_t memtype, void *buf)
{
    ZP_H5(H5Dread(d, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf));
    return ZP_OK;
}

