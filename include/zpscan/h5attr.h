/* Small HDF5 helpers of the result file: attributes (all collective in a parallel file: the
 * same arguments on every rank) and datasets allocated at creation. Every call is checked. */
#ifndef ZPSCAN_H5ATTR_H
#define ZPSCAN_H5ATTR_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

#include "zpscan/error.h"

zp_status zp_h5a_str(hid_t loc, const char *name, const char *value);
zp_status zp_h5a_strs(hid_t loc, const char *name, const char *const *values, int n);
zp_status zp_h5a_num(hid_t loc, const char *name, hid_t type, const void *v, int n);
zp_status zp_h5a_f64(hid_t loc, const char *name, double v);
zp_status zp_h5a_i64(hid_t loc, const char *name, int64_t v);
zp_status zp_h5a_read_i64(hid_t loc, const char *name, int64_t *v);
zp_status zp_h5a_read_str(hid_t loc, const char *name, char *buf, size_t len);

/* A dataset allocated now, never filled (chunk may be NULL: contiguous). */
zp_status zp_h5_make_dset(hid_t loc, const char *name, hid_t type, int rank, const hsize_t *dims,
                          const hsize_t *chunk, hid_t *out);
/* The whole dataset into buf (every rank). */
zp_status zp_h5_read_whole(hid_t d, hid_t memtype, void *buf);

#endif
