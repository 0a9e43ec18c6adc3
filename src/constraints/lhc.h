/* The LHC dilepton search (docs/PHYSICS.md §6-7, §11): sigma(pp -> Z') B(Z' -> l+l-) A in
 * the fiducial region, LO, against ATLAS's 139 fb^-1 search. Two methods ([lhc] method):
 *   fiducial_limit (the paper's, default): a cut on ATLAS's published combined ee+mumu limit
 *     at the point's mass and Gamma/M; it defines no likelihood;
 *   binned: the per-channel Poisson likelihood of ATLAS's public mass spectra with the line's
 *     Breit-Wigner shape (src/binned.c), excluded when CLs < 0.05; Delta chi^2(mu = 1).
 * Untested where disabled, outside the table's or spectra's masses, or beyond the widest
 * width. */
#ifndef ZP_C_LHC_VOCAB
#define ZP_C_LHC_VOCAB
#define zp_lhc_bits(B, U, x)                                                                        \
    B(x, LHC, "lhc", "allowed by the LHC dilepton limit (0 where not tested)")                     \
    U(x, LHC_UNTESTED, "lhc_untested",                                                            \
      "LHC constraint not evaluated: disabled, mass outside the limit table, or Gamma/M beyond its widest width")
#define zp_lhc_obs(O, x)                                                                         \
    O(x, SIGMAB_FID, "sigmaB_fid", "fb", 1, 0,                                                    \
      "fiducial sigma(pp -> Z') * B(Z' -> l+l-) * acceptance at 13 TeV, LO, narrow width")         \
    O(x, LHC_LIMIT, "lhc_limit", "fb", 0, 0,                                                      \
      "observed 95% CL limit on the fiducial sigma*B at this M and Gamma/M; NaN where not tested") \
    O(x, LHC_RATIO, "lhc_ratio", "1", 1, 0, "sigmaB_fid / lhc_limit (excluded above 1); NaN where not tested") \
    O(x, LHC_CLS, "lhc_cls", "1", 0, 0,                                                           \
      "binned method: CLs of the point (excluded below 0.05), asymptotic; NaN otherwise or where not tested") \
    O(x, LHC_CHI2, "lhc_chi2", "1", 0, 0,                                                         \
      "binned method: Delta chi^2(mu = 1) of the Poisson likelihood of the spectra; NaN otherwise or where not tested") \
    O(x, LHC_UL, "lhc_ul", "fb", 0, 0,                                                            \
      "binned method: 95% CL (CLs) upper limit on sigmaB_fid in the point's channel(s) at its M and Gamma/M; NaN otherwise")
#define zp_lhc_keys(K, x)                                                                        \
    K(x, "enabled", "yes | no")                                                                   \
    K(x, "lumi_table", "parton-luminosity table")                                                 \
    K(x, "limits", "fiducial_limit: cross-section limit table (binned: not read)")               \
    K(x, "include_nu", "yes | no: add Gamma(Z'->nu nubar)")                                       \
    K(x, "extra_width", "extra width as a fraction of M (>= 0)")                                  \
    K(x, "pdf_set", "LHAPDF set: compute the luminosity table at start")                          \
    K(x, "pdf_member", "LHAPDF member (>= 0)")                                                    \
    K(x, "pt_min", "lepton pT cut, GeV (with pdf_set)")                                           \
    K(x, "eta_max", "lepton |eta| cut (with pdf_set)")                                            \
    K(x, "method", "fiducial_limit | binned (per-channel likelihood of the spectra)")             \
    K(x, "channels", "binned: auto | ee | mumu | both (auto: the scanned lepton's)")              \
    K(x, "spectra", "binned: directory of the ATLAS spectra (inputs/lhc/atlas139_spectra)")      \
    K(x, "binned_widths", "binned: Gamma/M nodes, from 0, increasing (refined per mass)")
/* (its INI section or "", one line for --help, how it defines Delta chi^2 or "") */
#define zp_lhc_about "lhc", "ATLAS 13 TeV 139 fb^-1 dilepton search: fiducial limits, or the binned likelihood", \
    "binned: Delta chi^2(mu = 1) of the Poisson likelihood (fiducial_limit: none)"
