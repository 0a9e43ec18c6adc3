/* The vocabulary tables, expanded from the constraint registry. */
#include "zpscan/vocab.h"

#include <stddef.h>
#include <string.h>

#define COUPLING "1 (multiples of g' = g2/(2 cW))"
const zp_axis_desc zp_axes[ZP_NAXES] = {
    [ZP_AX_MASS] = {"mass", "GeV", "Z' mass M"},
    [ZP_AX_GQL] = {"gqL", COUPLING, "left-handed sbar-b coupling gqL"},
    [ZP_AX_GQR] = {"gqR", COUPLING, "right-handed sbar-b coupling gqR"},
    [ZP_AX_GV] = {"gV", COUPLING, "vector lepton coupling gV"},
    [ZP_AX_GA] = {"gA", COUPLING, "axial lepton coupling gA"},
};
#undef COUPLING
const char *const zp_axis_names[ZP_NAXES] = {"mass", "gqL", "gqR", "gV", "gA"};

#define BIT_(x, E, name, desc) [ZP_BIT_##E] = {name, desc, ZP_C_##x, 0},
#define UBIT_(x, E, name, desc) [ZP_BIT_##E] = {name, desc, ZP_C_##x, 1},
const zp_bit_desc zp_bits[ZP_NBITS] = {
    [ZP_BIT_ALL] = {"all", "every constraint named in the input's [scan] combine that was evaluated at this point passes", -1, 0},
    [ZP_BIT_COMPLETE] = {"complete", "every constraint named in combine was evaluated at this point (all & complete = allowed by all)", -1, 0},
#define ZP_CONSTRAINT(n) zp_##n##_bits(BIT_, UBIT_, n)
#include "constraints/registry.h"
#undef ZP_CONSTRAINT
    [ZP_BIT_ALLOWED] = {"allowed", "all and complete: every constraint named in combine was evaluated and passes", -1, 0},
};
#undef BIT_
#undef UBIT_

#define NAME_(x, E, name, ...) [ZP_BIT_##E] = name,
const char *const zp_bit_names[ZP_NBITS] = {
    [ZP_BIT_ALL] = "all",
    [ZP_BIT_COMPLETE] = "complete",
#define ZP_CONSTRAINT(n) zp_##n##_bits(NAME_, NAME_, n)
#include "constraints/registry.h"
#undef ZP_CONSTRAINT
    [ZP_BIT_ALLOWED] = "allowed",
};
#undef NAME_

#define OBS_(x, E, name, units, dflt, proj, desc) [ZP_OBS_##E] = {name, units, desc, ZP_C_##x, dflt, proj},
const zp_obs_desc zp_obs[ZP_NOBS] = {
#define ZP_CONSTRAINT(n) zp_##n##_obs(OBS_, n)
#include "constraints/registry.h"
#undef ZP_CONSTRAINT
    [ZP_OBS_CHI2_TOTAL] = {"chi2_total", "1",
                           "sum of the Delta chi^2 (-2 ln L relative to each constraint's best point) of the "
                           "constraints named in combine that define a likelihood (/inputs attribute "
                           "chi2_terms); NaN where one of them is not evaluated", -1, 0, 1},
};
#undef OBS_

#define ONAME_(x, E, name, ...) [ZP_OBS_##E] = name,
const char *const zp_obs_names[ZP_NOBS] = {
#define ZP_CONSTRAINT(n) zp_##n##_obs(ONAME_, n)
#include "constraints/registry.h"
#undef ZP_CONSTRAINT
    [ZP_OBS_CHI2_TOTAL] = "chi2_total",
};
#undef ONAME_

/* each constraint's key names and help, NULL-terminated */
#define KEY_(x, key, help) key,
#define HELP_(x, key, help) help,
#define ZP_CONSTRAINT(n)                                                                         \
    static const char *const keys_##n[] = {zp_##n##_keys(KEY_, n) NULL};                          \
    static const char *const help_##n[] = {zp_##n##_keys(HELP_, n) NULL};
#include "constraints/registry.h"
#undef ZP_CONSTRAINT
#undef KEY_
#undef HELP_

/* the pass bit (B) and the optional "untested" bit (U) of each constraint */
#define PASS_(x, E, ...) ZP_BIT_##E
#define UNT_(x, E, ...) (ZP_BIT_##E + 1) +
#define NONE_(x, E, ...)
#define ZP_CONSTRAINT(n)                                                                         \
    [ZP_C_##n] = {#n, zp_##n##_about,                          \
                  zp_##n##_bits(PASS_, NONE_, n), zp_##n##_bits(NONE_, UNT_, n) 0 - 1,             \
                  keys_##n, help_##n},
const zp_constraint_desc zp_constraints[ZP_NCONSTRAINTS] = {
#include "constraints/registry.h"
};
#undef ZP_CONSTRAINT
#undef PASS_
#undef UNT_
#undef NONE_

int zp_constraint_find(const char *name)
{
    for (int i = 0; i < ZP_NCONSTRAINTS; ++i)
        if (!strcmp(zp_constraints[i].name, name)) return i;
    return -1;
}
