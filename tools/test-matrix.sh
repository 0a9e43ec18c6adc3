#!/usr/bin/env bash
# The portability matrix: each leg is a fresh Debian root file system (debootstrap) with one
# MPI stack, into which this repository is cloned and the README's two commands are run
# exactly as written. One line per leg, then "N passed, N failed" (legs).
#
#   tools/test-matrix.sh [LEG ...]          run the legs (default: all of them)
#   tools/test-matrix.sh --shell LEG        a root shell in that leg's file system (debugging)
#   tools/test-matrix.sh --list             the legs
#
# Legs: bookworm-openmpi (Debian 12, Open MPI 4.1, HDF5 1.10, Slurm 22.05),
#       bookworm-mpich   (Debian 12, MPICH 4.0, HDF5 1.10; ZPSCAN_MPI=mpich),
#       trixie-openmpi   (Debian 13, Open MPI 5.0, HDF5 1.14, Slurm 24.11).
# Needs root, debootstrap and Debian's mirror (MIRROR, default deb.debian.org). Everything
# lives under MATRIX_DIR (default /var/tmp/zpscan-matrix): the base system of each release
# is made once and kept as a tarball (REFRESH=1 makes it again); each run of a leg starts
# from that tarball, so nothing from an earlier run or from this machine is in it. The
# host's environment does not leak in (env -i). Debian 12 legs see this machine's /sys with
# its cgroup file system (as a Debian 12 machine has; Slurm 22.05 cannot run without one);
# the Debian 13 leg gets a fresh sysfs with no cgroup file system under it, as on the
# machine where Slurm 24.11 first failed (tools/slurm-local.sh then disables the cgroup
# plugin). The legs run one after another: each starts a SLURM cluster on localhost ports,
# and they share this machine's cores.
# A leg's whole output is in MATRIX_DIR/LEG.log.
set -uo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
DIR=${MATRIX_DIR:-/var/tmp/zpscan-matrix}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
ALL=(bookworm-openmpi bookworm-mpich trixie-openmpi)

die() { echo "test-matrix: $*" >&2; exit 2; }
suite_of() { echo "${1%%-*}"; }
mpi_of() { echo "${1#*-}"; }

base_tar() { # SUITE: the cached minimal system of that release
  local suite=$1 tar=$DIR/base-$1.tar.gz tmp
  if [ -s "$tar" ] && [ "${REFRESH:-0}" != 1 ]; then echo "$tar"; return 0; fi
  command -v debootstrap >/dev/null || die "debootstrap is missing (apt-get install debootstrap)"
  tmp=$DIR/base-$suite.tmp
  rm -rf "$tmp"
  debootstrap --variant=minbase --include=git,ca-certificates "$suite" "$tmp" "$MIRROR" \
    >"$DIR/base-$suite.log" 2>&1 || { echo "test-matrix: debootstrap $suite failed (see $DIR/base-$suite.log)" >&2; return 1; }
  tar -C "$tmp" -czf "$tar.part" . && mv "$tar.part" "$tar" && rm -rf "$tmp" && echo "$tar"
}

ROOT=""
unmount_all() {
  [ -n "$ROOT" ] || return 0
  local m
  for m in dev/pts dev sys proc tmp; do umount -R -l "$ROOT/$m" 2>/dev/null; done
  return 0
}
trap unmount_all EXIT

prepare() { # LEG: a fresh root with the repository cloned into /root/zpscan
  local leg=$1 tar
  tar=$(base_tar "$(suite_of "$leg")") || return 1
  ROOT=$DIR/$leg
  unmount_all
  rm -rf "$ROOT" && mkdir -p "$ROOT" && tar -C "$ROOT" -xzf "$tar" || return 1
  cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
  local sysmnt=(--rbind /sys)
  [ "$(suite_of "$leg")" = bookworm ] || sysmnt=(-t sysfs sysfs)
  mount -t proc proc "$ROOT/proc" && mount "${sysmnt[@]}" "$ROOT/sys" &&
    mount --bind /dev "$ROOT/dev" && mount --bind /dev/pts "$ROOT/dev/pts" &&
    mount -t tmpfs -o size=8g tmpfs "$ROOT/tmp" || return 1
  git clone -q "$REPO" "$ROOT/root/zpscan" || return 1
  # the committed state, as a user gets it
  git -C "$ROOT/root/zpscan" checkout -q "$(git -C "$REPO" rev-parse HEAD)"
}

in_root() { # LEG COMMAND: run a shell command inside the leg's root, nothing inherited
  local mpi
  mpi=$(mpi_of "$1")
  chroot "$ROOT" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    ZPSCAN_MPI="$mpi" bash -lc "$2"
}

# The README's two commands, verbatim from README.md (the indented lines under "The two
# commands", without their comments).
readme_cmds() {
  sed -n '/^## The two commands/,/^## /p' "$REPO/README.md" | sed -n 's/^    \(tools\/[^ #]*\)[^#]*\(#.*\)\{0,1\}$/\1/p'
}

run_leg() {
  local leg=$1 log=$DIR/$1.log t0 rc=0 c last="" ndef=0
  t0=$SECONDS
  : >"$log"
  prepare "$leg" >>"$log" 2>&1 || { echo "$leg: FAIL (could not make its root file system; $log)"; return 1; }
  mapfile -t cmds < <(readme_cmds)
  [ ${#cmds[@]} = 2 ] || { echo "$leg: FAIL (README's two commands not found)"; unmount_all; return 1; }
  for c in "${cmds[@]}"; do
    echo "### $c" >>"$log"
    in_root "$leg" "cd /root/zpscan && $c" >>"$log" 2>&1 || rc=1
    [ "$c" = "${cmds[0]}" ] && ndef=$rc
  done
  last=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
  local vers
  vers=$(in_root "$leg" 'mpiexec --version 2>&1 | grep -m1 -E "Version:|Open MPI|OpenRTE" || mpiexec --version 2>&1 | head -n 1; dpkg-query -W -f="HDF5 \${Version}\n" libhdf5-dev 2>/dev/null | head -n 1' | paste -sd';' -)
  unmount_all
  if [ $rc = 0 ] && [ -n "$last" ] && [[ $last == *" 0 failed"* ]] && [[ $last != *skipped* ]]; then
    echo "$leg: PASS ($last; default job ok; $vers; $((SECONDS - t0)) s)"
  else
    echo "$leg: FAIL (default job $([ $ndef = 0 ] && echo ok || echo failed); tests: ${last:-none}; $vers; $((SECONDS - t0)) s; $log)"
    return 1
  fi
}

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot, mounts)"
mkdir -p "$DIR" || die "cannot make $DIR"
case ${1:-} in
  --list) printf '%s\n' "${ALL[@]}"; exit 0 ;;
  --shell)
    [ -n "${2:-}" ] || die "--shell LEG"
    prepare "$2" || die "could not prepare $2"
    in_root "$2" "cd /root/zpscan && exec bash -i"
    exit $? ;;
esac
legs=("$@")
[ ${#legs[@]} -gt 0 ] || legs=("${ALL[@]}")
for l in "${legs[@]}"; do
  printf '%s\n' "${ALL[@]}" | grep -qx -- "$l" || die "unknown leg '$l' (--list)"
done
npass=0 nfail=0
for l in "${legs[@]}"; do
  if run_leg "$l"; then npass=$((npass + 1)); else nfail=$((nfail + 1)); fi
done
echo "$npass passed, $nfail failed"
[ $nfail = 0 ]
