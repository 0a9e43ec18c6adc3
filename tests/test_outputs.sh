#!/usr/bin/env bash
# A stale result never passes for a new one, and --overwrite replaces only what zpscan made:
# --resume of a finished file checks its fingerprint; --overwrite refuses devices, FIFOs,
# directories, links and foreign files at the output, and the run record PATH.json is
# written only over nothing or a record of ours. Each refusal: exit 2, one line naming the
# path, and what was there left as it was.
ZPSCAN=$(readlink -f "$1")
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 1
small_ini > a.ini
sed 's/lepton = mu/lepton = e/' a.ini > b.ini
# refused NAME EXPECT-REGEX cmd...: exit 2 and one line matching EXPECT
refused() {
  local d=$1 re=$2; shift 2
  local err rc
  err=$("$@" 2>&1 >/dev/null); rc=$?
  if [ $rc = 2 ] && [ "$(printf '%s\n' "$err" | grep -c .)" = 1 ] && grep -Eq -- "$re" <<<"$err"; then ok "$d"
  else bad "$d (exit $rc: $err)"; fi
}
check "a scan of a.ini" run 1 a.ini -o out.h5 -q
fp_a=$(/usr/bin/python3 -c "import h5py; print(h5py.File('out.h5')['/'].attrs['fingerprint'])" 2>/dev/null)
refused "--resume of a finished scan of another input: exit 2, both fingerprints" \
  "out.h5: a finished scan of another input.*fingerprint $fp_a, this input [0-9a-f]{16}" "$ZPSCAN" b.ini -o out.h5 --resume
check "the finished file is left as it was" [ "$(/usr/bin/python3 -c "import h5py; print(h5py.File('out.h5')['/'].attrs['lepton'])")" = mu ]
check "--resume of a finished scan of the same input: exit 0" run 1 a.ini -o out.h5 --resume -q
check "--overwrite replaces a zpscan result" run 1 b.ini -o out.h5 --overwrite -q
mknod dev c 1 3
refused "--overwrite on a character device" "dev: is a character device, not a zpscan result" "$ZPSCAN" a.ini -o dev --overwrite
check "the device is still there" [ -c dev ]
mkfifo fifo
refused "--overwrite on a FIFO" "fifo: is a FIFO, not a zpscan result" timeout 20 "$ZPSCAN" a.ini -o fifo --overwrite
check "the FIFO is still there" [ -p fifo ]
mkdir dir
refused "--overwrite on an empty directory" "dir: is a directory, not a zpscan result" "$ZPSCAN" a.ini -o dir --overwrite
check "the directory is still there" [ -d dir ]
echo precious > text.h5
refused "--overwrite on a file zpscan did not make" "text.h5: is not a zpscan result" "$ZPSCAN" a.ini -o text.h5 --overwrite
check "the file is untouched" [ "$(cat text.h5)" = precious ]
ln -s out.h5 link.h5
refused "--overwrite on a symbolic link (even to a result)" "link.h5: is a symbolic link" "$ZPSCAN" a.ini -o link.h5 --overwrite
check "the link and its target are untouched" sh -c '[ -L link.h5 ] && [ -f out.h5 ]'
echo precious > partial.h5.partial
refused "--overwrite on a foreign .partial" "partial.h5.partial: is not a zpscan result" "$ZPSCAN" a.ini -o partial.h5 --overwrite
echo '{"x": 1}' > rec.h5.json
refused "a foreign file at the run record's name" "rec.h5.json: exists and is not a zpscan run record" "$ZPSCAN" a.ini -o rec.h5
check "no result written beside it" [ ! -e rec.h5 ]
echo precious > target
ln -s target sym.h5.json
refused "a symbolic link at the run record's name" "sym.h5.json: is a symbolic link" "$ZPSCAN" a.ini -o sym.h5
check "the link's target is untouched" [ "$(cat target)" = precious ]
ln -s target cre.h5.creating
refused "a symbolic link at PATH.creating" "cre.h5.creating: is a symbolic link, where zpscan lays out a new file" "$ZPSCAN" a.ini -o cre.h5
check "the link and its target are untouched" sh -c '[ -L cre.h5.creating ] && [ "$(cat target)" = precious ]'
echo precious > foreign.h5.creating
refused "a foreign file at PATH.creating" "foreign.h5.creating: exists and is not a file zpscan began" "$ZPSCAN" a.ini -o foreign.h5
check "... left as it was" [ "$(cat foreign.h5.creating)" = precious ]
head -c 3000 out.h5 > left.h5.creating
check "a half-made PATH.creating of a killed scan is made again" run 1 a.ini -o left.h5 -q
head -c 65536 /dev/zero > zero.h5.creating # the ranks' data reached the disk, the superblock not yet
check "a PATH.creating whose first bytes were never written is made again" run 1 a.ini -o zero.h5 -q
long=$(printf 'd%.0s' $(seq 200)); deep="$WORK/$long/$long/$long/$long"; mkdir -p "$deep"
check "a 1000-character output path works (1 rank)" "$ZPSCAN" a.ini -o "$deep/x.h5" -q
check "a 1000-character output path works (2 ranks)" run 2 a.ini -o "$deep/y.h5" -q
name=$(printf 'n%.0s' $(seq 246))
check "a 246-character file name works" run 2 a.ini -o "$name" -q
refused "a 250-character file name: a clean error" "the file name has 250 characters.*at most 246" "$ZPSCAN" a.ini -o "$(printf 'n%.0s' $(seq 250))"
refused "a path beyond PATH_MAX: a clean error" "-o: the output path has [0-9]+ characters, at most 4095" "$ZPSCAN" a.ini -o "$deep/$long/$long/$long/$long/$long/$long/$long/$long/$long/$long/$long/$long/$long/$long/$long/$long/$long/x.h5"
check "a run record of ours is replaced" sh -c "cp out.h5.json again.h5.json && '$ZPSCAN' a.ini -o again.h5 -q && grep -q again.h5 again.h5.json"
finish
