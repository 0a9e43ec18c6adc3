#!/usr/bin/env bash
# The registry test (build with -Dtoy_constraint=true): the toy constraint of tests/toy,
# added by one file and one registry line, shows up in --help, the input parser, the file
# (its bit, bit layout, observable), the summary and the projections, and enters combine.
# With more than 12 bits (18 now) the projections take their many-group path: the paper's verdicts must still
# equal the format-1 reference, bit name by bit name.
ZPSCAN=$1
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$(dirname "$0")/lib.sh"
check "--help lists the toy and its key" sh -c "'$ZPSCAN' --help | grep -q 'toy .*test build only' && '$ZPSCAN' --help | grep -q '\[toy\] max'"
cat > "$WORK/toy.ini" <<'INI'
[scan]
lepton = mu
observables = all
combine = flavour, toy
projections = gqL:gV
[toy]
max = 100
[axis.mass]
values = 200, 500
[axis.gqL]
spacing = log
sign = +-
min = 1e-4
max = 1e-1
n = 5
[axis.gqR]
values = 0
[axis.gV]
spacing = log
sign = +-
min = 1e-2
max = 10
n = 7
[axis.gA]
values = 0
INI
check "a scan with the toy in combine" run 2 "$WORK/toy.ini" -o "$WORK/toy.h5" -q
check "toy bit, observable, summary, projection, combine" /usr/bin/python3 - "$WORK/toy.h5" <<'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
p = f["points/pass"]
names = [n.decode() if isinstance(n, bytes) else n for n in p.attrs["bit_names"]]
assert "toy" in names and len(names) > 12, names  # more than 12 bits: the many-group path
b = names.index("toy")
assert int(p.attrs["bit_toy"]) == b
P = p[...]
vm = f["points/toy_gV_M"][...]
mass = f["axes/mass"][...]
gV = f["axes/gV"][...]
ref = np.abs(gV)[None, None, None, :, None] * mass[:, None, None, None, None]
assert np.allclose(vm, np.broadcast_to(ref, vm.shape), rtol=1e-6)
toy = (P >> b) & 1
assert np.array_equal(toy.astype(bool), np.broadcast_to(ref <= 100.0, toy.shape))
assert 0 < toy.sum() < toy.size
assert int(f["summary"].attrs["toy"]) == int(toy.sum())
cnt = toy.sum(axis=(2, 4)).astype(np.float64) / 1.0
frac = f["projections/gqL_gV/toy/allowed_fraction"][...]
assert np.array_equal(frac, cnt), (frac, cnt)
# combine = flavour, toy: all = (flavour or untested) and toy
fl = (P >> names.index("flavour")) & 1
fu = (P >> names.index("flavour_untested")) & 1
al = (P >> names.index("all")) & 1
assert np.array_equal(al, (fl | fu) & toy)
PY
check "zpplot draws the toy from the file's own description" sh -c "/usr/bin/python3 '$ROOT/tools/zpplot' plane '$WORK/toy.h5' -o '$WORK/toyfig' --format png && test -s '$WORK/toyfig.png' && /usr/bin/python3 -c \"import sys; sys.path.insert(0, '$ROOT/tools'); from importlib.machinery import SourceFileLoader as L; z = L('zpplot', '$ROOT/tools/zpplot').load_module(); import h5py; f = h5py.File('$WORK/toy.h5'); assert 'toy' in z.extra_constraints(f), z.extra_constraints(f); assert 'toy bound' in z.bit_descriptions(f)['toy']\""
check "an unknown [toy] key is refused" sh -c "printf '[toy]\nbogus = 1\n' > '$WORK/bad.ini'; sed -n '1,5p;8,\$p' '$WORK/toy.ini' | grep -v '^\[toy\]' >> '$WORK/bad.ini'; ! '$ZPSCAN' '$WORK/bad.ini' -o '$WORK/bad.h5' -q 2> '$WORK/err' && grep -q 'toy.*unknown key' '$WORK/err'"
for s in muon-C9 e-C10; do
  check "paper-$s with the toy bit" run 2 "$ROOT/inputs/paper-$s.ini" -o "$WORK/paper-$s.h5" -q
done
(cd "$WORK" && /usr/bin/python3 "$ROOT/tools/zpdigest" paper-*.h5) > "$WORK/digest"
grep -E '^paper-(muon-C9|e-C10)\.h5 ' "$ROOT/tests/data/format1.digest" > "$WORK/ref"
if diff "$WORK/ref" "$WORK/digest" > "$WORK/diff"; then ok "paper verdicts and projections with the toy bit equal format 1"
else bad "the toy build differs from format 1"; head "$WORK/diff"; fi
finish
