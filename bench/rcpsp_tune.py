"""Compare CP-SAT model switches and solver parameters on a set of PSPLIB instances.

Each configuration is ``LABEL=OPTIONS[@PARAMS_JSON]``; OPTIONS is a model-option spec such as
``-delays,+decision_strategy`` (``default`` for none). Every configuration is a method of
``planner bench`` (a :func:`planner.bench.variant_tasks` variant of the exact model), so the
CSV, the report and its plots are the benchmark library's::

    .venv/bin/python bench/rcpsp_tune.py ../shared/data/psplib/j60/j60{5,13,14,17,21}_1.sm \
        --config base=default --config nodelay=-delays \
        --config lbsearch='-delays@{"use_objective_lb_search": true}' -t 30 \
        --reference ../shared/data/psplib/bounds.csv --out bench/results/rcpsp/tune_j60

writes ``tune_j60.csv`` and ``tune_j60.md`` (with the per-instance table of every
configuration).
"""

from __future__ import annotations

import argparse
import functools
import json
import shlex
import sys
from pathlib import Path
from typing import Any

from planner.bench import markdown_rows, read_rows, run_bench, variant_tasks, write_report
from planner.core.family import Method
from planner.core.result import Result
from planner.rcpsp.readers import read, read_reference


def cpsat_config(options: str | None, params: dict[str, Any]) -> Method:
    """The exact model with these switches and CP-SAT parameters, as a method."""

    def run(instance: Any, *, time_limit: float, threads: int, seed: int, hint: Any) -> Result:
        from planner.rcpsp.cpsat import solve_cpsat

        return solve_cpsat(
            instance,
            time_limit=time_limit,
            threads=threads,
            seed=seed,
            hint=hint,
            options=options,
            params=params,
        )

    return Method("cpsat-config", run, "exact", f"CP-SAT, options {options}, params {params}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--config", action="append", required=True)
    ap.add_argument("-t", "--time-limit", type=float, default=30.0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--reference", type=Path, default=None, help="PSPLIB bounds.csv")
    ap.add_argument("--out", type=Path, required=True, help="output stem (.csv and .md)")
    args = ap.parse_args()
    refs = read_reference(args.reference) if args.reference else {}
    instances = [inst for f in args.files for inst in read(f)]
    variants = {}
    for spec in args.config:
        label, _, rest = spec.partition("=")
        opts, _, params = rest.partition("@")
        options = None if opts in ("", "default") else opts
        variants[label] = functools.partial(cpsat_config, options, json.loads(params or "{}"))
    tasks = variant_tasks(
        "rcpsp",
        instances,
        variants,
        time_limit=args.time_limit,
        threads=args.threads,
        references={i.name: refs[i.name] for i in instances if i.name in refs},
    )
    csv_path = args.out.with_suffix(".csv")
    run_bench(tasks, csv_path=csv_path, jobs=args.jobs, resume=csv_path.exists())
    rows = read_rows(csv_path)
    by = {(r["instance"], r["method"]): r for r in rows}
    table = []
    for inst in instances:
        line: dict[str, Any] = {"instance": inst.name}
        for label in variants:
            r = by.get((inst.name, label))
            line[label] = (
                "–"
                if r is None
                else f"{r['status'][:3]} {r['runtime_s']:.1f}s {r['objective']}/{r['bound']}"
            )
        table.append(line)
    write_report(
        args.out.with_suffix(".md"),
        rows,
        title="CP-SAT configurations",
        command="python " + shlex.join(sys.argv),
        sections=[
            (
                "Per instance (status, time, makespan / bound)",
                markdown_rows(table, ["instance", *variants]),
            )
        ],
        size_label="jobs",
    )


if __name__ == "__main__":
    main()
