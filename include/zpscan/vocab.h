/* The one vocabulary: the verdict bits, the per-point observables and the constraints,
 * generated from the constraint registry (src/constraints/registry.h). Names, units and
 * descriptions live in each constraint's file; config, kernels, h5out, projections, the
 * run record and the file's attributes all read them from the tables below. */
#ifndef ZPSCAN_VOCAB_H
#define ZPSCAN_VOCAB_H

#include <stdint.h>

/* The grid's axes, slowest first (the order of every /points dataset). */
enum { ZP_AX_MASS = 0, ZP_AX_GQL, ZP_AX_GQR, ZP_AX_GV, ZP_AX_GA, ZP_NAXES };
typedef struct {
    const char *name, *units, *description;
} zp_axis_desc;
extern const zp_axis_desc zp_axes[ZP_NAXES];
extern const char *const zp_axis_names[ZP_NAXES]; /* "mass","gqL","gqR","gV","gA" */

/* constraint indices, in registry order */
enum {
#define ZP_CONSTRAINT(n) ZP_C_##n,
#include "constraints/registry.h"
#undef ZP_CONSTRAINT
    ZP_NCONSTRAINTS
};

/* Verdict bits of /points/pass: two combined bits, each constraint's bits in registry
 * order, then "allowed". */
enum {
    ZP_BIT_ALL = 0,    /* every evaluated constraint named in `combine` passes */
    ZP_BIT_COMPLETE,   /* every constraint named in `combine` was evaluated */
#define ZP_BIT_ENUM_(x, E, name, desc) ZP_BIT_##E,
#define ZP_CONSTRAINT(n) zp_##n##_bits(ZP_BIT_ENUM_, ZP_BIT_ENUM_, n)
#include "constraints/registry.h"
#undef ZP_CONSTRAINT
#undef ZP_BIT_ENUM_
    ZP_BIT_ALLOWED,    /* ALL and COMPLETE: allowed by every constraint in `combine` */
    ZP_NBITS
};

/* Observables that can be stored per point (float32 each), in registry order, then the
 * combined Delta chi^2. */
enum {
#define ZP_OBS_ENUM_(x, E, name, units, dflt, proj, desc) ZP_OBS_##E,
#define ZP_CONSTRAINT(n) zp_##n##_obs(ZP_OBS_ENUM_, n)
#include "constraints/registry.h"
#undef ZP_CONSTRAINT
#undef ZP_OBS_ENUM_
    ZP_OBS_CHI2_TOTAL, /* sum of the Delta chi^2 of the constraints in `combine` that define one */
    ZP_NOBS
};

/* the verdict word of one point */
typedef uint32_t zp_mask;
_Static_assert(ZP_NBITS <= 8 * (int)sizeof(zp_mask), "zp_mask holds every verdict bit");

typedef struct {
    const char *name, *description;
    int constraint; /* ZP_C_*, or -1 for the combined bits */
    int untested;   /* 1: set where the constraint was not evaluated */
} zp_bit_desc;

typedef struct {
    const char *name, *units, *description;
    int constraint;
    int is_default; /* stored by `observables = default` */
    int projected;  /* written by the verdicts kernel too (the projections read it) */
} zp_obs_desc;

typedef struct {
    const char *name;        /* as in `combine` and the bit name of its pass bit */
    const char *section;     /* its INI section, "" when it has none */
    const char *summary;     /* one line for --help and the docs */
    const char *chi2;        /* how it defines Delta chi^2; "" when it defines none */
    int pass_bit, untested_bit; /* untested_bit -1 when it is always decided */
    const char *const *keys; /* INI keys of its section, NULL-terminated, and their help */
    const char *const *key_help;
} zp_constraint_desc;

extern const zp_bit_desc zp_bits[ZP_NBITS];
extern const zp_obs_desc zp_obs[ZP_NOBS];
extern const zp_constraint_desc zp_constraints[ZP_NCONSTRAINTS];
extern const char *const zp_bit_names[ZP_NBITS];
extern const char *const zp_obs_names[ZP_NOBS];

/* the constraint of this name, or -1 */
int zp_constraint_find(const char *name);

#endif
