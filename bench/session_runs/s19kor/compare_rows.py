"""Per source and split: mean / max |log error| of two all_rows.py CSVs (before, after).

Usage: python bench/session_runs/s19kor/compare_rows.py BEFORE.csv AFTER.csv
"""

from __future__ import annotations

import csv
import math
import sys
from collections import defaultdict


def load(path: str) -> dict[str, dict]:
    with open(path) as f:
        return {r["id"]: r for r in csv.DictReader(f)}


def main() -> None:
    a, b = load(sys.argv[1]), load(sys.argv[2])
    groups: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    for k, r in a.items():
        ea = abs(math.log(float(r["predicted"]) / float(r["value"])))
        eb = abs(math.log(float(b[k]["predicted"]) / float(b[k]["value"])))
        groups[(r["source"], r["split"])].append((ea, eb))
        groups[("ALL", r["split"])].append((ea, eb))
    print(
        f"{'source':22s} {'split':8s} {'n':>4s} {'mean before':>11s} {'after':>7s} "
        f"{'max before':>10s} {'after':>7s}"
    )
    for (src, split), v in sorted(groups.items()):
        ma = sum(x for x, _ in v) / len(v) * 100
        mb = sum(y for _, y in v) / len(v) * 100
        xa = max(x for x, _ in v) * 100
        xb = max(y for _, y in v) * 100
        print(f"{src:22s} {split:8s} {len(v):4d} {ma:10.2f}% {mb:6.2f}% {xa:9.2f}% {xb:6.2f}%")


if __name__ == "__main__":
    main()
