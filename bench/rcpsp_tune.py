"""Compare CP-SAT model switches and solver parameters on a set of PSPLIB instances.

Each configuration is ``LABEL=OPTIONS[@PARAMS_JSON]``; OPTIONS is a model-option spec such as
``-delays,+decision_strategy`` (``default`` for none)::

    .venv/bin/python bench/rcpsp_tune.py ../shared/data/psplib/j60/j60{5,13,14,17,21}_1.sm \
        --config base=default --config nodelay=-delays \
        --config lbsearch='-delays@{"use_objective_lb_search": true}' -t 30 \
        --out bench/results/rcpsp/tune_j60.md
"""

from __future__ import annotations

import argparse
import json
import shlex
import statistics
import sys
import time
from pathlib import Path

from planner.core.io import write_atomic
from planner.core.solve import certify
from planner.rcpsp import FAMILY
from planner.rcpsp.cpsat import solve_cpsat
from planner.rcpsp.readers import read, read_reference


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--config", action="append", required=True)
    ap.add_argument("-t", "--time-limit", type=float, default=30.0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--reference", type=Path, default=None, help="PSPLIB bounds.csv")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    refs = read_reference(args.reference) if args.reference else {}
    instances = [inst for f in args.files for inst in read(f)]
    configs = []
    for spec in args.config:
        label, _, rest = spec.partition("=")
        opts, _, params = rest.partition("@")
        configs.append(
            (label, None if opts in ("", "default") else opts, json.loads(params or "{}"))
        )
    table: dict[str, list[tuple[str, str, float, float | None, float | None]]] = {}
    for label, opts, params in configs:
        rows = []
        for inst in instances:
            t0 = time.perf_counter()
            res = solve_cpsat(
                inst,
                time_limit=args.time_limit,
                threads=args.threads,
                seed=0,
                options=opts,
                params=params,
            )
            res = certify(FAMILY, inst, res)
            rows.append(
                (inst.name, res.status.value, time.perf_counter() - t0, res.objective, res.bound)
            )
            print(label, *rows[-1], flush=True)
        table[label] = rows
    text = (
        "# CP-SAT configurations\n\nReproduce with:\n\n```\npython "
        + shlex.join(sys.argv)
        + "\n```\n\n"
    )
    text += "| config | optimal | mean time s | mean bound gap % | mean obj gap to best_ub % |\n"
    text += "|---|---|---|---|---|\n"
    for label, rows in table.items():
        opt = sum(r[1] == "OPTIMAL" for r in rows)
        gaps = [100 * (o - b) / o for _, _, _, o, b in rows if o and b is not None]
        ubgaps = [100 * (o - refs[n].ub) / refs[n].ub for n, _, _, o, _ in rows if o and n in refs]
        text += (
            f"| {label} | {opt}/{len(rows)} | {statistics.fmean(r[2] for r in rows):.2f} | "
            f"{statistics.fmean(gaps) if gaps else float('nan'):.2f} | "
            f"{statistics.fmean(ubgaps) if ubgaps else float('nan'):.2f} |\n"
        )
    text += (
        "\nPer instance (status, time s, makespan, bound):\n\n| instance | "
        + " | ".join(table)
        + " |\n"
    )
    text += "|---|" + "---|" * len(table) + "\n"
    for k, inst in enumerate(instances):
        cells = [
            f"{rows[k][1][:3]} {rows[k][2]:.1f}s {rows[k][3]}/{rows[k][4]}"
            for rows in table.values()
        ]
        text += f"| {inst.name} | " + " | ".join(cells) + " |\n"
    write_atomic(args.out, text)
    print(text)


if __name__ == "__main__":
    main()
