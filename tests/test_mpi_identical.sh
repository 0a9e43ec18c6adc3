#!/usr/bin/env bash
# The same input at 1, 2, 3 and 4 ranks, and with other tile shapes, gives identical datasets.
ZPSCAN=$1
. "$(dirname "$0")/lib.sh"
cat > "$WORK/in.ini" <<'INI'
[scan]
lepton = e
observables = all
tile = 1, 7, 3, 10, 5
projections = gqL:gV, gqR:gA
[axis.mass]
values = 240, 500, 3000
[axis.gqL]
spacing = log
sign = +-
min = 1e-5
max = 1
n = 20
[axis.gqR]
spacing = log
sign = +-
include_zero = yes
min = 1e-4
max = 1e-2
n = 3
[axis.gV]
spacing = log
sign = +-
min = 1e-3
max = 5
n = 15
[axis.gA]
spacing = lin
min = -0.5
max = 0.5
n = 5
INI
for n in 1 2 3 4; do
  check "zpscan at $n ranks exits 0" run $n -q "$WORK/in.ini" -o "$WORK/r$n.h5"
done
for n in 2 3 4; do
  check "$n ranks identical to 1 rank" same_data "$WORK/r1.h5" "$WORK/r$n.h5"
done
# the binned LHC method: each rank makes the tables of some masses and broadcasts them, so
# 1, 2 and 3 ranks must give the same data (masses below, inside and above the spectra)
sed -e 's/^lepton = e$/lepton = mu+e/' -e 's/^values = 240, 500, 3000$/values = 200, 240, 500, 1700, 3000, 5900/' \
  "$WORK/in.ini" > "$WORK/bin.ini"
printf '[lhc]\nmethod = binned\n' >> "$WORK/bin.ini"
for n in 1 2 3; do
  check "binned LHC at $n ranks exits 0" run $n -q "$WORK/bin.ini" -o "$WORK/b$n.h5"
done
for n in 2 3; do
  check "binned LHC: $n ranks identical to 1 rank" same_data "$WORK/b1.h5" "$WORK/b$n.h5"
done
check "binned LHC: the run record gives the tables' time (4 of 6 masses tested)" \
  grep -q '"lhc_binned_precompute_s": {"slices": 4,' "$WORK/b3.h5.json"
# the binned method does not read the fiducial limit table: a path to nothing changes nothing
sed 's|^method = binned$|method = binned\nlimits = /nonexistent/limits.csv|' "$WORK/bin.ini" > "$WORK/binnolim.ini"
check "binned LHC without the fiducial limit table exits 0" run 2 -q "$WORK/binnolim.ini" -o "$WORK/bnl.h5"
check "binned LHC without the fiducial limit table: the same data" same_data "$WORK/b1.h5" "$WORK/bnl.h5"
# other tile shapes: the tiling is invisible in the data
sed 's/^tile = .*/tile = auto/' "$WORK/in.ini" > "$WORK/auto.ini"
sed 's/^tile = .*/tile = 3, 40, 1, 7, 2/' "$WORK/in.ini" > "$WORK/odd.ini"
check "auto tile at 2 ranks" run 2 -q "$WORK/auto.ini" -o "$WORK/auto.h5"
check "odd tile at 3 ranks" run 3 -q "$WORK/odd.ini" -o "$WORK/odd.h5"
for f in auto odd; do
  ok_all=1
  nd=0
  for d in $(h5ls -r "$WORK/r1.h5" | awk '$2 == "Dataset" && ($1 ~ /^\/points\// || $1 ~ /^\/projections\// || $1 ~ /^\/summary\//) {print $1}'); do
    nd=$((nd + 1))
    h5diff "$WORK/r1.h5" "$WORK/$f.h5" "$d" "$d" >/dev/null 2>&1 || { echo "# $d differs with $f tiles"; ok_all=0; }
  done
  [ $nd -gt 40 ] || { echo "# only $nd datasets compared"; ok_all=0; }
  check "$f tile shape gives identical datasets" [ $ok_all = 1 ]
