#!/usr/bin/python3
"""A/B of zpscan-bench-kernel builds or constraint sets in one run (BENCHMARKS.md).

  bench-kernel-ab.py [--pairs N] [--seconds S] [--cpu K] [--best] NAME=CMD [NAME=CMD ...]

Each CMD (a zpscan-bench-kernel command line, e.g. "build/zpscan-bench-kernel --set 2026")
runs N times, the commands alternating, so a drift of the machine hits every side alike.
--cpu K runs every command on CPU K only (taskset): on this VM the same binary against itself
then differs by ~3% instead of up to ~20% (BENCHMARKS.md §11).
Per side: the median over runs of the median over row lengths >= 1024 of each row kind
(points/s); then the ratio of every side to the first. --best: the best run instead of the
median (for this compute-bound kernel a slower run is interference, not the code: the best of
several runs is the more repeatable figure, BENCHMARKS.md §12).
"""
import shlex, statistics, subprocess, sys

def parse(out):
    rows = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 3 and f[0] in ("kernel", "verdicts", "verdicts0", "verdictsC9") and f[1].isdigit():
            if int(f[1]) >= 1024:
                rows.setdefault(f[0], []).append(float(f[2]))
    return {k: statistics.median(v) for k, v in rows.items()}

def main():
    args = sys.argv[1:]
    pairs, secs, pin, best = 3, "0.3", [], False
    while args and args[0].startswith("--"):
        if args[0] == "--pairs": pairs = int(args[1]); args = args[2:]
        elif args[0] == "--seconds": secs = args[1]; args = args[2:]
        elif args[0] == "--cpu": pin = ["taskset", "-c", args[1]]; args = args[2:]
        elif args[0] == "--best": best = True; args = args[1:]
        else: sys.exit(__doc__)
    sides = [a.split("=", 1) for a in args]
    if len(sides) < 2: sys.exit(__doc__)
    res = {n: [] for n, _ in sides}
    for p in range(pairs):
        for n, cmd in sides:
            out = subprocess.run(pin + shlex.split(cmd) + ["--seconds", secs], capture_output=True, text=True, check=True).stdout
            res[n].append(parse(out))
            print(f"# pair {p + 1} {n}: " + ", ".join(f"{k} {v:.3g}" for k, v in sorted(res[n][-1].items())), flush=True)
    kinds = [k for k in ("verdicts0", "verdictsC9", "verdicts", "kernel") if all(k in r for n in res for r in res[n])]
    agg = max if best else statistics.median
    med = {n: {k: agg(r[k] for r in res[n]) for k in kinds} for n in res}
    first = sides[0][0]
    print("side," + ",".join(kinds) + "," + ",".join(k + "_ratio" for k in kinds))
    for n, _ in sides:
        print(n + "," + ",".join(f"{med[n][k]:.4g}" for k in kinds) + "," +
              ",".join(f"{med[n][k] / med[first][k]:.3f}" for k in kinds))

main()
