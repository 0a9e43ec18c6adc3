/* The LHC dilepton search (docs/PHYSICS.md §6-7): sigma(pp -> Z') B(Z' -> l+l-) A in the
 * fiducial region, LO and narrow width, against ATLAS's 139 fb^-1 limits at the point's
 * mass and Gamma/M (method "fiducial_limit": a cut; it defines no likelihood). Untested
 * where disabled, outside the limit table's masses or beyond its widest width. */
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
    O(x, LHC_RATIO, "lhc_ratio", "1", 1, 0, "sigmaB_fid / lhc_limit (excluded above 1); NaN where not tested")
#define zp_lhc_keys(K, x)                                                                        \
    K(x, "enabled", "yes | no")                                                                   \
    K(x, "lumi_table", "parton-luminosity table")                                                 \
    K(x, "limits", "cross-section limit table")                                                   \
    K(x, "include_nu", "yes | no: add Gamma(Z'->nu nubar)")                                       \
    K(x, "extra_width", "extra width as a fraction of M (>= 0)")                                  \
    K(x, "pdf_set", "LHAPDF set: compute the luminosity table at start")                          \
    K(x, "pdf_member", "LHAPDF member (>= 0)")                                                    \
    K(x, "pt_min", "lepton pT cut, GeV (with pdf_set)")                                           \
    K(x, "eta_max", "lepton |eta| cut (with pdf_set)")
/* the fiducial-limit method is a cut on a published limit: it defines no likelihood */
/* (its INI section or "", one line for --help, how it defines Delta chi^2 or "") */
#define zp_lhc_about "lhc", "ATLAS 13 TeV 139 fb^-1 dilepton search, fiducial limits", \
    ""
#endif

#if defined(ZP_CONSTRAINT_CFG) && !defined(ZP_C_LHC_CFG)
#define ZP_C_LHC_CFG
ZP_CONSTRAINT_NO_CFG(lhc)
#endif

