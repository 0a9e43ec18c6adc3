#!/usr/bin/env bash
# One writer per output: a second scan to the same -o, or a --resume while the first still
# runs, is refused naming the holder (host, pid, job); the lock goes with the scan; a stale
# lock (its holder gone on this host, or not refreshed for 10 minutes) does not block.
ZPSCAN=$(readlink -f "$1")
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 1
host=$(hostname)
cat > big.ini <<'INI'
[scan]
lepton = mu
points = no
projections = gV:gA
[axis.mass]
spacing = lin
min = 300
max = 3000
n = 10
[axis.gqL]
spacing = log
min = 1e-6
max = 1e-1
n = 100000
[axis.gqR]
values = 0
[axis.gV]
spacing = log
min = 1e-3
max = 10
n = 1000
[axis.gA]
spacing = lin
min = -1
max = 1
n = 100
INI
sed 's/^n = 100000$/n = 5/; s/^n = 1000$/n = 5/; s/^n = 100$/n = 3/' big.ini > small.ini
"$MPIEXEC" -n 2 "$ZPSCAN" big.ini -o out.h5 -q --checkpoint 0.2 &
mp=$!
for _ in $(seq 600); do [ -e out.h5.partial ] && break; sleep 0.02; done
check "the first scan holds out.h5.lock" [ -f out.h5.lock ]
err=$("$ZPSCAN" big.ini -o out.h5 --resume 2>&1); rc=$?
check "a --resume while it runs: exit 2" [ $rc = 2 ]
check "... naming the holder" grep -q "out.h5: another zpscan is writing it (host $host, pid [0-9]*, job" <<<"$err"
err=$("$ZPSCAN" big.ini -o out.h5 --overwrite 2>&1); rc=$?
check "an --overwrite while it runs: exit 2, naming the holder" sh -c "[ $rc = 2 ] && grep -q 'another zpscan is writing it' <<'E'
$err
E"
check "the running scan's files are untouched by them" [ -e out.h5.partial ]
kill -USR1 $mp
wait $mp; rc=$?
if [ "$LAUNCH_KIND" = mpich ]; then # the signal went to Hydra, whose exit code varies
  check "the first scan stops as asked (resumable; Hydra exits 4 or 0)" sh -c "{ [ $rc = 4 ] || [ $rc = 0 ]; } && [ -e out.h5.partial ] && [ ! -e out.h5 ]"
else
  check "the first scan stops as asked (exit 4)" [ $rc = 4 ]
fi
check "its lock went with it" [ ! -e out.h5.lock ]
# stale locks
printf '%s 999999 - 0\n' "$host" > s1.h5.lock
check "a lock of a process gone from this host is taken over" run 2 small.ini -o s1.h5 -q
check "... and released after the scan" [ ! -e s1.h5.lock ]
printf 'some-other-host 4242 777 0\n' > s2.h5.lock
err=$("$ZPSCAN" small.ini -o s2.h5 2>&1); rc=$?
check "a fresh lock from another host: exit 2 naming it" sh -c "[ $rc = 2 ] && grep -q 'host some-other-host, pid 4242, job 777' <<'E'
$err
E"
touch -d '20 minutes ago' s2.h5.lock
check "a lock from another host not refreshed for 20 minutes is taken over" run 2 small.ini -o s2.h5 -q
check "no lock is left by a finished scan" sh -c '! ls *.lock 2>/dev/null | grep -q .'
finish
