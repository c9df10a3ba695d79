"""Capacity planning sweep: best training plan vs cluster size and GPU type.

For one model and workload, plan training on 64 .. 2048 GPUs of each catalog
GPU type and plot step time, MFU and dollars per million tokens against the
cluster size (log scale), using ``planner.train.plan``.

Usage::

    .venv/bin/python examples/capacity_sweep.py [--model llama-3.1-70b] \
        [--global-batch 512] [--seq 8192] [--out capacity_sweep.png]

The plot (and a CSV beside it) goes to ``--out``, by default ``capacity_sweep.png`` in the
current folder; the committed figure is regenerated with
``--out bench/results/train/capacity_sweep.png``.
"""

from __future__ import annotations

import argparse
import csv
import io
import time
from pathlib import Path

from planner.core.io import write_atomic
from planner.plot import new_figure, save_figure
from planner.train import plan

GPUS = ("A100", "H100", "H200", "B200")
SIZES = (64, 128, 256, 512, 1024, 2048)


def sweep(model: str, batch: int, seq: int, time_limit: float) -> list[dict]:
    """One row per (GPU type, cluster size) with the proven-best plan's numbers."""
    rows = []
    for gpu in GPUS:
        for n in SIZES:
            start = time.perf_counter()
            # prefer_simple=0: the proven-fastest plan, as the plot's title says (the default
            # recommends a simpler plan within 1 %, FEASIBLE: 20 of the 24 points were)
            res = plan(
                model,
                f"{n}x{gpu}",
                global_batch=batch,
                seq_len=seq,
                time_limit=time_limit,
                threads=1,
                top_k=1,
                prefer_simple=0.0,
            )
            s = res.stats["summary"]
            rows.append(
                {
                    "gpu": gpu,
                    "gpus": n,
                    "status": s["status"],
                    "plan": res.solution.short() if res.solution is not None else "",
                    "step_time_s": s["step_time_s"],
                    "mfu": s.get("mfu"),
                    "usd_per_million_tokens": s.get("usd_per_million_tokens"),
                    "gpus_used": s.get("gpus"),
                    "search_s": round(time.perf_counter() - start, 3),
                }
            )
            print(
                f"{gpu:5s} {n:5d} {s['status']:10s} {rows[-1]['plan']:40s} "
                f"{(s['step_time_s'] or 0):8.2f} s  {rows[-1]['search_s']:.2f} s search",
                flush=True,
            )
    return rows


def draw(rows: list[dict], title: str, path: Path) -> Path:
    """Three stacked panels sharing the cluster-size axis."""
    fig, axes = new_figure(nrows=3, width=8.0, height=9.0)
    panels = (
        ("step_time_s", "step time (s)"),
        ("mfu", "MFU"),
        ("usd_per_million_tokens", "$ per million tokens"),
    )
    for ax, (key, label) in zip(axes, panels, strict=True):
        for gpu in GPUS:
            pts = [(r["gpus"], r[key]) for r in rows if r["gpu"] == gpu and r[key] is not None]
            if pts:
                ax.plot(*zip(*pts, strict=True), marker="o", label=gpu)
        ax.set_ylabel(label)
        ax.set_xscale("log", base=2)
        ax.grid(True, which="both", linestyle=":", linewidth=0.5)
        if key == "step_time_s":
            ax.set_yscale("log")
    axes[0].set_title(title)
    axes[0].legend()
    axes[-1].set_xlabel("GPUs in the cluster")
    return save_figure(fig, path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="llama-3.1-70b")
    ap.add_argument("--global-batch", type=int, default=512)
    ap.add_argument("--seq", type=int, default=8192)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--out", type=Path, default=Path("capacity_sweep.png"))
    args = ap.parse_args()
    rows = sweep(args.model, args.global_batch, args.seq, args.time_limit)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    write_atomic(args.out.with_suffix(".csv"), buf.getvalue())
    title = (
        f"{args.model}: {args.global_batch} x {args.seq} tokens per step "
        f"(proven-best plan per point)"
    )
    print(draw(rows, title, args.out))


if __name__ == "__main__":
    main()
