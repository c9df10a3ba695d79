"""seqpar on Wikipedia batches: modeled speedup over static and batch-adaptive SP, gap, solve time.

Samples global batches from the 1M Wikipedia lengths (documents above the
maximum context length dropped, as FlexSP's loader does), solves each with
the given methods under a time limit (wall time of the whole solve: bucketing
and model building included) and writes a CSV row per run and a Markdown
summary, both starting with the command that reproduces them::

    .venv/bin/python bench/seqpar_wikipedia.py --seeds 20 -t 1 \
        --out bench/results/seqpar/wikipedia_7b_g64_b512
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import shlex
import statistics
import sys
import time
from pathlib import Path

import planner
from planner.core.family import get_family, warm_up
from planner.core.io import write_atomic
from planner.seqpar.generate import read_lengths, sample

COLUMNS = [
    "instance",
    "method",
    "status",
    "objective_s",
    "bound_s",
    "gap",
    "static_s",
    "adaptive_s",
    "speedup_static",
    "speedup_adaptive",
    "runtime_s",
    "microbatches",
    "max_len_in_batch",
    "tokens",
    "load1",
]


def load1() -> float:
    """One-minute load average of the machine."""
    return os.getloadavg()[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lengths", default="../shared/data/seqpar/wikipedia_lengths.txt")
    ap.add_argument("--out", type=Path, required=True, help="prefix of the .csv/.md outputs")
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--gpus", type=int, default=64)
    ap.add_argument("--model", default="flexsp-7b")
    ap.add_argument("--max-len", type=int, default=196608)
    ap.add_argument("--methods", default="auto")
    ap.add_argument("-t", "--time-limit", type=float, default=1.0)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    pool = read_lengths(args.lengths)
    warm_up(get_family("seqpar"))
    rows = []
    load_start = os.getloadavg()
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        (inst,) = sample(
            pool,
            batch=args.batch,
            max_len=args.max_len,
            gpus=args.gpus,
            model=args.model,
            seed=seed,
            prefix="wikipedia",
        )
        for method in args.methods.split(","):
            start = time.perf_counter()
            res = planner.solve(inst, method, time_limit=args.time_limit, threads=args.threads)
            wall = time.perf_counter() - start
            st = res.stats
            rows.append(
                {
                    "instance": inst.name,
                    "method": method,
                    "status": res.status.value,
                    "objective_s": res.objective,
                    "bound_s": res.bound,
                    "gap": res.gap,
                    "static_s": st.get("static_s"),
                    "adaptive_s": st.get("adaptive_s"),
                    "speedup_static": st.get("speedup_static"),
                    "speedup_adaptive": st.get("speedup_adaptive"),
                    "runtime_s": round(wall, 4),
                    "microbatches": st.get("microbatches"),
                    "max_len_in_batch": max(inst.lengths),
                    "tokens": sum(inst.lengths),
                    "load1": round(load1(), 2),
                }
            )
            r = rows[-1]
            print(
                f"{inst.name} {method}: {r['objective_s']:.4f} s, gap {100 * (r['gap'] or 0):.2f} %, "
                f"x{r['speedup_static'] or 0:.3f} static, x{r['speedup_adaptive'] or 0:.3f} adaptive, "
                f"{wall:.3f} s wall",
                file=sys.stderr,
            )
    load_end = os.getloadavg()
    command = "python " + shlex.join(sys.argv)
    buf = io.StringIO()
    buf.write(f"# {command}\n")
    w = csv.DictWriter(buf, fieldnames=COLUMNS)
    w.writeheader()
    w.writerows(rows)
    write_atomic(args.out.with_suffix(".csv"), buf.getvalue())
    lines = [
        f"# seqpar: {args.batch}-sequence Wikipedia batches on {args.gpus} GPUs ({args.model})",
        "",
        "Reproduce with:",
        "",
        "```",
        command,
        "```",
        "",
        f"Load average (1/5/15 min) at start {load_start[0]:.2f}/{load_start[1]:.2f}/{load_start[2]:.2f}, "
        f"at end {load_end[0]:.2f}/{load_end[1]:.2f}/{load_end[2]:.2f} (2-core machine shared with other jobs).",
        "",
        "| method | runs | mean speedup vs static | min | mean speedup vs adaptive | min | "
        "mean gap % | max gap % | mean wall s | max wall s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for method in args.methods.split(","):
        rs = [r for r in rows if r["method"] == method and r["objective_s"] is not None]
        if not rs:
            continue
        ss = [r["speedup_static"] for r in rs if r["speedup_static"]]
        sa = [r["speedup_adaptive"] for r in rs if r["speedup_adaptive"]]
        gaps = [100 * (r["gap"] or 0.0) for r in rs]
        walls = [r["runtime_s"] for r in rs]
        lines.append(
            f"| {method} | {len(rs)} | {statistics.mean(ss):.3f} | {min(ss):.3f} | "
            f"{statistics.mean(sa):.3f} | {min(sa):.3f} | {statistics.mean(gaps):.2f} | "
            f"{max(gaps):.2f} | {statistics.mean(walls):.3f} | {max(walls):.3f} |"
        )
    lines += [
        "",
        "Speedups are ratios of modeled step times (FlexSP cost model); the bound is the",
        "certificate over every micro-batch split; wall time is the whole `planner.solve` call.",
        "",
        "| instance | method | step s | bound s | gap % | static s | adaptive s | x static | x adaptive | wall s | max len | load |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if r["objective_s"] is None:
            lines.append(f"| {r['instance']} | {r['method']} | {r['status']} | | | | | | | | | |")
            continue
        lines.append(
            f"| {r['instance']} | {r['method']} | {r['objective_s']:.4f} | {r['bound_s']:.4f} | "
            f"{100 * (r['gap'] or 0):.2f} | {r['static_s'] or float('nan'):.4f} | "
            f"{r['adaptive_s'] or float('nan'):.4f} | {r['speedup_static'] or float('nan'):.3f} | "
            f"{r['speedup_adaptive'] or float('nan'):.3f} | {r['runtime_s']:.3f} | "
            f"{r['max_len_in_batch']} | {r['load1']} |"
        )
    write_atomic(args.out.with_suffix(".md"), "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
