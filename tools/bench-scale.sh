#!/bin/bash
# Projections-only scans (points = no): time and peak memory per rank at two grid sizes
# 100x apart (same projection: only the reduced axes gqR and gA grow), strong scaling
# (the same grid at each rank count in RANKS) and weak scaling (1.01e9 points per rank:
# the gqR axis grows with the rank count).
#
#   tools/bench-scale.sh [BUILD_DIR [OUT_CSV [WORK_DIR]]]
#   env: RANKS="1 2" (strong and weak scaling; an entry NxT runs N ranks unbound,
#        BIND_NONE="--bind-to none", with T compute threads each; weak scaling sizes it by N*T)  BIG_NP=2 (ranks of the 10^10 run)  REPS=3
#        BIG=1 (0: skip the 10^10-point run)  WEAK=1 (0: skip weak scaling)  MPIRUN=tools/mpi-launch
# Peak memory: /usr/bin/time -v around each rank ("Maximum resident set size" = VmHWM).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build-bench}
csv=${2:-$here/bench/final/scale.csv}
work=${3:-$here/bench/final/work}
RANKS=${RANKS:-"1 2"}
BIND_NONE=${BIND_NONE:---bind-to none}
BIG_NP=${BIG_NP:-2}
REPS=${REPS:-3}
BIG=${BIG:-1}
WEAK=${WEAK:-1}
MPIRUN=${MPIRUN:-$(cd "$(dirname "$0")" && pwd)/mpi-launch}  # the local launcher, with its flags
mkdir -p "$work" "$(dirname "$csv")"
zpscan=$build/zpscan

ini() { # gqR_n gA_n  (points per sign): 4 x 50 x (2 gqR_n) x 128 x (2 gA_n)
    cat <<EOF
[scan]
lepton = mu
output = $work/scale.h5
points = no
projections = gqL:gV
checkpoint_seconds = 30
progress_seconds = 0
[axis.mass]
values = 500, 1000, 2000, 3000
[axis.gqL]
spacing = log
sign = +-
min = 1e-4
max = 1
n = 25
[axis.gqR]
spacing = log
sign = +-
min = 1e-4
max = 1
n = $1
[axis.gV]
spacing = log
sign = +-
min = 1e-3
max = 3
n = 64
[axis.gA]
spacing = log
sign = +-
min = 1e-3
max = 3
n = $2
EOF
}

echo "kind,label,ranks,rep,npoints,wall_s,total_s,compute_s,ckpt_s,setup_s,points_per_s,maxrss_kb_rank0,maxrss_kb_rank1,cpu_pct_rank0,cpu_pct_rank1" > "$csv"

run() { # kind label ranks(N or NxT: N unbound ranks of T compute threads) rep gqR_n gA_n
    ini "$5" "$6" > "$work/scale.ini"
    local rk=${3%%x*} mpx=() zpx=()
    case $3 in *x*) read -r -a mpx <<<"$BIND_NONE"; zpx=(--threads "${3#*x}") ;; esac
    rm -f "$work/scale.h5" "$work/scale.h5.json" "$work"/rss.*
    local t0 t1
    t0=$(date +%s.%N)
    $MPIRUN "${mpx[@]}" -n "$rk" sh -c '/usr/bin/time -v -o "$0/rss.${OMPI_COMM_WORLD_RANK:-${SLURM_PROCID:-${PMI_RANK:-0}}}" "$@"' \
        "$work" "$zpscan" "${zpx[@]}" -q -W "$work/scale.ini"
    t1=$(date +%s.%N)
    /usr/bin/python3 - "$1" "$2" "$3" "$4" "$t0" "$t1" "$work" >> "$csv" <<'EOF'
import json, sys, glob, re
kind, label, np_, rep, t0, t1, work = sys.argv[1:8]
d = json.load(open(f"{work}/scale.h5.json"))
t = d["timings_s"]
rss, cpu = [], []
for r in range(2):
    try:
        txt = open(f"{work}/rss.{r}").read()
        rss.append(re.search(r"Maximum resident set size \(kbytes\): (\d+)", txt).group(1))
        cpu.append(re.search(r"Percent of CPU this job got: (\d+)%", txt).group(1))
    except OSError:
        rss.append("")
        cpu.append("")
wall = float(t1) - float(t0)
print(f"{kind},{label},{np_},{rep},{d['npoints']},{wall:.2f},{t['total']:.3f},{t['compute']:.3f},"
      f"{t['checkpoint']:.3f},{t['setup']:.3f},{d['npoints']/t['total']:.4g},{rss[0]},{rss[1]},{cpu[0]},{cpu[1]}")
EOF
    tail -1 "$csv"
}

# strong scaling: 2.0e9 points, every rank count, compute-bound (no per-point output)
for rep in $(seq 1 "$REPS"); do
    for np in $RANKS; do run strong 2e9 "$np" "$rep" 125 157; done
done
# weak scaling: 4 x 50 x (126 cores) x 128 x 314 = 1.0128e9 points per core (rank x thread)
if [ "$WEAK" = 1 ]; then
    for rep in $(seq 1 "$REPS"); do
        for np in $RANKS; do
            cores=${np%%x*}
            case $np in *x*) cores=$((cores * ${np#*x})) ;; esac
            run weak 1e9/core "$np" "$rep" $((63 * cores)) 157
        done
    done
fi
# memory vs grid size: 1.0e8 and 1.0e10 points (x97.8), same 25600-cell projection
for rep in $(seq 1 "$REPS"); do run memory 1e8 "$BIG_NP" "$rep" 125 8; done
if [ "$BIG" = 1 ]; then run memory 1e10 "$BIG_NP" 1 125 782; fi
rm -f "$work/scale.h5" "$work/scale.h5.json" "$work/scale.ini" "$work"/rss.*
