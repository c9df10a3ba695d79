"""Compare GA parameter sets (:class:`GaParams` fields) on PSPLIB instances: the GA alone, one
thread per run, ``--jobs`` runs at a time, every (instance, config, seed).

Each configuration is ``LABEL=PARAMS_JSON`` (``{}``: the defaults) and becomes a method of
``planner bench`` (a :func:`planner.bench.variant_tasks` variant), so the CSV, the report and
its plots are the benchmark library's::

    .venv/bin/python bench/rcpsp_ga_tune.py ../shared/data/psplib/j120/j120{51,56,16,11}_1.sm \
        --config 'p100={"population": 100}' --config 'auto={}' -t 20 --seeds 0 1 \
        --reference ../shared/data/psplib/bounds.csv --out bench/results/rcpsp/ga_tune

writes ``ga_tune.csv`` and ``ga_tune.md`` (with a table per configuration: sum of
makespans, mean gap to ``best_ub``, mean population and generations).
"""

from __future__ import annotations

import argparse
import functools
import json
import shlex
import statistics
import sys
from pathlib import Path
from typing import Any

from planner.bench import markdown_rows, read_rows, run_bench, variant_tasks, write_report
from planner.core.family import Method
from planner.core.result import Result, Status
from planner.rcpsp.readers import read, read_reference


def ga_config(params: dict[str, Any]) -> Method:
    """The genetic algorithm alone with these :class:`GaParams`, as a method."""

    def run(instance: Any, *, time_limit: float, threads: int, seed: int, hint: Any) -> Result:
        from planner.rcpsp.heuristics.data import SgsData
        from planner.rcpsp.heuristics.ga import GaParams, genetic_algorithm
        from planner.rcpsp.instance import Solution

        res = genetic_algorithm(
            SgsData.of(instance), time_limit=time_limit, seed=seed, params=GaParams(**params)
        )
        stats = {
            "population": res.population,
            "generations": res.generations,
            "restarts": res.restarts,
            "schedules": res.schedules,
        }
        solution = None if res.start is None else Solution(tuple(int(s) for s in res.start))
        return Result("rcpsp", instance.name, "ga", Status.FEASIBLE, solution=solution, stats=stats)

    return Method("ga-config", run, "heuristic", f"GA with {params}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--config", action="append", required=True)
    ap.add_argument("-t", "--time-limit", type=float, default=20.0)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--reference", type=Path, default=None, help="PSPLIB bounds.csv")
    ap.add_argument("--out", type=Path, required=True, help="output stem (.csv and .md)")
    args = ap.parse_args()
    refs = read_reference(args.reference) if args.reference else {}
    instances = [inst for f in args.files for inst in read(f)]
    configs = {}
    for spec in args.config:
        label, _, params = spec.partition("=")
        configs[label] = json.loads(params or "{}")
    tasks = variant_tasks(
        "rcpsp",
        instances,
        {label: functools.partial(ga_config, params) for label, params in configs.items()},
        time_limit=args.time_limit,
        seeds=args.seeds,
        references={i.name: refs[i.name] for i in instances if i.name in refs},
    )
    csv_path = args.out.with_suffix(".csv")
    run_bench(tasks, csv_path=csv_path, jobs=args.jobs, resume=csv_path.exists())
    rows = read_rows(csv_path)
    table = []
    for label, params in configs.items():
        mine = [r for r in rows if r["method"] == label]
        stats = [json.loads(r["stats"] or "{}") for r in mine]
        gaps = [r["ref_gap_pct"] for r in mine if r["ref_gap_pct"] is not None]
        table.append(
            {
                "config": label,
                "params": f"`{json.dumps(params)}`",
                "runs": len(mine),
                "sum of makespans": sum(r["objective"] or 0 for r in mine),
                "mean gap to best_ub %": round(statistics.fmean(gaps), 3) if gaps else None,
                "mean population": round(statistics.fmean(s.get("population", 0) for s in stats)),
                "mean generations": round(statistics.fmean(s.get("generations", 0) for s in stats)),
            }
        )
    write_report(
        args.out.with_suffix(".md"),
        rows,
        title=f"GA parameters, {args.time_limit:g} s per run, seeds {args.seeds}",
        command="python " + shlex.join(sys.argv),
        sections=[("Configurations", markdown_rows(table, list(table[0])))],
        size_label="jobs",
    )


if __name__ == "__main__":
    main()
