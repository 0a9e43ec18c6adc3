#!/usr/bin/python3
"""Figure tools on a small scan: zpscan writes a file, tools/zpplot draws it.

  test_figures.py ZPSCAN ZPPLOT [MPIEXEC]

Checks (each failure is reported with what differed; exit 1 if any failed):
  projections == brute-force numpy reduction of /points (counts, fractions, minima),
  the same with 2 MPI ranks (when MPIEXEC is given) and with uneven tiles,
  zpplot plane / g2 write non-empty PNG (decodable, not blank) and PDF files,
  plane maps from /projections == maps reduced from /points by zpplot itself,
  zpplot summary prints the counts of /summary/pass_counts,
  zpplot refuses an incomplete file and a non-zpscan file with one clear line,
  make-figures.sh refuses a directory without the paper result files.
"""
import importlib.machinery
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile

import h5py
import numpy as np

AXES = ("mass", "gqL", "gqR", "gV", "gA")

# electrons (LEP active), two masses (200: LHC untested; 500: tested), both signs, a
# reduced gqR axis with zero and an axial axis so that cells hold several points,
# mixed C9+C10 points (flavour untested, chi2 NaN), uneven tiles, four projections
# (one with its axes in reverse order).
INPUT = """\
[scan]
lepton = e
observables = all
combine = flavour, lhc, bs_mixing, lep
projections = gqL:gV, gqL:gA, gV:gA, gqR:gqL
tile = 1, 5, 2, 3, 2

[axis.mass]
values = 200, 500

[axis.gqL]
spacing = log
sign = +-
min = 1e-5
max = 1e-1
n = 6

[axis.gqR]
values = -1e-3, 0, 2e-3

[axis.gV]
spacing = log
sign = +-
min = 1e-2
max = 3
n = 5

[axis.gA]
values = -0.5, 0, 0.02, 0.3, 1
"""

FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print(f"FAIL: {what}")
    return cond


def run(cmd, cwd=None, expect_ok=True, timeout=300):
    try:
        r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise SystemExit(f"command did not finish in {timeout} s (hang?): {' '.join(cmd)}") from None
    if expect_ok and r.returncode != 0:
        raise SystemExit(f"command failed ({r.returncode}): {' '.join(cmd)}\n{r.stdout}\n{r.stderr}")
    return r


def brute_force(f, group):
    """Projection of /points computed here: {bit: counts (mass, A, B)}, minima, per_cell."""
    g = f["projections"][group]
    dims = [x.decode() if isinstance(x, bytes) else str(x) for x in g.attrs["dimensions"]]
    keep = [AXES.index(d) for d in dims]
    rest = tuple(k for k in range(5) if k not in keep)
    remaining = sorted(keep)                      # axis order after summing over `rest`
    perm = [remaining.index(k) for k in keep]
    P = f["points/pass"][...]
    names = [x.decode() if isinstance(x, bytes) else str(x) for x in f["points/pass"].attrs["bit_names"]]
    counts = {n: np.transpose(((P >> k) & 1).astype(np.uint64).sum(axis=rest), perm)
              for k, n in enumerate(names)}
    chi2 = f["points/flavour_chi2"][...].astype(np.float64)
    pull = f["points/g2_pull"][...].astype(np.float64)
    # C uses fmin (NaN dropped) starting from +inf
    mf = np.transpose(np.fmin.reduce(np.where(np.isnan(chi2), np.inf, chi2), axis=rest,
                                     initial=np.inf), perm)
    mg = np.transpose(np.fmin.reduce(np.where(np.isnan(pull), np.inf, pull * pull), axis=rest,
                                     initial=np.inf), perm)
    tot = f["points/chi2_total"][...].astype(np.float64)
    mt = np.transpose(np.fmin.reduce(np.where(np.isnan(tot), np.inf, tot), axis=rest,
                                     initial=np.inf), perm)
    per_cell = int(np.prod([P.shape[k] for k in rest]))
    return counts, {"min_flavour_chi2": mf, "min_g2_chi2": mg, "min_chi2_total": mt}, per_cell


