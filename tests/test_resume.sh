#!/usr/bin/env bash
# Resume: kill -9 at random moments, SIGUSR1, finished files, foreign and damaged files.
ZPSCAN=$(readlink -f "$1")
. "$(dirname "$0")/lib.sh"
SEED=${ZP_TEST_SEED:-$RANDOM}
RANDOM=$SEED
echo "# random seed $SEED (ZP_TEST_SEED=$SEED reproduces the kill times)"
cat > "$WORK/in.ini" <<'INI'
[scan]
lepton = mu
observables = C9, lhc_ratio
projections = gqL:gV
[axis.mass]
spacing = lin
min = 200
max = 3000
n = 8
[axis.gqL]
spacing = log
sign = +-
min = 1e-5
max = 1
n = 60
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
n = 101
INI
check "reference run (2 ranks)" run 2 -q "$WORK/in.ini" -o "$WORK/ref.h5"
REF_T=$(/usr/bin/python3 -c "import json;print(json.load(open('$WORK/ref.h5.json'))['timings_s']['total'])")
echo "# reference run took $REF_T s"

# kill -9 every rank at a random moment, up to three times, resuming each time with
# another rank count; the final file must equal the uninterrupted run.
for trial in 1 2 3; do
  out="$WORK/k$trial.h5"
  nr=$((1 + RANDOM % 3))
  kills=0
  args=(-q "$WORK/in.ini" -o "$out" --checkpoint 0.2)
  for attempt in 1 2 3; do
    delay=$(/usr/bin/python3 -c "import random; random.seed($RANDOM); print(round(random.uniform(0.3, 0.3 + 1.5 * $REF_T), 2))")
    "$MPIEXEC" -n "$nr" "$ZPSCAN" "${args[@]}" &
    pid=$!
    sleep "$delay"
    if kill -0 $pid 2>/dev/null; then
      pkill -9 -f "$ZPSCAN .*$out" ; kills=$((kills + 1))
      echo "# trial $trial: killed $nr ranks after $delay s"
    fi
    wait $pid 2>/dev/null
    args=(-q "$WORK/in.ini" -o "$out" --checkpoint 0.2 --resume)
    nr=$((1 + RANDOM % 3))
    [ -f "$out" ] && break
  done
  check "trial $trial: resume after $kills kill(s) completes" run $nr -q "$WORK/in.ini" -o "$out" --resume
  check "trial $trial: result identical to the uninterrupted run" same_data "$WORK/ref.h5" "$out"
  check "trial $trial: no partial file left" [ ! -e "$out.partial" ]
done

# SIGUSR1 (SLURM's warning before the time limit): exit 4, resumable file, then resume.
# Sent early, so the scan is surely still running; zpscan finishes its round and stops. A
# launcher that starts slowly (MPICH) can leave the signal too late (the scan completed,
# exit 0) or, in theory, too early (138): the next delay is tried then.
interrupt() { # interrupt OUT [ARGS]: run one rank, signal it, return its exit code
  local d rc out=$1
  shift
  for d in 0.3 0.1 0.03 0.6 1.2; do
    rm -f "$out" "$out.partial"
    # one rank under the launcher (an MPI singleton is not portable: Debian 12's MPICH
    # spawns a helper mpiexec for it that fails), the signal to the rank itself, as SLURM's
    # --signal sends it; the launcher's exit code is the rank's
    # (a hang is a failure, not a hung suite: timeout ends it, rc 124/137)
    timeout -k 5 120 "$MPIEXEC" -n 1 "$ZPSCAN" -q "$WORK/in.ini" -o "$out" --checkpoint 100 "$@" &
    local mp=$! pid=""
    for _ in $(seq 500); do
      pid=$(pgrep -f -x -- "$ZPSCAN -q $WORK/in.ini -o $out --checkpoint 100.*" | head -n 1)
      [ -n "$pid" ] && break
      sleep 0.01
    done
    sleep $d
    [ -n "$pid" ] && kill -USR1 "$pid"
    wait $mp
    rc=$?
    [ $rc != 138 ] && [ $rc != 0 ] && return $rc # 138: before main's handler; 0: after the end
  done
  return $rc
}
interrupt "$WORK/sig.h5"
rc=$?
check "SIGUSR1: exit code 4" [ $rc = 4 ]
check "SIGUSR1: a resumable .partial, no result" [ -e "$WORK/sig.h5.partial" -a ! -e "$WORK/sig.h5" ]
check "SIGUSR1: resume at 3 ranks completes" run 3 -q "$WORK/in.ini" -o "$WORK/sig.h5" --resume
check "SIGUSR1: result identical" same_data "$WORK/ref.h5" "$WORK/sig.h5"
# the same with compute threads: the signal reaches the thread that polls for it, the workers
# finish their tiles and are joined, the file is resumable (timeout: a hang is a failure)
interrupt "$WORK/sigt.h5" --threads 3
rc=$?
check "SIGUSR1 with 3 compute threads: exit code 4" [ $rc = 4 ]
check "SIGUSR1 with 3 compute threads: a resumable .partial" [ -e "$WORK/sigt.h5.partial" -a ! -e "$WORK/sigt.h5" ]
check "SIGUSR1 with 3 compute threads: resume at 2 ranks x 2 threads completes" run 2 -q -t 2 "$WORK/in.ini" -o "$WORK/sigt.h5" --resume
check "SIGUSR1 with 3 compute threads: result identical" same_data "$WORK/ref.h5" "$WORK/sigt.h5"

