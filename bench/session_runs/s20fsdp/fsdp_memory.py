"""s20fsdp: activation memory of LLM Foundry's MPT under FSDP, model against the code.

For the 22 LLM Foundry runs that are not near-best within LLM Foundry (near_best_misses.md):
the published plan's memory, the largest no-recompute micro-batch the model lets fit (same
ZeRO stage as the framework-best plan), the framework-best plan (``--framework llmfoundry``),
and the step-time error of every LLM Foundry row. Run it on the base branch and on this one
and compare (``--out``).

Usage::

    PYTHONPATH=. nice -n 10 /work/main/.venv/bin/python \
        bench/session_runs/s20fsdp/fsdp_memory.py --out bench/session_runs/s20fsdp/after.md
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from dataclasses import replace
from pathlib import Path

from planner.perfmodel.calibration.published import ROWS
from planner.perfmodel.memory import GIB
from planner.train.api import solve
from planner.train.calibration import predict, row_plan, row_problem
from planner.train.step_time import estimate

MISSES = Path("bench/results/calibration/near_best_misses.md")


def miss_ids() -> list[str]:
    """The LLM Foundry runs listed as not near-best within their framework."""
    text = MISSES.read_text()
    return re.findall(r"^\| (llmfoundry2401/[^ ]+) \| \+", text, flags=re.M)


def largest_fitting(problem, plan, limit: int = 64) -> int:
    """Largest micro-batch (no recompute, the plan's ZeRO) whose plan fits, 0 if none."""
    best = 0
    for b in range(1, limit + 1):
        p = replace(plan, microbatch=b, recompute="none", recompute_layers=0)
        try:
            est = estimate(problem, p)
        except Exception:  # a micro-batch the global batch does not divide
            continue
        if est.fits:
            best = b
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--time-limit", type=float, default=10.0)
    args = ap.parse_args()
    by_id = {r.id: r for r in ROWS}
    lines = [
        "| run | published GiB (act) | fits | norc max b (published ZeRO) | framework best | best GiB "
        "(of capacity) | best s | published / best - 1 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    t0, w0 = time.process_time(), time.time()
    near = 0
    for rid in miss_ids():
        row = by_id[rid]
        problem = row_problem(row)
        plan = row_plan(row, problem.model.layers)
        pub = estimate(problem, plan)
        mem = pub.memory
        bmax = largest_fitting(problem, plan)
        held = replace(problem, constraints=replace(problem.constraints, use_all_gpus=True))
        held = held.with_constraints(framework="llmfoundry")
        res = solve(held, "auto", time_limit=args.time_limit, threads=1)
        best = estimate(held, res.solution) if res.solution else None
        best_s = best.step_time if best else float("nan")
        cap = problem.cluster.pools[0].gpu.usable_bytes / GIB if best else float("nan")
        best_mem = f"{best.memory.total_gib:.1f} ({cap:.1f})" if best else "-"
        gap = pub.step_time / best_s - 1
        near += gap <= 0.10 + 1e-12
        lines.append(
            f"| {rid} | {mem.total_gib:.1f} ({mem.activations / GIB:.1f}) | {pub.fits} | {bmax} | "
            f"{res.solution.short() if res.solution else '-'} | {best_mem} | {best_s:.4g} | "
            f"{100 * gap:+.1f} % |"
        )
    lines += ["", f"Near-best within LLM Foundry: {near} of {len(miss_ids())}.", ""]
    errs = []
    for r in ROWS:
        if r.source != "llmfoundry2401":
            continue
        errs.append(abs(predict(r) / r.value - 1))
    lines += [
        f"LLM Foundry rows: {len(errs)}, median |time error| {100 * statistics.median(errs):.2f} %,"
        f" mean {100 * statistics.mean(errs):.2f} %, max {100 * max(errs):.2f} %.",
        f"CPU seconds (this process): {time.process_time() - t0:.0f}, wall {time.time() - w0:.0f} s",
    ]
    Path(args.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
