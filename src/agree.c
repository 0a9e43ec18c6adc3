#include "zpscan/agree.h"

zp_status zp_agree(MPI_Comm comm, zp_status st)
{
    int in = (int)st, out = 0;
    if (MPI_Allreduce(&in, &out, 1, MPI_INT, MPI_MAX, comm) != MPI_SUCCESS) return ZP_EMPI;
    return (zp_status)out;
}
