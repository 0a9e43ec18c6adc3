/* The constraints' input side, expanded from the registry: each header's
 * ZP_CONSTRAINT_IMPL part defines zp_<name>_parse and zp_<name>_load. */
#include "zpscan/constraints.h"

#include "zpscan/h5attr.h"
#include "zpscan/lhc.h"
#include "zpscan/binned.h"
#include "zpscan/preflight.h"
#include "zpscan/pdf.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* for a constraint whose settings live elsewhere (nothing to default or record here) */
#define ZP_CONSTRAINT_NO_EXTRAS(n)                                                               \
    static void zp_##n##_defaults(zp_config *c) { (void)c; }                                     \
    static zp_status zp_##n##_record(hid_t grp, const zp_config *c)                              \
    {                                                                                            \
        (void)grp, (void)c;                                                                      \
        return ZP_OK;                                                                            \
    }                                                                                            \
    static void zp_##n##_unpath(zp_##n##_cfg *s) { (void)s; }
/* for a constraint without a section or data file */
#define ZP_CONSTRAINT_NO_INPUTS(n)                                                               \
    ZP_CONSTRAINT_NO_EXTRAS(n)                                                                   \
    static zp_status zp_##n##_parse(const zp_ini_doc *d, zp_config *c, const char *dir)          \
    {                                                                                            \
        (void)d, (void)c, (void)dir;                                                             \
        return ZP_OK;                                                                            \
    }                                                                                            \
    static zp_status zp_##n##_load(const zp_ini_doc *d, zp_config *c)                            \
    {                                                                                            \
        (void)d, (void)c;                                                                        \
        return ZP_OK;                                                                            \
    }

#define ZP_CONSTRAINT_IMPL 1
#define ZP_CONSTRAINT(n)
#include "constraints/registry.h"
#undef ZP_CONSTRAINT

zp_status zp_constraints_parse(const zp_ini_doc *d, zp_config *c, const char *dir)
{
#define ZP_CONSTRAINT(n) ZP_TRY(zp_##n##_parse(d, c, dir));
#include "constraints/registry.h"
#undef ZP_CONSTRAINT
    return ZP_OK;
}

void zp_constraints_defaults(zp_config *c)
{
#define ZP_CONSTRAINT(n) zp_##n##_defaults(c);
#include "constraints/registry.h"
#undef ZP_CONSTRAINT
}

zp_status zp_constraints_record(hid_t grp, const zp_config *c)
{
#define ZP_CONSTRAINT(n) ZP_TRY(zp_##n##_record(grp, c));
#include "constraints/registry.h"
#undef ZP_CONSTRAINT
    return ZP_OK;
}

zp_status zp_constraints_load(const zp_ini_doc *d, zp_config *c)
{
#define ZP_CONSTRAINT(n) ZP_TRY(zp_##n##_load(d, c));
#include "constraints/registry.h"
#undef ZP_CONSTRAINT
    return ZP_OK;
}

void zp_constraints_unpath(zp_constraint_cfgs *cc)
{
#define ZP_CONSTRAINT(n) zp_##n##_unpath(&cc->n);
#include "constraints/registry.h"
#undef ZP_CONSTRAINT
}

int zp_constraint_defines_chi2(const zp_config *c, int k)
{
    if (!zp_constraints[k].chi2[0]) return 0;
    /* the one constraint whose likelihood depends on its method */
    return zp_constraints[k].pass_bit != ZP_BIT_LHC || c->cc.lhc.binned;
}
