"""Whether the simulator grid's loads move with the model: ``bench/serve_simulator.py`` runs
each case at ``utilisation x capacity_qps`` (the model's capacity at load 1), so a model change
that moves the capacity moves the simulated loads too. Prints each case's capacity with the
current code beside the committed one (``bench/results/serve/simulator.csv``).

Usage::

    PYTHONPATH=. .venv/bin/python bench/session_runs/s22burst/grid_capacity.py
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "bench"))
import serve_simulator as bench  # noqa: E402

from planner.serve.evaluate import plan_metrics  # noqa: E402


def main() -> None:
    committed = {}
    with open(ROOT / "bench/results/serve/simulator.csv") as fh:
        for rec in csv.DictReader(fh):
            st = json.loads(rec["stats"])
            committed.setdefault(st["case"], st["capacity_qps"])
    for case in bench.CASES:
        cap = plan_metrics(bench.problem_for(case, 99, 1.0), bench.layout(case, 1.0))[
            "capacity_qps"
        ]
        old = committed.get(case.name)
        print(f"{case.name:46s} capacity {cap:9.4f} req/s (committed {old}): {cap / old - 1:+.2%}")


if __name__ == "__main__":
    main()
