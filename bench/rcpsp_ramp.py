"""R-ConstraintBench-style feasibility ramp: is every instance decided, and how fast?

Generates ramps (precedence level 5, 10, ... with downtime, windows and disjunctive pairs drawn
with the given probabilities, windows free to be too tight, so some instances are infeasible),
solves each with ``auto``, and writes a CSV, a Markdown table and a plot of time vs number of
constraints::

    .venv/bin/python bench/rcpsp_ramp.py --out bench/results/rcpsp/ramp -t 60
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from planner.bench.rows import read_rows
from planner.bench.runner import family_tasks, run_bench
from planner.core.io import write_atomic
from planner.plot import new_figure, save_figure
from planner.rcpsp.generate import ramp

DECIDED = ("OPTIMAL", "FEASIBLE", "INFEASIBLE")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True, help="prefix of the .csv/.md/.png outputs")
    ap.add_argument("--jobs-per-instance", type=int, default=60, dest="n")
    ap.add_argument("--max-level", type=int, default=300)
    ap.add_argument("--step", type=int, default=10)
    ap.add_argument("--p-downtime", type=float, default=0.75)
    ap.add_argument("--p-window", type=float, default=0.3)
    ap.add_argument("--p-disjunctive", type=float, default=0.3)
    ap.add_argument("--method", default="auto")
    ap.add_argument("-t", "--time-limit", type=float, default=60.0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    levels = list(range(args.step, args.max_level + 1, args.step))
    instances = []
    for scenario in ("synthetic", "datacenter-migration"):
        instances += ramp(
            args.n,
            levels=levels,
            seed=args.seed,
            layers=8,
            p_downtime=args.p_downtime,
            p_window=args.p_window,
            p_disjunctive=args.p_disjunctive,
            feasible=None,
            scenario=scenario,
        )
    by_name = {i.name: i for i in instances}
    csv_path = args.out.with_suffix(".csv")
    tasks = family_tasks(
        "rcpsp",
        instances,
        [args.method],
        time_limit=args.time_limit,
        threads=args.threads,
        seed=args.seed,
    )
    run_bench(tasks, csv_path=csv_path, jobs=args.jobs, resume=csv_path.exists())
    rows = [r for r in read_rows(csv_path) if r["instance"] in by_name]
    for r in rows:
        meta = by_name[r["instance"]].meta
        r["constraints"] = meta["constraints"]
        r["scenario"] = meta["scenario"]
        first = json.loads(r.get("stats") or "{}").get("first_solution_s")
        # feasibility is decided by the first verified schedule, or by the infeasibility proof
        r["decide_s"] = first if first is not None else r["runtime_s"]
    rows.sort(key=lambda r: (r["scenario"], r["constraints"]))
    decided = sum(r["status"] in DECIDED for r in rows)
    infeasible = sum(r["status"] == "INFEASIBLE" for r in rows)
    command = "python " + shlex.join(sys.argv)
    text = f"# RCPSP feasibility ramp\n\nReproduce with:\n\n```\n{command}\n```\n\n"
    text += (
        f"{len(rows)} instances ({args.n} tasks each), decided {decided}/{len(rows)} "
        f"(feasible with a verified schedule {decided - infeasible}, proven infeasible {infeasible}); "
        f"max time {max(r['runtime_s'] for r in rows):.2f} s. *decided s*: seconds to the first "
        "verified schedule or the infeasibility proof; *total s*: until proven optimal or the "
        "limit.\n\n"
    )
    text += (
        "| scenario | constraints | precedences | status | makespan | gap % | decided s "
        "| total s | reason |\n"
    )
    text += "|---|---|---|---|---|---|---|---|---|\n"
    for r in rows:
        meta = by_name[r["instance"]].meta
        gap = "" if r["gap"] is None else f"{100 * r['gap']:.1f}"
        obj = "" if r["objective"] is None else f"{r['objective']:g}"
        reason = (r.get("reason") or "").replace("|", "/")[:90]
        text += (
            f"| {r['scenario']} | {r['constraints']} | {meta['n_precedences']} | {r['status']} | "
            f"{obj} | {gap} | {r['decide_s']:.2f} | {r['runtime_s']:.2f} | {reason} |\n"
        )
    write_atomic(args.out.with_suffix(".md"), text)
    fig, (ax,) = new_figure(width=8, height=4)
    marks = {
        "OPTIMAL": ("o", "tab:green"),
        "FEASIBLE": ("s", "tab:blue"),
        "INFEASIBLE": ("x", "tab:red"),
        "UNKNOWN": ("?", "black"),
    }
    for scenario, face in (("synthetic", True), ("datacenter-migration", False)):
        for status, (marker, color) in marks.items():
            pts = [r for r in rows if r["scenario"] == scenario and r["status"] == status]
            if not pts:
                continue
            ax.scatter(
                [r["constraints"] for r in pts],
                [r["runtime_s"] for r in pts],
                marker=marker if marker != "?" else "d",
                s=28,
                facecolors=color if face or marker == "x" else "none",
                edgecolors=color,
                label=f"{scenario} {status.lower()}",
            )
    ax.set_xlabel("constraints (precedences + downtime windows + time windows + disjunctive pairs)")
    ax.set_ylabel("time to decide feasibility (s)")
    ax.set_yscale("log")
    ax.grid(linestyle=":", linewidth=0.5)
    ax.legend(fontsize=7)
    save_figure(fig, args.out.with_suffix(".png"))
    print(text)


if __name__ == "__main__":
    main()
