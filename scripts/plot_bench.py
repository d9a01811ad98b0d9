#!/usr/bin/env python3
"""Draws PNG plots from the native benchmark's CSV (docs/bench/<card>.csv):

  <card>-speedup.png     per layer shape: speedup over cuBLAS fp16 (fp32 accumulation) vs M
  <card>-tops.png        per layer shape: achieved TOP/s vs M, with the measured ceilings
                         (the best cuBLAS fp16 and int8 rates of the file)
  <card>-gbps.png        per layer shape: achieved GB/s vs M, with the measured copy bandwidth
  <card>-quant.png       activation quantization: GB/s vs M per K, with the copy bandwidth

usage: scripts/plot_bench.py [CSV or DIRECTORY ...] [--out DIR]
(default: every <card>.csv in docs/bench; plots go beside each CSV unless --out is given)
"""
import argparse
import csv
import math
import os
import sys
from collections import defaultdict

GEMM_OPS = ("cublas_fp16", "cublas_int8", "octet_s8", "octet_w8a8", "octet_w8a16",
            "octet_llm_int8")
FP16_BASE = ("cublas_fp16", "compute32f")
SHAPE_NAMES = {(4096, 4096): "4096x4096 (Llama q/k/v/o)", (11008, 4096): "11008x4096 (Llama-2 gate/up)",
               (4096, 11008): "4096x11008 (Llama-2 down)", (6144, 4096): "6144x4096 (Llama-3 qkv)",
               (28672, 4096): "28672x4096 (Llama-3 gate+up)", (4096, 14336): "4096x14336 (Llama-3 down)",
               (8192, 8192): "8192x8192"}


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def load(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        for key in ("m", "n", "k"):
            r[key] = int(r[key])
        for key in ("median_us", "tops", "gbps", "baseline_us", "speedup"):
            r[key] = num(r[key])
    return rows


def series_name(r):
    return f"{r['op']}/{r['variant']}"


def shape_grid(plt, count):
    cols = min(3, count)
    rows = (count + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(5.5 * cols, 4.0 * rows), squeeze=False)
    for ax in axes.flat[count:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:count])


def style(ax, title, ylabel):
    ax.set_xscale("log", base=2)
    ax.set_xlabel("M (tokens)")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.grid(True, which="both", alpha=0.3)


def plot_card(plt, rows, card, out_dir):
    gemm = [r for r in rows if r["op"] in GEMM_OPS and r["n"] > 0]
    shapes = sorted({(r["n"], r["k"]) for r in gemm})
    info = sorted({(r["cuda"], r["date"]) for r in rows})
    subtitle = f"{card.upper()}, CUDA {', '.join(sorted({c for c, _ in info}))}, " \
               f"{', '.join(sorted({d for _, d in info}))}"
    written = []

    # fp16 baseline by (m, n, k), for speedups
    base = {(r["m"], r["n"], r["k"]): r["median_us"] for r in gemm
            if (r["op"], r["variant"]) == FP16_BASE}
    copy_gbps = max((r["gbps"] for r in rows if r["op"] == "copy"), default=math.nan)
    ceil_fp16 = max((r["tops"] for r in gemm if r["op"] == "cublas_fp16"), default=math.nan)
    ceil_int8 = max((r["tops"] for r in gemm if r["op"] == "cublas_int8"), default=math.nan)

    def per_shape(metric, ylabel, fname, ceilings):
        if not shapes:
            return
        fig, axes = shape_grid(plt, len(shapes))
        for ax, (n, k) in zip(axes, shapes):
            lines = defaultdict(list)
            for r in gemm:
                if (r["n"], r["k"]) != (n, k):
                    continue
                y = metric(r)
                if not math.isnan(y):
                    lines[series_name(r)].append((r["m"], y))
            for name in sorted(lines):
                pts = sorted(lines[name])
                ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", ms=3,
                        linestyle="--" if name.startswith("cublas") else "-", label=name)
            for value, label in ceilings:
                if not math.isnan(value):
                    ax.axhline(value, color="k", linestyle=":", linewidth=1)
                    ax.annotate(label, (0.01, value), xycoords=("axes fraction", "data"),
                                fontsize=7, va="bottom")
            style(ax, SHAPE_NAMES.get((n, k), f"{n}x{k}") + f"  (N={n}, K={k})", ylabel)
        legend = {}
        for ax in axes:
            for handle, label in zip(*ax.get_legend_handles_labels()):
                legend.setdefault(label, handle)
        fig.suptitle(f"{ylabel}: {subtitle}")
        fig.tight_layout()
        fig.legend(list(legend.values()), list(legend.keys()), loc="center left",
                   bbox_to_anchor=(1.0, 0.5), fontsize=8)
        path = os.path.join(out_dir, f"{card}-{fname}.png")
        fig.savefig(path, dpi=110, bbox_inches="tight")
        plt.close(fig)
        written.append(path)

    per_shape(lambda r: base.get((r["m"], r["n"], r["k"]), math.nan) / r["median_us"],
              "speedup over cuBLAS fp16 (fp32 acc.)", "speedup", [(1.0, "cuBLAS fp16")])
    per_shape(lambda r: r["tops"], "TOP/s", "tops",
              [(ceil_fp16, f"best cuBLAS fp16 {ceil_fp16:.0f}"),
               (ceil_int8, f"best cuBLAS int8 {ceil_int8:.0f}")])
    per_shape(lambda r: r["gbps"], "GB/s (operands read once, output written once)", "gbps",
              [(copy_gbps, f"D2D copy {copy_gbps:.0f}")])

    quant = [r for r in rows if r["op"] == "octet_quant_act"]
    if quant:
        fig, ax = plt.subplots(figsize=(6, 4))
        by_k = defaultdict(list)
        for r in quant:
            by_k[r["k"]].append((r["m"], r["gbps"]))
        for k in sorted(by_k):
            pts = sorted(by_k[k])
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", ms=3, label=f"K={k}")
        if not math.isnan(copy_gbps):
            ax.axhline(copy_gbps, color="k", linestyle=":", linewidth=1)
            ax.annotate(f"D2D copy {copy_gbps:.0f}", (0.01, copy_gbps),
                        xycoords=("axes fraction", "data"), fontsize=7, va="bottom")
        style(ax, f"activation quantization (dynamic per token): {subtitle}", "GB/s")
        ax.legend(fontsize=7)
        fig.tight_layout()
        path = os.path.join(out_dir, f"{card}-quant.png")
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    return written


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("inputs", nargs="*", default=[os.path.join(here, "..", "docs", "bench")])
    ap.add_argument("--out", help="directory for the PNGs (default: beside each CSV)")
    args = ap.parse_args()
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("plot_bench.py: matplotlib is not installed (pip install matplotlib)", file=sys.stderr)
        return 2
    csvs = []
    for p in args.inputs:
        if os.path.isdir(p):
            csvs += [os.path.join(p, f) for f in sorted(os.listdir(p))
                     if f.endswith(".csv") and "-" not in f]  # <card>.csv, not <card>-jmh.csv
        else:
            csvs.append(p)
    if not csvs:
        print("plot_bench.py: no <card>.csv found in " + ", ".join(args.inputs), file=sys.stderr)
        return 1
    for path in csvs:
        card = os.path.splitext(os.path.basename(path))[0]
        out_dir = args.out or os.path.dirname(os.path.abspath(path))
        os.makedirs(out_dir, exist_ok=True)
        for w in plot_card(plt, load(path), card, out_dir):
            print("wrote " + w)
    return 0


if __name__ == "__main__":
    sys.exit(main())
