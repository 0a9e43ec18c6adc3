#!/usr/bin/env bash
# Every bad input: exit code 2, a one-line error naming the file/line/key, all ranks stop
# (the timeout in run() catches a hang), and no output file of any kind.
ZPSCAN=$1
. "$(dirname "$0")/lib.sh"
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
good() {
cat <<'INI'
[scan]
lepton = mu
[axis.mass]
values = 200, 500
[axis.gqL]
spacing = log
min = 1e-4
max = 1e-1
n = 4
[axis.gqR]
values = 0
[axis.gV]
spacing = log
min = 1e-2
max = 1
n = 3
[axis.gA]
values = 0
INI
}
# expect_bad NAME PATTERN [zpscan args...]: input in $WORK/NAME.ini
expect_bad() {
  local name=$1 pat=$2; shift 2
  local out="$WORK/$name.h5" err rc
  err=$(run 2 "$@" -o "$out" 2>&1 >/dev/null); rc=$?
  local line
  line=$(grep -m1 "^zpscan: error:" <<<"$err")
  if [ $rc = 2 ] && grep -qE -- "$pat" <<<"$line" && [ ! -e "$out" ] && [ ! -e "$out.partial" ]; then
    ok "$name: exit 2, '$line'"
  else
    bad "$name: rc=$rc, wanted /$pat/, got: $(head -3 <<<"$err" | tr '\n' ' ')"
  fi
}
mk() { good > "$WORK/$1.ini"; }

good > "$WORK/ok.ini"
check "the good input runs" run 2 -q "$WORK/ok.ini" -o "$WORK/ok.h5"

mk unknown_section; printf '[axis.mass2]\nvalues = 1\n' >> "$WORK/unknown_section.ini"
expect_bad unknown_section "unknown_section.ini:19: \[axis.mass2\]" "$WORK/unknown_section.ini"

mk unknown_key; sed -i 's/^lepton = mu/lepton = mu\ncolour = blue/' "$WORK/unknown_key.ini"
expect_bad unknown_key "unknown_key.ini:3: \[scan\] colour" "$WORK/unknown_key.ini"

mk missing_key; sed -i '/^lepton/d' "$WORK/missing_key.ini"
expect_bad missing_key "missing_key.ini:1: \[scan\] lepton" "$WORK/missing_key.ini"

mk missing_section; sed -i '/^\[axis.gA\]/,$d' "$WORK/missing_section.ini"
expect_bad missing_section "missing_section.ini.*\[axis.gA\]" "$WORK/missing_section.ini"

mk n_zero; sed -i '0,/^n = 4/s//n = 0/' "$WORK/n_zero.ini"
expect_bad n_zero "n_zero.ini:9: \[axis.gqL\] n" "$WORK/n_zero.ini"

mk min_gt_max; sed -i 's/^max = 1e-1/max = 1e-5/' "$WORK/min_gt_max.ini"
expect_bad min_gt_max "min_gt_max.ini:[0-9]+: \[axis.gqL\] (min|max)" "$WORK/min_gt_max.ini"

mk log_zero; sed -i 's/^min = 1e-4/min = 0/' "$WORK/log_zero.ini"
expect_bad log_zero "log_zero.ini:7: \[axis.gqL\] min" "$WORK/log_zero.ini"

mk not_number; sed -i 's/^min = 1e-2/min = 1e-2x/' "$WORK/not_number.ini"
expect_bad not_number "not_number.ini:14: \[axis.gV\] min" "$WORK/not_number.ini"

mk nan_value; sed -i 's/^min = 1e-2/min = nan/' "$WORK/nan_value.ini"
expect_bad nan_value "nan_value.ini:14: \[axis.gV\] min" "$WORK/nan_value.ini"

mk dup_key; sed -i 's/^lepton = mu/lepton = mu\nlepton = e/' "$WORK/dup_key.ini"
expect_bad dup_key "dup_key.ini:3: \[scan\] lepton" "$WORK/dup_key.ini"

mk dup_section; printf '[axis.gA]\nvalues = 1\n' >> "$WORK/dup_section.ini"
expect_bad dup_section "dup_section.ini:19: \[axis.gA\]" "$WORK/dup_section.ini"

