#!/bin/bash
# End-to-end benchmark (issue 6): zpscan in three storage modes next to a raw collective
# MPI-IO write of the same bytes, in the same directory, in the same run.
#
#   tools/bench-e2e.sh [BUILD_DIR [OUT_CSV [WORK_DIR]]]
#   env: RANKS="1 1x2 2" (N: N ranks as the launcher binds them; NxT: N ranks unbound
#        (BIND_NONE="--bind-to none") with T compute threads each, --threads T)  REPS=3  MODES="bitmask default proj"  SETTINGS=1 (also vary I/O settings)
#        GA_N=30 (points per sign of gA; the grid is 4 x 50 x 20 x 128 x (2 GA_N) = 3.07e7 points,
#        1.2 GB with the default observables)  BITMASK_GA_N=300 (the bitmask mode's gA: 3.07e8
#        points, 614 MB: at 2 bytes a point the GA_N grid is 71 MB, ~0.08 s of disk time, and
#        its ratio measures the launcher's start-up rather than a bandwidth)  SETTINGS_REPS=1
#        MPIRUN=tools/mpi-launch (on a cluster: MPIRUN="srun" and RANKS="64 ...")  SETTLE=2 (pause, s)
#        SETTINGS_MATCH=regex (only the settings whose name matches, e.g. 'bitmask_.*|base')
#
# Fairness: zpscan makes its data durable at checkpoints and at the end (H5Fflush ->
# MPI_File_sync); the raw writer calls MPI_File_sync before closing. Both are timed as the
# whole launcher invocation (start-up included in both), and also by their own clocks (zpscan's
# run record 'total', which ends before the final close; the raw writer's open..sync+close).
# The raw writer writes the bytes zpscan's file occupies on disk (allocated blocks: the
# never-written tails of edge chunks are holes, so this is less than the file size when the
# tile does not divide the axes), in blocks of one tile's bytes, rank-interleaved like zpscan's
# round-robin tiles. Open MPI ranks yield when idle (the lead's tests do the same): on a
# shared, oversubscribed machine busy-polling ranks steal the cores the others need.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build-bench}
csv=${2:-$here/bench/final/e2e.csv}
work=${3:-$here/bench/final/work}
RANKS=${RANKS:-"1 1x2 2"}
BIND_NONE=${BIND_NONE:---bind-to none}
REPS=${REPS:-3}
MODES=${MODES:-"bitmask default proj"}
SETTINGS=${SETTINGS:-1}
GA_N=${GA_N:-30}
BITMASK_GA_N=${BITMASK_GA_N:-300}
SETTINGS_REPS=${SETTINGS_REPS:-1}
SETTLE=${SETTLE:-2}   # seconds of pause after sync before every timed run
declare -A BYTES      # file bytes per mode/ranks/setting, for raw-first repetitions
MPIRUN=${MPIRUN:-$(cd "$(dirname "$0")" && pwd)/mpi-launch}  # the local launcher, with its flags
mkdir -p "$work" "$(dirname "$csv")"
zpscan=$build/zpscan
raw=$build/zpscan-bench-mpiio

ini() { # mode tile checkpoint
    local obs=none pts=yes ga_n=$GA_N
    case $1 in default) obs=default ;; proj) pts=no ;; bitmask) ga_n=$BITMASK_GA_N ;; esac
    cat <<EOF
[scan]
lepton = mu
output = $work/e2e.h5
observables = $obs
points = $pts
tile = $2
checkpoint_seconds = $3
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
n = 10
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
n = $ga_n
EOF
}

