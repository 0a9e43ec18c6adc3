#!/usr/bin/env bash
# Install zpscan's build/run/test dependencies from Debian's packages (Debian 12, as root).
# Idempotent: installs only what is missing, so a second run costs a few dpkg queries.
set -euo pipefail
PKGS=(build-essential meson ninja-build pkgconf
      libopenmpi-dev openmpi-bin libhdf5-openmpi-dev hdf5-tools libgsl-dev
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