#endif

#if defined(ZP_CONSTRAINT_CFG) && !defined(ZP_C_LHC_CFG)
#define ZP_C_LHC_CFG
#define ZP_LHC_MAX_BW 64 /* binned_widths nodes (the parser names the key beyond) */
typedef struct {
    int enabled;
    int include_nu;              /* add Gamma(Z'->nu nubar) */
    double extra_width;          /* extra (invisible) width, as a fraction of M */
    char lumi_path[512];
    char limits_path[512];
    char pdf_set[128];           /* non-empty: compute the luminosity table from this LHAPDF set */
    int pdf_member;
    double pt_min, eta_max;      /* only used with pdf_set */
    int binned;                  /* method: 0 fiducial_limit, 1 binned */
    int channels;                /* as given: 0 auto, 1 ee, 2 mumu, 3 both */
    int chans;                   /* resolved: bit 0 ee, bit 1 mumu (binned.h ZP_CH_BIT) */
    int nbw;
    double bw[ZP_LHC_MAX_BW];    /* the Gamma/M nodes */
    char spectra[512];
    char source[512];
    double lumi_ifb;
    uint64_t spectra_hash;       /* of the numbers read (the resume fingerprint hashes cc) */
} zp_lhc_cfg;
#endif

#if defined(ZP_CONSTRAINT_IMPL) && !defined(ZP_C_LHC_IMPL)
#define ZP_C_LHC_IMPL
/* its settings: zp_lhc_cfg (c->cc.lhc) */
static void zp_lhc_defaults(zp_config *c)
{
    zp_lhc_cfg *l = &c->cc.lhc;
    static const double bw[] = {0, 0.005, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.1};
    l->nbw = (int)(sizeof bw / sizeof bw[0]);
    memcpy(l->bw, bw, sizeof bw);
    zp_ini_join_path(l->spectra, sizeof l->spectra, zp_ini_data_dir(), "lhc/atlas139_spectra");
    l->enabled = 1;
    zp_ini_join_path(l->lumi_path, sizeof l->lumi_path, zp_ini_data_dir(), "lhc/lumi_NNPDF23_lo_as_0130_qed_13TeV.csv");
    zp_ini_join_path(l->limits_path, sizeof l->limits_path, zp_ini_data_dir(), "lhc/atlas139_dilepton_fid_limits.csv");
    l->pt_min = 30.0;
    l->eta_max = 2.5;
}
static zp_status zp_lhc_record(hid_t grp, const zp_config *c)
{
    ZP_TRY(zp_h5a_i64(grp, "lhc_enabled", c->cc.lhc.enabled));
    ZP_TRY(zp_h5a_str(grp, "lhc_lumi_table", c->cc.lhc.lumi_path));
    ZP_TRY(zp_h5a_str(grp, "lhc_limits", c->cc.lhc.binned ? "" : c->cc.lhc.limits_path)); /* "": not read */
    ZP_TRY(zp_h5a_i64(grp, "lhc_include_nu", c->cc.lhc.include_nu));
    ZP_TRY(zp_h5a_f64(grp, "lhc_extra_width", c->cc.lhc.extra_width));
    const zp_lhc_cfg *l = &c->cc.lhc;
    ZP_TRY(zp_h5a_str(grp, "lhc_method", l->binned ? "binned" : "fiducial_limit"));
    if (!l->binned) return ZP_OK;
    static const char *const ch[] = {"", "ee", "mumu", "ee+mumu"};
    ZP_TRY(zp_h5a_str(grp, "lhc_channels", ch[l->chans & 3]));
    ZP_TRY(zp_h5a_str(grp, "lhc_spectra", l->spectra));
    ZP_TRY(zp_h5a_str(grp, "lhc_spectra_source", l->source));
    ZP_TRY(zp_h5a_f64(grp, "lhc_luminosity_ifb", l->lumi_ifb));
    return zp_h5a_num(grp, "lhc_binned_widths", H5T_NATIVE_DOUBLE, l->bw, (size_t)l->nbw);
}
/* where its data files are, blanked for the resume fingerprint (the numbers count, not
 * the path they were read from) */
