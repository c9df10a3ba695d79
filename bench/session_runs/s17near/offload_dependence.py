"""Strict near-best misses whose best plan offloads activations: the best plan without offload
(helper s17near).

The unrestricted search prices activation offload with side-stream copies hidden behind
compute (``Software.offload_streams``, the default), a setting no held-out row ran. For every
run of the committed report whose strict best plan offloads (``offl``), this searches again with
the recompute mode fixed to none, selective and full in turn and keeps the fastest: how far the
published layout is from the best plan that does not offload.

Usage::

    PYTHONPATH=. .venv/bin/python bench/session_runs/s17near/offload_dependence.py
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import planner.train  # noqa: F401
from planner.perfmodel.calibration.fit import NEAR_BEST
from planner.perfmodel.calibration.published import TRAINING_ROWS
from planner.train.api import solve
from planner.train.calibration import BEST_PLAN_TIME_LIMIT, row_plan, row_problem
from planner.train.step_time import estimate

REPORT = Path("bench/results/calibration/report.md")
OUT = Path("bench/session_runs/s17near/offload_dependence.md")


def offload_runs() -> dict[str, tuple[str, str]]:
    """run -> (strict best plan, its gap), for the report's runs whose strict best plan
    offloads."""
    out = {}
    section = REPORT.read_text().split("## Published layout against the planner's best plan")[1]
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 7 and "/" in cells[0] and "offl" in cells[5].split():
            out[cells[0]] = (cells[5], cells[3])
    return out


def main() -> None:
    runs = offload_runs()
    rows = [r for r in TRAINING_ROWS if r.id in runs]
    lines = [
        "# Strict best plans that offload activations, against the best plan without offload",
        "",
        "Command: `PYTHONPATH=. .venv/bin/python bench/session_runs/s17near/offload_dependence.py`",
        "",
        "| run | best plan (report) | published / best - 1 (report) | best without offload "
        "(searches' status) | published / it - 1 | near-best without offload |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        problem = row_problem(r)
        problem = replace(problem, constraints=replace(problem.constraints, use_all_gpus=True))
        published = estimate(problem, row_plan(r, problem.model.layers)).step_time
        found = []
        for rc in ("none", "selective", "full"):
            fixed = replace(problem, constraints=replace(problem.constraints, recompute=rc))
            res = solve(fixed, "auto", time_limit=BEST_PLAN_TIME_LIMIT)
            if res.solution is not None:
                t = estimate(fixed, res.solution).step_time
                found.append((t, res.solution.short(), res.status.value))
        t, plan, _ = min(found)
        statuses = "/".join(sorted({s for _, _, s in found}))
        gap = published / t - 1
        lines.append(
            f"| {r.id} | {runs[r.id][0]} | {runs[r.id][1]} | {plan} ({statuses}) | "
            f"{gap:+.1%} | {'yes' if gap <= NEAR_BEST + 1e-12 else 'no'} |"
        )
        print(lines[-1], flush=True)
    OUT.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