# Signals to the launcher (README, "Exit codes"): Open MPI's mpirun forwards SIGUSR1, so the
# ranks stop after their round and mpirun exits 4; SIGTERM or SIGINT to mpirun make mpirun end
# the ranks itself and exit 1 (not ours to change); either way what is on disk resumes.
launcher_signal() { # SIG OUT: the scan under mpirun, the signal to mpirun once it is under way
  "$MPIEXEC" -n 2 "$ZPSCAN" -q "$WORK/in.ini" -o "$2" --checkpoint 0.05 &
  local mp=$!
  for _ in $(seq 1000); do [ -e "$2.partial" ] && break; sleep 0.01; done
  sleep 0.1
  kill -"$1" $mp
  timeout 60 tail --pid=$mp -f /dev/null
  wait $mp
}
launcher_signal USR1 "$WORK/lusr1.h5"; rc=$?
if [ "$LAUNCH_KIND" = mpich ]; then # Hydra forwards the signal, but its exit code varies (0 or 4)
  check "SIGUSR1 to mpiexec (Hydra): exit 4 or 0, resumable or complete" sh -c "{ [ $rc = 4 ] || [ $rc = 0 ]; } && { [ -e '$WORK/lusr1.h5' ] || [ -e '$WORK/lusr1.h5.partial' ]; }"
else
  check "SIGUSR1 to mpirun: exit 4 (or 0 when it had finished)" sh -c "[ $rc = 4 ] || { [ $rc = 0 ] && [ -e '$WORK/lusr1.h5' ]; }"
fi
for sig in TERM INT; do
  launcher_signal $sig "$WORK/l$sig.h5"; rc=$?
  if [ "$LAUNCH_KIND" = mpich ]; then # Hydra: the ranks stop; its own exit code is 0, 1 or 4
    check "SIG$sig to mpiexec (Hydra): exit 0, 1 or 4" sh -c "[ $rc = 0 ] || [ $rc = 1 ] || [ $rc = 4 ]"
  else
    check "SIG$sig to mpirun: exit 1 (mpirun's; also when the scan had completed), or 0" sh -c "[ $rc = 1 ] || { [ $rc = 0 ] && [ -e '$WORK/l$sig.h5' ]; }"
  fi
  check "SIG$sig to mpirun: a result only if complete" sh -c "[ ! -e '$WORK/l$sig.h5' ] || /usr/bin/python3 -c \"import h5py, sys; sys.exit(0 if int(h5py.File('$WORK/l$sig.h5')['/'].attrs['complete']) == 1 else 1)\""
  [ -e "$WORK/l$sig.h5" ] || check "SIG$sig to mpirun: --resume completes" run 2 -q "$WORK/in.ini" -o "$WORK/l$sig.h5" --resume
  check "SIG$sig to mpirun: result identical" same_data "$WORK/ref.h5" "$WORK/l$sig.h5"
done

