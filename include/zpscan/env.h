/* zpscan's environment variables, in one table: the accepted values of each, checked once
 * at start (an unknown value is an input error, never a silent default). */
#ifndef ZPSCAN_ENV_H
#define ZPSCAN_ENV_H

#include "zpscan/error.h"

/* Every ZPSCAN_* variable this build reads: set to an accepted value or unset/empty. */
zp_status zp_env_check(void);

#endif
