#!/usr/bin/env bash
# A private one-node SLURM cluster on localhost, for zpscan's scheduler tests and for
# trying the job scripts in jobs/ (docs/SLURM.md).
#
#   tools/slurm-local.sh [-d STATEDIR] start     start munged, slurmctld, slurmd
#   tools/slurm-local.sh [-d STATEDIR] status    show the daemons and the node
#   tools/slurm-local.sh [-d STATEDIR] stop      cancel its jobs, stop the daemons it started
#   tools/slurm-local.sh [-d STATEDIR] env       print 'export SLURM_CONF=...' (for eval)
#
# STATEDIR (default $ZP_SLURM_DIR or /tmp/zpscan-slurm) holds everything the cluster
# owns: slurm.conf, its own munge key and socket, spool and state directories, logs and
# the PID files of the daemons this script started. Nothing under /etc is written, a
# running system munged/slurmctld is left alone (ours uses its own socket and free
# ports), and `stop` ends only the processes named in our PID files, never by name.
# After `start`, point the SLURM commands at the cluster:
#   eval "$(tools/slurm-local.sh env)"; sbatch ...; squeue
#
# Needs root (munged runs as the munge user, slurmd as root) and the Debian packages
# slurm-wlm and munge (ZP_WITH_SLURM=1 tools/setup-deps.sh). When the cluster cannot
# start, `start` says why on stderr and exits 77 (the test suite's "skipped").
# The daemons are started directly (no systemd); docs/SLURM.md describes the setup.
set -euo pipefail

SKIP=77
STATE=${ZP_SLURM_DIR:-/tmp/zpscan-slurm}
while getopts d: opt; do
  case $opt in
    d) STATE=$OPTARG ;;
    *) echo "usage: $0 [-d STATEDIR] start|stop|status|env" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
CMD=${1:-}
NODE=$(hostname -s)
CONF=$STATE/slurm.conf
MUNGE_DIR=$STATE/munge
MUNGE_SOCK=$MUNGE_DIR/munge.socket
PIDS=(munged slurmctld slurmd)   # $STATE/<name>.pid, stopped in reverse order

say() { echo "slurm-local: $*"; }
skip() { echo "slurm-local: cannot start a local SLURM cluster: $*" >&2; exit $SKIP; }

# pid_alive NAME: the PID in $STATE/NAME.pid is running and is that daemon; sets PID
PID=""
pid_alive() {
  PID=$(tr -dc '0-9' 2>/dev/null <"$STATE/$1.pid") || PID=""
  [ -n "$PID" ] && is_proc "$PID" "$1"
}
# is_proc PID NAME: process PID exists and its command name is NAME (not a reused PID)
is_proc() { [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ]; }

# wait_for SECONDS CMD...: poll CMD every 0.2 s until it succeeds or time runs out
wait_for() {
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
}

port_free() {
  if command -v ss >/dev/null; then
    ! ss -Htln "sport = :$1" 2>/dev/null | grep -q .
  else
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
  fi
}

node_idle() {
  local st
  st=$(SLURM_CONF=$CONF timeout 5 sinfo -h -n "$NODE" -o %T 2>/dev/null) || return 1
  case $st in idle* | mixed* | allocated*) return 0 ;; *) return 1 ;; esac
}

log_tail() { [ -f "$1" ] && tail -n 5 "$1" | sed 's/^/    /' >&2 || true; }

stop_daemons() {
  local i name pid deadline
  # jobs first, so no task outlives the daemons that track it
  if pid_alive slurmctld; then
    SLURM_CONF=$CONF timeout 10 scancel --full --quiet --user "$(id -un)" 2>/dev/null || true
    deadline=$((SECONDS + 15))
    while [ $SECONDS -lt $deadline ] &&
      [ -n "$(SLURM_CONF=$CONF timeout 5 squeue -h -t running,completing -o %i 2>/dev/null)" ]; do
      sleep 0.3
    done
  fi
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    name=${PIDS[i]}
    if pid_alive "$name"; then
      pid=$PID
      kill -TERM "$pid" 2>/dev/null || true
      deadline=$((SECONDS + 10))
      while is_proc "$pid" "$name" && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
      if is_proc "$pid" "$name"; then
        say "$name ($pid) did not stop in 10 s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        sleep 0.5
      fi
      say "stopped $name ($pid)"
    fi
    rm -f "$STATE/$name.pid"
  done
}