# a finished result: --resume says so and exits 0
msg=$(run 2 "$WORK/in.ini" -o "$WORK/ref.h5" --resume 2>&1)
check "resume of a complete file exits 0" [ $? = 0 ]
check "resume of a complete file says so" grep -q "already complete" <<<"$msg"
# the same data named by another path (another working directory) is the same scan: the
# fingerprint hashes the numbers of the data files, not their paths
REPO=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$WORK/elsewhere/data"
cp "$REPO/inputs/flavour/table1_2017.ini" "$WORK/elsewhere/data/fit.ini"
sed -e 's/^n = 60/n = 6/; s/^n = 101/n = 11/' -e 's/^\[scan\]/[flavour]\nfile = data\/fit.ini\n[scan]/' "$WORK/in.ini" > "$WORK/elsewhere/small.ini"
check "a scan naming its data file relatively" run 2 -q "$WORK/elsewhere/small.ini" -o "$WORK/paths.h5"
msg=$(cd "$WORK/elsewhere" && run 2 small.ini -o "$WORK/paths.h5" --resume 2>&1); rc=$?
check "resume from another working directory (another path to the same file): exit 0" [ $rc = 0 ]
check "resume from another working directory: already complete" grep -q "already complete" <<<"$msg"
sed 's/^file = data\/fit.ini/file = fit2.ini/' "$WORK/elsewhere/small.ini" > "$WORK/elsewhere/small2.ini"
sed 's/^lo2 = -2.90$/lo2 = -2.95/' "$WORK/elsewhere/data/fit.ini" > "$WORK/elsewhere/fit2.ini"
check "a data file of other numbers to test with" sh -c "! cmp -s '$WORK/elsewhere/data/fit.ini' '$WORK/elsewhere/fit2.ini'"
msg=$(run 2 "$WORK/elsewhere/small2.ini" -o "$WORK/paths.h5" --resume 2>&1); rc=$?
check "resume with a data file of other numbers: exit 2" [ $rc = 2 ]
check "resume with a data file of other numbers: says the data differ" grep -q "another input, grid or data" <<<"$msg"
# without --resume an existing result is refused
msg=$(run 2 "$WORK/in.ini" -o "$WORK/ref.h5" 2>&1); rc=$?
check "existing output refused without --resume/--overwrite (exit 2)" [ $rc = 2 ]
check "existing output: message names it" grep -q "ref.h5: output exists" <<<"$msg"

# an interrupted scan of another input is refused
interrupt "$WORK/other.h5"
check "an interrupted scan to test with" [ -e "$WORK/other.h5.partial" ]
sed 's/^n = 101/n = 103/' "$WORK/in.ini" > "$WORK/changed.ini"
msg=$(run 2 "$WORK/changed.ini" -o "$WORK/other.h5" --resume 2>&1); rc=$?
check "resume with a different input: exit 2" [ $rc = 2 ]
check "resume with a different input: clear message" grep -q "different input" <<<"$msg"
check "resume with a different input: no result created" [ ! -e "$WORK/other.h5" ]

# a truncated partial file
cp "$WORK/other.h5.partial" "$WORK/trunc.h5.partial"
truncate -s 2000 "$WORK/trunc.h5.partial"
msg=$(run 2 "$WORK/in.ini" -o "$WORK/trunc.h5" --resume 2>&1); rc=$?
check "truncated partial: exit 2" [ $rc = 2 ]
check "truncated partial: message names the file" grep -q "trunc.h5.partial: cannot open" <<<"$msg"
check "truncated partial: no result" [ ! -e "$WORK/trunc.h5" ]
# a corrupt resume header
cp "$WORK/other.h5.partial" "$WORK/corrupt.h5.partial"
/usr/bin/python3 -c "
import h5py
with h5py.File('$WORK/corrupt.h5.partial', 'r+') as f:
    f['state/header'][...] = [7, 5]"
msg=$(run 2 "$WORK/in.ini" -o "$WORK/corrupt.h5" --resume 2>&1); rc=$?
check "corrupt state header: exit 2" [ $rc = 2 ]
check "corrupt state header: says damaged" grep -q "damaged" <<<"$msg"
# garbage that is not HDF5 at all
head -c 100000 /dev/urandom > "$WORK/junk.h5.partial"
msg=$(run 1 "$WORK/in.ini" -o "$WORK/junk.h5" --resume 2>&1); rc=$?
check "not HDF5: exit 2 with a message" [ $rc = 2 ]
grep -q "junk.h5.partial" <<<"$msg" && ok "not HDF5: message names the file" || bad "not HDF5: message names the file"
finish
