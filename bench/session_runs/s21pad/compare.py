"""Before / after of the CUDA-graph padding and refit (s21pad): per source and split, rows within
target (throughput +/-15 %, latency +/-25 %), median |error| and signed mean, from two
``bench/serve_public.py`` CSVs; plus the rows whose error moved most.

Usage: ``python bench/session_runs/s21pad/compare.py BEFORE.csv AFTER.csv > compare.md``
(before: main's ``bench/results/serve/public_rows.csv``; after:
``bench/session_runs/s21pad/public_rows/public_rows.csv``).
"""

from __future__ import annotations

import csv
import json
import math
import statistics
import sys
from collections import defaultdict

TARGETS = {"throughput": 0.15, "latency": 0.25}


def load(path: str) -> dict[str, dict]:
    """Row id -> the row's stats (error, kind, source, split)."""
    with open(path, newline="") as f:
        return {r["instance"]: json.loads(r["stats"]) for r in csv.DictReader(f)}


def cells(rows: list[dict]) -> tuple[int, int, float, float]:
    """(within target, rows, median |err|, signed mean) over the finite errors."""
    errs = [r["error"] for r in rows if math.isfinite(r["error"])]
    ok = sum(abs(r["error"]) <= TARGETS[r["kind"]] for r in rows if math.isfinite(r["error"]))
    med = statistics.median(abs(e) for e in errs) if errs else math.nan
    return ok, len(rows), med, (statistics.fmean(errs) if errs else math.nan)


def main() -> None:
    before, after = load(sys.argv[1]), load(sys.argv[2])
    groups: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for rid, r in after.items():
        groups[(r["source"], r["split"], r["kind"])].append(rid)
    print(
        "| source | split | kind | within before | within after | median abs before | "
        "median abs after | signed mean before | signed mean after |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    totals = defaultdict(lambda: [0, 0, 0])
    for key in sorted(groups):
        ids = [i for i in groups[key] if i in before]
        b, a = cells([before[i] for i in ids]), cells([after[i] for i in ids])
        print(
            f"| {' | '.join(key)} | {b[0]} / {b[1]} | {a[0]} / {a[1]} | {b[2]:.1%} | "
            f"{a[2]:.1%} | {b[3]:+.1%} | {a[3]:+.1%} |"
        )
        if key[1] == "held-out":
            t = totals[key[2]]
            t[0] += b[0]
            t[1] += a[0]
            t[2] += b[1]
    for kind, (b, a, n) in sorted(totals.items()):
        print(f"\n**Held-out {kind}: {b} / {n} -> {a} / {n} within target.**")
    moved = sorted(
        (
            i
            for i in after
            if i in before
            and math.isfinite(after[i]["error"])
            and math.isfinite(before[i]["error"])
        ),
        key=lambda i: -abs(after[i]["error"] - before[i]["error"]),
    )
    print("\n| row | before | after |\n|---|---|---|")
    for i in moved[:40]:
        print(f"| {i} | {before[i]['error']:+.1%} | {after[i]['error']:+.1%} |")


if __name__ == "__main__":
    main()
