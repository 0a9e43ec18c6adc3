/* LHAPDF6 grid reader (lhagrid1) with LHAPDF's log-bicubic interpolation.
 *
 * A set lives in <dir>/<set>/<set>.info plus member files <dir>/<set>/<set>_NNNN.dat;
 * <dir> is searched along LHAPDF_DATA_PATH (colon-separated, first hit wins).
 *
 * Interpolation follows LHAPDF's LogBicubicInterpolator: in each subgrid, cubic Hermite
 * in ln x with finite-difference knot derivatives (central inside, one-sided at the
 * ends), then cubic Hermite in ln Q^2 of those x-interpolated values with the same kind
 * of derivatives (linear in ln Q^2 when the subgrid has fewer than 4 Q knots). The
 * subgrid is the last one whose lowest Q is <= Q (so a shared boundary knot belongs to
 * the higher subgrid, as in LHAPDF).
 *
 * Out-of-grid policy (explicit, per handle): ZP_PDF_EXTRAP_ERROR (the default) refuses
 * x outside [xmin, xmax] or Q outside [qmin, qmax] with ZP_EINPUT; ZP_PDF_EXTRAP_NEAREST
 * clamps x and Q to the grid edge (LHAPDF's "nearest" extrapolator). Nothing is ever read
 * outside the stored knots.
 *
 * Flavours: PDG ids -6..6, 21 (0 is taken as the gluon, as in LHAPDF) and 22. A valid id
 * the grid does not carry evaluates to 0 (LHAPDF does the same); any other id is an error.
 * The handle is read-only after loading, so concurrent evaluation is safe. */
#ifndef ZPSCAN_PDF_H
#define ZPSCAN_PDF_H

#include "zpscan/error.h"

typedef struct zp_pdf zp_pdf;

typedef enum {
    ZP_PDF_EXTRAP_ERROR = 0,   /* refuse points outside the grid */
    ZP_PDF_EXTRAP_NEAREST      /* clamp to the nearest grid edge */
} zp_pdf_extrap;

/* Load member `member` of set `setname`, searching LHAPDF_DATA_PATH. */
zp_status zp_pdf_open(const char *setname, int member, zp_pdf **out);
/* Same with an explicit colon-separated search path (NULL: LHAPDF_DATA_PATH). */
zp_status zp_pdf_open_path(const char *datapath, const char *setname, int member, zp_pdf **out);
void zp_pdf_free(zp_pdf *pdf);

void zp_pdf_set_extrapolation(zp_pdf *pdf, zp_pdf_extrap policy);

/* x f(x, Q) and f(x, Q) = x f / x. Q in GeV. */
zp_status zp_pdf_xfxq(const zp_pdf *pdf, int pid, double x, double q, double *xf);
zp_status zp_pdf_fxq(const zp_pdf *pdf, int pid, double x, double q, double *f);

/* Grid ranges and provenance. */
double zp_pdf_xmin(const zp_pdf *pdf);
double zp_pdf_xmax(const zp_pdf *pdf);
double zp_pdf_qmin(const zp_pdf *pdf);
double zp_pdf_qmax(const zp_pdf *pdf);
int zp_pdf_nsubgrids(const zp_pdf *pdf);
int zp_pdf_has_flavour(const zp_pdf *pdf, int pid);
const char *zp_pdf_setname(const zp_pdf *pdf);
int zp_pdf_member(const zp_pdf *pdf);
const char *zp_pdf_member_path(const zp_pdf *pdf);

#endif
