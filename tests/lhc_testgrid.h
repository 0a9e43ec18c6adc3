/* Test helper: write LHAPDF6 sets from analytic functions into a temporary directory. */
#ifndef ZP_LHC_TESTGRID_H
#define ZP_LHC_TESTGRID_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef double (*tg_fn)(int pid, double x, double q);

/* Knots: nlog log-spaced in [xmin, 0.1), then nlin linear in [0.1, 1]. */
static inline int tg_xknots(double *x, double xmin, int nlog, int nlin)
{
    int n = 0;
    for (int i = 0; i < nlog; ++i) x[n++] = xmin * pow(0.1 / xmin, (double)i / nlog);
    for (int i = 0; i < nlin; ++i) x[n++] = 0.1 + 0.9 * (double)i / (nlin - 1);
    return n;
}

/* Write one member file with subgrids split at the given Q edges (nsub+1 edges, nq knots
 * per subgrid, log-spaced). Negative numbers are written fused to the previous token
 * ("1.0e-01-2.0e-03") as real grids do. Returns 0 on success. */
static inline int tg_write_member(const char *path, tg_fn fn, const double *x, int nx,
                                  const double *qedge, int nsub, int nq, const int *pids, int npid)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fprintf(f, "PdfType: central\nFormat: lhagrid1\n---\n");
    for (int s = 0; s < nsub; ++s) {
        double q[256];
        for (int i = 0; i < nq; ++i) q[i] = qedge[s] * pow(qedge[s + 1] / qedge[s], (double)i / (nq - 1));
        q[nq - 1] = qedge[s + 1];
        for (int i = 0; i < nx; ++i) fprintf(f, "%.15e%s", x[i], i + 1 < nx ? " " : "\n");
        for (int i = 0; i < nq; ++i) fprintf(f, "%.15e%s", q[i], i + 1 < nq ? " " : "\n");
        for (int i = 0; i < npid; ++i) fprintf(f, "%d%s", pids[i], i + 1 < npid ? " " : "\n");
        for (int ix = 0; ix < nx; ++ix)
            for (int iq = 0; iq < nq; ++iq) {
                for (int k = 0; k < npid; ++k) {
                    double v = fn(pids[k], x[ix], q[iq]);
                    /* fused when negative: no blank before the sign */
                    fprintf(f, "%s%.15e", (k == 0 || v < 0) ? "" : " ", v);
                }
                fputc('\n', f);
            }
        fprintf(f, "---\n");
    }
    return fclose(f);
}

static inline int tg_write_info(const char *path, int nmembers)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fprintf(f, "SetDesc: \"analytic test set\"\nFormat: lhagrid1\nNumMembers: %d\nFlavors: []\n", nmembers);
    return fclose(f);
}

#endif
