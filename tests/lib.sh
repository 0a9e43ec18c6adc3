# Shared helpers for the shell tests. Source after setting ZPSCAN (the binary).
set -u
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
export OMPI_MCA_plm=isolated
# oversubscribed ranks must yield while they wait, or collectives crawl on 2 cores
export OMPI_MCA_mpi_yield_when_idle=1
# Sanitizer builds: Open MPI's own allocations are not ours to report.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
MPIEXEC=${MPIEXEC:-mpiexec}
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
finish() {
  echo "# $NPASS passed, $NFAIL failed"
  [ "$NFAIL" -eq 0 ]
}
