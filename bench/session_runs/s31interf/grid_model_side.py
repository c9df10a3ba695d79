"""The simulator grid's model side recomputed against the committed simulations.

Reads ``bench/results/serve/simulator.csv`` (ddda6381: 10,000 requests, seed 0; copied from s21queue, ``--out`` required), recomputes
the model's TTFT / TPOT for every case, load and percentile with the current code (the same
layout and load: ``bench/serve_simulator.py``'s ``problem_for`` and ``layout``) and compares
them with the committed simulated values, which do not depend on the analytic model. Prints
the count within 15 % below 80 % utilisation at p99, before (committed model) and after, and
every row whose model value moved.

Usage::

    .venv/bin/python bench/session_runs/s21queue/grid_model_side.py [--case NAME]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import serve_simulator as bench

from planner.serve.evaluate import plan_metrics

ROOT = Path("/work/wt/s31interf")  # the committed simulations


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--case", action="append", default=[])
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    cases = {c.name: c for c in bench.CASES}
    seen, rows = set(), []
    with open(ROOT / "bench/results/serve/simulator.csv") as fh:
        for rec in csv.DictReader(fh):
            st = json.loads(rec["stats"])
            key = (st["case"], st["utilisation"], st["percentile"])
            if key in seen or (args.case and st["case"] not in args.case):
                continue
            seen.add(key)
            case = cases[st["case"]]
            load = float(st["qps"])
            m = plan_metrics(
                bench.problem_for(case, st["percentile"], load), bench.layout(case, load)
            )
            row = {**{k: st[k] for k in ("case", "utilisation", "percentile", "qps")}}
            for metric in ("ttft", "tpot"):
                sim = st[f"sim_{metric}_s"]
                row[f"sim_{metric}_s"] = sim
                row[f"old_{metric}_s"] = st[f"model_{metric}_s"]
                row[f"new_{metric}_s"] = m[f"{metric}_s"]
                row[f"old_{metric}_err"] = st[f"model_{metric}_s"] / sim - 1
                row[f"new_{metric}_err"] = m[f"{metric}_s"] / sim - 1
            rows.append(row)
            moved = any(
                abs(row[f"new_{x}_s"] / row[f"old_{x}_s"] - 1) > 1e-6 for x in ("ttft", "tpot")
            )
            if moved:
                print(
                    f"{row['case']:46s} {row['utilisation']:4.0%} p{row['percentile']}: TTFT "
                    f"{100 * row['old_ttft_err']:+6.1f} -> {100 * row['new_ttft_err']:+6.1f} %  TPOT "
                    f"{100 * row['old_tpot_err']:+6.1f} -> {100 * row['new_tpot_err']:+6.1f} %",
                    flush=True,
                )
    below = [r for r in rows if r["utilisation"] < 0.8 and r["percentile"] == 99]
    for tag in ("old", "new"):
        errs = [abs(r[f"{tag}_{m}_err"]) for r in below for m in ("ttft", "tpot")]
        inside = sum(e <= bench.TARGET for e in errs)
        print(
            f"{tag}: p99 below 80 %: {inside} / {len(errs)} within 15 % (largest {100 * max(errs):.1f} %)"
        )
    args.out.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