mk bad_lepton; sed -i 's/^lepton = mu/lepton = tau/' "$WORK/bad_lepton.ini"
expect_bad bad_lepton "bad_lepton.ini:2: \[scan\] lepton" "$WORK/bad_lepton.ini"

mk values_not_increasing; sed -i 's/^values = 200, 500/values = 500, 200/' "$WORK/values_not_increasing.ini"
expect_bad values_not_increasing "values_not_increasing.ini:4: \[axis.mass\] values" "$WORK/values_not_increasing.ini"

mk missing_data; printf '[flavour]\nfile = nowhere/table.ini\n' >> "$WORK/missing_data.ini"
expect_bad missing_data "missing_data.ini:20: \[flavour\] file.*nowhere/table.ini" "$WORK/missing_data.ini"

mk bad_data; printf '[mu.C9]\nbest = -1.59\nlo1 = oops\n' > "$WORK/bad_flavour.ini"
printf '[flavour]\nfile = bad_flavour.ini\n' >> "$WORK/bad_data.ini"
expect_bad bad_data "bad_flavour.ini:3: \[mu.C9\] lo1" "$WORK/bad_data.ini"

mk bad_limits; printf 'mass_gev,limit_fb_w0.000\n250,3.5\n300,abc\n' > "$WORK/limits.csv"
printf '[lhc]\nlimits = limits.csv\n' >> "$WORK/bad_limits.ini"
expect_bad bad_limits "limits.csv:3" "$WORK/bad_limits.ini"

expect_bad missing_input "nosuch.ini" "$WORK/nosuch.ini"

mk size_cap; sed -i 's/^lepton = mu/lepton = mu\nmax_output_bytes = 1k/' "$WORK/size_cap.ini"
expect_bad size_cap "size_cap.h5: the result needs about .* max_output_bytes" "$WORK/size_cap.ini"

# output directory that cannot be written (a read-only bind of a fresh directory)
mkdir -p "$WORK/ro"
if mount --bind "$WORK/ro" "$WORK/ro" 2>/dev/null && mount -o remount,ro,bind "$WORK/ro" 2>/dev/null; then
  err=$(run 2 "$WORK/ok.ini" -o "$WORK/ro/out.h5" 2>&1 >/dev/null); rc=$?
  check "read-only output directory: exit 2" [ $rc = 2 ]
  check "read-only output directory: message names it" grep -q "ro/out.h5: output directory .* is not writable" <<<"$err"
  check "read-only output directory: nothing written" [ -z "$(ls "$WORK/ro")" ]
  umount "$WORK/ro"
else
  err=$(run 2 "$WORK/ok.ini" -o "$WORK/nodir/out.h5" 2>&1 >/dev/null); rc=$?
  check "missing output directory: exit 2" [ $rc = 2 ]
  check "missing output directory: message names it" grep -q "nodir/out.h5: output directory" <<<"$err"
fi

# command line
err=$(run 2 --bogus "$WORK/ok.ini" 2>&1 >/dev/null); rc=$?
check "unknown option: exit 2 and a message" [ $rc = 2 ] && grep -q "unknown option" <<<"$err"
err=$(run 2 --resume --overwrite "$WORK/ok.ini" 2>&1 >/dev/null); rc=$?
check "--resume with --overwrite: exit 2" [ $rc = 2 ]
err=$(run 1 --progress abc "$WORK/ok.ini" 2>&1 >/dev/null); rc=$?
check "--progress abc: exit 2" [ $rc = 2 ]
for t in 0 -1 abc 2x 1025; do
  err=$(run 1 --threads "$t" "$WORK/ok.ini" -o "$WORK/t.h5" 2>&1 >/dev/null); rc=$?
  check "--threads $t: exit 2, one line naming the option, nothing written" [ $rc = 2 ] && \
    [ "$(grep -c "threads: '$t' is not a thread count" <<<"$err")" = 1 ] && [ ! -e "$WORK/t.h5" ] && [ ! -e "$WORK/t.h5.partial" ]
