"""R-ConstraintBench-style feasibility ramp: is every instance decided, and how fast?

Generates ramps (precedence level 5, 10, ... with downtime, windows and disjunctive pairs drawn
with the given probabilities, windows free to be too tight, so some instances are infeasible),
solves each with ``auto`` through :mod:`planner.bench`, whose report (with the per-instance
table) and plots (run time and gap against the number of constraints) it writes::

    .venv/bin/python bench/rcpsp_ramp.py --out bench/results/rcpsp/ramp -t 60
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from planner.bench import markdown_rows, read_rows, run_bench, write_report
from planner.bench.runner import family_tasks
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
    table = []
    for r in rows:
        meta = by_name[r["instance"]].meta
        first = json.loads(r.get("stats") or "{}").get("first_solution_s")
        # feasibility is decided by the first verified schedule, or by the infeasibility proof
        table.append(
            {
                "scenario": meta["scenario"],
                "constraints": meta["constraints"],
                "precedences": meta["n_precedences"],
                "status": r["status"],
                "makespan": r["objective"],
                "gap %": None if r["gap"] is None else round(100 * r["gap"], 1),
                "decided s": round(first if first is not None else r["runtime_s"], 2),
                "total s": round(r["runtime_s"], 2),
                "reason": (r.get("reason") or "")[:90],
            }
        )
    table.sort(key=lambda t: (t["scenario"], t["constraints"]))
    decided = sum(t["status"] in DECIDED for t in table)
    infeasible = sum(t["status"] == "INFEASIBLE" for t in table)
    note = (
        f"{len(table)} instances ({args.n} tasks each), decided {decided}/{len(table)} "
        f"(feasible with a verified schedule {decided - infeasible}, proven infeasible "
        f"{infeasible}); max time {max(t['total s'] for t in table):.2f} s, max time to decide "
        f"{max(t['decided s'] for t in table):.2f} s. *decided s*: seconds to the first verified "
        "schedule or the infeasibility proof; *total s*: until proven optimal or the limit. The "
        "plots' size is the number of constraints (precedences + downtime windows + time "
        "windows + disjunctive pairs)."
    )
    write_report(
        args.out.with_suffix(".md"),
        rows,
        title="RCPSP feasibility ramp",
        command="python " + shlex.join(sys.argv),
        notes=[note],
        sections=[("Per instance", markdown_rows(table, list(table[0])))],
        size_label="constraints (precedences + downtime + time windows + disjunctive pairs)",
        sizes={name: inst.meta["constraints"] for name, inst in by_name.items()},
    )
    print(note)


if __name__ == "__main__":
    main()