def check_chi2_total(f, label):
    """chi2_total recomputed from the stored terms: flavour_chi2, (R / (bs_mixing_max/2))^2
    and g2_pull^2, each where its constraint is in combine (the input of this test combines
    flavour, lhc, bs_mixing and lep; the LHC's fiducial limit defines no likelihood)."""
    terms = sorted(x.decode() if isinstance(x, bytes) else str(x) for x in f["inputs"].attrs["chi2_terms"])
    check(terms == ["bs_mixing", "flavour"], f"{label}: chi2_terms {terms}")
    und = [x.decode() if isinstance(x, bytes) else str(x) for x in f["inputs"].attrs["chi2_undefined"]]
    check("lhc" in und, f"{label}: chi2_undefined {und} should name lhc")
    bsmax = float(f["constants"].attrs["bs_mixing_max"]) if "bs_mixing_max" in f["constants"].attrs else 0.1
    R = f["points/bs_mixing_ratio"][...].astype(np.float64)
    ref = f["points/flavour_chi2"][...].astype(np.float64) + (R / (bsmax / 2)) ** 2
    got = f["points/chi2_total"][...].astype(np.float64)
    same_nan = np.array_equal(np.isnan(got), np.isnan(ref))
    fin = ~np.isnan(ref)
    close = np.allclose(got[fin], ref[fin], rtol=2e-6, atol=1e-30)
    check(same_nan and close and fin.any() and (~fin).any(),
          f"{label}: chi2_total != flavour_chi2 + (R/sigma)^2 (NaN pattern {same_nan}, close {close})")


def check_projections(path, label):
    with h5py.File(path, "r") as f:
        check(int(f.attrs["complete"]) == 1, f"{label}: file complete")
        groups = sorted(f["projections"])
        check(groups == sorted(["gqL_gV", "gqL_gA", "gV_gA", "gqR_gqL"]),
              f"{label}: projection groups {groups}")
        for grp in groups:
            g = f["projections"][grp]
            counts, mins, per_cell = brute_force(f, grp)
            check(int(g.attrs["points_per_cell"]) == per_cell,
                  f"{label}: {grp} points_per_cell {int(g.attrs['points_per_cell'])} != {per_cell}")
            for bit, cnt in counts.items():
                frac = g[f"{bit}/allowed_fraction"][...]
                anyb = g[f"{bit}/any_allowed"][...]
                check(frac.shape == cnt.shape, f"{label}: {grp}/{bit} shape {frac.shape} != {cnt.shape}")
                if frac.shape != cnt.shape:
                    continue
                expect = cnt.astype(np.float64) / np.float64(per_cell)
                bad = np.count_nonzero(frac != expect)
                check(bad == 0, f"{label}: {grp}/{bit}/allowed_fraction differs in {bad} cells")
                bad = np.count_nonzero(anyb != (cnt > 0).astype(np.uint8))
                check(bad == 0, f"{label}: {grp}/{bit}/any_allowed differs in {bad} cells")
            for nm, ref in mins.items():
                got = g[nm][...]
                bad = np.count_nonzero(~((got == ref) | (np.isnan(got) & np.isnan(ref))))
                check(got.shape == ref.shape and bad == 0, f"{label}: {grp}/{nm} differs in {bad} cells")
        check_chi2_total(f, label)
        # the test must exercise what it claims to
        P = f["points/pass"][...]
        names = [x.decode() if isinstance(x, bytes) else str(x) for x in f["points/pass"].attrs["bit_names"]]
        for bit in ("flavour", "lhc", "lhc_untested", "flavour_untested", "lep", "all"):
            on = ((P >> names.index(bit)) & 1).astype(bool)
            check(on.any() and not on.all(), f"{label}: bit {bit} is constant on the test grid")
        sc = f["summary/pass_counts"][...]
        ref = [int(((P >> k) & 1).sum()) for k in range(len(names))]
        check([int(x) for x in sc] == ref, f"{label}: /summary/pass_counts {list(sc)} != {ref}")


