#!/usr/bin/env bash
# The default job: install what is missing, build, scan the paper's four scenarios
# (arXiv:1704.06200, Figs. 2 and 4) into results/, and draw the figures next to them.
# Usage: tools/run-default.sh [NRANKS]      (from a fresh Debian 12 or 13 machine, as root)
# ZPSCAN_MPI=mpich builds and runs with MPICH instead of Open MPI (default openmpi).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup-deps.sh
MPI=${ZPSCAN_MPI:-openmpi}
if [ -d build ]; then meson setup --reconfigure build -Dmpi="$MPI" >/dev/null
else meson setup build -Dmpi="$MPI" >/dev/null; fi
ninja -C build
NR=${1:-$(nproc)}
mkdir -p results
for s in muon-C9 muon-C10 e-C9 e-C10; do
  # tools/mpi-launch: this MPI's launcher with the flags one node needs (root, NRANKS > cores)
  ZPSCAN_MPI=$MPI tools/mpi-launch -n "$NR" build/zpscan --overwrite inputs/paper-$s.ini -o results/paper-$s.h5
done
if [ -x tools/make-figures.sh ]; then
  tools/make-figures.sh results
fi
echo "default job: results and figures in $(pwd)/results"
