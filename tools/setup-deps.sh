#!/usr/bin/env bash
# Install zpscan's build/run/test dependencies from Debian's packages (Debian 12 or 13, as
# root). Idempotent: installs only what is missing, so a second run costs a few dpkg queries.
# ZPSCAN_MPI=mpich: MPICH and its parallel HDF5 instead of Open MPI's (default openmpi).
# (Installing MPICH switches the mpicc/mpirun alternatives: zpscan's build names its MPI
# explicitly, but other software on the machine may not; prefer a machine or root file
# system of its own for it.)
set -euo pipefail
case ${ZPSCAN_MPI:-openmpi} in
  openmpi) MPIPKGS=(libopenmpi-dev openmpi-bin libhdf5-openmpi-dev) ;;
  mpich) MPIPKGS=(libmpich-dev mpich libhdf5-mpich-dev) ;;
  *) echo "setup-deps: ZPSCAN_MPI='$ZPSCAN_MPI' is not openmpi or mpich" >&2; exit 2 ;;
esac
PKGS=(build-essential meson ninja-build pkgconf "${MPIPKGS[@]}" hdf5-tools libgsl-dev
      libcmocka-dev libinih-dev
      python3-h5py python3-numpy python3-matplotlib procps)
# SLURM is needed only for the scheduler tests; ask for it with ZP_WITH_SLURM=1 (the test command does).
if [ "${ZP_WITH_SLURM:-0}" = 1 ]; then PKGS+=(slurm-wlm munge); fi
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then echo "setup-deps: all dependencies present"; exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "setup-deps: missing packages (${missing[*]}); run as root or install them" >&2; exit 1
fi
echo "setup-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup-deps: done"
