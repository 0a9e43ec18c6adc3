#!/bin/bash
# All benchmarks of issue 6 (BENCHMARKS.md): kernel, end to end vs raw MPI-IO, projections-only
# scaling and memory, collective latencies; CSVs, bench.png and tables.md under bench/final/.
#
#   tools/bench-all.sh [BUILD_DIR]          (default build-bench; configured and built if missing)
#   env: BENCH_OUT (default bench/final/); passed through to tools/bench-e2e.sh and tools/bench-scale.sh (RANKS, REPS, ...);
#        QUICK=1: one repetition, no I/O-settings sweep, no 10^10-point run.
# Never part of the test suite: these are timings on whatever machine runs them.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build-bench}
out=${BENCH_OUT:-$here/bench/final}
mkdir -p "$out"
[ -d "$build" ] || meson setup "$build" "$here"
ninja -C "$build" zpscan zpscan-bench-kernel zpscan-bench-mpiio >/dev/null
if [ "${QUICK:-0}" = 1 ]; then export REPS=1 SETTINGS=0 BIG=0; fi

{
    echo "date,$(date -u +%Y-%m-%dT%H:%MZ)"
    echo "cpu,$(lscpu | sed -n 's/^Model name: *//p' | head -1) (family $(lscpu | sed -n 's/^CPU family: *//p'), model $(lscpu | sed -n 's/^Model: *//p'))"
    echo "cores,$(nproc)"
    echo "memory_gb,$(free -g | awk '/^Mem:/{print $2}')"
    echo "disk,$(df -h "$out" | awk 'NR==2{print $1" "$2" ("$5" used)"}') $(findmnt -no FSTYPE -T "$out")"
    echo "loadavg_before,$(cut -d' ' -f1-3 /proc/loadavg)"
    echo "git,$(git -C "$here" describe --always --dirty)"
} > "$out/machine.csv"

echo "== kernel"
"$build/zpscan-bench-kernel" --csv "$out/kernel.csv"
echo "== collectives (2 ranks)"
{ echo "op,ranks,count,bytes,seconds"; "$(dirname "$0")/mpi-launch" -n 2 "$build/zpscan-bench-mpiio" coll; } > "$out/coll.csv"
cat "$out/coll.csv"
echo "== end to end"
"$here/tools/bench-e2e.sh" "$build" "$out/e2e.csv" "$out/work"
echo "== projections only: scaling and memory"
"$here/tools/bench-scale.sh" "$build" "$out/scale.csv" "$out/work"
rmdir "$out/work" 2>/dev/null || true
echo "loadavg_after,$(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/machine.csv"
/usr/bin/python3 "$here/tools/bench-plot.py" "$out"
