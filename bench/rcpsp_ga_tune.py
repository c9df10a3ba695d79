"""Compare GA parameter sets (:class:`GaParams` fields) on PSPLIB instances: the GA alone, one
thread per run, ``--jobs`` runs at a time, every (instance, config, seed).

Each configuration is ``LABEL=PARAMS_JSON`` (``{}``: the defaults)::

    .venv/bin/python bench/rcpsp_ga_tune.py ../shared/data/psplib/j120/j120{51,56,16,11}_1.sm \
        --config 'p100={"population": 100}' --config 'auto={}' -t 20 --seeds 0 1 \
        --out bench/results/rcpsp/ga_tune
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import statistics
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from planner.core.io import write_atomic
from planner.rcpsp.heuristics.data import SgsData
from planner.rcpsp.heuristics.ga import GaParams, genetic_algorithm
from planner.rcpsp.readers import read, read_reference
from planner.rcpsp.warmup import warmup


def _run(task: tuple[str, str, dict[str, Any], int, float]) -> dict[str, Any]:
    path, label, params, seed, time_limit = task
    (inst,) = read(Path(path))
    res = genetic_algorithm(
        SgsData.of(inst), time_limit=time_limit, seed=seed, params=GaParams(**params)
    )
    return {
        "instance": inst.name,
        "config": label,
        "seed": seed,
        "makespan": res.makespan,
        "population": res.population,
        "generations": res.generations,
        "restarts": res.restarts,
        "schedules": res.schedules,
    }


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
    configs = []
    for spec in args.config:
        label, _, params = spec.partition("=")
        configs.append((label, json.loads(params or "{}")))
    tasks = [
        (str(f), label, params, seed, args.time_limit)
        for seed in args.seeds
        for f in args.files
        for label, params in configs
    ]
    # each worker loads the numba kernels once, before any timed run
    with ProcessPoolExecutor(max_workers=max(1, args.jobs), initializer=warmup) as pool:
        rows = list(pool.map(_run, tasks))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    write_atomic(args.out.with_suffix(".csv"), buf.getvalue())
    lines = [
        f"# GA parameters, {args.time_limit:g} s per run, seeds {args.seeds}",
        "",
        "| config | params | sum of makespans | mean gap to best_ub % | mean population "
        "| mean generations |",
        "|---|---|---|---|---|---|",
    ]
    for label, params in configs:
        mine = [r for r in rows if r["config"] == label]
        gaps = [
            100 * (r["makespan"] - refs[r["instance"]].ub) / refs[r["instance"]].ub
            for r in mine
            if r["instance"] in refs
        ]
        gap = f"{statistics.mean(gaps):.2f}" if gaps else "–"
        lines.append(
            f"| {label} | `{json.dumps(params)}` | {sum(r['makespan'] for r in mine)} | {gap} "
            f"| {statistics.mean(r['population'] for r in mine):.0f} "
            f"| {statistics.mean(r['generations'] for r in mine):.0f} |"
        )
    write_atomic(args.out.with_suffix(".md"), "\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