static void zp_lhc_unpath(zp_lhc_cfg *s)
{
    memset(s->lumi_path, 0, sizeof s->lumi_path);
    memset(s->limits_path, 0, sizeof s->limits_path);
    memset(s->spectra, 0, sizeof s->spectra);
}
/* the binned method's keys */
static zp_status zp_lhc_parse_binned(const zp_ini_doc *d, zp_config *c, const char *dir)
{
    zp_lhc_cfg *l = &c->cc.lhc;
    const zp_ini_ent *e;
    if ((e = zp_ini_get(d, "lhc", "method"))) {
        if (!strcmp(e->val, "fiducial_limit")) l->binned = 0;
        else if (!strcmp(e->val, "binned")) l->binned = 1;
        else return ZP_INI_BAD(d, e, "'%s' is not a method (fiducial_limit or binned)", e->val);
    }
    if ((e = zp_ini_get(d, "lhc", "channels"))) {
        static const char *const names[] = {"auto", "ee", "mumu", "both"};
        l->channels = -1;
        for (int k = 0; k < 4; ++k)
            if (!strcmp(e->val, names[k])) l->channels = k;
        if (l->channels < 0) return ZP_INI_BAD(d, e, "'%s' is not auto, ee, mumu or both", e->val);
    }
    /* auto: the scanned lepton's; a channel the Z' does not decay to has no signal */
    const int have = c->lepton == ZP_LEPTON_E ? 1 : c->lepton == ZP_LEPTON_MU ? 2 : 3;
    l->chans = l->channels ? l->channels : have;
    if ((l->chans & have) != l->chans && (e = zp_ini_get(d, "lhc", "channels")))
        return ZP_INI_BAD(d, e, "'%s': this Z' (lepton = %s) has no signal there", e->val,
                          c->lepton == ZP_LEPTON_E ? "e" : "mu");
    ZP_TRY(zp_ini_file_key(d, "lhc", "spectra", dir, l->spectra, sizeof l->spectra));
    if ((e = zp_ini_get(d, "lhc", "binned_widths"))) {
        char buf[4096], *items[ZP_LHC_MAX_BW + 1];
        int n = 0;
        if (strlen(e->val) >= sizeof buf) return ZP_INI_BAD(d, e, "value too long");
        snprintf(buf, sizeof buf, "%s", e->val);
        ZP_TRY(zp_ini_list(d, e, buf, items, ZP_LHC_MAX_BW + 1, &n));
        if (n > ZP_LHC_MAX_BW) return ZP_INI_BAD(d, e, "more than %d widths", ZP_LHC_MAX_BW);
        if (n < 2) return ZP_INI_BAD(d, e, "at least two widths (the first 0)");
        for (int k = 0; k < n; ++k) {
            char *end;
            const double v = strtod(items[k], &end);
            if (end == items[k] || *end || !isfinite(v)) return ZP_INI_BAD(d, e, "'%s' is not a number", items[k]);
            if (k == 0 && v != 0.0) return ZP_INI_BAD(d, e, "the first width must be 0 (got %s)", items[k]);
            if (k > 0 && !(v > l->bw[k - 1] && v <= 1.0))
                return ZP_INI_BAD(d, e, "'%s': widths must increase, up to 1", items[k]);
            l->bw[k] = v;
        }
        l->nbw = n;
    }
    return ZP_OK;
}
static zp_status zp_lhc_parse(const zp_ini_doc *d, zp_config *c, const char *dir)
{
    ZP_TRY(zp_lhc_parse_binned(d, c, dir));
    const zp_ini_ent *e;
    if ((e = zp_ini_get(d, "lhc", "enabled"))) ZP_TRY(zp_ini_bool(d, e, &c->cc.lhc.enabled));
    ZP_TRY(zp_ini_file_key(d, "lhc", "lumi_table", dir, c->cc.lhc.lumi_path, sizeof c->cc.lhc.lumi_path));
    ZP_TRY(zp_ini_file_key(d, "lhc", "limits", dir, c->cc.lhc.limits_path, sizeof c->cc.lhc.limits_path));
    if ((e = zp_ini_get(d, "lhc", "include_nu"))) ZP_TRY(zp_ini_bool(d, e, &c->cc.lhc.include_nu));
    if ((e = zp_ini_get(d, "lhc", "extra_width"))) ZP_TRY(zp_ini_nonneg(d, e, &c->cc.lhc.extra_width));
    if ((e = zp_ini_get(d, "lhc", "pdf_set"))) {
        if (strlen(e->val) >= sizeof c->cc.lhc.pdf_set)
            return ZP_INI_BAD(d, e, "set name too long (at most %zu characters)",
                        sizeof c->cc.lhc.pdf_set - 1);
        snprintf(c->cc.lhc.pdf_set, sizeof c->cc.lhc.pdf_set, "%s", e->val);
    }
    if ((e = zp_ini_get(d, "lhc", "pdf_member"))) {
        int64_t m;
        ZP_TRY(zp_ini_int(d, e, &m));
        if (m < 0 || m > 9999) /* LHAPDF numbers member files _0000 to _9999 */
            return ZP_INI_BAD(d, e, "must be between 0 and 9999 (got %s)", e->val);
        c->cc.lhc.pdf_member = (int)m;
    }
    if ((e = zp_ini_get(d, "lhc", "pt_min"))) ZP_TRY(zp_ini_nonneg(d, e, &c->cc.lhc.pt_min));
    if ((e = zp_ini_get(d, "lhc", "eta_max"))) {
        ZP_TRY(zp_ini_real(d, e, &c->cc.lhc.eta_max));
        if (!(c->cc.lhc.eta_max > 0)) return ZP_INI_BAD(d, e, "must be > 0 (got %s)", e->val);
    }
    return ZP_OK;
}

