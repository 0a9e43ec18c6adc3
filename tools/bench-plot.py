#!/usr/bin/python3
"""Plot and tabulate the benchmark CSVs of tools/bench-all.sh.

usage: tools/bench-plot.py BENCH_DIR    (reads kernel.csv, e2e.csv, scale.csv, coll.csv;
writes bench.png and tables.md there; medians over repetitions)"""
import csv
import statistics
import sys
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def rkey(spec):
    """'N' (ranks) or 'NxT' (ranks x compute threads) -> (cores, threads, spec) for sorting"""
    n, _, t = spec.partition("x")
    return (int(n) * int(t or 1), int(t or 1), spec)


def rows(path):
    try:
        with open(path) as f:
            return list(csv.DictReader(f))
    except OSError:
        return []


def med(vals):
    return statistics.median(vals) if vals else float("nan")


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else "bench"
    kern, e2e, scale, coll = (rows(f"{d}/{n}.csv") for n in ("kernel", "e2e", "scale", "coll"))
    out = []
    fig, axs = plt.subplots(2, 2, figsize=(13, 9))
    ax = [axs[0][0], axs[1][0], axs[1][1], axs[0][1]]  # kernel, e2e, scaling, roofline

    # kernel
    k = [r for r in kern if r["what"] == "kernel"]
    if k:
        peak = {r["what"]: float(r["flops_per_s"]) for r in kern if r["what"].startswith("peak")}
        out.append("### Kernel (one core, thread CPU time, median of 3)\n")
        out.append(f"Peak: FMA {peak.get('peak_fma', 0):.3g} flop/s, mul+add {peak.get('peak_muladd', 0):.3g} flop/s\n")
        out.append("| row length | points/s | ns/point | flop/s (hand count per path) | % of mul+add peak |")
        out.append("|---:|---:|---:|---:|---:|")
        for r in k:
            out.append(f"| {r['row_len']} | {float(r['points_per_s']):.3g} | {float(r['ns_per_point']):.2f} | "
                       f"{float(r['flops_per_s']):.3g} | {100 * float(r['frac_peak_muladd']):.1f}% |")
        for what, name, suffix in (("verdicts", "verdicts-only", ""), ("verdicts_gqR0", "verdicts-only", ", gqR = 0"),
                                   ("kernel_gqR0", "full kernel", ", gqR = 0"),
                                   ("verdicts_C9only", "verdicts-only", ", gqR = gA = 0 (C9 alone)"),
                                   ("kernel_C9only", "full kernel", ", gqR = gA = 0 (C9 alone)")):
            for r in kern:
                if r["what"] == what:
                    fl = (f"{float(r['flops_per_s']):.3g} | {100 * float(r['frac_peak_muladd']):.1f}%"
                          if what.startswith("kernel") else "|")
                    out.append(f"| {name} row {r['row_len']}{suffix} | {float(r['points_per_s']):.3g} | "
                               f"{float(r['ns_per_point']):.2f} | {fl} |")
        for r in kern:
            if r["what"] in ("acc_row", "kernel_same_rows"):
                out.append(f"| {r['what']} (row {r['row_len']}) | {float(r['points_per_s']):.3g} | "
                           f"{float(r['ns_per_point']):.2f} | | |")
        out.append("")
        ax[0].plot([int(r["row_len"]) for r in k], [float(r["points_per_s"]) for r in k], "o-", label="kernel")
        kv = [r for r in kern if r["what"] == "verdicts"]
        if kv:
            ax[0].plot([int(r["row_len"]) for r in kv], [float(r["points_per_s"]) for r in kv], "s-", label="verdicts only")
        for what, mk, lab in (("verdicts_gqR0", "s--", "verdicts only, gqR = 0"), ("kernel_gqR0", "o--", "kernel, gqR = 0"),
                              ("verdicts_C9only", "s:", "verdicts only, C9 alone"), ("kernel_C9only", "o:", "kernel, C9 alone")):
            kz = [r for r in kern if r["what"] == what]
            if kz:
                ax[0].plot([int(r["row_len"]) for r in kz], [float(r["points_per_s"]) for r in kz], mk, label=lab)
        for r in kern:
            if r["what"] == "acc_row":
                ax[0].axhline(float(r["points_per_s"]), color="C1", ls="--", label="zp_acc_row (2 proj.)")
        ax[0].axhline(5e8, color="k", ls=":", label="target 5e8")
        ax[0].set_xscale("log")
        ax[0].set_yscale("log")
        ax[0].set_xlabel("row length (points)")
        ax[0].set_ylabel("points/s per core")
        ax[0].set_title("kernel, no output")
        ax[0].legend(fontsize=8)

    # roofline: flop/s against arithmetic intensity, roofs measured by zpscan-bench-kernel
    bwr = {r["what"]: float(r["flops_per_s"]) for r in kern if r["what"].startswith("bw_")}
    pk = {r["what"]: float(r["flops_per_s"]) for r in kern if r["what"].startswith("peak")}
    if bwr and pk and k:
        import numpy as np
        # per point (tools/bench_kernel.c hand count): full kernel 46 flops, 74 bytes of row
        # traffic (3 doubles in, uint16 mask + 12 floats out); verdicts 44 flops (no divides),
        # 34 bytes (3 doubles in, mask + 2 floats out)
        # (the general flavour fit; blocks whose verdict is known skip it: 6 flops fewer; blocks
        # with one coefficient alone test its interval only: 3 fewer)
        FULL_FLOPS, FULL_BYTES, VER_FLOPS, VER_BYTES = 46.0, 74.0, 44.0, 34.0
        SHORT = 6.0
        x = np.logspace(-2, 2, 200)
        r3 = ax[3]
        for name, c in (("bw_l1", "C2"), ("bw_l2", "C4"), ("bw_dram", "C3")):
            if name in bwr:
                r3.plot(x, np.minimum(pk.get("peak_muladd", 0), x * bwr[name]), color=c,
                        label=f"roof: mul+add peak / {name[3:].upper()} triad {bwr[name] / 1e9:.0f} GB/s")
        r3.axhline(pk.get("peak_fma", 0), color="k", ls=":", label=f"FMA peak {pk.get('peak_fma', 0) / 1e9:.0f} Gflop/s")
        bestk = max(float(r["points_per_s"]) for r in k)
        kv = [r for r in kern if r["what"] == "verdicts"]
        r3.plot([(FULL_FLOPS - SHORT) / FULL_BYTES], [bestk * (FULL_FLOPS - SHORT)], "o", color="C0", ms=8,
                label=f"kernel (all observables): {bestk:.3g} points/s")
        if kv:
            bestv = max(float(r["points_per_s"]) for r in kv)
            r3.plot([(VER_FLOPS - SHORT) / VER_BYTES], [bestv * (VER_FLOPS - SHORT)], "s", color="C1", ms=8,
                    label=f"verdicts only: {bestv:.3g} points/s")
        for what, flops, byts, mk, col, lab in (("kernel_gqR0", FULL_FLOPS - SHORT, FULL_BYTES, "o", "C2", "kernel, gqR = 0"),
                                                ("verdicts_gqR0", VER_FLOPS - SHORT, VER_BYTES, "s", "C3", "verdicts, gqR = 0"),
                                                ("kernel_C9only", FULL_FLOPS - 3, FULL_BYTES, "o", "C5", "kernel, C9 alone"),
                                                ("verdicts_C9only", VER_FLOPS - 3, VER_BYTES, "s", "C6", "verdicts, C9 alone")):
            kz = [r for r in kern if r["what"] == what]
            if kz:
                b = max(float(r["points_per_s"]) for r in kz)
                r3.plot([flops / byts], [b * flops], mk, color=col, ms=6, mfc="none",
                        label=f"{lab}: {b:.3g} points/s")
        r3.set_xscale("log")
        r3.set_yscale("log")
        r3.set_xlabel("arithmetic intensity (flop per byte of row traffic)")
        r3.set_ylabel("flop/s (one core)")
        r3.set_title("roofline (rows L1/L2-resident)")
        r3.legend(fontsize=7, loc="lower right")
        out.append("### Roofline inputs (one core)\n")
        out.append("| roof | value |")
        out.append("|---|---:|")
        for nm, v in sorted(pk.items()):
            out.append(f"| {nm} | {v:.3g} flop/s |")
        for nm, v in sorted(bwr.items()):
            out.append(f"| triad {nm[3:]} | {v:.3g} bytes/s |")
        out.append("")

    # e2e
    base = [r for r in e2e if r["setting"] == "base"]
    if base:
        g = defaultdict(list)
        for r in base:
            g[(r["mode"], rkey(r["ranks"]))].append(r)
        out.append("### End to end (median of repetitions; ratio = raw MPI-IO time / zpscan time, same bytes)\n")
        out.append("| mode | ranks | points | file bytes (on disk) | zpscan wall s | zpscan total s to durable end (compute/write/ckpt/finish) | "
                   "points/s | zpscan B/s | raw B/s | ratio (wall) | ratio (own clocks) |")
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        labels, rw, ri = [], [], []
        for (mode, (_, _, np_)), rs in sorted(g.items()):
            m = lambda c: med([float(x[c]) for x in rs])  # noqa: E731
            disk = f" ({rs[0]['raw_bytes']})" if rs[0].get("raw_bytes") else ""
            out.append(f"| {mode} | {np_} | {rs[0]['npoints']} | {rs[0]['file_bytes']}{disk} | {m('zp_wall_s'):.2f} | "
                       f"{m('zp_total_s'):.2f} ({m('zp_compute_s'):.2f}/{m('zp_write_s'):.2f}/{m('zp_ckpt_s'):.2f}/"
                       f"{med([float(x.get('zp_finish_s') or 0) for x in rs]):.2f}) | "
                       f"{m('points_per_s'):.3g} | {m('zp_bytes_per_s'):.3g} | {m('raw_bytes_per_s'):.3g} | "
                       f"{m('ratio_wall'):.2f} | {m('ratio_internal'):.2f} |")
            labels.append(f"{mode}\n{np_} rk")
            rw.append(m("ratio_wall"))
            ri.append(m("ratio_internal"))
        out.append("")
        x = range(len(labels))
        ax[1].bar([i - 0.2 for i in x], rw, 0.4, label="wall (start-up in both)")
        ax[1].bar([i + 0.2 for i in x], ri, 0.4, label="own clocks")
        ax[1].axhline(0.8, color="k", ls=":", label="target 0.8")
        ax[1].set_xticks(list(x))
        ax[1].set_xticklabels(labels, fontsize=8)
        ax[1].set_ylabel("raw MPI-IO time / zpscan time")
        ax[1].set_title("end to end vs raw MPI-IO")
        ax[1].legend(fontsize=8)
    sets = [r for r in e2e if r["setting"] != "base"]
    if sets:
        g = defaultdict(list)
        for r in sets:
            g[r["setting"]].append(r)
        out.append("### I/O settings (default observables, median)\n")
        out.append("| setting | ranks | zpscan wall s | total s | write s | ckpt s | ratio (wall) | ratio (own clocks) |")
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|")
        for s, rs in g.items():
            m = lambda c: med([float(x[c]) for x in rs])  # noqa: E731
            out.append(f"| {s} | {rs[0]['ranks']} | {m('zp_wall_s'):.2f} | {m('zp_total_s'):.2f} | "
                       f"{m('zp_write_s'):.2f} | {m('zp_ckpt_s'):.2f} | {m('ratio_wall'):.2f} | {m('ratio_internal'):.2f} |")
        out.append("")

    # scaling and memory: the bench-all run (scale.csv) and, if present, a re-run (scale-rerun.csv)
    import os
    runs = [("scale.csv", scale, "", "-")]
    if os.path.exists(f"{d}/scale-rerun.csv"):
        runs.append(("scale-rerun.csv", rows(f"{d}/scale-rerun.csv"), ", re-run", "--"))
    for fname, scale, tag, ls in runs:
        if not scale:
            continue
        g = defaultdict(list)
        for r in scale:
            g[(r["kind"], r["label"], rkey(r["ranks"]))].append(r)
        out.append(f"### Projections only (points = no): strong scaling and memory (median; {fname})\n")
        out.append("| kind | grid | ranks | points | wall s | total s | compute s | points/s | max RSS rank 0 / 1 (MB) "
                   "| CPU share rank 0 / 1 |")
        out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        strong, strong_c, weak, threaded = {}, {}, {}, {}
        for (kind, label, (ncore, nth, np_)), rs in sorted(g.items()):
            m = lambda c: med([float(x[c]) for x in rs if x.get(c)])  # noqa: E731
            rss = " / ".join(f"{m(c) / 1024:.1f}" for c in ("maxrss_kb_rank0", "maxrss_kb_rank1") if any(x[c] for x in rs))
            cpu = " / ".join(f"{m(c):.0f}%" for c in ("cpu_pct_rank0", "cpu_pct_rank1") if any(x.get(c) for x in rs))
            out.append(f"| {kind} | {label} | {np_} | {rs[0]['npoints']} | {m('wall_s'):.1f} | {m('total_s'):.2f} | "
                       f"{m('compute_s'):.2f} | {m('points_per_s'):.3g} | {rss} | {cpu} |")
            if kind == "strong" and nth > 1:  # N ranks x T threads: beside the rank line
                threaded[np_] = (ncore, m("points_per_s"), m("compute_s"))
                continue
            if kind == "weak" and nth > 1:
                continue
            np_ = ncore
            if kind == "strong":
                strong[np_] = m("points_per_s")
                strong_c[np_] = m("compute_s")
            if kind == "weak":
                weak[np_] = m("points_per_s")
        if strong:
            nps = sorted(strong)
            ax[2].plot(nps, [strong[n] / strong[nps[0]] for n in nps], "o" + ls, label="measured, run total" + tag)
            ax[2].plot(nps, [strong_c[nps[0]] / strong_c[n] for n in nps], "s" + ls, label="measured, compute phase" + tag)
            if weak:
                nw = sorted(weak)
                ax[2].plot(nw, [weak[n] / weak[nw[0]] for n in nw], "^" + ls, label="weak (1e9 points/rank), scaled" + tag)
            for spec, (nc, pps, comp) in threaded.items():
                ax[2].plot([nc], [pps / strong[nps[0]]], "x", ms=9, label=f"{spec} (ranks x threads), run total" + tag)
                out.append(f"\nStrong scaling {spec} (ranks x threads) vs {nps[0]} rank: {pps / strong[nps[0]]:.2f}x (run total), "
                           f"{strong_c[nps[0]] / comp:.2f}x (compute phase)\n")
            if not tag:
                ax[2].plot(nps, [n / nps[0] for n in nps], "k:", label="ideal")
            ax[2].set_xlabel("ranks")
            ax[2].set_ylabel("speed-up vs 1 rank")
            ax[2].set_title("scaling, projections only (strong: 2e9 points)")
            ax[2].legend(fontsize=8)
            if len(nps) > 1:
                out.append(f"\nStrong scaling {nps[-1]} vs {nps[0]} ranks: "
                           f"{strong[nps[-1]] / strong[nps[0]]:.2f}x (run total), "
                           f"{strong_c[nps[0]] / strong_c[nps[-1]]:.2f}x (compute phase)\n")
            if len(weak) > 1:
                nw = sorted(weak)
                out.append(f"Weak scaling {nw[-1]} vs {nw[0]} ranks: points/s {weak[nw[-1]] / weak[nw[0]]:.2f}x, "
                           f"efficiency {weak[nw[-1]] / weak[nw[0]] * nw[0] / nw[-1]:.2f}\n")
        out.append("")
    if coll:
        out.append("### Collective latencies (2 ranks, this machine)\n")
        out.append("| operation | elements | bytes | seconds per call |")
        out.append("|---|---:|---:|---:|")
        for r in coll:
            out.append(f"| {r['op']} | {r['count']} | {r['bytes']} | {float(r['seconds']):.3g} |")
        out.append("")
    fig.tight_layout()
    fig.savefig(f"{d}/bench.png", dpi=80)
    with open(f"{d}/tables.md", "w") as f:
        f.write("\n".join(out) + "\n")
    print("\n".join(out))


if __name__ == "__main__":
    main()
