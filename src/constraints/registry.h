/* The registry: every constraint, one line each, in the order of their bits in
 * /points/pass. An X-include file: define ZP_CONSTRAINT(name) before including it; every
 * constraint header ends with ZP_CONSTRAINT(its name), so each inclusion expands the macro
 * once per constraint, in this order. Adding a constraint: docs/DEVELOPING.md. */
#ifndef ZP_CONSTRAINT
#error "define ZP_CONSTRAINT(name) before including constraints/registry.h"
#endif
#include "constraints/flavour.h"
#include "constraints/g2.h"
#include "constraints/lep.h"
#include "constraints/bs_mixing.h"
#include "constraints/perturbative.h"
#include "constraints/width.h"
#include "constraints/lhc.h"
#include "constraints/bsmumu.h"
#include "constraints/trident.h"
#ifdef ZP_WITH_TOY_CONSTRAINT /* the registry test's build only (tests/test_toy.sh) */
#include "constraints/toy.h"
#endif