static zp_status zp_lhc_readable(const zp_ini_doc *in, const char *key, const char *path)
{
    struct stat sb;
    int err = 0;
    if (stat(path, &sb) != 0) err = errno;
    else if (S_ISDIR(sb.st_mode)) err = EISDIR;
    else if (!S_ISREG(sb.st_mode)) err = ZP_INI_NOT_REGULAR; /* a FIFO would block the reader */
    else if (access(path, R_OK) != 0) err = errno;
    if (!err) return ZP_OK;
    return zp_ini_bad(in->path, zp_ini_line(in, "lhc", key), "lhc", key, "cannot read '%s': %s%s", path,
               zp_ini_strerror(err), zp_ini_get(in, "lhc", key) ? "" : ZP_INI_DEFAULT_HINT);
}


/* The tables are read again at the start of the scan (scan.c); here: can they be read, is
 * the PDF set there, is the luminosity table for the collider energy of [constants] sqrts.
 * Errors name the input's key. */
static zp_status zp_lhc_load(const zp_ini_doc *in, zp_config *c)
{
    if (!c->cc.lhc.enabled) return ZP_OK;
    if (c->cc.lhc.pdf_set[0]) {
        zp_pdf *pdf = NULL;
        const zp_status st = zp_pdf_open(c->cc.lhc.pdf_set, c->cc.lhc.pdf_member, &pdf);
        zp_pdf_free(pdf);
        if (st != ZP_OK) {
            char pre[1200];
            snprintf(pre, sizeof pre, "%s:%d: [lhc] pdf_set", in->path, zp_ini_line(in, "lhc", "pdf_set"));
            zp_err_prefix(pre);
            return st;
        }
    } else {
        ZP_TRY(zp_lhc_readable(in, "lumi_table", c->cc.lhc.lumi_path));
        zp_lumi_table *t = malloc(sizeof *t);
        if (!t) ZP_FAIL(ZP_ENOMEM, "out of memory");
        zp_status st = zp_lumi_table_read(c->cc.lhc.lumi_path, t);
        if (st == ZP_OK && t->sqrts != c->k.sqrts)
            st = zp_ini_bad(in->path, zp_ini_line(in, "constants", "sqrts"), "constants", "sqrts",
                            "%g GeV, but the luminosity table %s is for %g GeV (set sqrts = %g, or give "
                            "[lhc] lumi_table or pdf_set for %g GeV)", c->k.sqrts, c->cc.lhc.lumi_path, t->sqrts,
                            t->sqrts, c->k.sqrts);
        free(t);
        ZP_TRY(st);
    }
    if (c->cc.lhc.binned) { /* the spectra: read here for their errors, again at start (scan.c) */
        zp_lhc_cfg *l = &c->cc.lhc;
        zp_spectra *sp = malloc(sizeof *sp);
        if (!sp) ZP_FAIL(ZP_ENOMEM, "out of memory for the spectra");
        zp_status st = zp_spectra_read(l->spectra, in, sp);
        if (st == ZP_OK) {
            l->lumi_ifb = sp->lumi_ifb;
            snprintf(l->source, sizeof l->source, "%s", sp->source);
            l->spectra_hash = zp_spectra_hash(sp);
        }
        free(sp);
        ZP_TRY(st);
    }
    /* the fiducial limits: the binned method makes its own from the spectra */
    return c->cc.lhc.binned ? ZP_OK : zp_lhc_readable(in, "limits", c->cc.lhc.limits_path);
}
#endif

