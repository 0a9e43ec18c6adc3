#!/usr/bin/env bash
# Rebuild the paper's figures (arXiv:1704.06200 Figs. 2-5) and one text summary per file
# from the four paper scans, writing everything next to the result files.
#
#   tools/make-figures.sh RESULTS_DIR [DOC_FIGURES_DIR]
#
# RESULTS_DIR must hold paper-{e,muon}-{C9,C10}.h5 (complete scans of inputs/paper-*.ini).
# Written there:
#   fig2-electron-planes.{png,pdf}   e-C9 (top) and e-C10 (bottom), one panel per mass
#   fig3-g2-electron.{png,pdf}       Delta a_e vs M_Z'
#   fig4-muon-planes.{png,pdf}       mu-C9 (top) and mu-C10 (bottom)
#   fig5-g2-muon.{png,pdf}           Delta a_mu vs M_Z'
#   paper-*-plane.{png,pdf}          each scenario alone
#   paper-*-summary.txt, fig3-g2-electron.txt, fig5-g2-muon.txt   text output
#   lhc-binned-muon-C9.{png,pdf}     with paper-muon-C9-binned.h5: the muon C9 plane at 500 GeV,
#                                    fiducial limit and binned LHC likelihood side by side
#   compare-*.{png,pdf}, 2026-*      with the 2026-*.h5 scans: paper 2017 vs data 2026
# With DOC_FIGURES_DIR, PNG copies of figs. 2-5 at a lower resolution go there too
# (the ones shown in docs/FIGURES.md).
set -euo pipefail

usage() { echo "usage: $0 RESULTS_DIR [DOC_FIGURES_DIR]" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 2 ] || usage
dir=$1
docdir=${2:-}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
zpplot="$here/zpplot"
[ -d "$dir" ] || { echo "make-figures: $dir: no such directory" >&2; exit 2; }

scen=(e-C9 e-C10 muon-C9 muon-C10)
for s in "${scen[@]}"; do
  [ -f "$dir/paper-$s.h5" ] || {
    echo "make-figures: $dir/paper-$s.h5 missing (run: zpscan -o $dir/paper-$s.h5 inputs/paper-$s.ini)" >&2
    exit 2; }
done

for s in "${scen[@]}"; do
  f="$dir/paper-$s.h5"
  "$zpplot" summary "$f" > "$dir/paper-$s-summary.txt"
  "$zpplot" plane "$f" -o "$dir/paper-$s-plane" >/dev/null
done
"$zpplot" plane "$dir/paper-e-C9.h5" "$dir/paper-e-C10.h5" -o "$dir/fig2-electron-planes" >/dev/null
"$zpplot" plane "$dir/paper-muon-C9.h5" "$dir/paper-muon-C10.h5" -o "$dir/fig4-muon-planes" >/dev/null
"$zpplot" g2 "$dir/paper-e-C10.h5" -o "$dir/fig3-g2-electron" | grep -v '^wrote' > "$dir/fig3-g2-electron.txt"
"$zpplot" g2 "$dir/paper-muon-C9.h5" -o "$dir/fig5-g2-muon" | grep -v '^wrote' > "$dir/fig5-g2-muon.txt"

# the LHC per channel: the paper's muon C9 plane at 500 GeV with ATLAS's combined fiducial
# limit (the paper's way) and with the binned muon-channel likelihood, side by side
if [ -f "$dir/paper-muon-C9-binned.h5" ]; then
  "$zpplot" summary "$dir/paper-muon-C9-binned.h5" > "$dir/paper-muon-C9-binned-summary.txt"
  "$zpplot" plane "$dir/paper-muon-C9.h5" "$dir/paper-muon-C9-binned.h5" --mass 500 --side-by-side \
    --titles "fiducial limit (ee+mumu),binned (mumu)" -o "$dir/lhc-binned-muon-C9" >/dev/null
fi

# paper 2017 vs data 2026: each scenario's planes, the 2017 row above the 2026 row, with the
# profile-likelihood contours; and the lepton-universal Z' (no 2017 counterpart)
n26=0
for s in "${scen[@]}"; do
  [ -f "$dir/2026-$s.h5" ] || continue
  "$zpplot" summary "$dir/2026-$s.h5" > "$dir/2026-$s-summary.txt"
  "$zpplot" plane "$dir/paper-$s.h5" "$dir/2026-$s.h5" --titles "paper 2017,data 2026" \
    -o "$dir/compare-$s" >/dev/null
  n26=$((n26 + 1))
done
if [ -f "$dir/2026-universal-C9.h5" ]; then
  "$zpplot" summary "$dir/2026-universal-C9.h5" > "$dir/2026-universal-C9-summary.txt"
  "$zpplot" plane "$dir/2026-universal-C9.h5" --titles "data 2026" -o "$dir/2026-universal-C9-plane" >/dev/null
fi

if [ -n "$docdir" ]; then
  mkdir -p "$docdir"
  "$zpplot" plane "$dir/paper-e-C9.h5" "$dir/paper-e-C10.h5" -o "$docdir/fig2-electron-planes" --format png --dpi 100 >/dev/null
  "$zpplot" plane "$dir/paper-muon-C9.h5" "$dir/paper-muon-C10.h5" -o "$docdir/fig4-muon-planes" --format png --dpi 100 >/dev/null
  "$zpplot" g2 "$dir/paper-e-C10.h5" -o "$docdir/fig3-g2-electron" --format png --dpi 100 >/dev/null
  "$zpplot" g2 "$dir/paper-muon-C9.h5" -o "$docdir/fig5-g2-muon" --format png --dpi 100 >/dev/null
  for s in "${scen[@]}"; do
    [ -f "$dir/2026-$s.h5" ] || continue
    "$zpplot" plane "$dir/paper-$s.h5" "$dir/2026-$s.h5" --titles "paper 2017,data 2026" \
      -o "$docdir/compare-$s" --format png --dpi 90 >/dev/null
  done
  [ -f "$dir/paper-muon-C9-binned.h5" ] && "$zpplot" plane "$dir/paper-muon-C9.h5" "$dir/paper-muon-C9-binned.h5" \
    --mass 500 --side-by-side --titles "fiducial limit (ee+mumu),binned (mumu)" \
    -o "$docdir/lhc-binned-muon-C9" --format png --dpi 90 >/dev/null
  [ -f "$dir/2026-universal-C9.h5" ] && "$zpplot" plane "$dir/2026-universal-C9.h5" --titles "data 2026" \
    -o "$docdir/2026-universal-C9-plane" --format png --dpi 90 >/dev/null
fi
echo "make-figures: figures and summaries written to $dir${docdir:+ (PNG copies in $docdir)}"