done
out=$(run 1 --help); rc=$?
check "--help exits 0 and documents every option" [ $rc = 0 ] && grep -q -- "--resume" <<<"$out" && grep -q "exit codes" <<<"$out"
out=$(run 1 --version); rc=$?
check "--version names MPI, HDF5, GSL" [ $rc = 0 ] && grep -q "HDF5: 1\." <<<"$out" && grep -q "GSL: " <<<"$out" && grep -q "MPI: " <<<"$out"
out=$(run 2 --dry-run "$WORK/ok.ini" -o "$WORK/dry.h5"); rc=$?
check "--dry-run prints the plan and writes nothing" [ $rc = 0 ] && grep -q "points" <<<"$out" && [ ! -e "$WORK/dry.h5" ] && [ ! -e "$WORK/dry.h5.partial" ]
# issue 17: messages that name the input's file, line and key
{ printf '[lhc]\npdf_set = NoSuchSet\n'; good; } > "$WORK/pdf_unknown.ini"
LHAPDF_DATA_PATH=$WORK expect_bad pdf_unknown "pdf_unknown.ini:2: \[lhc\] pdf_set: PDF set 'NoSuchSet' not found" "$WORK/pdf_unknown.ini"
cp "$WORK/pdf_unknown.ini" "$WORK/pdf_nopath.ini"
saved=${LHAPDF_DATA_PATH-}; unset LHAPDF_DATA_PATH
expect_bad pdf_nopath "pdf_nopath.ini:2: \[lhc\] pdf_set: .*LHAPDF_DATA_PATH is not set" "$WORK/pdf_nopath.ini"
[ -n "$saved" ] && export LHAPDF_DATA_PATH=$saved
{ printf '[lhc]\npdf_set = X\npdf_member = 50000\n'; good; } > "$WORK/pdf_member.ini"
expect_bad pdf_member "pdf_member.ini:3: \[lhc\] pdf_member: must be between 0 and 9999" "$WORK/pdf_member.ini"
{ printf '[constants]\nsqrts = 7000\n'; good; } > "$WORK/sqrts.ini"
expect_bad sqrts "sqrts.ini:2: \[constants\] sqrts: 7000 GeV, but the luminosity table .* is for 13000 GeV" "$WORK/sqrts.ini"
# issue 16: FIFOs and devices are refused before they are opened (an open would block)
mkfifo "$WORK/fifo_input.ini"
expect_bad fifo_input "fifo_input.ini: cannot read the input file: not a regular file" "$WORK/fifo_input.ini"
mkfifo "$WORK/lumi.fifo"
{ printf '[lhc]\nlumi_table = lumi.fifo\n'; good; } > "$WORK/fifo_data.ini"
expect_bad fifo_data "fifo_data.ini:2: \[lhc\] lumi_table: cannot read .*lumi.fifo.: not a regular file" "$WORK/fifo_data.ini"
{ printf '[flavour]\nfile = /dev/zero\n'; good; } > "$WORK/dev_data.ini"
expect_bad dev_data "dev_data.ini:2: \[flavour\] file: cannot read ./dev/zero.: not a regular file" "$WORK/dev_data.ini"
# issue 16: unknown values of zpscan's environment variables are errors
for kv in ZPSCAN_SCHEDULE=bogus ZPSCAN_WRITEBACK=bogus ZPSCAN_H5_ALIGN=garbage ZPSCAN_H5_TILE_IO=sometimes ZPSCAN_DATADIR=/nonexistent; do
  n=${kv%%=*}
  cp "$WORK/ok.ini" "$WORK/env_$n.ini"
  export "$kv"
  expect_bad "env_$n" "environment variable $n='${kv#*=}': not an accepted value" "$WORK/env_$n.ini"
  unset "$n"