#if defined(ZP_KERNEL_PASS) && !defined(ZP_C_LHC_KERNEL)
#define ZP_C_LHC_KERNEL
_Static_assert(ZP_LHC_PAD == VL, "the slice holds one vector of padded widths inline");
typedef struct {
    double P, wtop;
    double P0; /* P gq2 at gqR = 0 */
    int64_t lhc_on;
    /* the limit table, one entry per segment: entry 0 = below the first width (flat at
     * limit[0]), entry j+1 = segment j: limit[j] + slope[j] (w - width[j]) for
     * width[j] <= w (< width[j+1]). Entry k applies when k of Wt[1..7] are <= w. */
    vd Lt, St, Wt;
    int64_t k0; /* compares known true for every w >= 0 (Wt[1..j0-1] <= 0) */
    int j0, j1; /* the compares that remain: Wt[j0..j1] (trailing repeats dropped) */
    /* a table of more than VL widths: its nw widths, limits and slopes, searched by a loop */
    int wide, nw;
    const double *W, *L, *S;
    /* the binned method: its tables at this mass (NULL where the mass is not tested) */
    int binned, cls;
    const zp_binned_tab *bin;
} zp_lhc_rc;
typedef struct {
    vd num;
} zp_lhc_st;

INLINE void zp_lhc_rc_init(zp_lhc_rc *c, const zp_model *m, const zp_mass_slice *s, double gqL)
{
    c->P = s->lhc.sigma_per_g2 * s->lhc.acceptance;
    c->P0 = c->P * (gqL * gqL + 0.0 * 0.0);
    c->lhc_on = -(int64_t)(m->lhc_enabled && s->lhc.mass_tested);
    c->wtop = s->lhc.nw > 0 ? zp_lhc_widths(&s->lhc)[s->lhc.nw - 1] : s->lhc.width[0];
    c->Lt[0] = s->lhc.limit[0];
    c->St[0] = 0.0;
    c->Wt[0] = s->lhc.width[0];
    c->wide = s->lhc.nw > VL;
    c->nw = s->lhc.nw;
    c->W = zp_lhc_widths(&s->lhc);
    c->L = zp_lhc_limits(&s->lhc);
    c->S = zp_lhc_slopes(&s->lhc);
    c->binned = m->cc.lhc.binned;
    c->cls = m->lhc_cls_stored;
    c->bin = s->lhc.bin;
    for (int j = 0; j + 1 < VL; ++j) {
        c->Lt[j + 1] = s->lhc.limit[j];
        c->St[j + 1] = s->lhc.slope[j];
        c->Wt[j + 1] = s->lhc.width[j];
    }
    /* Gamma/M is a sum of non-negative terms (or NaN, never LHC-tested): a width <= 0 is
     * always passed. Repeated widths at the end (the padding) have slope 0 and the same
     * limit, so stopping at the first of them gives the same value. */
    const int wpos = m->w_ll >= 0 && m->w_bs >= 0 && m->w_nu >= 0 && m->w_extra >= 0;
    c->j0 = 1;
    c->k0 = 0;
    while (wpos && c->j0 < VL && c->Wt[c->j0] <= 0.0) {
        ++c->j0;
        ++c->k0;
    }
    c->j1 = VL - 1;
    while (c->j1 > c->j0 && c->Wt[c->j1] == c->Wt[c->j1 - 1]) --c->j1;
}