start() {
  [ "$(id -u)" = 0 ] || skip "not root (munged must run as the munge user, slurmd as root)"
  local b missing=()
  for b in munged mungekey slurmctld slurmd sbatch srun squeue sinfo scontrol scancel runuser; do
    command -v "$b" >/dev/null 2>&1 || [ -x "/usr/sbin/$b" ] || missing+=("$b")
  done
  [ ${#missing[@]} -eq 0 ] ||
    skip "missing ${missing[*]} (install: ZP_WITH_SLURM=1 tools/setup-deps.sh)"
  id munge >/dev/null 2>&1 || skip "no 'munge' user (is the munge package installed?)"
  ls /usr/lib/*/slurm*/mpi_pmix*.so >/dev/null 2>&1 ||
    skip "SLURM's mpi/pmix plugin is missing"
  export PATH=$PATH:/usr/sbin

  if pid_alive slurmctld && pid_alive slurmd && pid_alive munged; then
    say "already running (state $STATE)"; return 0
  fi
  stop_daemons >/dev/null   # leftovers of a half-started cluster in this state dir

  local cores cpus port
  cores=$(nproc)
  cpus=$((2 * cores))       # twice the cores: lets `srun -n 4` run on 2 cores
  port=""
  for p in 16817 16827 16837 16847 16857 16867 16877 16887 16897 16907 26817 26827 26837 36817 36827; do
    if port_free "$p" && port_free $((p + 1)); then port=$p; break; fi
  done
  [ -n "$port" ] || skip "no free port pair for slurmctld/slurmd"

  install -d -m 0755 "$STATE" "$STATE/ctld" "$STATE/spool" "$STATE/log"
  install -d -m 0711 -o munge -g munge "$MUNGE_DIR"   # clients need x on the socket dir
  # our own key: a fresh cluster needs nothing from /etc/munge
  if [ ! -s "$MUNGE_DIR/munge.key" ]; then
    timeout 20 mungekey --create --keyfile="$MUNGE_DIR/munge.key" >/dev/null 2>&1 ||
      skip "mungekey --create failed"
    chown munge:munge "$MUNGE_DIR/munge.key"; chmod 0600 "$MUNGE_DIR/munge.key"
  fi

  cat >"$CONF" <<EOF
# written by zpscan tools/slurm-local.sh; a private one-node cluster on localhost
ClusterName=zpscan-local
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$MUNGE_SOCK
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/spool
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=pmix
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MailProg=/bin/true
ReturnToService=2
EnforcePartLimits=ALL
SlurmdParameters=config_overrides
PlugStackConfig=$STATE/plugstack.conf
# finished jobs stay visible to scontrol/squeue for 10 minutes (there is no accounting)
MinJobAge=600
KillWait=30
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=local Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
  : >"$STATE/plugstack.conf"
  # Slurm >= 23 initialises its cgroup plugin even with proctrack/linuxproc and task/none
  # and stops where no cgroup file system is mounted ("Unable to initialize cgroup
  # plugin"); CgroupPlugin=disabled is the documented way to run without one (22.05 has no
  # such value and does not need it). slurmd reads cgroup.conf beside slurm.conf.
  local sver
  sver=$(slurmd -V 2>/dev/null | sed -n 's/^slurm[^0-9]*\([0-9]*\)\..*/\1/p')
  if [ "${sver:-0}" -ge 23 ]; then echo "CgroupPlugin=disabled" >"$STATE/cgroup.conf"; else
    rm -f "$STATE/cgroup.conf"
    case $(stat -f -c %T /sys/fs/cgroup 2>/dev/null) in
      tmpfs | cgroup2fs | cgroupfs) ;;
      *) skip "Slurm ${sver:-?} needs a cgroup file system at /sys/fs/cgroup and none is mounted here (Slurm >= 23 runs without one: CgroupPlugin=disabled)" ;;
    esac
  fi

  # munged as the munge user, on its own socket, key, pid, seed and log files
  runuser -u munge -- timeout 20 /usr/sbin/munged --socket="$MUNGE_SOCK" \
    --key-file="$MUNGE_DIR/munge.key" --pid-file="$MUNGE_DIR/munged.pid" \
    --seed-file="$MUNGE_DIR/munged.seed" --log-file="$MUNGE_DIR/munged.log" ||
    { log_tail "$MUNGE_DIR/munged.log"; skip "munged failed to start"; }
  wait_for 10 test -s "$MUNGE_DIR/munged.pid" || skip "munged wrote no PID file"
  cp "$MUNGE_DIR/munged.pid" "$STATE/munged.pid"
  wait_for 10 pid_alive munged || { log_tail "$MUNGE_DIR/munged.log"; skip "munged is not running"; }
  wait_for 10 test -S "$MUNGE_SOCK" || { stop_daemons; skip "munged made no socket"; }

  export SLURM_CONF=$CONF
  # -c: start from a clean state (a node drained by an earlier run stays drained otherwise)
  timeout 30 slurmctld -c -f "$CONF" ||
    { log_tail "$STATE/log/slurmctld.log"; stop_daemons; skip "slurmctld failed to start"; }
  if ! wait_for 15 timeout 5 scontrol ping || ! pid_alive slurmctld; then
    log_tail "$STATE/log/slurmctld.log"; stop_daemons; skip "slurmctld does not answer"
  fi
  timeout 30 slurmd -f "$CONF" -N "$NODE" ||
    { log_tail "$STATE/log/slurmd.log"; stop_daemons; skip "slurmd failed to start"; }
  if ! wait_for 30 node_idle || ! pid_alive slurmd; then
    log_tail "$STATE/log/slurmd.log"; log_tail "$STATE/log/slurmctld.log"
    stop_daemons; skip "node $NODE did not become idle"
  fi
  say "cluster up: node $NODE, $cpus CPUs, ports $port/$((port + 1)), state $STATE"
  say "use it with: export SLURM_CONF=$CONF"
}

status() {
  local name rc=0
  for name in "${PIDS[@]}"; do
    if pid_alive "$name"; then say "$name running ($PID)"; else say "$name not running"; rc=3; fi
  done
  if [ $rc = 0 ]; then
    SLURM_CONF=$CONF timeout 5 sinfo || rc=3
    SLURM_CONF=$CONF timeout 5 squeue || rc=3
  fi
  return $rc
}

case $CMD in
  start) start ;;
  stop) stop_daemons ;;
  status) status ;;
  env) echo "export SLURM_CONF=$CONF" ;;
  *) echo "usage: $0 [-d STATEDIR] start|stop|status|env" >&2; exit 2 ;;
esac