done
# collective tile writes (the ZPSCAN_H5_TILE_IO tuning knob) give the same file contents
run_coll() { ZPSCAN_H5_TILE_IO=collective run "$@"; } # bash: the variable reaches mpiexec
check "collective tile writes at 3 ranks" run_coll 3 -q "$WORK/in.ini" -o "$WORK/coll.h5"
check "collective tile writes identical to 1 rank" same_data "$WORK/r1.h5" "$WORK/coll.h5"
# static rounds (ZPSCAN_SCHEDULE=static) instead of the dynamic per-node schedule: same data
run_static() { ZPSCAN_SCHEDULE=static run "$@"; }
check "static schedule at 3 ranks" run_static 3 -q "$WORK/in.ini" -o "$WORK/static.h5"
check "static schedule identical to 1 rank" same_data "$WORK/r1.h5" "$WORK/static.h5"
# compute threads inside the ranks (pipe.h): 2 and 3 threads at 1 rank, 2 threads at 2 and 3
# ranks (oversubscribed), also with collective writes (the writes keep their order): same data
for nt in 1:2 1:3 2:2 3:2; do
  n=${nt%%:*} t=${nt##*:}
  check "$n ranks x $t threads exits 0" run $n -q -t $t "$WORK/in.ini" -o "$WORK/t$n-$t.h5"
  check "$n ranks x $t threads identical to 1 rank" same_data "$WORK/r1.h5" "$WORK/t$n-$t.h5"
  check "$n ranks x $t threads: the run record says $t threads" grep -q "\"threads_per_rank\": $t," "$WORK/t$n-$t.h5.json"
done
check "collective tile writes, 3 ranks x 2 threads" run_coll 3 -q -t 2 "$WORK/in.ini" -o "$WORK/tcoll.h5"
check "collective tile writes with threads identical to 1 rank" same_data "$WORK/r1.h5" "$WORK/tcoll.h5"
# the automatic thread count: a rank bound to one core computes alone; an unbound single
# rank gets the CPUs it may run on (at least 1 thread either way)
run_bind() { local b=$1 n=$2; shift 2; timeout -k 5 300 "$MPIEXEC" --bind-to "$b" -n "$n" "$ZPSCAN" "$@"; }
check "bound rank: automatic count is 1 thread" run_bind core 1 -q "$WORK/in.ini" -o "$WORK/auto1.h5"
check "bound rank: the record says 1 thread" grep -q '"threads_per_rank": 1,' "$WORK/auto1.h5.json"
ncpu=$(nproc)
check "unbound rank: automatic count" run_bind none 1 -q "$WORK/in.ini" -o "$WORK/auton.h5"
check "unbound rank: the record says $ncpu threads" grep -q "\"threads_per_rank\": $ncpu," "$WORK/auton.h5.json"
check "unbound rank: identical to 1 rank" same_data "$WORK/r1.h5" "$WORK/auton.h5"
check "2 unbound ranks split the CPUs: $((ncpu / 2 > 1 ? ncpu / 2 : 1)) threads each" run_bind none 2 -q "$WORK/in.ini" -o "$WORK/auto2.h5"
check "2 unbound ranks: the record says so" grep -q "\"threads_per_rank\": $((ncpu / 2 > 1 ? ncpu / 2 : 1))," "$WORK/auto2.h5.json"
# inside a SLURM step the task's CPUs are what SLURM gave it, whatever the CPU set says
SLURM_CPUS_PER_TASK=1 check "SLURM_CPUS_PER_TASK=1, unbound rank" run_bind none 1 -q "$WORK/in.ini" -o "$WORK/slurm1.h5"
check "SLURM_CPUS_PER_TASK=1: 1 thread" grep -q '"threads_per_rank": 1,' "$WORK/slurm1.h5.json"
SLURM_STEP_ID=0 check "srun step without --cpus-per-task, unbound rank" run_bind none 1 -q "$WORK/in.ini" -o "$WORK/slurm2.h5"
check "srun step without --cpus-per-task: 1 thread" grep -q '"threads_per_rank": 1,' "$WORK/slurm2.h5.json"
# the run record says what HDF5 did: independent by default, collective when asked
check "tile writes were independent by default" grep -q '"first_write_io_mode": "chunk-independent"' "$WORK/r2.h5.json"
check "collective tile writes were collective" grep -q '"first_write_io_mode": "chunk-collective"' "$WORK/coll.h5.json"
finish