now() { date +%s.%N; }
jget() { /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

echo "mode,ranks,rep,setting,npoints,file_bytes,tile_points,zp_wall_s,zp_total_s,zp_compute_s,zp_write_s,zp_ckpt_s,zp_setup_s,points_per_s,zp_bytes_per_s,raw_wall_s,raw_internal_s,raw_bytes_per_s,ratio_wall,ratio_internal,file_alloc_bytes,raw_bytes,zp_finish_s" > "$csv"

run_one() { # mode ranks(N or NxT) rep setting tile ckpt align [VAR=value]
    local mode=$1 np=$2 rep=$3 setting=$4 tile=$5 ckpt=$6 align=$7
    local rk=${np%%x*} mpx=() zpx=()
    case $np in *x*) read -r -a mpx <<<"$BIND_NONE"; zpx=(--threads "${np#*x}") ;; esac
    [[ $setting =~ ${SETTINGS_MATCH:-.} ]] || return 0
    ini "$mode" "$tile" "$ckpt" > "$work/e2e.ini"
    rm -f "$work/e2e.h5" "$work/e2e.h5.json" "$work/raw.bin"
    local t0 t1 t2 t3 tp
    # one tile's bytes as the raw block (the auto tile is printed by a dry run)
    tp=$("$zpscan" -n "$work/e2e.ini" | sed -n 's/.* tiles of \([0-9x ]*\), .*/\1/p' | tr -d ' ' | tr 'x' '*')
    tp=$((tp))
    local envs=()
    [ -n "$align" ] && envs+=("ZPSCAN_H5_ALIGN=$align")
    [ -n "${8:-}" ] && envs+=("$8")   # one more VAR=value for this setting
    local bpp=2
    [ "$mode" = default ] && bpp=38
    local block=$((tp * bpp)) key="$mode/$np/$setting" rawline bytes
    # Order: whichever runs second may find the disk (or the hypervisor's cache) still busy
    # with the first one's data, so both are preceded by sync + a pause, and from the second
    # repetition on every other pair runs the raw writer first (its byte count is known by then).
    raw_run() {
        sync; sleep "$SETTLE"
        t2=$(now)
        rawline=$($MPIRUN -n "$rk" "$raw" write "$work/raw.bin" "$bytes" "$block")
        t3=$(now)
        rm -f "$work/raw.bin"
    }
    local raw_first=0
    if [ $((rep % 2)) = 0 ] && [ -n "${BYTES[$key]:-}" ]; then
        raw_first=1
        bytes=${BYTES[$key]}
        raw_run
    fi
    sync; sleep "$SETTLE"
    t0=$(now)
    env -u ZPSCAN_H5_ALIGN "${envs[@]}" $MPIRUN "${mpx[@]}" -n "$rk" "$zpscan" "${zpx[@]}" -q -W "$work/e2e.ini"
    t1=$(now)
    local npts tot comp wr ck su
    local fbytes alloc
    fbytes=$(stat -c %s "$work/e2e.h5")
    alloc=$(du -B1 "$work/e2e.h5" | cut -f1)
    bytes=$(( alloc < fbytes ? alloc : fbytes ))
    BYTES[$key]=$bytes
    # own clock: start to durable end (total_durable = total + finish: results written, flushed,
    # marked complete, renamed), like the raw writer's open .. sync + close
    read -r npts tot comp wr ck su fin < <(jget "$work/e2e.h5.json" \
        "'%d %s %s %s %s %s %s' % (d['npoints'], d['timings_s'].get('total_durable', d['timings_s']['total']), d['timings_s']['compute'], d['timings_s']['write'], d['timings_s']['checkpoint'], d['timings_s']['setup'], d['timings_s'].get('finish', 0))")
    rm -f "$work/e2e.h5"
    [ "$raw_first" = 1 ] || raw_run
    local rint=${rawline#*,*,}; rint=${rint%%,*}
    /usr/bin/python3 - "$mode" "$np" "$rep" "$setting" "$npts" "$bytes" "$tp" "$t0" "$t1" "$tot" "$comp" "$wr" "$ck" "$su" "$t2" "$t3" "$rint" "$fbytes" "$alloc" "$fin" >> "$csv" <<'EOF'
import sys
mode, np_, rep, setting, npts, nbytes, tp = sys.argv[1:8]
t0, t1, tot, comp, wr, ck, su, t2, t3, rint = map(float, sys.argv[8:18])
fbytes, alloc, fin = sys.argv[18:21]
npts, nbytes = int(npts), int(nbytes)
zw, rw = t1 - t0, t3 - t2
print(f"{mode},{np_},{rep},{setting},{npts},{fbytes},{tp},{zw:.3f},{tot:.3f},{comp:.3f},{wr:.3f},{ck:.3f},{su:.3f},"
      f"{npts/zw:.4g},{nbytes/zw:.4g},{rw:.3f},{rint:.3f},{nbytes/rw:.4g},{rw/zw:.3f},{rint/tot:.3f},{alloc},{nbytes},{float(fin):.3f}")
EOF
    tail -1 "$csv"
}

for rep in $(seq 1 "$REPS"); do
    for np in $RANKS; do
        for mode in $MODES; do
            run_one "$mode" "$np" "$rep" base auto 30 ""
        done
    done
done

if [ "$SETTINGS" = 1 ]; then
    # I/O settings, default observables (the mode with the most bytes), the largest rank count
    np=${RANKS##* }
    ga=$((2 * GA_N)) gab=$((2 * BITMASK_GA_N))
    for rep in $(seq 1 "$SETTINGS_REPS"); do
        run_one default "$np" "$rep" "tile_1x1x1x16x$ga" "1,1,1,16,$ga" 30 ""
        run_one default "$np" "$rep" "tile_1x1x8x128x$ga" "1,1,8,128,$ga" 30 ""
        run_one default "$np" "$rep" "tile_1x2x20x128x$ga" "1,2,20,128,$ga" 30 ""
        run_one default "$np" "$rep" "align_off" auto 30 "0,1"
        run_one default "$np" "$rep" "align_64k_1m" auto 30 "65536,1048576"
        run_one default "$np" "$rep" "checkpoint_0.2s" auto 0.2 ""
        run_one bitmask "$np" "$rep" "bitmask_tile_1x2x20x128x$gab" "1,2,20,128,$gab" 30 ""
        run_one default "$np" "$rep" "writeback_off" auto 30 "" ZPSCAN_WRITEBACK=0
        run_one default "$np" "$rep" "writeback_start" auto 30 "" ZPSCAN_WRITEBACK=start
        run_one default "$np" "$rep" "tile_io_collective" auto 30 "" ZPSCAN_H5_TILE_IO=collective
        run_one bitmask "$np" "$rep" "bitmask_writeback_off" auto 30 "" ZPSCAN_WRITEBACK=0
        run_one bitmask "$np" "$rep" "bitmask_writeback_start" auto 30 "" ZPSCAN_WRITEBACK=start
        run_one bitmask "$np" "$rep" "bitmask_schedule_static" auto 30 "" ZPSCAN_SCHEDULE=static
        run_one bitmask "$np" "$rep" "bitmask_tile_io_collective" auto 30 "" ZPSCAN_H5_TILE_IO=collective
    done
fi
rm -f "$work/e2e.h5" "$work/e2e.h5.json" "$work/e2e.ini"