/* the points the LHC tests: a tested mass, Gamma/M within its table (NaN never) */
INLINE vi zp_lhc_tested(const zp_lhc_rc *c, vd w) { return c->lhc_on & (w <= c->wtop); }

INLINE void zp_lhc_part1(const int full, const zp_lhc_rc *c, const zp_pt *p, zp_lhc_st *st, zp_blk *b)
{
    (void)full, (void)b;
    /* sigma B = P gq2 wl / w; the verdict compares num = P gq2 wl with limit * w instead
     * (no divide; w = 0 only when wl = 0); (P gq2) wl, P gq2 a row constant at gqR = 0 */
    st->num = (p->r0 ? (vd){0} + c->P0 : c->P * p->gq2) * p->wl;
}

/* sqrt(Delta chi^2) or sqrt(chi2_A) from rows q of nodes k, k + 1 (zp_binned_tab_eval) */
INLINE vd zp_lhc_binned_q(const float *q, vi i0, vi i1, vd fw, vd g)
{
    vd a, a1, z, z1;
    vgatherf2(q, i0, &a, &a1);
    vgatherf2(q, i1, &z, &z1);
    return (1.0 - fw) * ((1.0 - g) * a + g * a1) + fw * ((1.0 - g) * z + g * z1);
}
INLINE vd zp_lhc_binned_tail(const float *q, const double *sl, vi k, vi i0l, vi i1l, vd fw, vd dt)
{
    const vd a = vgatherf(q, i0l), z = vgatherf(q, i1l);
    return (1.0 - fw) * (a * a + dt * vgather(sl, k)) + fw * (z * z + dt * vgather(sl, k + 1));
}

/* The binned method's Delta chi^2 (into chi2_total when in combine) and, in the full pass,
 * lhc_chi2, lhc_cls, lhc_ul: the tables of src/binned.c interpolated exactly as
 * zp_binned_tab_eval does, in Gamma/M between the width nodes k, k + 1 and in the table
 * coordinate u of t = sigmaB_fid S (zp_binned_u: 16 sqrt(t), then a pseudo log2 from the
 * bits of t), linear in t past the last node. */
/* The binned method's limit at Gamma/M: linear between the uniform cell edges (xc), one
 * level of loads from the cell (zp_binned_tab_eval does the same) */
INLINE vd zp_lhc_binned_lim(const zp_binned_tab *T, vd w, vi *cell, vd *frac)
{
    const vd zero = {0};
    vd u = (w - T->w[0]) * T->inv_h;
    u = vsel(u >= 0.0, u, zero); /* NaN to 0 */
    u = vsel(u <= T->ncell - 1, u, zero + (T->ncell - 1));
    const vi c = __builtin_convertvector(u, vi);
    const vd fc = u - __builtin_convertvector(c, vd);
    *cell = c;
    *frac = fc;
    return (1.0 - fc) * vgather(T->xc, c) + fc * vgather(T->xc, c + 1);
}

/* ... and the node k (w[k] <= Gamma/M < w[k + 1], the ends clamped) with the fraction fw
 * across it, for the likelihood's rows: k = kc + (w >= split) of the cell */
