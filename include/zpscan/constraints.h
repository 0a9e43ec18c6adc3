/* What the constraints do with the input before the scan: each parses its own INI section
 * and loads and validates its data files (src/constraints/<name>.h, in registry order). */
#ifndef ZPSCAN_CONSTRAINTS_H
#define ZPSCAN_CONSTRAINTS_H

#include <hdf5.h>

#include "zpscan/config.h"
#include "zpscan/error.h"
#include "zpscan/ini.h"

/* Every constraint's defaults into c->cc (zp_config_defaults calls it). */
void zp_constraints_defaults(zp_config *c);
/* Every constraint's provenance (its settings and data as used) as attributes of grp
 * (the file's /inputs). */
zp_status zp_constraints_record(hid_t grp, const zp_config *c);

/* Every constraint's data-file paths in cc blanked (zp_<name>_unpath): the resume
 * fingerprint hashes the settings and the numbers, not where the files were. */
void zp_constraints_unpath(zp_constraint_cfgs *cc);

/* Every constraint's [section] keys into c (data-file paths relative to dir). */
zp_status zp_constraints_parse(const zp_ini_doc *d, zp_config *c, const char *dir);
/* Every constraint's data files, read and checked (after the whole input is parsed). */
zp_status zp_constraints_load(const zp_ini_doc *d, zp_config *c);
/* 1 if constraint k (zp_constraints[k]) gives a Delta chi^2 with these settings: its
 * vocabulary says how, and a method that defines none (the LHC's fiducial_limit) says so */
int zp_constraint_defines_chi2(const zp_config *c, int k);

#endif