#if defined(ZP_CONSTRAINT_IMPL) && !defined(ZP_C_LHC_IMPL)
#define ZP_C_LHC_IMPL
ZP_CONSTRAINT_NO_EXTRAS(lhc) /* its settings: zp_config.lhc (config.h) */
/* its [lhc] keys (docs/INPUT.md); data-file paths are relative to the input file */
static zp_status zp_lhc_parse(const zp_ini_doc *d, zp_config *c, const char *dir)
{
    const zp_ini_ent *e;
    if ((e = zp_ini_get(d, "lhc", "enabled"))) ZP_TRY(zp_ini_bool(d, e, &c->lhc.enabled));
    ZP_TRY(zp_ini_file_key(d, "lhc", "lumi_table", dir, c->lhc.lumi_path, sizeof c->lhc.lumi_path));
    ZP_TRY(zp_ini_file_key(d, "lhc", "limits", dir, c->lhc.limits_path, sizeof c->lhc.limits_path));
    if ((e = zp_ini_get(d, "lhc", "include_nu"))) ZP_TRY(zp_ini_bool(d, e, &c->lhc.include_nu));
    if ((e = zp_ini_get(d, "lhc", "extra_width"))) ZP_TRY(zp_ini_nonneg(d, e, &c->lhc.extra_width));
    if ((e = zp_ini_get(d, "lhc", "pdf_set"))) {
        if (strlen(e->val) >= sizeof c->lhc.pdf_set)
            return ZP_INI_BAD(d, e, "set name too long (at most %zu characters)",
                        sizeof c->lhc.pdf_set - 1);
        snprintf(c->lhc.pdf_set, sizeof c->lhc.pdf_set, "%s", e->val);
    }
    if ((e = zp_ini_get(d, "lhc", "pdf_member"))) {
        int64_t m;
        ZP_TRY(zp_ini_int(d, e, &m));
        if (m < 0 || m > 9999) /* LHAPDF numbers member files _0000 to _9999 */
            return ZP_INI_BAD(d, e, "must be between 0 and 9999 (got %s)", e->val);
        c->lhc.pdf_member = (int)m;
    }
    if ((e = zp_ini_get(d, "lhc", "pt_min"))) ZP_TRY(zp_ini_nonneg(d, e, &c->lhc.pt_min));
    if ((e = zp_ini_get(d, "lhc", "eta_max"))) {
        ZP_TRY(zp_ini_real(d, e, &c->lhc.eta_max));
        if (!(c->lhc.eta_max > 0)) return ZP_INI_BAD(d, e, "must be > 0 (got %s)", e->val);
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
    if (!c->lhc.enabled) return ZP_OK;
    if (c->lhc.pdf_set[0]) {
        zp_pdf *pdf = NULL;
        const zp_status st = zp_pdf_open(c->lhc.pdf_set, c->lhc.pdf_member, &pdf);
        zp_pdf_free(pdf);
        if (st != ZP_OK) {
            char pre[1200];
            snprintf(pre, sizeof pre, "%s:%d: [lhc] pdf_set", in->path, zp_ini_line(in, "lhc", "pdf_set"));
            zp_err_prefix(pre);
            return st;
        }
    } else {
        ZP_TRY(zp_lhc_readable(in, "lumi_table", c->lhc.lumi_path));
        zp_lumi_table *t = malloc(sizeof *t);
        if (!t) ZP_FAIL(ZP_ENOMEM, "out of memory");
        zp_status st = zp_lumi_table_read(c->lhc.lumi_path, t);
        if (st == ZP_OK && t->sqrts != c->k.sqrts)
            st = zp_ini_bad(in->path, zp_ini_line(in, "constants", "sqrts"), "constants", "sqrts",
                            "%g GeV, but the luminosity table %s is for %g GeV (set sqrts = %g, or give "
                            "[lhc] lumi_table or pdf_set for %g GeV)", c->k.sqrts, c->lhc.lumi_path, t->sqrts,
                            t->sqrts, c->k.sqrts);
        free(t);
        ZP_TRY(st);
    }
    return zp_lhc_readable(in, "limits", c->lhc.limits_path);
}
#endif

#if defined(ZP_KERNEL_PASS) && !defined(ZP_C_LHC_KERNEL)
#define ZP_C_LHC_KERNEL
_Static_assert(ZP_LHC_PAD == VL, "the slice holds one vector of padded widths inline");
typedef struct {
    double P, wtop;
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
} zp_lhc_rc;
typedef struct {
    vd num;
} zp_lhc_st;

INLINE void zp_lhc_rc_init(zp_lhc_rc *c, const zp_model *m, const zp_mass_slice *s, double gqL)
{
    (void)gqL;
    c->P = s->lhc.sigma_per_g2 * s->lhc.acceptance;
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

INLINE void zp_lhc_part1(const int full, const zp_lhc_rc *c, const zp_pt *p, zp_lhc_st *st, zp_blk *b)
{
    (void)full, (void)b;
    /* sigma B = P gq2 wl / w; the verdict compares num = P gq2 wl with limit * w instead
     * (no divide; w = 0 only when wl = 0) */
    st->num = c->P * p->gq2 * p->wl;
}

INLINE void zp_lhc_part2(const int full, const zp_lhc_rc *c, const zp_pt *p, const zp_lhc_st *st,
                         zp_blk *b, const zp_outs *out, int64_t i, int64_t nr)
{
    const vd zero = {0}, w = p->w;
    /* the limit: k = number of segment starts Wt[1..7] <= w, counted from the sign bits of
     * w - Wt[j] (>= 0 exactly when w >= Wt[j]; NaN w is never tested), then the segment's
     * L, S, W by a lane permute: the same L + S (w - W) as a search would give. */
    vd lim;
    if (!c->wide) {
        vi k = (vi){0} + (c->k0 + c->j1 - c->j0 + 1);
        for (int j = c->j0; j <= c->j1; ++j) k += (vi)(w - c->Wt[j]) >> 63;
        lim = vperm(c->Lt, k) + vperm(c->St, k) * (w - vperm(c->Wt, k));
    } else { /* more segments than lanes: the last segment whose start is <= w */
        lim = zero + c->L[0];
        for (int j = 0; j + 1 < c->nw; ++j)
            lim = vsel(w >= c->W[j], c->L[j] + c->S[j] * (w - c->W[j]), lim);
    }
    const vi tested = c->lhc_on & (w <= c->wtop);
    const vi lhcok = tested & (st->num <= lim * w); /* sigma B <= limit (lim > 0) */
    b->bits |= (lhcok & ZP_BITV(ZP_BIT_LHC)) | (~tested & ZP_BITV(ZP_BIT_LHC_UNTESTED));
    b->untested |= ~tested & ZP_BITV(ZP_BIT_LHC);
    if (full) {
        const vd sbf = st->num / vsel(w > 0.0, w, zero + 1.0); /* w = 0 only when wl = 0 */
        ZP_PUT(full, out, ZP_OBS_SIGMAB_FID, sbf, i, nr);
        ZP_PUT(full, out, ZP_OBS_LHC_LIMIT, vsel(tested, lim, zero + NAN), i, nr);
        ZP_PUT(full, out, ZP_OBS_LHC_RATIO, vsel(tested, sbf / lim, zero + NAN), i, nr);
    }
}
#endif
ZP_CONSTRAINT(lhc)
