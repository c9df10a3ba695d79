"""Summarize sweep CSVs: ``auto`` against the baselines and the other heuristics, per code.

For every (code, mix, batch, gpus, limit): ``auto``'s step time, the best baseline
(``static``/``adaptive``) and the best other method, ``auto``'s excess over each (positive:
worse), its wall and CPU time and the load. Prints a Markdown table::

    python bench/session_runs/s24seqpar/analyze.py sweep_main.csv sweep_branch.csv > summary.md
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict

BASELINES = ("static", "adaptive")


def best(methods: dict[str, dict], names: list[str]) -> tuple[str, float] | None:
    """The method of ``names`` with the shortest step time, and that time."""
    got = [(m, float(methods[m]["objective_s"])) for m in names if m in methods]
    return min(got, key=lambda x: x[1]) if got else None


def main(paths: list[str]) -> None:
    """Print the table of every CSV in ``paths``."""
    runs: dict[tuple, dict[str, dict]] = defaultdict(dict)
    for path in paths:
        with open(path, newline="") as fh:
            for row in csv.DictReader(fh):
                key = (row["code"], row["mix"], int(row["batch"]), int(row["gpus"]))
                runs[(*key, float(row["limit_s"]))][row["method"]] = row
    print(
        "| code | mix | batch x GPUs | -t | auto (s) | best baseline (s) | auto vs it "
        "| best other (s) | auto vs it | auto wall / CPU (s) | load |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for key in sorted(runs):
        methods = runs[key]
        if "auto" not in methods:
            continue
        auto = methods["auto"]
        a = float(auto["objective_s"])

        base = best(methods, list(BASELINES))
        other = best(methods, [m for m in methods if m != "auto" and m not in BASELINES])
        cells = [key[0], key[1], f"{key[2]} x {key[3]}", f"{key[4]:g}", f"{a:.4f}"]
        for found in (base, other):
            if found is None:
                cells += ["-", "-"]
            else:
                cells += [f"{found[1]:.4f} ({found[0]})", f"{100 * (a / found[1] - 1):+.2f} %"]
        cells += [f"{float(auto['wall_s']):.2f} / {float(auto['cpu_s']):.2f}", auto["load1"]]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
