/* Scan configuration: the INI input, validated, with every data file it names loaded.
 * Rank 0 reads and validates; zp_config_bcast ships it to the other ranks.
 * The option table lives in src/config.c only. */
#ifndef ZPSCAN_CONFIG_H
#define ZPSCAN_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "zpscan/error.h"
#include "zpscan/vocab.h"


typedef enum { ZP_SPACING_LIN = 0, ZP_SPACING_LOG, ZP_SPACING_LIST } zp_spacing;
typedef enum { ZP_SIGN_PLUS = 0, ZP_SIGN_MINUS, ZP_SIGN_BOTH } zp_sign;

#define ZP_AXIS_MAX_LIST 4096

typedef struct {
    zp_spacing spacing;
    double min, max;        /* magnitudes for log axes (min > 0) */
    int64_t n;              /* lin: points; log: points per sign */
    zp_sign sign;           /* log axes only */
    int include_zero;       /* log axes only */
    int nlist;              /* explicit values (spacing LIST) */
    double list[ZP_AXIS_MAX_LIST];
} zp_axis_spec;

/* the lepton the Z' couples to; UNIV (lepton = mu+e): the same gV, gA for e and mu */
typedef enum { ZP_LEPTON_MU = 0, ZP_LEPTON_E = 1, ZP_LEPTON_UNIV = 2 } zp_lepton;
/* "mu", "e", "mu+e" */
const char *zp_lepton_name(zp_lepton l);

/* Physical constants, PHYSICS.md §2 plus the bounds of §3; all overridable in [constants]. */
typedef struct {
    double MZ, sin2thetaW, alpha_MZ, alpha_low, VtbVts, m_mu, m_e, S0, sqrts, Nc;
    double bs_mixing_max;      /* |R| bound, 0.10 */
    double lep_lambda_V;       /* GeV, 20600 */
    double lep_lambda_A;       /* GeV, 10100 */
    double bs_cross;           /* the 9.7 of eq. (2.10) */
    double pert_max;           /* bound on g'|g|, sqrt(4 pi) */
    double width_max;          /* bound on Gamma_tot/M, 0.10 */
} zp_constants;
extern const char *const zp_constant_names[]; /* NULL-terminated, same order as the struct */

/* Each constraint's own settings, declared by its header (src/constraints/<name>.h, the
 * ZP_CONSTRAINT_CFG part) as zp_<name>_cfg and reached as c->cc.<name>: its defaults, parser
 * and loader (the IMPL part) fill them. Plain data, so the config is broadcast as bytes. */
#define ZP_CONSTRAINT_NO_CFG(n)                                                                  \
    typedef struct {                                                                             \
        char unused;                                                                             \
    } zp_##n##_cfg;
#define ZP_CONSTRAINT_CFG 1
#define ZP_CONSTRAINT(n)
#include "constraints/registry.h"
#undef ZP_CONSTRAINT
#undef ZP_CONSTRAINT_CFG
typedef struct {
#define ZP_CONSTRAINT(n) zp_##n##_cfg n;
#include "constraints/registry.h"
#undef ZP_CONSTRAINT
} zp_constraint_cfgs;

#define ZP_MAX_PROJ 16
typedef struct {
    char input_path[1024];
    char input_dir[1024];      /* data file paths are relative to the input file */
    char output_path[ZP_PATH_MAX];
    zp_lepton lepton;
    zp_axis_spec axes[ZP_NAXES];
    int64_t tile[ZP_NAXES];    /* 0: choose automatically */
    int store_points;          /* 0: projections only */
    int store_obs[ZP_NOBS];
    unsigned combine;          /* bitmask over ZP_BIT_* of constraints that enter ALL */
    zp_constants k;
    zp_constraint_cfgs cc;     /* the constraints' own settings (their headers) */
    int nproj;
    int proj[ZP_MAX_PROJ][2];  /* axis pairs for /projections (issue 4); default below */
    double checkpoint_seconds; /* how often finished tiles are marked durable */
    double progress_seconds;
    uint64_t max_output_bytes; /* 0: no cap besides free space */
} zp_config;

/* Defaults for every field. */
void zp_config_defaults(zp_config *c);

/* Parse an INI text (the file's content) into c. `path` names it in errors.
 * Errors: ZP_EINPUT with "path:line: [section] key: what is wrong". */
zp_status zp_config_parse(const char *path, const char *text, zp_config *c);

/* Read the file, parse it and load the data files it names (flavour, g-2 preset). */
zp_status zp_config_load(const char *path, zp_config *c, char **text_out);

/* The full text of a file (malloc'd, NUL-terminated); errors name the path. */
zp_status zp_read_text_file(const char *path, char **text, size_t *len);

#endif