done
# issue 16: control bytes in a value are printed escaped, never raw
mk escape; sed -i 's/^lepton = mu/lepton = \x1b[31mRED\x1b[0m/' "$WORK/escape.ini"
expect_bad escape "escape.ini:2: \[scan\] lepton: '.x1b\[31mRED.x1b\[0m' is not a lepton" "$WORK/escape.ini"
err=$("$ZPSCAN" "$WORK/escape.ini" -o "$WORK/escape.h5" 2>&1)
check "escape: no raw ESC byte in the message" sh -c "! printf '%s' \"\$1\" | grep -q \"\$(printf '\\033')\"" _ "$err"
# issue 16: absurd grids fail at once with the numbers; a huge valid one starts at once
axes() { # MASS GQL GV GA [projections]: a grid with those axis lengths
  printf '[scan]\nlepton = mu\npoints = no\nprojections = %s\n' "${5:-gV:gA}"
  if [ "$1" = 1 ]; then printf '[axis.mass]\nvalues = 500\n'; else printf '[axis.mass]\nspacing = lin\nmin = 300\nmax = 3000\nn = %s\n' "$1"; fi
  printf '[axis.gqL]\nspacing = log\nmin = 1e-6\nmax = 1e-1\nn = %s\n[axis.gqR]\nvalues = 0\n' "$2"
  printf '[axis.gV]\nspacing = log\nmin = 1e-3\nmax = 10\nn = %s\n' "$3"
  if [ "$4" = 1 ]; then printf '[axis.gA]\nvalues = 0\n'; else printf '[axis.gA]\nspacing = lin\nmin = -1\nmax = 1\nn = %s\n' "$4"; fi
}
axes 1 1000000000 1000000000 1 > "$WORK/huge_axes.ini"
t0=$(date +%s)
expect_bad huge_axes "huge_axes.ini: the axes \(mass 1 x gqL 1000000000 x gqR 1 x gV 1000000000 x gA 1\) hold 2000000003 values: 16 GB" "$WORK/huge_axes.ini"
check "huge axes: refused within 10 s" [ $(($(date +%s) - t0)) -le 10 ]
axes 1000 1000000 1000000 1000000 > "$WORK/overflow.ini"
expect_bad overflow "overflow.ini: the grid \(mass 1000 x gqL 1000000 x gqR 1 x gV 1000000 x gA 1000000\) has more than 2\^63 points" "$WORK/overflow.ini"
axes 25 2000 2000 1 gqL:gV > "$WORK/proj_mem.ini"
expect_bad proj_mem "proj_mem.ini: \[scan\] projections: [0-9.]+ GB of projection cells per rank" "$WORK/proj_mem.ini"
axes 100 100000 100 100 > "$WORK/many_tiles.ini"; printf 'tile = 1, 1, 1, 1, 1\n' | sed -i '/^points = no/r /dev/stdin' "$WORK/many_tiles.ini"
expect_bad many_tiles "many_tiles.ini: 100000000000 tiles of 1 x 1 x 1 x 1 x 1 points: the plan holds at most" "$WORK/many_tiles.ini"
axes 10 1000000 1000 100 > "$WORK/big_ok.ini"
timeout -s INT 90 "$MPIEXEC" -n 2 "$ZPSCAN" "$WORK/big_ok.ini" -o "$WORK/big_ok.h5" --progress 0.5 > "$WORK/big_ok.out" 2>&1 &
bp=$!; t0=$(date +%s.%N); plan=""; first=""
for _ in $(seq 800); do
  [ -z "$plan" ] && grep -q "1000000000000 points" "$WORK/big_ok.out" 2>/dev/null && plan=$(date +%s.%N)
  grep -q "progress" "$WORK/big_ok.out" 2>/dev/null && { first=$(date +%s.%N); break; }
  sleep 0.1
done
kill -INT $bp 2>/dev/null; wait $bp 2>/dev/null
# the set-up does not grow with the grid: the plan within seconds in any build; the first
# round's compute is the build's speed (2 s in the release build, longer under sanitizers)
check "a valid 10^12-point projections-only grid: plan line within 15 s" \
  sh -c "[ -n '$plan' ] && awk 'BEGIN { exit !($plan - $t0 <= 15) }'"
