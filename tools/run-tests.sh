#!/usr/bin/env bash
# Build and run the whole test suite: a warnings-as-errors release build, an
# address+undefined sanitizer build and the registry test's build (a toy constraint). Ends with one line "N passed, N failed".
# Usage: tools/run-tests.sh            (from the repository root, as root on Debian 12 or 13)
# ZPSCAN_MPI=mpich builds and tests with MPICH instead of Open MPI (default openmpi).
set -uo pipefail
cd "$(dirname "$0")/.."
ZP_WITH_SLURM=1 tools/setup-deps.sh || { echo "0 passed, 1 failed"; exit 1; }
MPI=${ZPSCAN_MPI:-openmpi}

status=0
run_build() { # dir, meson options..., then -- suites
  local dir=$1; shift
  local opts=() suites=()
  opts+=("-Dmpi=$MPI")
  while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  for s in "$@"; do suites+=(--suite "$s"); done
  if [ -d "$dir" ]; then meson setup --reconfigure "$dir" "${opts[@]}" >/dev/null
  else meson setup "$dir" "${opts[@]}" >/dev/null; fi || { echo "meson setup $dir failed"; status=1; return; }
  ninja -C "$dir" || { echo "build $dir failed"; status=1; return; }
  meson test -C "$dir" --print-errorlogs "${suites[@]}" || status=1
}

# 1. the build users get, with -Werror so -Wall -Wextra stay clean
run_build build-test -Dwerror=true
# 2. sanitizers (no -march=native: ASan and AVX-512 code paths are independent)
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  run_build build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dnative=false -Dbuildtype=debug \
  -- core config lhc scanner figures

# 3. the registry test: one more constraint (tests/toy) added by a file and a registry line
run_build build-toy -Dtoy_constraint=true -Dwerror=true -- toy

/usr/bin/python3 - build-test build-asan build-toy <<'PY'
import json, os, sys
p = f = s = 0
for d in sys.argv[1:]:
    log = os.path.join(d, "meson-logs", "testlog.json")
    if not os.path.exists(log):
        f += 1
        continue
    for line in open(log):
        r = json.loads(line).get("result")
        if r in ("OK", "EXPECTEDFAIL"): p += 1
        elif r == "SKIP": s += 1
        else: f += 1
print(f"{p} passed, {f} failed" + (f", {s} skipped" if s else ""))
PY
exit $status
