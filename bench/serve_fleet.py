"""Search time of the serving planner when several workloads share a fleet (issue 19 target:
optimal under the model in < 10 s for 3 GPU types and 3 workloads).

For each model, the three workloads of ``instances/serve/fleet-3x3.toml`` (chat, RAG, batch:
their own rates, length distributions, SLOs and prefix hit rates) share the inventory
H100:16 + A100:16 + L40S:16, colocated only and with disaggregation allowed. Each solve
starts from cold capacity caches and runs method ``auto`` with a 60 s limit; the table
gives the wall time (candidate capacities + MIP), the status and the plan.

Writes ``bench/results/serve/fleet.csv`` and ``fleet.md``.

Usage::

    .venv/bin/python bench/serve_fleet.py [--models llama-3.1-8b,llama-3.1-70b,mixtral-8x7b]

Timings depend on the machine's load; the 1-minute load average is recorded per row.
"""

from __future__ import annotations

import os

# one BLAS thread (before numpy loads): the capacity laws multiply small matrices, which
# OpenBLAS threads spin on, hundreds of times slower when other processes load the cores
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import csv
import io
import time
from dataclasses import replace
from pathlib import Path

from planner.core.io import write_atomic
from planner.perfmodel import constants
from planner.perfmodel.readers import load_model
from planner.serve import read, solve, verify
from planner.serve.instance import ServingConstraints

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "results" / "serve"
INSTANCE = ROOT / "instances" / "serve" / "fleet-3x3.toml"
COMMAND = ".venv/bin/python bench/serve_fleet.py"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="llama-3.1-8b,llama-3.1-70b,mixtral-8x7b")
    ap.add_argument("--time-limit", type=float, default=60.0)
    args = ap.parse_args()
    (base,) = read(INSTANCE)
    rows = []
    for model in args.models.split(","):
        for mode in ("off", "allow"):
            problem = replace(
                base,
                name=f"{model}/{mode}",
                model=load_model(model),
                constraints=ServingConstraints(disaggregation=mode),
            )
            constants._clear_caches()  # cold start: no capacity computed before
            load = os.getloadavg()[0]
            t0, c0 = time.perf_counter(), time.process_time()
            r = solve(problem, "auto", time_limit=args.time_limit)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            plan = r.solution
            rows.append(
                {
                    "model": model,
                    "disaggregation": mode,
                    "gpu_types": len(problem.inventory.pools),
                    "workloads": len(problem.workloads),
                    "status": r.status.value,
                    "wall_s": round(wall, 2),
                    "cpu_s": round(cpu, 2),
                    "cost_per_hour": None if r.objective is None else round(r.objective, 2),
                    "bound": None if r.bound is None else round(r.bound, 2),
                    "candidates": r.stats.get("candidates"),
                    "usable": r.stats.get("usable_candidates"),
                    "verified": plan is not None and not verify(problem, plan),
                    "plan": "; ".join(g.label() for g in plan.replicas) if plan else r.reason,
                    "load_1min": round(load, 2),
                }
            )
            print(rows[-1], flush=True)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
    OUT.mkdir(parents=True, exist_ok=True)
    write_atomic(OUT / "fleet.csv", buf.getvalue())
    cols = [k for k in rows[0] if k != "plan"]
    md = [
        "# Several workloads sharing a fleet: search time",
        "",
        f"Command: `{COMMAND} --models {args.models}`",
        "",
        f"Instance: `{INSTANCE.relative_to(ROOT)}` (3 workloads) with the model replaced; "
        "cold capacity caches; method auto, limit "
        f"{args.time_limit:g} s. Target: OPTIMAL in < 10 s (load average beside each row; "
        "`cpu_s` is this process's CPU time, which a loaded machine inflates less).",
        "",
        "| " + " | ".join(cols) + " |",
        "|" + "---|" * len(cols),
        *("| " + " | ".join(str(r[k]) for k in cols) + " |" for r in rows),
        "",
        "Plans:",
        "",
        *(f"- {r['model']} ({r['disaggregation']}): {r['plan']}" for r in rows),
        "",
    ]
    write_atomic(OUT / "fleet.md", "\n".join(md))


if __name__ == "__main__":
    main()
