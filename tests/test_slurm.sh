#!/usr/bin/env bash
# The SLURM job scripts on a real scheduler: a private one-node cluster on localhost
# (tools/slurm-local.sh), jobs/zpscan.sbatch and jobs/zpscan-chain.sbatch submitted to it,
# their results compared dataset by dataset (h5diff) with direct mpirun runs.
#
#   tests/test_slurm.sh SOURCE_ROOT ZPSCAN_EXE      (meson test --suite slurm)
#
# 1. start the cluster; fail with the reason when it cannot start (not root, slurm-wlm/munge
#    missing: tools/setup-deps.sh with ZP_WITH_SLURM=1 installs them; daemons failing);
# 2. sbatch -n 2 jobs/zpscan.sbatch on a small input; the result must be complete and equal
#    (h5diff of /points /summary /projections /axes) to `mpirun -n 1 zpscan` of the same
#    input; submitting the same job again must exit 0 ("already complete");
# 3. the chain with a 1-minute time limit and --signal=USR1@50 on a scan sized (by a short
#    calibration run) to take about ZP_SLURM_TEST_CHAIN_SECONDS (default 45) s: SLURM signals
#    each link, zpscan stops with exit 4, the next link resumes; at least 2 links must run,
#    each but the last exiting 4 (or 138/143: signalled while starting, see the chain's
#    header), at least one with 4, the last 0, and the result must equal a direct run
#    (a chain that reaches its 5 links unfinished on a loaded machine is submitted again);
# 4. stop the daemons it started (always, by their PID files).
# Every wait is bounded. ZP_SLURM_TEST_KEEP=1 keeps the work directory.
set -euo pipefail

SRC=${1:?usage: test_slurm.sh SOURCE_ROOT ZPSCAN_EXE}
ZPSCAN=$(readlink -f "${2:?usage: test_slurm.sh SOURCE_ROOT ZPSCAN_EXE}")
export ZPSCAN
# direct runs start like the suite's others: through tools/mpi-launch (the build's launcher)
LAUNCH=${ZPSCAN_LAUNCH:-$SRC/tools/mpi-launch}
T_START=$SECONDS
CHAIN_SECONDS=${ZP_SLURM_TEST_CHAIN_SECONDS:-45}
CHAIN_MAX=5

