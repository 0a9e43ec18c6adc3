#include "zpscan/h5out.h"

#include "zpscan/constraints.h"

#include <hdf5_hl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "zpscan/h5attr.h"
#include "zpscan/writeback.h"

/* Collective write of a whole small dataset from rank 0's buffer (others select none). */
static zp_status write_whole(zp_h5 *h, hid_t d, hid_t memtype, const void *buf)
{
    hid_t fs, ms;
    ZP_H5ID(fs, H5Dget_space(d));
    ZP_H5ID(ms, H5Scopy(fs));
    if (h->rank != 0) {
        ZP_H5(H5Sselect_none(fs));
        ZP_H5(H5Sselect_none(ms));
    }
    ZP_H5(H5Dwrite(d, memtype, ms, fs, h->dxpl_coll, buf));
    ZP_H5(H5Sclose(ms));
    ZP_H5(H5Sclose(fs));
    return ZP_OK;
}

/* Independent write of a whole dataset (rank 0 only, state slots). */
static zp_status write_indep(zp_h5 *h, hid_t d, hid_t memtype, const void *buf)
{
    ZP_H5(H5Dwrite(d, memtype, H5S_ALL, H5S_ALL, h->dxpl_indep, buf));
    return ZP_OK;
}

uint64_t zp_h5_estimate_bytes(const zp_config *c, const zp_grid *g, const zp_acc *acc)
{
    uint64_t per_point = 0;
    if (c->store_points) {
        per_point = sizeof(zp_mask);
        for (int k = 0; k < ZP_NOBS; ++k)
            if (c->store_obs[k]) per_point += 4;
    }
    uint64_t bytes = per_point * (uint64_t)g->npoints + 2u * (uint64_t)g->ntiles;
    for (int p = 0; p < acc->nproj; ++p)
        bytes += (uint64_t)acc->def[p].ncell * (2u * (ZP_NBITS * 8 + ZP_NPMIN * 8) + ZP_NBITS * 9 + ZP_NPMIN * 8);
    for (int d = 0; d < ZP_NAXES; ++d) bytes += 8u * (uint64_t)g->n[d];
    return bytes + (1u << 20); /* metadata */
}

static zp_status make_fapl(MPI_Comm comm, hid_t *fapl)
{
    MPI_Info info;
    ZP_MPI(MPI_Info_create(&info));
    ZP_H5ID(*fapl, H5Pcreate(H5P_FILE_ACCESS));
    ZP_H5(H5Pset_fapl_mpio(*fapl, comm, info));
    ZP_MPI(MPI_Info_free(&info));
    /* metadata reads/writes by all ranks together: no rank-0 bottleneck, no lost updates */
    ZP_H5(H5Pset_all_coll_metadata_ops(*fapl, 1));
    ZP_H5(H5Pset_coll_metadata_write(*fapl, 1));
    /* Large objects start on stripe-friendly boundaries. The threshold stays above the
     * chunk size, or every tile chunk would be padded to the alignment (measured: a
     * 126 KiB chunk padded to 1 MiB doubled the file). ZPSCAN_H5_ALIGN="threshold,alignment"
     * overrides (bytes) for I/O tuning. */
    hsize_t thr = 16u << 20, al = 1u << 20;
    const char *env = getenv("ZPSCAN_H5_ALIGN");
    if (env) {
        unsigned long long a = 0, b = 0;
        if (sscanf(env, "%llu,%llu", &a, &b) == 2 && b > 0) { thr = a; al = b; }
    }
    ZP_H5(H5Pset_alignment(*fapl, thr, al));
    return ZP_OK;
}

static zp_status make_dxpls(zp_h5 *h)
{
    /* tile writes: independent by default (each tile is one whole chunk, so collective
     * buffering has nothing to merge, and a collective per dataset per round makes every rank
     * wait for the slowest: measured in BENCHMARKS.md §3); ZPSCAN_H5_TILE_IO=collective */
    const char *e = getenv("ZPSCAN_H5_TILE_IO");
    h->tile_indep = !(e && strcmp(e, "collective") == 0);
    ZP_H5ID(h->dxpl_coll, H5Pcreate(H5P_DATASET_XFER));
    ZP_H5(H5Pset_dxpl_mpio(h->dxpl_coll, H5FD_MPIO_COLLECTIVE));
    ZP_H5ID(h->dxpl_indep, H5Pcreate(H5P_DATASET_XFER));
    ZP_H5(H5Pset_dxpl_mpio(h->dxpl_indep, H5FD_MPIO_INDEPENDENT));
    return ZP_OK;
}

