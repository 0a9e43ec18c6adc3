#!/usr/bin/env bash
# The default job: install what is missing, build, scan the paper's four scenarios
# (arXiv:1704.06200, Figs. 2 and 4) into results/, and draw the figures next to them.
# Usage: tools/run-default.sh [NRANKS]      (from a fresh Debian 12 machine, as root)
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup-deps.sh
[ -d build ] || meson setup build >/dev/null
ninja -C build
NR=${1:-$(nproc)}
# Open MPI refuses root without these; oversubscribe lets NRANKS exceed the cores.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_mpi_yield_when_idle=1
command -v ssh >/dev/null || export OMPI_MCA_plm=isolated
mkdir -p results
for s in muon-C9 muon-C10 e-C9 e-C10; do
  mpirun -n "$NR" build/zpscan --overwrite inputs/paper-$s.ini -o results/paper-$s.h5
done
if [ -x tools/make-figures.sh ]; then
  tools/make-figures.sh results
fi
echo "default job: results and figures in $(pwd)/results"