say() { echo "test_slurm: [$((SECONDS - T_START))s] $*"; }
work=$(mktemp -d "${TMPDIR:-/tmp}/zpscan-slurmtest.XXXXXX")
chmod 0755 "$work"   # munged (user munge) reaches its socket below it
state=$work/cluster
started=0
refpid=""
cleanup() {
  local rc=$?
  set +e
  [ -n "$refpid" ] && kill "$refpid" 2>/dev/null && wait "$refpid" 2>/dev/null
  if [ $started = 1 ]; then
    if [ $rc != 0 ] && [ $rc != 77 ]; then
      say "--- job logs ---"
      for f in "$work"/*.out; do [ -f "$f" ] && { echo "== $f"; tail -n 40 "$f"; }; done
      echo "== slurmctld.log"; tail -n 20 "$state/log/slurmctld.log" 2>/dev/null
      echo "== slurmd.log"; tail -n 20 "$state/log/slurmd.log" 2>/dev/null
    fi
    timeout 60 "$SRC/tools/slurm-local.sh" -d "$state" stop
  fi
  if [ "${ZP_SLURM_TEST_KEEP:-0}" = 1 ]; then say "kept $work"; else rm -rf "$work"; fi
  say "exit $rc after $((SECONDS - T_START)) s"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM
fail() { echo "test_slurm: FAIL: $*" >&2; exit 1; }

# ---- 1. cluster
started=1   # from here on, cleanup stops whatever part of the cluster came up
rc=0
timeout 120 "$SRC/tools/slurm-local.sh" -d "$state" start || rc=$?
# no skipping: a suite that passes without the scheduler test would hide a broken job script
[ $rc = 77 ] && fail "no local SLURM cluster could start (the reason is above; tools/run-tests.sh installs slurm-wlm and munge)"
[ $rc = 0 ] || fail "tools/slurm-local.sh start exited $rc"
export SLURM_CONF=$state/slurm.conf
# the job scripts' srun speaks the build's MPI's process-management interface
case $("$LAUNCH" --kind) in mpich) export ZP_SRUN_MPI=pmi2 ;; *) export ZP_SRUN_MPI=pmix ;; esac
cd "$work"

# job_field ID KEY: KEY's value in `scontrol show job -o ID`
job_field() {
  local w
  for w in $(timeout 10 scontrol show job -o "$1" 2>/dev/null); do
    case $w in "$2="*) echo "${w#*=}"; return 0 ;; esac
  done
}
# wait_job ID SECONDS: until the job has ended (polling scontrol, not sbatch --wait's 10 s)
wait_job() {
  local deadline=$((SECONDS + $2)) st
  while :; do
    st=$(job_field "$1" JobState)
    case $st in
      COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | PREEMPTED | BOOT_FAIL | DEADLINE)
        return 0 ;;
    esac
    [ $SECONDS -lt $deadline ] || { timeout 10 scancel "$1"; fail "job $1 still ${st:-unknown} after $2 s"; }
    sleep 0.5
  done
}
# same H5A H5B: the result datasets of two scans are identical
same() {
  local g n=0
  for g in /points /summary /projections /axes; do
    if h5ls "$1$g" >/dev/null 2>&1 || h5ls "$2$g" >/dev/null 2>&1; then
      timeout 120 h5diff "$1" "$2" "$g" "$g" || fail "$1 and $2 differ in $g (h5diff above)"
      n=$((n + 1))
    fi
  done
  [ $n -ge 3 ] || fail "$1/$2: expected groups missing (compared $n of /points /summary /projections /axes)"
}
complete_attr() { h5dump -A -a /complete "$1" 2>/dev/null | grep -q '(0): 1'; }
direct() { timeout "$1" "$LAUNCH" -n 1 "$ZPSCAN" -q "${@:2}"; }

# ---- 2. one scan job against a direct run
cat >small.ini <<'EOF'
; 3200 points in 8 tiles: every rank gets tiles
[scan]
lepton = mu
observables = all
projections = gqL:gV, gqR:gA
tile = 1, 10, 1, 20, 1
[axis.mass]
values = 200, 500
[axis.gqL]
spacing = log
sign = +-
min = 1e-6
max = 1e-1
n = 10
[axis.gqR]
values = -0.01, 0.01
[axis.gV]
spacing = log
sign = +-
min = 1e-3
max = 10
n = 10
[axis.gA]
values = -0.1, 0.1
EOF
id1=$(sbatch --parsable -n 2 -t 2 -J zpt-job -o job-%j.out "$SRC/jobs/zpscan.sbatch" small.ini small-slurm.h5 -- -p 0)
id1=${id1%%;*}
say "submitted jobs/zpscan.sbatch -n 2 as job $id1"
direct 120 small.ini -o small-direct.h5 || fail "direct run of small.ini failed"
wait_job "$id1" 120
[ "$(job_field "$id1" ExitCode)" = 0:0 ] || fail "job $id1 ended $(job_field "$id1" JobState) exit $(job_field "$id1" ExitCode)"
[ -f small-slurm.h5 ] && [ ! -e small-slurm.h5.partial ] || fail "job $id1 left no complete small-slurm.h5"
complete_attr small-slurm.h5 || fail "small-slurm.h5 lacks complete=1"
same small-slurm.h5 small-direct.h5
say "ok: job $id1 (2 ranks under srun) equals the direct 1-rank run"
id2=$(sbatch --parsable -n 1 -t 1 -J zpt-job -o job-%j.out "$SRC/jobs/zpscan.sbatch" small.ini small-slurm.h5)
id2=${id2%%;*}
wait_job "$id2" 60
[ "$(job_field "$id2" ExitCode)" = 0:0 ] || fail "resubmitting a finished scan: job $id2 exit $(job_field "$id2" ExitCode)"
grep -q "already complete" "job-$id2.out" || fail "job $id2 did not say 'already complete'"
say "ok: resubmitting the finished scan exits 0 (already complete)"
# one task with 2 CPUs: zpscan runs 2 compute threads in it (what srun gives the task decides)
id3=$(sbatch --parsable -n 1 -c 2 -t 2 -J zpt-job -o job-%j.out "$SRC/jobs/zpscan.sbatch" small.ini small-thr.h5 -- -p 0)
id3=${id3%%;*}
wait_job "$id3" 120
[ "$(job_field "$id3" ExitCode)" = 0:0 ] || fail "job $id3 (-n 1 -c 2) exit $(job_field "$id3" ExitCode)"
grep -q '"threads_per_rank": 2,' small-thr.h5.json || fail "job $id3 (-n 1 -c 2): run record says $(grep threads_per_rank small-thr.h5.json)"
same small-thr.h5 small-direct.h5
say "ok: job $id3 (1 task x 2 CPUs under srun) ran 2 compute threads and equals the direct run"

# ---- 3. the chain
# chain_input N: a scan without per-point output whose size grows with N (160000 N points)
# along gqL, an axis no projection keeps: the accumulators (checkpointed every 2 s) stay
# small whatever N the calibration picks (with gqL:gV they grew with N: 1.3 GB at N = 28674)
chain_input() {
  cat <<EOF
[scan]
lepton = mu
points = no
projections = gqR:gA, gV:gA
tile = 1, 100, 1, 100, 1
[axis.mass]
values = 200, 500
[axis.gqL]
spacing = log
sign = +-
min = 1e-6
max = 1e-1
n = $1
[axis.gqR]
min = -0.01
max = 0.01
n = 20
[axis.gV]
spacing = log
sign = +-
min = 1e-3
max = 10
n = 50
[axis.gA]
min = -0.1
max = 0.1
n = 20
EOF
}
# calibrate: points/s of a 2-rank run here and now; grow the probe until it runs >= 1 s
n=10
for _ in 1 2 3 4 5; do
  chain_input $n >probe.ini
  timeout 120 "$LAUNCH" -n 2 "$ZPSCAN" -q --overwrite probe.ini -o probe.h5 || fail "calibration run failed"
  secs=$(grep -o '"total": *[0-9.eE+-]*' probe.h5.json | sed 's/.*: *//')
  awk -v s="$secs" 'BEGIN { exit !(s >= 1) }' && break
  n=$((n * 4))
done
N=$(awk -v s="$secs" -v n="$n" -v t="$CHAIN_SECONDS" 'BEGIN { m = int(n * t / s) + 1; if (m < n) m = n; if (m > 200000) m = 200000; print m }')
chain_input "$N" >chain.ini
say "calibration: $((160000 * n)) points in $secs s at 2 ranks; chain scan: $((160000 * N)) points (~${CHAIN_SECONDS} s)"

# the chain: 1-minute links, SIGUSR1 50 s before the limit, a checkpoint every 2 s
submit_chain() {
  local id
  id=$(ZP_CHAIN_MAX=$CHAIN_MAX ZP_CHAIN_SBATCH_OPTS="--signal=USR1@50" \
    sbatch --parsable -n 2 -t 1 --signal=USR1@50 -J zpt-chain -o chain-%j.out \
    "$SRC/jobs/zpscan-chain.sbatch" chain.ini chain-slurm.h5 -- -p 5 -c 2) || fail "sbatch of the chain failed"
  id=${id%%;*}
  say "submitted jobs/zpscan-chain.sbatch -n 2 -t 1 as job $id (at most $CHAIN_MAX links)"
}
submit_chain
# the reference meanwhile, at another rank count
direct 420 chain.ini -o chain-direct.h5 &
refpid=$!
# SLURM signals each 1-minute link after 0-40 s (its checks run every 30 s and may signal up
# to 60 s early), so links last about 30 s. When other load slows the machine down, the
# chain can reach CHAIN_MAX links unfinished; it then says so and exits 4, and is
# submitted again (the documented way to continue), within one overall bound.
deadline=$((SECONDS + 330))
while :; do
  while [ -n "$(timeout 10 squeue -h -n zpt-chain -o %i 2>/dev/null)" ]; do
    [ $SECONDS -lt $deadline ] || { timeout 10 scancel -n zpt-chain; fail "the chain still runs after 330 s (machine too loaded?)"; }
    sleep 1
  done
  lastid=$(timeout 10 squeue -h --states=all -n zpt-chain -o '%i %T' 2>/dev/null | awk '$2 != "CANCELLED" { print $1 }' | sort -n | tail -n 1)
  [ -n "$lastid" ] && grep -q "limit ZP_CHAIN_MAX=$CHAIN_MAX reached" "chain-$lastid.out" 2>/dev/null || break
  say "the chain reached $CHAIN_MAX links unfinished (a slow or loaded machine); submitting it again"
  submit_chain
done
say "chain finished"
links=0 stops=0 last=""
for id in $(timeout 10 squeue -h --states=all -n zpt-chain -o %i 2>/dev/null | sort -n); do
  st=$(job_field "$id" JobState) ex=$(job_field "$id" ExitCode)
  say "  chain job $id: $st, exit $ex"
  [ "$st" = CANCELLED ] && continue   # the successor the last link cancelled
  links=$((links + 1))
  if [ -n "$last" ]; then
    # every link but the last was stopped by the time-limit signal: exit 4, or (SLURM may
    # signal up to 60 s early) 138/143 when the signal killed zpscan while it was starting
    case $(job_field "$last" ExitCode) in
      4:0) stops=$((stops + 1)) ;;
      138:0 | 143:0) say "  (link $last: zpscan killed by the signal during start-up; the chain resumed)" ;;
      *) fail "chain link $last ended with $(job_field "$last" ExitCode), not 4 (interrupted)" ;;
    esac
  fi
  last=$id
done
[ $links -ge 2 ] || fail "only $links chain link(s) ran; the time limit forced no resubmission (raise ZP_SLURM_TEST_CHAIN_SECONDS)"
[ $stops -ge 1 ] || fail "no chain link stopped cleanly (exit 4) on the signal"
[ "$(job_field "$last" ExitCode)" = 0:0 ] || fail "the last chain link $last ended with $(job_field "$last" ExitCode)"
grep -q "resuming chain-slurm.h5.partial" "chain-$last.out" || fail "the last link did not resume the partial file"
[ -f chain-slurm.h5 ] && [ ! -e chain-slurm.h5.partial ] && complete_attr chain-slurm.h5 || fail "the chain left no complete chain-slurm.h5"
say "ok: the chain ran $links links"
wait "$refpid" || fail "direct run of chain.ini failed"
refpid=""
same chain-slurm.h5 chain-direct.h5
say "ok: the chain's result equals the direct 1-rank run"
say "PASS"