static void handle_reset(zp_h5 *h, MPI_Comm comm)
{
    memset(h, 0, sizeof *h);
    h->comm = comm;
    h->file = h->dxpl_coll = h->dxpl_indep = H5I_INVALID_HID;
    h->d_pass = h->d_header = H5I_INVALID_HID;
    for (int k = 0; k < ZP_NOBS; ++k) h->d_obs[k] = H5I_INVALID_HID;
    for (int s = 0; s < 2; ++s) {
        h->d_done[s] = h->d_counts[s] = H5I_INVALID_HID;
        for (int p = 0; p < ZP_MAX_PROJ; ++p) h->d_pcount[s][p] = h->d_pmin[s][p] = H5I_INVALID_HID;
    }
    h->slot = -1;
}

/* a fresh handle: no HDF5 object open yet, the scan's layout from c, g and the projections */
static zp_status handle_init(zp_h5 *h, MPI_Comm comm, const zp_config *c, const zp_grid *g, const zp_acc *acc)
{
    handle_reset(h, comm);
    ZP_MPI(MPI_Comm_rank(comm, &h->rank));
    h->store_points = c->store_points;
    memcpy(h->store_obs, c->store_obs, sizeof h->store_obs);
    h->ntiles = g->ntiles;
    h->nproj = acc->nproj;
    for (int p = 0; p < acc->nproj; ++p) h->proj_ncell[p] = acc->def[p].ncell;
    return ZP_OK;
}

/* Early writeback (include/zpscan/writeback.h): every 16 MiB a rank writes, the disk is
 * asked to drain while the ranks compute (measured in BENCHMARKS.md). */
enum { ZP_WB_BYTES = 16 << 20 };

static void writeback_open(zp_h5 *h, const char *path)
{
    zp_wb_mode mode = zp_wb_mode_from_env();
    int level = MPI_THREAD_SINGLE;
    /* a second thread is only allowed if MPI was told (main asks for FUNNELED) */
    if (mode == ZP_WB_FLUSH && (MPI_Query_thread(&level) != MPI_SUCCESS || level < MPI_THREAD_FUNNELED))
        mode = ZP_WB_START;
    if (h->store_points) h->wb = zp_wb_open(path, mode, ZP_WB_BYTES);
}

static zp_status slot_names(int s, int p, char *buf, size_t len, const char *what)
{
    if (p < 0) snprintf(buf, len, "/state/slot%d/%s", s, what);
    else snprintf(buf, len, "/state/slot%d/%s_%d", s, what, p);
    return ZP_OK;
}