check "... and a first progress line (after $(awk "BEGIN { printf \"%.1f\", ${first:-0} - $t0 }") s)" [ -n "$first" ]
# the 2026 constraints' data files and keys: one line naming file, line and key; exit 2; no output
printf '[bsmumu]\nbr_exp = 3.3e-9\nbr_exp_sigma = 0.3e-9\nbr_sm = 3.6e-9\nbr_sm_sigma = x\nc10_sm = -4.2\nsource = s\n' > "$WORK/bm.ini"
mk bad_bsmumu_file; printf '[bsmumu]\nfile = bm.ini\n' >> "$WORK/bad_bsmumu_file.ini"
expect_bad bad_bsmumu_file "bm.ini:5: \[bsmumu\] br_sm_sigma" "$WORK/bad_bsmumu_file.ini"
printf '[trident]\nratio = 0.8\nratio_sigma = 0.3\nsource = s\n' > "$WORK/tr.ini"
mk bad_trident_file; printf '[trident]\nfile = tr.ini\n' >> "$WORK/bad_trident_file.ini"
expect_bad bad_trident_file "tr.ini:1: \[trident\] vev: required key is missing" "$WORK/bad_trident_file.ini"
mk missing_dms_file; printf '[bs_mixing]\nmethod = likelihood\nfile = nosuch.ini\n' >> "$WORK/missing_dms_file.ini"
expect_bad missing_dms_file "missing_dms_file.ini:21: \[bs_mixing\] file" "$WORK/missing_dms_file.ini"
mk bad_lep_key; printf '[lep]\nmin_mass = -1\n' >> "$WORK/bad_lep_key.ini"
expect_bad bad_lep_key "bad_lep_key.ini:20: \[lep\] min_mass" "$WORK/bad_lep_key.ini"
mk bad_gauss; printf '[mu.gauss]\ncoefficients = C9\nmean = 0\ncov = -1\nchi2_max = 4\nsource = s\n' > "$WORK/fg.ini"
printf '[flavour]\nfile = fg.ini\n' >> "$WORK/bad_gauss.ini"
expect_bad bad_gauss "fg.ini:4: \[mu.gauss\] cov: not positive definite" "$WORK/bad_gauss.ini"
# the binned LHC method's spectra and keys (a copy of the shipped spectra, then one fault each)
spec() { rm -rf "$WORK/$1" && cp -r "$SRCDIR/inputs/lhc/atlas139_spectra" "$WORK/$1" && chmod -R u+w "$WORK/$1"; }
binned() { mk "$1"; printf '[lhc]\nmethod = binned\nspectra = %s\n' "$2" >> "$WORK/$1.ini"; }
spec sp_trunc; printf '5806.19\t5900\t3\n' >> "$WORK/sp_trunc/mm_data.dat"
binned bad_spectra_row sp_trunc
expect_bad bad_spectra_row "sp_trunc/mm_data.dat:$(wc -l < "$WORK/sp_trunc/mm_data.dat"): truncated row" "$WORK/bad_spectra_row.ini"
spec sp_nan; sed -i '5s/^\([0-9.]*\)\t\([0-9.]*\)\t[0-9]*/\1\t\2\tmany/' "$WORK/sp_nan/mm_data.dat"
binned bad_spectra_number sp_nan
expect_bad bad_spectra_number "sp_nan/mm_data.dat:5: column 3: not a number" "$WORK/bad_spectra_number.ini"
spec sp_nores; rm "$WORK/sp_nores/mm_resolutions.dat"
binned missing_resolution sp_nores
expect_bad missing_resolution "sp_nores/mm_resolutions.dat: cannot read" "$WORK/missing_resolution.ini"
spec sp_unsorted; sed -i '10{h;d};11G' "$WORK/sp_unsorted/mm_data.dat"
binned unsorted_bins sp_unsorted
expect_bad unsorted_bins "sp_unsorted/mm_data.dat:11: bins not sorted" "$WORK/unsorted_bins.ini"
# a FIFO among the spectra (its open would block without a writer): refused, no hang
spec sp_fifo; rm "$WORK/sp_fifo/xi_mm.dat"; mkfifo "$WORK/sp_fifo/xi_mm.dat"
binned fifo_spectra sp_fifo
expect_bad fifo_spectra "sp_fifo/xi_mm.dat: cannot read: not a regular file" "$WORK/fifo_spectra.ini"
mk bad_method; printf '[lhc]\nmethod = histogram\n' >> "$WORK/bad_method.ini"
expect_bad bad_method "bad_method.ini:20: \[lhc\] method: 'histogram' is not a method" "$WORK/bad_method.ini"
mk bad_channel; printf '[lhc]\nmethod = binned\nchannels = ee\n' >> "$WORK/bad_channel.ini"
expect_bad bad_channel "bad_channel.ini:21: \[lhc\] channels: 'ee': this Z' \(lepton = mu\) has no signal there" "$WORK/bad_channel.ini"
mk bad_widths; printf '[lhc]\nmethod = binned\nbinned_widths = 0, 0.02, 0.01\n' >> "$WORK/bad_widths.ini"
expect_bad bad_widths "bad_widths.ini:21: \[lhc\] binned_widths: '0.01': widths must increase" "$WORK/bad_widths.ini"

finish
