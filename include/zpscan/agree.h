/* One status for all ranks: after a step that may fail on some ranks only, every rank learns
 * the worst status (the rank that failed keeps its message), so all take the same branch and
 * none waits in a collective the others left. */
#ifndef ZPSCAN_AGREE_H
#define ZPSCAN_AGREE_H

#include <mpi.h>

#include "zpscan/error.h"

/* The worst (largest) status over comm; ZP_EMPI when the reduction itself fails. */
zp_status zp_agree(MPI_Comm comm, zp_status st);

#endif