zp_status zp_h5_create(MPI_Comm comm, const char *path, const zp_config *c, const zp_grid *g,
                       const zp_model *m, const zp_acc *acc, const zp_h5_meta *meta,
                       uint64_t fingerprint, zp_h5 *h)
{
    ZP_TRY(handle_init(h, comm, c, g, acc));

    hid_t fapl, grp, sub;
    ZP_TRY(make_fapl(comm, &fapl));
    h->file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    H5Pclose(fapl);
    if (h->file < 0) ZP_FAIL(ZP_EIO, "%s: cannot create the output file: %s", path, zp_h5_errstr());
    writeback_open(h, path);
    ZP_TRY(make_dxpls(h));
    hid_t f = h->file;

    /* root attributes: what a physicist needs to read the file without our code */
    ZP_TRY(zp_h5a_str(f, "format", "zpscan result"));
    ZP_TRY(zp_h5a_i64(f, "format_version", ZP_FORMAT_VERSION));
    ZP_TRY(zp_h5a_str(f, "zpscan_version", meta->zpscan_version));
    ZP_TRY(zp_h5a_str(f, "build", meta->build_info));
    char ts[64];
    time_t now = time(NULL);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    ZP_TRY(zp_h5a_str(f, "created", ts));
    ZP_TRY(zp_h5a_str(f, "finished", ""));
    ZP_TRY(zp_h5a_i64(f, "nranks", meta->nranks));
    ZP_TRY(zp_h5a_str(f, "lepton", zp_lepton_name(c->lepton)));
    ZP_TRY(zp_h5a_str(f, "input_path", c->input_path));
    ZP_TRY(zp_h5a_str(f, "input_text", meta->input_text));
    ZP_TRY(zp_h5a_str(f, "paper", "arXiv:1704.06200 (Di Chiara et al., Nucl. Phys. B 923 (2017) 245)"));
    char fp[32];
    snprintf(fp, sizeof fp, "%016" PRIx64, fingerprint);
    ZP_TRY(zp_h5a_str(f, "fingerprint", fp));
    ZP_TRY(zp_h5a_i64(f, "complete", 0));
    ZP_TRY(zp_h5a_str(f, "run_record", ""));
    ZP_TRY(zp_h5a_i64(f, "npoints", g->npoints));

    /* constants actually used, plus the derived couplings */
    ZP_H5ID(grp, H5Gcreate2(f, "constants", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    const double *kv = (const double *)&c->k;
    for (int i = 0; zp_constant_names[i]; ++i) ZP_TRY(zp_h5a_f64(grp, zp_constant_names[i], kv[i]));
    ZP_TRY(zp_h5a_f64(grp, "derived_g2", m->g2));
    ZP_TRY(zp_h5a_f64(grp, "derived_gprime", m->gprime));
    ZP_TRY(zp_h5a_f64(grp, "derived_cW", m->cW));
    ZP_TRY(zp_h5a_f64(grp, "derived_lepton_mass", m->ml));
    ZP_H5(H5Gclose(grp));

    /* inputs and data provenance */
    ZP_H5ID(grp, H5Gcreate2(f, "inputs", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    ZP_TRY(zp_h5a_str(grp, "data_files", meta->data_info));
    ZP_TRY(zp_constraints_record(grp, c)); /* each constraint's settings and data (its record) */
    {
        const char *names[ZP_NBITS];
        int n = 0;
        for (int b = 0; b < ZP_NBITS; ++b)
            if (c->combine & (1u << b)) names[n++] = zp_bit_names[b];
        ZP_TRY(zp_h5a_strs(grp, "combine", names, n));
        /* which of them enter chi2_total, and which define no likelihood */
        const char *with[ZP_NCONSTRAINTS], *without[ZP_NCONSTRAINTS];
        int nw = 0, nwo = 0;
        for (int k = 0; k < ZP_NCONSTRAINTS; ++k) {
            if (!(c->combine & (1u << zp_constraints[k].pass_bit))) continue;
            if (zp_constraint_defines_chi2(c, k)) with[nw++] = zp_constraints[k].name;
            else without[nwo++] = zp_constraints[k].name;
        }
        ZP_TRY(zp_h5a_strs(grp, "chi2_terms", with, nw));
        ZP_TRY(zp_h5a_strs(grp, "chi2_undefined", without, nwo));
    }
    ZP_H5(H5Gclose(grp));

    /* axes as dimension scales */
    ZP_H5ID(grp, H5Gcreate2(f, "axes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    hid_t axd[ZP_NAXES];
    for (int d = 0; d < ZP_NAXES; ++d) {
        hsize_t n = (hsize_t)g->n[d];
        ZP_TRY(zp_h5_make_dset(grp, zp_axis_names[d], H5T_IEEE_F64LE, 1, &n, NULL, &axd[d]));
        ZP_TRY(write_whole(h, axd[d], H5T_NATIVE_DOUBLE, g->v[d]));
        ZP_TRY(zp_h5a_str(axd[d], "units", zp_axes[d].units));
        ZP_TRY(zp_h5a_str(axd[d], "description", zp_axes[d].description));
        ZP_H5(H5DSset_scale(axd[d], zp_axis_names[d]));
    }
    ZP_H5(H5Gclose(grp));

    /* per-point datasets, chunked exactly as the tiles */
    hsize_t dims[ZP_NAXES], chunk[ZP_NAXES];
    for (int d = 0; d < ZP_NAXES; ++d) {
        dims[d] = (hsize_t)g->n[d];
        chunk[d] = (hsize_t)g->tile[d];
    }
    ZP_H5ID(grp, H5Gcreate2(f, "points", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    if (c->store_points) {
        ZP_TRY(zp_h5_make_dset(grp, "pass", H5T_STD_U32LE, ZP_NAXES, dims, chunk, &h->d_pass));
        for (int d = 0; d < ZP_NAXES; ++d) ZP_H5(H5DSattach_scale(h->d_pass, axd[d], (unsigned)d));
        ZP_TRY(zp_h5a_strs(h->d_pass, "bit_names", zp_bit_names, ZP_NBITS));
        const char *descs[ZP_NBITS];
        for (int b = 0; b < ZP_NBITS; ++b) {
            descs[b] = zp_bits[b].description;
            char an[64];
            snprintf(an, sizeof an, "bit_%s", zp_bit_names[b]);
            ZP_TRY(zp_h5a_i64(h->d_pass, an, b));
        }
        ZP_TRY(zp_h5a_strs(h->d_pass, "bit_descriptions", descs, ZP_NBITS));
        ZP_TRY(zp_h5a_str(h->d_pass, "description",
                        "verdict bitmask per grid point: bit k is set when the test named bit_names[k] passes; "
                        "(pass >> k) & 1"));
        for (int k = 0; k < ZP_NOBS; ++k) {
            if (!c->store_obs[k]) continue;
            ZP_TRY(zp_h5_make_dset(grp, zp_obs_names[k], H5T_IEEE_F32LE, ZP_NAXES, dims, chunk, &h->d_obs[k]));
            for (int d = 0; d < ZP_NAXES; ++d) ZP_H5(H5DSattach_scale(h->d_obs[k], axd[d], (unsigned)d));
            ZP_TRY(zp_h5a_str(h->d_obs[k], "units", zp_obs[k].units));
            ZP_TRY(zp_h5a_str(h->d_obs[k], "description", zp_obs[k].description));
        }
    }
    ZP_TRY(zp_h5a_strs(grp, "dimensions", zp_axis_names, ZP_NAXES));
    {
        int64_t t[ZP_NAXES];
        for (int d = 0; d < ZP_NAXES; ++d) t[d] = g->tile[d];
        ZP_TRY(zp_h5a_num(grp, "tile_shape", H5T_NATIVE_INT64, t, ZP_NAXES));
    }
    ZP_H5(H5Gclose(grp));

    /* summary */
    ZP_H5ID(grp, H5Gcreate2(f, "summary", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    {
        hsize_t nb = ZP_NBITS;
        hid_t ds;
        ZP_TRY(zp_h5_make_dset(grp, "pass_counts", H5T_STD_U64LE, 1, &nb, NULL, &ds));
        ZP_TRY(zp_h5a_strs(ds, "bit_names", zp_bit_names, ZP_NBITS));
        ZP_TRY(zp_h5a_str(ds, "description", "number of grid points with each bit of /points/pass set"));
        ZP_H5(H5Dclose(ds));
        ZP_TRY(zp_h5a_i64(grp, "npoints", g->npoints));
        for (int b = 0; b < ZP_NBITS; ++b) ZP_TRY(zp_h5a_i64(grp, zp_bit_names[b], 0));
    }
    ZP_H5(H5Gclose(grp));

    /* projections */
    ZP_H5ID(grp, H5Gcreate2(f, "projections", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    for (int p = 0; p < acc->nproj; ++p) {
        const zp_proj_def *pd = &acc->def[p];
        hsize_t pdims[3];
        for (int k = 0; k < pd->nkeep; ++k) pdims[k] = (hsize_t)pd->dims[k];
        ZP_H5ID(sub, H5Gcreate2(grp, pd->name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
        const char *kept[3];
        for (int k = 0; k < pd->nkeep; ++k) kept[k] = zp_axis_names[pd->axes[k]];
        ZP_TRY(zp_h5a_strs(sub, "dimensions", kept, pd->nkeep));
        ZP_TRY(zp_h5a_i64(sub, "points_per_cell", pd->per_cell));
        ZP_TRY(zp_h5a_str(sub, "description",
                        "reduction of /points over the axes not kept: per constraint bit, the fraction "
                        "of points allowed and whether any is; minima of the flavour and g-2 chi^2"));
        for (int b = 0; b < ZP_NBITS + ZP_NPMIN; ++b) {
            hid_t bg = sub, ds[2];
            int nds = 1;
            if (b < ZP_NBITS) {
                ZP_H5ID(bg, H5Gcreate2(sub, zp_bit_names[b], H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
                ZP_TRY(zp_h5_make_dset(bg, "allowed_fraction", H5T_IEEE_F64LE, pd->nkeep, pdims, NULL, &ds[0]));
                ZP_TRY(zp_h5_make_dset(bg, "any_allowed", H5T_STD_U8LE, pd->nkeep, pdims, NULL, &ds[1]));
                ZP_TRY(zp_h5a_str(bg, "description", zp_bits[b].description));
                nds = 2;
            } else {
                char nm[64];
                snprintf(nm, sizeof nm, "min_%s", zp_pmin_names[b - ZP_NBITS]);
                ZP_TRY(zp_h5_make_dset(sub, nm, H5T_IEEE_F64LE, pd->nkeep, pdims, NULL, &ds[0]));
                ZP_TRY(zp_h5a_str(ds[0], "description",
                                b - ZP_NBITS == ZP_PMIN_FLAVOUR
                                    ? "minimum over the reduced axes of flavour_chi2 (inf: no tested point)"
                                : b - ZP_NBITS == ZP_PMIN_G2
                                    ? "minimum over the reduced axes of g2_pull^2"
                                    : "profile minimum over the reduced axes of chi2_total (inf: no point "
                                      "where every term is evaluated); contours at 2.30 and 5.99 above "
                                      "the plane's minimum are the 68% and 95% CL regions for two parameters"));
            }
            for (int i = 0; i < nds; ++i) {
                for (int k = 0; k < pd->nkeep; ++k)
                    ZP_H5(H5DSattach_scale(ds[i], axd[pd->axes[k]], (unsigned)k));
                ZP_H5(H5Dclose(ds[i]));
            }
            if (bg != sub) ZP_H5(H5Gclose(bg));
        }
        ZP_H5(H5Gclose(sub));
    }
    ZP_H5(H5Gclose(grp));
    for (int d = 0; d < ZP_NAXES; ++d) ZP_H5(H5Dclose(axd[d]));

    /* resume state: header + two slots */
    ZP_H5ID(grp, H5Gcreate2(f, "state", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    ZP_TRY(zp_h5a_str(grp, "description",
                    "resume state: header = (generation, slot); slot<k>/done[tile] = 1 for tiles whose data "
                    "are on disk; tiles in C order over /points/tile_shape blocks"));
    ZP_TRY(zp_h5a_i64(grp, "ntiles", g->ntiles));
    {
        hsize_t two = 2;
        ZP_TRY(zp_h5_make_dset(grp, "header", H5T_STD_I64LE, 1, &two, NULL, &h->d_header));
    }
    for (int s = 0; s < 2; ++s) {
        char nm[64];
        snprintf(nm, sizeof nm, "slot%d", s);
        ZP_H5ID(sub, H5Gcreate2(grp, nm, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
        hsize_t nt = (hsize_t)g->ntiles, nc = ZP_NBITS + 1;
        ZP_TRY(zp_h5_make_dset(sub, "done", H5T_STD_U8LE, 1, &nt, NULL, &h->d_done[s]));
        ZP_TRY(zp_h5_make_dset(sub, "counts", H5T_STD_U64LE, 1, &nc, NULL, &h->d_counts[s]));
        for (int p = 0; p < acc->nproj; ++p) {
            hsize_t n1 = (hsize_t)(ZP_NBITS * acc->def[p].ncell), n2 = (hsize_t)(ZP_NPMIN * acc->def[p].ncell);
            snprintf(nm, sizeof nm, "pcount_%d", p);
            ZP_TRY(zp_h5_make_dset(sub, nm, H5T_STD_U64LE, 1, &n1, NULL, &h->d_pcount[s][p]));
            snprintf(nm, sizeof nm, "pmin_%d", p);
            ZP_TRY(zp_h5_make_dset(sub, nm, H5T_IEEE_F64LE, 1, &n2, NULL, &h->d_pmin[s][p]));
        }
        ZP_H5(H5Gclose(sub));
    }
    ZP_H5(H5Gclose(grp));
    int64_t hdr[2] = {0, -1};
    ZP_TRY(write_whole(h, h->d_header, H5T_NATIVE_INT64, hdr));
    h->generation = 0;
    h->slot = -1;
    /* from here on only raw data change until zp_h5_finish */
    ZP_H5(H5Fflush(f, H5F_SCOPE_GLOBAL));
    return ZP_OK;
}

static zp_status open_state(zp_h5 *h)
{
    char nm[96];
    ZP_H5ID(h->d_header, H5Dopen2(h->file, "/state/header", H5P_DEFAULT));
    for (int s = 0; s < 2; ++s) {
        slot_names(s, -1, nm, sizeof nm, "done");
        ZP_H5ID(h->d_done[s], H5Dopen2(h->file, nm, H5P_DEFAULT));
        slot_names(s, -1, nm, sizeof nm, "counts");
        ZP_H5ID(h->d_counts[s], H5Dopen2(h->file, nm, H5P_DEFAULT));
        for (int p = 0; p < h->nproj; ++p) {
            slot_names(s, p, nm, sizeof nm, "pcount");
            ZP_H5ID(h->d_pcount[s][p], H5Dopen2(h->file, nm, H5P_DEFAULT));
            slot_names(s, p, nm, sizeof nm, "pmin");
            ZP_H5ID(h->d_pmin[s][p], H5Dopen2(h->file, nm, H5P_DEFAULT));
        }
    }
    return ZP_OK;
}

zp_status zp_h5_open_resume(MPI_Comm comm, const char *path, const zp_config *c, const zp_grid *g,
                            uint64_t fingerprint, zp_h5 *h, uint8_t *done, zp_acc *total)
{
    ZP_TRY(handle_init(h, comm, c, g, total));

    hid_t fapl;
    ZP_TRY(make_fapl(comm, &fapl));
    h->file = H5Fopen(path, H5F_ACC_RDWR, fapl);
    H5Pclose(fapl);
    if (h->file < 0)
        ZP_FAIL(ZP_EINPUT, "%s: cannot open the interrupted scan (damaged or not HDF5): %s", path,
                zp_h5_errstr());
    writeback_open(h, path);
    ZP_TRY(make_dxpls(h));
    int64_t fv = -1;
    if (H5Aexists(h->file, "format_version") <= 0 || zp_h5a_read_i64(h->file, "format_version", &fv) != ZP_OK)
        ZP_FAIL(ZP_EINPUT, "%s: not a zpscan result file (no format_version)", path);
    if (fv != ZP_FORMAT_VERSION)
        ZP_FAIL(ZP_EINPUT, "%s: written in format version %lld, this zpscan writes %d: cannot resume",
                path, (long long)fv, ZP_FORMAT_VERSION);
    char fp[64], want[32];
    ZP_TRY(zp_h5a_read_str(h->file, "fingerprint", fp, sizeof fp));
    snprintf(want, sizeof want, "%016" PRIx64, fingerprint);
    if (strcmp(fp, want) != 0)
        ZP_FAIL(ZP_EINPUT, "%s: made from a different input, grid or data (fingerprint %s, this input %s): "
                "cannot resume", path, fp, want);
    ZP_TRY(open_state(h));
    if (c->store_points) {
        ZP_H5ID(h->d_pass, H5Dopen2(h->file, "/points/pass", H5P_DEFAULT));
        for (int k = 0; k < ZP_NOBS; ++k) {
            if (!c->store_obs[k]) continue;
            char nm[96];
            snprintf(nm, sizeof nm, "/points/%s", zp_obs_names[k]);
            ZP_H5ID(h->d_obs[k], H5Dopen2(h->file, nm, H5P_DEFAULT));
        }
    }
    int64_t hdr[2];
    ZP_TRY(zp_h5_read_whole(h->d_header, H5T_NATIVE_INT64, hdr));
    if (hdr[1] < -1 || hdr[1] > 1 || hdr[0] < 0)
        ZP_FAIL(ZP_EINPUT, "%s: /state/header is damaged (%lld, %lld)", path, (long long)hdr[0], (long long)hdr[1]);
    h->generation = hdr[0];
    h->slot = (int)hdr[1];
    zp_acc_zero(total);
    if (h->slot < 0) {
        memset(done, 0, (size_t)g->ntiles);
        return ZP_OK;
    }
    int s = h->slot;
    ZP_TRY(zp_h5_read_whole(h->d_done[s], H5T_NATIVE_UINT8, done));
    for (int64_t t = 0; t < g->ntiles; ++t)
        if (done[t] > 1) ZP_FAIL(ZP_EINPUT, "%s: /state/slot%d/done is damaged", path, s);
    if (h->rank == 0) {
        uint64_t cb[ZP_NBITS + 1];
        ZP_TRY(zp_h5_read_whole(h->d_counts[s], H5T_NATIVE_UINT64, cb));
        memcpy(total->counts, cb, sizeof total->counts);
        total->npoints = cb[ZP_NBITS];
        for (int p = 0; p < total->nproj; ++p) {
            ZP_TRY(zp_h5_read_whole(h->d_pcount[s][p], H5T_NATIVE_UINT64, total->pcount[p]));
            ZP_TRY(zp_h5_read_whole(h->d_pmin[s][p], H5T_NATIVE_DOUBLE, total->pmin[p]));
        }
    }
    return ZP_OK;
}

zp_status zp_h5_write_tile(zp_h5 *h, const int64_t start[ZP_NAXES], const int64_t *count,
                           const zp_mask *mask, float *const obs[ZP_NOBS])
{
    if (!h->store_points) return ZP_OK;
    hsize_t st[ZP_NAXES], ct[ZP_NAXES];
    for (int d = 0; d < ZP_NAXES; ++d) {
        st[d] = count ? (hsize_t)start[d] : 0;
        ct[d] = count ? (hsize_t)count[d] : 1;
    }
    hid_t fs, ms;
    ZP_H5ID(fs, H5Dget_space(h->d_pass));
    ZP_H5ID(ms, H5Screate_simple(ZP_NAXES, ct, NULL));
    if (count) {
        ZP_H5(H5Sselect_hyperslab(fs, H5S_SELECT_SET, st, NULL, ct, NULL));
    } else {
        ZP_H5(H5Sselect_none(fs));
        ZP_H5(H5Sselect_none(ms));
    }
    const int indep = h->tile_indep;
    if (indep && !count) { /* independent: a rank without a tile has nothing to do */
        ZP_H5(H5Sclose(ms));
        ZP_H5(H5Sclose(fs));
        return ZP_OK;
    }
    const hid_t dx = indep ? h->dxpl_indep : h->dxpl_coll;
    ZP_H5(H5Dwrite(h->d_pass, H5T_NATIVE_UINT32, ms, fs, dx, mask));
    if (indep) {
        h->collective_checked = (int)H5D_MPIO_CHUNK_INDEPENDENT + 1; /* for the run record */
    } else if (!h->collective_checked) {
        H5D_mpio_actual_io_mode_t mode;
        if (H5Pget_mpio_actual_io_mode(h->dxpl_coll, &mode) >= 0) h->collective_checked = (int)mode + 1;
    }
    for (int k = 0; k < ZP_NOBS; ++k) {
        if (!h->store_obs[k]) continue;
        ZP_H5(H5Dwrite(h->d_obs[k], H5T_NATIVE_FLOAT, ms, fs, dx, obs[k]));
    }
    ZP_H5(H5Sclose(ms));
    ZP_H5(H5Sclose(fs));
    if (count) {
        int64_t pts = 1, per = (int64_t)sizeof(zp_mask);
        for (int d = 0; d < ZP_NAXES; ++d) pts *= count[d];
        for (int k = 0; k < ZP_NOBS; ++k) per += h->store_obs[k] ? (int64_t)sizeof(float) : 0;
        zp_wb_note(h->wb, pts * per);
    }
    return ZP_OK;
}

zp_status zp_h5_checkpoint(zp_h5 *h, const uint8_t *done, const zp_acc *total)
{
    /* 1: tile data durable before any slot names them */
    ZP_H5(H5Fflush(h->file, H5F_SCOPE_GLOBAL));
    int s = h->slot < 0 ? 0 : 1 - h->slot;
    if (h->rank == 0) {
        uint64_t cb[ZP_NBITS + 1];
        memcpy(cb, total->counts, sizeof total->counts);
        cb[ZP_NBITS] = total->npoints;
        ZP_TRY(write_indep(h, h->d_done[s], H5T_NATIVE_UINT8, done));
        ZP_TRY(write_indep(h, h->d_counts[s], H5T_NATIVE_UINT64, cb));
        for (int p = 0; p < h->nproj; ++p) {
            ZP_TRY(write_indep(h, h->d_pcount[s][p], H5T_NATIVE_UINT64, total->pcount[p]));
            ZP_TRY(write_indep(h, h->d_pmin[s][p], H5T_NATIVE_DOUBLE, total->pmin[p]));
        }
    }
    /* 2: the slot durable before the header points at it */
    ZP_H5(H5Fflush(h->file, H5F_SCOPE_GLOBAL));
    int64_t hdr[2] = {h->generation + 1, s};
    if (h->rank == 0) ZP_TRY(write_indep(h, h->d_header, H5T_NATIVE_INT64, hdr));
    ZP_H5(H5Fflush(h->file, H5F_SCOPE_GLOBAL));
    h->generation = hdr[0];
    h->slot = s;
    return ZP_OK;
}

zp_status zp_h5_finish(zp_h5 *h, const zp_acc *layout, const zp_acc *total, const char *record_json)
{
    hid_t ds, grp;
    uint64_t counts[ZP_NBITS];
    memcpy(counts, total->counts, sizeof counts);
    ZP_MPI(MPI_Bcast(counts, ZP_NBITS, MPI_UINT64_T, 0, h->comm));
    ZP_H5ID(ds, H5Dopen2(h->file, "/summary/pass_counts", H5P_DEFAULT));
    ZP_TRY(write_whole(h, ds, H5T_NATIVE_UINT64, counts));
    ZP_H5(H5Dclose(ds));
    ZP_H5ID(grp, H5Gopen2(h->file, "/summary", H5P_DEFAULT));
    for (int b = 0; b < ZP_NBITS; ++b) ZP_TRY(zp_h5a_i64(grp, zp_bit_names[b], (int64_t)counts[b]));
    ZP_H5(H5Gclose(grp));

    for (int p = 0; p < layout->nproj; ++p) {
        const zp_proj_def *pd = &layout->def[p];
        const int64_t nc = pd->ncell;
        double *frac = NULL;
        uint8_t *any = NULL;
        if (h->rank == 0) {
            frac = malloc((size_t)nc * sizeof *frac);
            any = malloc((size_t)nc);
            if (!frac || !any) {
                free(frac);
                free(any);
                ZP_FAIL(ZP_ENOMEM, "projection %s: out of memory", pd->name);
            }
        }
        for (int b = 0; b < ZP_NBITS + ZP_NPMIN; ++b) {
            char nm[192];
            const void *buf;
            hid_t mt;
            if (b < ZP_NBITS) {
                if (h->rank == 0)
                    for (int64_t i = 0; i < nc; ++i) {
                        uint64_t cnt = total->pcount[p][b * nc + i];
                        frac[i] = (double)cnt / (double)pd->per_cell;
                        any[i] = cnt > 0;
                    }
                snprintf(nm, sizeof nm, "/projections/%s/%s/allowed_fraction", pd->name, zp_bit_names[b]);
                ZP_H5ID(ds, H5Dopen2(h->file, nm, H5P_DEFAULT));
                ZP_TRY(write_whole(h, ds, H5T_NATIVE_DOUBLE, frac));
                ZP_H5(H5Dclose(ds));
                snprintf(nm, sizeof nm, "/projections/%s/%s/any_allowed", pd->name, zp_bit_names[b]);
                buf = any;
                mt = H5T_NATIVE_UINT8;
            } else {
                snprintf(nm, sizeof nm, "/projections/%s/min_%s", pd->name, zp_pmin_names[b - ZP_NBITS]);
                buf = h->rank == 0 ? total->pmin[p] + (b - ZP_NBITS) * nc : NULL;
                mt = H5T_NATIVE_DOUBLE;
            }
            ZP_H5ID(ds, H5Dopen2(h->file, nm, H5P_DEFAULT));
            ZP_TRY(write_whole(h, ds, mt, buf));
            ZP_H5(H5Dclose(ds));
        }
        free(frac);
        free(any);
    }
    char ts[64];
    time_t now = time(NULL);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    ZP_TRY(zp_h5a_str(h->file, "finished", ts));
    ZP_TRY(zp_h5a_str(h->file, "run_record", record_json));
    ZP_H5(H5Fflush(h->file, H5F_SCOPE_GLOBAL));
    ZP_TRY(zp_h5a_i64(h->file, "complete", 1));
    ZP_H5(H5Fflush(h->file, H5F_SCOPE_GLOBAL));
    return ZP_OK;
}

zp_status zp_h5_close(zp_h5 *h)
{
    zp_status st = ZP_OK;
#define CLOSE_ID(fn, id)                                        \
    do {                                                        \
        if ((id) >= 0 && fn(id) < 0 && st == ZP_OK) {           \
            zp_err_set(ZP_EIO, "closing the output: %s", zp_h5_errstr()); \
            st = ZP_EIO;                                        \
        }                                                       \
        (id) = H5I_INVALID_HID;                                 \
    } while (0)
    CLOSE_ID(H5Dclose, h->d_pass);
    for (int k = 0; k < ZP_NOBS; ++k) CLOSE_ID(H5Dclose, h->d_obs[k]);
    CLOSE_ID(H5Dclose, h->d_header);
    for (int s = 0; s < 2; ++s) {
        CLOSE_ID(H5Dclose, h->d_done[s]);
        CLOSE_ID(H5Dclose, h->d_counts[s]);
        for (int p = 0; p < ZP_MAX_PROJ; ++p) {
            CLOSE_ID(H5Dclose, h->d_pcount[s][p]);
            CLOSE_ID(H5Dclose, h->d_pmin[s][p]);
        }
    }
    CLOSE_ID(H5Pclose, h->dxpl_coll);
    CLOSE_ID(H5Pclose, h->dxpl_indep);
    CLOSE_ID(H5Fclose, h->file);
#undef CLOSE_ID
    zp_wb_close(h->wb);
    h->wb = NULL;
    return st;
}

zp_status zp_h5_probe(const char *path, int *is_zpscan, int *complete, char *fingerprint, size_t fplen)
{
    *is_zpscan = 0;
    *complete = 0;
    if (fingerprint && fplen) fingerprint[0] = '\0';
    struct stat sb; /* only a regular file: opening a FIFO would block */
    if (lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) return ZP_OK;
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) return ZP_OK;
    int64_t fv = 0, cp = 0;
    if (H5Aexists(f, "format_version") > 0 && zp_h5a_read_i64(f, "format_version", &fv) == ZP_OK) {
        *is_zpscan = 1;
        if (H5Aexists(f, "complete") > 0 && zp_h5a_read_i64(f, "complete", &cp) == ZP_OK) *complete = cp == 1;
        if (fingerprint && H5Aexists(f, "fingerprint") > 0 &&
            zp_h5a_read_str(f, "fingerprint", fingerprint, fplen) != ZP_OK)
            fingerprint[0] = '\0';
    }
    H5Fclose(f);
    return ZP_OK;
}
