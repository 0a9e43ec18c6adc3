#include "zpscan/binned_slices.h"

#include "zpscan/agree.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* a mass the binned method cannot test: the nodes with NaN limits (never "allowed") */
static zp_status untested(const zp_lhc_cfg *l, zp_lhc_slice *s)
{
    double nan[ZP_LHC_MAX_BW];
    for (int k = 0; k < l->nbw; ++k) nan[k] = NAN;
    s->mass_tested = 0;
    return zp_lhc_slice_set(s, l->nbw, l->bw, nan);
}

zp_status zp_binned_slice_make(const zp_config *c, const zp_lumi_table *lt, const zp_spectra *sp, double mass,
                               zp_mass_slice *slice)
{
    const zp_lhc_cfg *l = &c->cc.lhc;
    zp_lhc_slice *s = &slice->lhc;
    if (!zp_binned_mass_ok(sp, l->chans, lt, mass)) return untested(l, s);
    zp_binned_tab *t = calloc(1, sizeof *t);
    if (!t) ZP_FAIL(ZP_ENOMEM, "out of memory for a binned LHC slice");
    zp_status st = zp_binned_tab_make(sp, l->chans, lt, mass, l->bw, l->nbw, t);
    if (st == ZP_OK) st = zp_lhc_slice_set(s, t->nw, t->w, t->x95);
    if (st != ZP_OK) {
        zp_binned_tab_free(t);
        free(t);
        return st;
    }
    s->mass_tested = 1;
    s->bin = t;
    return ZP_OK;
}

zp_status zp_binned_slices(MPI_Comm comm, const zp_config *c, const zp_lumi_table *lt, const zp_spectra *sp,
                           const double *mass, int64_t nm, zp_mass_slice *slices, zp_binned_stats *stats)
{
    const zp_lhc_cfg *l = &c->cc.lhc;
    int rank, nranks;
    ZP_MPI(MPI_Comm_rank(comm, &rank));
    ZP_MPI(MPI_Comm_size(comm, &nranks));
    memset(stats, 0, sizeof *stats);
    const double t0 = MPI_Wtime();
    double *dt = calloc((size_t)nm + 1, 2 * sizeof *dt); /* per mass: seconds, nodes */
    zp_binned_tab **tabs = calloc((size_t)nm + 1, sizeof *tabs);
    zp_status st = dt && tabs ? ZP_OK : ZP_ENOMEM;
    if (st != ZP_OK) zp_err_set(st, "out of memory for %lld binned LHC slices", (long long)nm);
    /* this rank's share */
    for (int64_t i = rank; st == ZP_OK && i < nm; i += nranks) {
        if (!zp_binned_mass_ok(sp, l->chans, lt, mass[i])) continue;
        const double t1 = MPI_Wtime();
        if (!(tabs[i] = calloc(1, sizeof *tabs[i]))) {
            zp_err_set(st = ZP_ENOMEM, "out of memory for a binned LHC slice");
            break;
        }
        st = zp_binned_tab_make(sp, l->chans, lt, mass[i], l->bw, l->nbw, tabs[i]);
        dt[2 * i] = MPI_Wtime() - t1;
        dt[2 * i + 1] = tabs[i]->nw;
    }
    st = zp_agree(comm, st);
    /* every rank learns the node counts, makes room, then takes each mass's block from the
     * rank that made it (no failure can leave a rank behind inside the broadcasts) */
    int *nw = st == ZP_OK ? calloc((size_t)nm + 1, sizeof *nw) : NULL;
    if (st == ZP_OK && !nw) st = ZP_ENOMEM;
    for (int64_t i = 0; st == ZP_OK && i < nm; ++i) nw[i] = tabs[i] ? tabs[i]->nw : 0;
    if (st == ZP_OK && MPI_Allreduce(MPI_IN_PLACE, nw, (int)nm, MPI_INT, MPI_SUM, comm) != MPI_SUCCESS)
        st = ZP_EMPI;
    for (int64_t i = 0; st == ZP_OK && i < nm; ++i) {
        if (nw[i] == 0 || tabs[i]) continue;
        if (!(tabs[i] = calloc(1, sizeof *tabs[i])) || !(tabs[i]->buf = malloc(ZP_BINNED_BYTES(nw[i])))) {
            zp_err_set(st = ZP_ENOMEM, "out of memory for a binned LHC slice");
            break;
        }
        tabs[i]->nw = nw[i];
        tabs[i]->nt = ZP_BINNED_NT;
    }
    st = zp_agree(comm, st);
    for (int64_t i = 0; st == ZP_OK && i < nm; ++i)
        if (nw[i] > 0) ZP_MPI(MPI_Bcast(tabs[i]->buf, (int)ZP_BINNED_BYTES(nw[i]), MPI_BYTE, (int)(i % nranks), comm));
    for (int64_t i = 0; st == ZP_OK && i < nm; ++i) {
        zp_lhc_slice *s = &slices[i].lhc;
        if (nw[i] == 0) {
            st = untested(l, s);
            continue;
        }
        st = zp_binned_tab_views(tabs[i]);
        if (st == ZP_OK) st = zp_lhc_slice_set(s, nw[i], tabs[i]->w, tabs[i]->x95);
        s->mass_tested = 1;
        s->bin = tabs[i]; /* the slice owns it now */
        tabs[i] = NULL;
    }
    free(nw);
    st = zp_agree(comm, st);
    if (st == ZP_OK && dt) {
        ZP_MPI(MPI_Allreduce(MPI_IN_PLACE, dt, (int)(2 * nm), MPI_DOUBLE, MPI_SUM, comm));
        for (int64_t i = 0; i < nm; ++i) {
            if (dt[2 * i + 1] <= 0) continue;
            ++stats->slices;
            stats->slice_mean += dt[2 * i];
            stats->slice_max = fmax(stats->slice_max, dt[2 * i]);
            stats->nodes_mean += dt[2 * i + 1];
        }
        if (stats->slices) stats->slice_mean /= (double)stats->slices, stats->nodes_mean /= (double)stats->slices;
    }
    for (int64_t i = 0; tabs && i < nm; ++i)
        if (tabs[i]) zp_binned_tab_free(tabs[i]), free(tabs[i]);
    free(tabs);
    free(dt);
    stats->wall = MPI_Wtime() - t0;
    return st;
}
