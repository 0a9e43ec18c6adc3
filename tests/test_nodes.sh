#!/usr/bin/env bash
# Several nodes on one machine: ZPSCAN_TEST_RANKS_PER_NODE=K cuts the ranks into "nodes" of K
# (tile shares are static between nodes, dynamic within one). 1, 2, 3 and 4 nodes, with and
# without compute threads, and a kill -9 resumed on another node layout: identical data.
ZPSCAN=$1
. "$(dirname "$0")/lib.sh"
cat > "$WORK/in.ini" <<'INI'
[scan]
lepton = e
observables = C9, lhc_ratio
projections = gqL:gV, gV:gA
[axis.mass]
values = 240, 500, 1500, 3000
[axis.gqL]
spacing = log
sign = +-
min = 1e-5
max = 1
n = 40
[axis.gqR]
values = 0
[axis.gV]
spacing = log
sign = +-
min = 1e-3
max = 5
n = 60
[axis.gA]
spacing = lin
min = -1
max = 1
n = 41
INI
echo "tile = 1, 3, 1, 20, 41" > "$WORK/tile"; sed -i '/^projections/r '"$WORK/tile" "$WORK/in.ini"
check "reference: 1 rank" run 1 -q -t 1 "$WORK/in.ini" -o "$WORK/ref.h5"
nodes() { # NRANKS K [args]: a scan on NRANKS ranks in nodes of K
  local n=$1 k=$2; shift 2
  ZPSCAN_TEST_RANKS_PER_NODE=$k run "$n" -q "$@"
}
for cfg in "4 4" "4 2" "3 1" "4 1" "2 1"; do
  set -- $cfg
  out="$WORK/n$1k$2.h5"
  check "$1 ranks in nodes of $2 ($(( ($1 + $2 - 1) / $2 )) nodes)" nodes "$1" "$2" -t 1 "$WORK/in.ini" -o "$out"
  check "$1 ranks in nodes of $2: identical" same_data "$WORK/ref.h5" "$out"
done
check "2 ranks x 2 threads in nodes of 1" nodes 2 1 -t 2 "$WORK/in.ini" -o "$WORK/t.h5"
check "2 ranks x 2 threads in nodes of 1: identical" same_data "$WORK/ref.h5" "$WORK/t.h5"
# kill -9 on 4 nodes, resume on 2 nodes of 2 and then on one node
ZPSCAN_TEST_RANKS_PER_NODE=1 "$MPIEXEC" -n 4 "$ZPSCAN" -q -t 1 "$WORK/in.ini" -o "$WORK/k.h5" --checkpoint 0 &
mp=$!
for _ in $(seq 600); do [ -e "$WORK/k.h5.partial" ] && break; sleep 0.01; done
sleep 0.2
pkill -9 -f "$ZPSCAN .*k.h5"; wait $mp 2>/dev/null
if [ -e "$WORK/k.h5" ]; then echo "# the scan finished before the kill: resume not exercised"; fi
check "killed on 4 nodes: resumed on 2 nodes of 2" nodes 4 2 -t 1 "$WORK/in.ini" -o "$WORK/k.h5" --resume
check "killed and resumed: identical" same_data "$WORK/ref.h5" "$WORK/k.h5"
finish
