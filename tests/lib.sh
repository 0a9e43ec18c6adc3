# Shared helpers for the shell tests. Source after setting ZPSCAN (the binary).
set -u
# Sanitizer builds: the MPI library's own allocations are not ours to report.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
# Ranks start through tools/mpi-launch (meson gives its path and the build's launcher):
# the one place that knows the MPI's flags (oversubscription, shared memory, root).
MPIEXEC=${ZPSCAN_LAUNCH:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tools/mpi-launch}
# openmpi4 | openmpi5 | mpich | unknown: what a launcher does with a signal sent to it is
# its own business (README, "Exit codes"), and Hydra's exit code then varies
LAUNCH_KIND=$("$MPIEXEC" --kind 2>/dev/null || echo unknown)
NPASS=0
NFAIL=0
WORK=$(mktemp -d /tmp/zptest.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

ok() { NPASS=$((NPASS + 1)); echo "ok $NPASS - $*"; }
bad() { NFAIL=$((NFAIL + 1)); echo "not ok - $*"; }
check() { # check "description" command...
  local d=$1; shift
  if "$@"; then ok "$d"; else bad "$d"; fi
}
# run N ARGS...: zpscan on N ranks with a hard time bound (a hang is a failure).
run() {
  local n=$1; shift
  timeout -k 5 300 "$MPIEXEC" -n "$n" "$ZPSCAN" "$@"
}
# same_data A B: every dataset a user reads is identical (h5diff exits 0).
same_data() {
  local g
  for g in /axes /points /projections /summary; do
    h5diff "$1" "$2" "$g" "$g" >/dev/null 2>&1 || { echo "# h5diff $1 $2 $g differs"; h5diff "$1" "$2" "$g" "$g" 2>&1 | head -5; return 1; }
  done
}
# small_ini: a 36-point muon scan (2 masses, log axes of both signs), the default data files
small_ini() {
  cat <<'INI'
[scan]
lepton = mu
projections = gqL:gV
[axis.mass]
values = 500, 1000
[axis.gqL]
spacing = log
sign = +-
min = 1e-4
max = 1e-2
n = 3
[axis.gqR]
values = 0
[axis.gV]
spacing = log
sign = +-
min = 1e-2
max = 1
n = 3
[axis.gA]
values = 0
INI
}
finish() {
  echo "# $NPASS passed, $NFAIL failed"
  [ "$NFAIL" -eq 0 ]
}
