#!/usr/bin/env bash
# Faults during a scan: a disk that fills up, a rank that fails. Each ends with a clear
# error, no file marked complete, and a resumable file stays resumable.
ZPSCAN=$1
. "$(dirname "$0")/lib.sh"
cat > "$WORK/in.ini" <<'INI'
[scan]
lepton = e
observables = all
projections = gqL:gV
[axis.mass]
spacing = lin
min = 250
max = 2000
n = 6
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
n = 40
[axis.gA]
spacing = lin
min = -1
max = 1
n = 81
INI
check "reference run" run 2 -q "$WORK/in.ini" -o "$WORK/ref.h5"
size=$(stat -c %s "$WORK/ref.h5")
mnt="$WORK/small"
mkdir -p "$mnt"
if mount -t tmpfs -o size=$((size / 2)) tmpfs "$mnt" 2>/dev/null; then
  err=$(run 2 "$WORK/in.ini" -o "$mnt/r.h5" 2>&1); rc=$?
  check "full disk refused up front: exit 2" [ $rc = 2 ]
  check "full disk refused up front: says how much is needed" grep -q "needs about .* free" <<<"$err"
  err=$(run 2 "$WORK/in.ini" -o "$mnt/r.h5" --force --checkpoint 0 2>&1); rc=$?
  check "disk fills during the scan: non-zero exit" [ $rc != 0 ]
  check "disk fills during the scan: one clear message" grep -q "r.h5.partial: .*(the file system is full)" <<<"$err"
  grep -q "r.h5.partial: .*(the file system is full)" <<<"$err" || echo "# the message was: $(grep -v '^zpscan: /' <<<"$err" | head -c 600)"
  check "disk fills during the scan: no result file" [ ! -e "$mnt/r.h5" ]
  /usr/bin/python3 - "$mnt/r.h5.partial" <<'PY' && ok "disk full: partial file not marked complete" || bad "disk full: partial marked complete"
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    sys.exit(0 if f.attrs["complete"] == 0 else 1)
PY
  # full while the file is being laid out: the file and the reason named, nothing left behind
  mkdir -p "$WORK/tiny"
  if mount -t tmpfs -o size=64k tmpfs "$WORK/tiny" 2>/dev/null; then
    err=$(run 1 "$WORK/in.ini" -o "$WORK/tiny/c.h5" --force -q 2>&1); rc=$?
    check "disk full during creation: exit 3" [ $rc = 3 ]
    check "disk full during creation: names the file and says full" grep -q "tiny/c.h5.creating: creating the file (the file system is full)" <<<"$err"
    check "disk full during creation: no file left" [ -z "$(ls -A "$WORK/tiny")" ]
    umount "$WORK/tiny"
  fi
  mount -o remount,size=$((size * 3)) "$mnt"
  check "after freeing space, --resume completes" run 3 -q "$WORK/in.ini" -o "$mnt/r.h5" --resume
  check "resumed result identical" same_data "$WORK/ref.h5" "$mnt/r.h5"
  # a read-only file system: the resume is refused up front, naming the file and the reason
  cp "$WORK/ref.h5" "$mnt/ro.h5.partial" 2>/dev/null
  /usr/bin/python3 -c "import h5py; f = h5py.File('$mnt/ro.h5.partial', 'r+'); f.attrs['complete'] = 0" 2>/dev/null
  mount -o remount,ro "$mnt"
  err=$(run 1 "$WORK/in.ini" -o "$mnt/ro.h5" --resume 2>&1); rc=$?
  check "read-only file system: exit 2, names the file and the reason" \
    sh -c "[ $rc = 2 ] && grep -q 'ro.h5: output directory .* is not writable: Read-only file system' <<'E'
$err
E"
  umount "$mnt"
else
  echo "# cannot mount a tmpfs here: disk-full tests skipped"
fi

# a rank that dies (kill -9 of one rank only): mpirun ends the rest, no hang, resumable
"$MPIEXEC" -n 3 "$ZPSCAN" -q "$WORK/in.ini" -o "$WORK/one.h5" --checkpoint 0.1 &
mp=$!
# kill as soon as the scan is under way (the .partial exists): a fixed sleep raced a faster
# scanner that had finished by then
for _ in $(seq 600); do [ -e "$WORK/one.h5.partial" ] && break; sleep 0.01; done
sleep 0.05
victim=$(pgrep -f "$ZPSCAN .*one.h5" | sed -n 2p)
[ -n "$victim" ] && kill -9 "$victim"
timeout 60 tail --pid=$mp -f /dev/null
check "one rank killed: the others end promptly" [ $? = 0 ]
wait $mp 2>/dev/null
check "one rank killed: no result" [ ! -e "$WORK/one.h5" ]
check "one rank killed: resume completes" run 2 -q "$WORK/in.ini" -o "$WORK/one.h5" --resume
check "one rank killed: result identical" same_data "$WORK/ref.h5" "$WORK/one.h5"
finish
