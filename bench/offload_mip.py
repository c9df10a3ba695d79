"""The exact offline plan at full size: LLaDA2.0-mini, 32 steps x 19 MoE layers x 256 experts.

Per-layer budget (129 slots = the shared expert + 128 routed, TIDE's setting): the MIP
decomposes by layer; target proven optimal in < 30 s on 2 cores. Global budget (19 x 129
slots over all layers): one MIP; target gap <= 1 % in 60 s. Records the load average next
to every timing (the machine is shared). Writes ``<out>.csv`` (benchmark rows) and ``<out>.md``
(the report, with the table below) through :mod:`planner.bench`::

    .venv/bin/python bench/offload_mip.py --out bench/results/offload/mip
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from pathlib import Path

import planner
from planner.bench import certificate_row, markdown_rows, write_report
from planner.bench.machine import machine_description
from planner.bench.rows import write_rows
from planner.offload.generate import generate

COLUMNS = (
    "budget",
    "seed",
    "status",
    "objective_ms",
    "bound_ms",
    "gap_pct",
    "wall_s",
    "cpu_s",
    "load_before",
    "load_after",
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--budgets", default="layer,global")
    ap.add_argument("--layer-limit", type=float, default=300.0)
    ap.add_argument("--global-limit", type=float, default=60.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=32)
    args = ap.parse_args()
    command = "python bench/offload_mip.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    rows, bench_rows = [], []
    for budget in args.budgets.split(","):
        for seed in (int(s) for s in args.seeds.split(",")):
            kwargs = {"global_budget": 19 * 129} if budget == "global" else {}
            inst = generate("llada2-mini", steps=args.steps, seed=seed, **kwargs)
            limit = args.global_limit if budget == "global" else args.layer_limit
            load_before = os.getloadavg()[0]
            wall, cpu = time.perf_counter(), time.process_time()
            r = planner.solve(inst, "exact", time_limit=limit, threads=args.threads)
            row = {
                "budget": budget,
                "seed": seed,
                "instance": inst.name,
                "time_limit_s": limit,
                "status": r.status.value,
                "objective_ms": round(r.objective * 1e3, 4),
                "bound_ms": round(r.bound * 1e3, 4),
                "gap_pct": round(100 * (r.gap or 0.0), 4),
                "wall_s": round(time.perf_counter() - wall, 2),
                "cpu_s": round(time.process_time() - cpu, 2),
                "load_before": round(load_before, 2),
                "load_after": round(os.getloadavg()[0], 2),
            }
            rows.append(row)
            bench_rows.append(certificate_row(r, runtime_s=row["wall_s"], stats=row))
            print(row, flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_rows(args.out.with_suffix(".csv"), bench_rows)
    write_report(
        args.out.with_suffix(".md"),
        bench_rows,
        title="Offload: the exact offline plan at full size",
        command=command,
        notes=[
            "cpu_s is this process's CPU time (HiGHS runs in its threads, counted too); the "
            "load average is the 1-minute value before and after each run.",
            f"Machine: {machine_description()} (CPU seconds differ between hosts: compare "
            "runs of one machine).",
        ],
        sections=[("Runs", markdown_rows(rows, COLUMNS))],
        plots=False,
    )


if __name__ == "__main__":
    main()
