#!/usr/bin/env bash
# Format 2 keeps every result of format 1: the paper's four inputs and two 5-D scans (every
# axis non-trivial, every observable) give, verdict bit by verdict bit (by name) and float
# by float, what the format-1 build gave (tests/data/format1.digest, made at cbe34b8 before
# the constraint redesign). And tools/zpplot still reads a format-1 file.
ZPSCAN=$1
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$(dirname "$0")/lib.sh"
for s in muon-C9 muon-C10 e-C9 e-C10; do
  check "paper-$s runs" run 2 "$ROOT/inputs/paper-$s.ini" -o "$WORK/paper-$s.h5" -q
done
for l in mu e; do
  check "fived-$l runs" run 3 "$ROOT/tests/data/fived-$l.ini" -o "$WORK/fived-$l.h5" -q
done
(cd "$WORK" && /usr/bin/python3 "$ROOT/tools/zpdigest" *.h5) > "$WORK/digest"
if diff "$ROOT/tests/data/format1.digest" "$WORK/digest" > "$WORK/diff"; then
  ok "every verdict bit, observable, projection and count as in format 1 ($(wc -l < "$WORK/digest") digests)"
else
  bad "differs from format 1:"; head -20 "$WORK/diff"
fi
check "format_version 2, /points/pass uint32" /usr/bin/python3 - "$WORK/paper-e-C9.h5" <<'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
p = f["points/pass"]
assert int(f.attrs["format_version"]) == 2, f.attrs["format_version"]
assert p.dtype == np.uint32, p.dtype
names = [n.decode() if isinstance(n, bytes) else n for n in p.attrs["bit_names"]]
for k, n in enumerate(names):
    assert int(p.attrs["bit_" + n]) == k, n
PY
F1=$ROOT/tests/data/format1-small.h5
check "zpplot summary reads a format-1 file" sh -c "/usr/bin/python3 '$ROOT/tools/zpplot' summary '$F1' | grep -q 'format_version 1'"
check "zpplot plane draws a format-1 file" /usr/bin/python3 "$ROOT/tools/zpplot" plane "$F1" -o "$WORK/f1"
check "zpplot summary reads a format-2 file" sh -c "/usr/bin/python3 '$ROOT/tools/zpplot' summary '$WORK/paper-e-C9.h5' | grep -q 'format_version 2'"
finish