def check_image_files(prefix, label):
    from matplotlib import image
    for ext in ("png", "pdf"):
        p = f"{prefix}.{ext}"
        check(os.path.exists(p) and os.path.getsize(p) > 1000, f"{label}: {p} missing or tiny")
    png = f"{prefix}.png"
    if os.path.exists(png):
        img = image.imread(png)
        check(img.ndim == 3 and img.shape[0] > 200 and img.shape[1] > 200,
              f"{label}: PNG shape {img.shape}")
        ncol = np.unique(img[..., :3].reshape(-1, 3), axis=0).shape[0]
        check(ncol > 20 and float(img[..., :3].std()) > 0.02,
              f"{label}: PNG looks blank ({ncol} colours)")
    with open(f"{prefix}.pdf", "rb") as fh:
        check(fh.read(5) == b"%PDF-", f"{label}: PDF header")


def load_zpplot(path):
    loader = importlib.machinery.SourceFileLoader("zpplot", path)
    spec = importlib.util.spec_from_loader("zpplot", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


def check_plot_sources(zpplot, path, nopro, label):
    """Plane maps from /projections equal the ones zpplot reduces from /points."""
    mod = load_zpplot(zpplot)
    for pair in ("gqL:gV", "gqL:gA", "gV:gA", "gqL:gqR"):
        with h5py.File(path, "r") as f:
            a = mod.plane_maps(f, pair)
        with h5py.File(nopro, "r") as f:
            b = mod.plane_maps(f, pair)
        check(a["source"].startswith("/projections") and b["source"].startswith("/points"),
              f"{label}: sources {a['source']} / {b['source']}")
        for bit in a["maps"]:
            check(np.array_equal(a["maps"][bit], b["maps"][bit]),
                  f"{label}: {pair} {bit} map from projections != from points")
    # sign fold by hand for one bit: OR over the signed cells with the same magnitudes
    with h5py.File(path, "r") as f:
        pm = mod.plane_maps(f, "gqL:gV")
        raw = f["projections/gqL_gV/flavour/any_allowed"][...].astype(bool)
        gq, gv = f["axes/gqL"][...], f["axes/gV"][...]
    for im in range(raw.shape[0]):
        for i, mq in enumerate(pm["ma"]):
            for j, mv in enumerate(pm["mb"]):
                want = raw[im][np.ix_(np.abs(gq) == mq, np.abs(gv) == mv)].any()
                if pm["maps"]["flavour"][im, i, j] != want:
                    check(False, f"{label}: sign fold wrong at mass {im}, |gqL|={mq:g}, |gV|={mv:g}")
                    return


def main():
    if len(sys.argv) not in (3, 4):
        raise SystemExit(__doc__)
    zpscan, zpplot = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    mpiexec = sys.argv[3] if len(sys.argv) == 4 else None
    tmp = tempfile.mkdtemp(prefix="zp_figtest_")
    try:
        ini = os.path.join(tmp, "small.ini")
        with open(ini, "w") as fh:
            fh.write(INPUT)
        h5 = os.path.join(tmp, "small.h5")
        run([zpscan, "-q", "-o", h5, ini], cwd=tmp)
        check_projections(h5, "1 rank")
        if mpiexec:
            h5b = os.path.join(tmp, "small-2ranks.h5")
            run([mpiexec, "-n", "2", zpscan, "-q", "-o", h5b, ini], cwd=tmp)
            check_projections(h5b, "2 ranks")

        # plane figure (one file, and two files = two rows) and g-2 figure
        r = run([zpplot, "plane", h5, "-o", os.path.join(tmp, "plane")])
        check("wrote" in r.stdout, "plane: no 'wrote' line")
        check_image_files(os.path.join(tmp, "plane"), "plane")
        run([zpplot, "plane", h5, h5, "--pair", "gqL:gA", "--mass", "500",
             "-o", os.path.join(tmp, "plane2")])
        check_image_files(os.path.join(tmp, "plane2"), "plane 2 files")
        r = run([zpplot, "g2", h5, "-o", os.path.join(tmp, "g2")])
        check_image_files(os.path.join(tmp, "g2"), "g2")
        line = [x for x in r.stdout.splitlines() if x.startswith("cross-check")]
        check(len(line) == 1 and float(line[0].split()[-1]) < 1e-6,
              f"g2: formula vs /points/delta_a cross-check: {line}")
        r = run([zpplot, "plane", h5, "--mass", "300", "-o", os.path.join(tmp, "x")],
                expect_ok=False)
        check(r.returncode != 0 and "not on the grid" in r.stderr, f"bad --mass: {r.stderr!r}")

        # /points reduction path equals the /projections path
        nopro = os.path.join(tmp, "noproj.h5")
        shutil.copy(h5, nopro)
        with h5py.File(nopro, "a") as f:
            del f["projections"]
        run([zpplot, "plane", nopro, "-o", os.path.join(tmp, "plane-points"), "--format", "png"])
        check_plot_sources(zpplot, h5, nopro, "plot sources")

        # summary prints /summary/pass_counts
        r = run([zpplot, "summary", h5])
        with h5py.File(h5, "r") as f:
            names = [x.decode() if isinstance(x, bytes) else str(x)
                     for x in f["summary/pass_counts"].attrs["bit_names"]]
            counts = [int(x) for x in f["summary/pass_counts"][...]]
        lines = r.stdout.splitlines()
        start = [i for i, x in enumerate(lines) if x.startswith("Counts")]
        check(len(start) == 1, "summary: no Counts section")
        printed = {}
        for x in lines[start[0] + 1:] if start else []:
            parts = x.split()
            if len(parts) < 2 or not parts[1].isdigit():
                break
            printed[parts[0]] = int(parts[1])
        check(printed == dict(zip(names, counts)), f"summary counts {printed} != {dict(zip(names, counts))}")
        check("lepton e" in r.stdout and "combine = flavour" in r.stdout, "summary: inputs missing")

        # incomplete and foreign files are refused with one line, no traceback
        inc = os.path.join(tmp, "incomplete.h5")
        shutil.copy(h5, inc)
        with h5py.File(inc, "a") as f:
            f.attrs["complete"] = np.int64(0)
        for cmd in (["plane", inc], ["g2", inc], ["summary", inc]):
            r = run([zpplot] + cmd + (["-o", os.path.join(tmp, "inc")] if cmd[0] != "summary" else []),
                    expect_ok=False)
            check(r.returncode != 0 and "incomplete" in r.stderr and "Traceback" not in r.stderr
                  and len(r.stderr.strip().splitlines()) == 1,
                  f"{cmd[0]} on incomplete file: rc {r.returncode}, stderr {r.stderr!r}")
        r = run([zpplot, "plane", inc, "--allow-incomplete", "-o", os.path.join(tmp, "inc")])
        check(os.path.exists(os.path.join(tmp, "inc.png")), "--allow-incomplete did not plot")
        foreign = os.path.join(tmp, "foreign.h5")
        with h5py.File(foreign, "w") as f:
            f["x"] = np.zeros(3)
        r = run([zpplot, "summary", foreign], expect_ok=False)
        check(r.returncode != 0 and "not a zpscan result" in r.stderr and "Traceback" not in r.stderr,
              f"foreign file: rc {r.returncode}, stderr {r.stderr!r}")
        # make-figures.sh refuses a directory without the four paper files
        mk = os.path.join(os.path.dirname(zpplot), "make-figures.sh")
        r = run(["bash", mk, tmp], expect_ok=False)
        check(r.returncode != 0 and "paper-e-C9.h5 missing" in r.stderr,
              f"make-figures.sh on an empty directory: rc {r.returncode}, stderr {r.stderr!r}")
    finally:
        if FAILURES or os.environ.get("ZP_KEEP_TMP"):
            print(f"files kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed")
        return 1
    print("all figure checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