INLINE void zp_lhc_binned_node(const zp_binned_tab *T, vd w, vi c, vi *kout, vd *fwout)
{
    const vd zero = {0};
    vi k = vgatheri(T->kc, c);
    k -= (vi)(w >= vgather(T->split, c)); /* -1 where true */
    while (T->capped) { /* cells wider than the closest nodes: the rest by search */
        const vi nxt = (w >= vgather(T->w, k + 1)) & (k + 2 < T->nw);
        if (!any_set(nxt)) break;
        k -= nxt;
    }
    vd fw = (w - vgather(T->w, k)) * vgather(T->idw, k);
    fw = vsel(fw >= 0.0, fw, zero); /* NaN (never tested) to 0 */
    fw = vsel(fw <= 1.0, fw, zero + 1.0);
    *kout = k;
    *fwout = fw;
}

/* The binned method's Delta chi^2 (into chi2_total when in combine) and, in the full pass,
 * lhc_chi2, lhc_cls, lhc_ul: the tables of src/binned.c interpolated exactly as
 * zp_binned_tab_eval does, in Gamma/M between the width nodes k, k + 1 and in the table
 * coordinate u of t = sigmaB_fid S (zp_binned_u: 16 sqrt(t), then a pseudo log2 from the
 * bits of t), linear in t past the last node. */
INLINE void zp_lhc_binned(const int full, const zp_lhc_rc *c, const zp_lhc_st *st, vd w, vd lim, vi tested,
                          vi cell, vd fc, zp_blk *b, const zp_outs *out, int64_t i, int64_t nr)
{
    const vd zero = {0}, nan = zero + NAN;
    vd D = nan, A = nan;
    const zp_binned_tab *T = c->bin;
    if (T) {
        const int64_t nt = T->nt;
        vi k;
        vd fw;
        zp_lhc_binned_node(T, w, cell, &k, &fw);
        const vd x = st->num / vsel(w > 0.0, w, zero + 1.0); /* sigmaB_fid */
        const vd t = x * ((1.0 - fc) * vgather(T->sc, cell) + fc * vgather(T->sc, cell + 1));
        const vi bits = (vi)t;
        const vd mant = (vd)((bits & INT64_C(0x000FFFFFFFFFFFFF)) | INT64_C(0x3FF0000000000000));
        const vd e = __builtin_convertvector((bits >> 52) - (1023 + 8), vd);
        const vd ulog = ZP_BINNED_NSQ + ZP_BINNED_PER_OCT * (e + (mant - 1.0));
        vd u = vsel(t <= 256.0, 16.0 * vsqrt(t), ulog);
        u = vsel((u >= 0.0) & (t <= ZP_BINNED_TMAX), u, zero); /* NaN and the tail: row 0 (unused) */
        vi j = __builtin_convertvector(u, vi);
        const vi over = j > nt - 2;
        j = (j & ~over) | ((nt - 2) & over);
        const vd g = u - __builtin_convertvector(j, vd);
        const vi i0 = k * nt + j, i1 = i0 + nt;
        const vi tail = t > ZP_BINNED_TMAX;
        const int anytail = any_set(tail);
        const vi l0 = k * nt + (nt - 1), l1 = l0 + nt;
        const vd dt = t - ZP_BINNED_TMAX;
        const vd qo = zp_lhc_binned_q(T->qo, i0, i1, fw, g);
        D = qo * qo;
        if (anytail) D = vsel(tail, zp_lhc_binned_tail(T->qo, T->so, k, l0, l1, fw, dt), D);
        D = vsel(tested, D, nan);
        if (full) {
            const vd qa = zp_lhc_binned_q(T->qa, i0, i1, fw, g);
            A = qa * qa;
            if (anytail) A = vsel(tail, zp_lhc_binned_tail(T->qa, T->sa, k, l0, l1, fw, dt), A);
        }
    }
    ZP_CHI2(b, ZP_BIT_LHC, D);
    if (full) {
        vd cls = nan;
        for (int l = 0; c->cls && l < VL; ++l) { /* CLs = [1 - Phi(qo)] / Phi(qa - qo) (zp_binned_cls);
                                                     two erfc per point: only when lhc_cls is written */
            const double qo = __builtin_sqrt(D[l]), qa = __builtin_sqrt(A[l]);
            const double den = 0.5 * erfc(-(qa - qo) / M_SQRT2);
            cls[l] = D[l] != D[l] ? NAN : den > 0 ? 0.5 * erfc(qo / M_SQRT2) / den : 0.0;
        }
        ZP_PUT(full, out, ZP_OBS_LHC_CHI2, D, i, nr);
        ZP_PUT(full, out, ZP_OBS_LHC_CLS, cls, i, nr);
        ZP_PUT(full, out, ZP_OBS_LHC_UL, vsel(tested, lim, nan), i, nr);
    }
}

