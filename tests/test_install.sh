#!/usr/bin/env bash
# An installed zpscan works without the source tree: `meson install` into a temporary root,
# then, from another directory, a small scan whose data files are the defaults (flavour fit,
# g-2 presets, LHC tables) finds them in PREFIX/share/zpscan/inputs (the file records which
# it read), not in the source tree the build was made from; zpscan-lumi, zpscan-lhccheck and
# zpplot are installed and run.
#   tests/test_install.sh ZPSCAN_EXE BUILD_DIR
ZPSCAN=$(readlink -f "$1")
BUILD=$(readlink -f "$2")
. "$(dirname "$0")/lib.sh"
DEST=$WORK/root
check "meson install into a temporary root" sh -c "DESTDIR='$DEST' meson install -C '$BUILD' --no-rebuild --quiet >'$WORK/install.log' 2>&1"
BIN=$(dirname "$(find "$DEST" -type f -name zpscan -perm -u+x | head -n 1)")
for exe in zpscan zpscan-lumi zpscan-lhccheck zpplot; do
  check "installed: $exe" test -x "$BIN/$exe"
done
DATA=$(readlink -f "$BIN/../share/zpscan/inputs")
check "installed: the default data (flavour fit, g-2 presets, LHC tables)" \
  test -s "$DATA/flavour/table1_2017.ini" -a -s "$DATA/lhc/atlas139_dilepton_fid_limits.csv"
mkdir -p "$WORK/elsewhere"
cd "$WORK/elsewhere" || exit 1
small_ini > small.ini
# the build's compiled-in data directory (the source's inputs/) must not be what it finds
env -u ZPSCAN_DATADIR timeout -k 5 300 "$MPIEXEC" -n 2 "$BIN/zpscan" -q small.ini -o s.h5 >run.log 2>&1
check "installed zpscan: a small scan from another directory (exit 0)" test -s s.h5
check "its data files are the installed ones" /usr/bin/python3 -c "
import h5py, sys
a = h5py.File('s.h5')['/inputs'].attrs
ok = all(str(a[k].decode() if isinstance(a[k], bytes) else a[k]).startswith('$DATA') for k in ('flavour_file', 'lhc_lumi_table', 'lhc_limits'))
sys.exit(0 if ok else 1)"
check "installed zpplot reads it" sh -c "'$BIN/zpplot' summary s.h5 >/dev/null"
check "installed zpscan-lhccheck names the installed limit table by default" sh -c "'$BIN/zpscan-lhccheck' --help 2>&1 | grep -q DATADIR"
finish
