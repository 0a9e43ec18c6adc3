#!/usr/bin/env bash
# The default job: install what is missing, build, scan the paper's four scenarios
# (arXiv:1704.06200, Figs. 2 and 4) and the same scenarios with the 2026 data (plus a
# lepton-universal Z') into results/, and draw the figures next to them.
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
# the paper's four scenarios (2017 data), its muon C9 scenario with the binned LHC
# likelihood, then the same with the 2026 data and a lepton-universal Z' (docs/FIGURES.md,
# "the LHC per channel" and "paper 2017 vs data 2026")
for s in paper-muon-C9 paper-muon-C10 paper-e-C9 paper-e-C10 paper-muon-C9-binned \
         2026-muon-C9 2026-muon-C10 2026-e-C9 2026-e-C10 2026-universal-C9; do
  # tools/mpi-launch: this MPI's launcher with the flags one node needs (root, NRANKS > cores)
  ZPSCAN_MPI=$MPI tools/mpi-launch -n "$NR" build/zpscan --overwrite inputs/$s.ini -o results/$s.h5
done
if [ -x tools/make-figures.sh ]; then
  tools/make-figures.sh results
fi
echo "default job: results and figures in $(pwd)/results"