INLINE void zp_lhc_part2(const int full, const zp_lhc_rc *c, const zp_pt *p, const zp_lhc_st *st,
                         zp_blk *b, const zp_outs *out, int64_t i, int64_t nr)
{
    const vd zero = {0}, w = p->w;
    /* the limit: k = number of segment starts Wt[1..7] <= w, counted from the sign bits of
     * w - Wt[j] (>= 0 exactly when w >= Wt[j]; NaN w is never tested), then the segment's
     * L, S, W by a lane permute: the same L + S (w - W) as a search would give. The binned
     * method: its tables' cells (zp_lhc_binned_lim). */
    vd lim, fc = zero;
    vi cell = (vi){0};
    if (c->bin) {
        lim = zp_lhc_binned_lim(c->bin, w, &cell, &fc);
    } else if (!c->wide) {
        vi k = (vi){0} + (c->k0 + c->j1 - c->j0 + 1);
        for (int j = c->j0; j <= c->j1; ++j) k += (vi)(w - c->Wt[j]) >> 63;
        lim = vperm(c->Lt, k) + vperm(c->St, k) * (w - vperm(c->Wt, k));
    } else { /* more segments than lanes: the last segment whose start is <= w */
        lim = zero + c->L[0];
        for (int j = 0; j + 1 < c->nw; ++j)
            lim = vsel(w >= c->W[j], c->L[j] + c->S[j] * (w - c->W[j]), lim);
    }
    const vi tested = zp_lhc_tested(c, w);
    const vi lhcok = tested & (st->num <= lim * w); /* sigma B <= limit (lim > 0) */
    ZP_SETBIT(b, lhcok, ZP_BIT_LHC);
    ZP_UNTESTED(b, ~tested, ZP_BIT_LHC, ZP_BIT_LHC_UNTESTED);
    if (full) {
        const vd sbf = st->num / vsel(w > 0.0, w, zero + 1.0); /* w = 0 only when wl = 0 */
        ZP_PUT(full, out, ZP_OBS_SIGMAB_FID, sbf, i, nr);
        ZP_PUT(full, out, ZP_OBS_LHC_LIMIT, vsel(tested, lim, zero + NAN), i, nr);
        ZP_PUT(full, out, ZP_OBS_LHC_RATIO, vsel(tested, sbf / lim, zero + NAN), i, nr);
        if (!c->binned) {
            ZP_PUT(full, out, ZP_OBS_LHC_CLS, zero + NAN, i, nr);
            ZP_PUT(full, out, ZP_OBS_LHC_CHI2, zero + NAN, i, nr);
            ZP_PUT(full, out, ZP_OBS_LHC_UL, zero + NAN, i, nr);
        }
    }
    /* the verdicts pass needs the likelihood only for chi2_total, and only in lanes where the
     * other terms are defined: NaN + x is NaN (the flavour fit's untested points), so a block
     * whose sum is NaN in every lane keeps it without the table lookups */
    if (c->binned && (full || ((b->comb & ZP_BITV(ZP_BIT_LHC)) && !b->nan && any_set(b->chi2 == b->chi2))))
        zp_lhc_binned(full, c, st, w, lim, tested, cell, fc, b, out, i, nr);
}
#endif
ZP_CONSTRAINT(lhc)
