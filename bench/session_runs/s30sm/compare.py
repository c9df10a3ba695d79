"""Per-row signed errors of two ``bench/serve_public.py`` outputs (s30sm).

Usage: ``python bench/session_runs/s30sm/compare.py BEFORE.csv AFTER.csv``; prints a markdown
table (row, measured, before, after) and the count within +-15 % in each.
"""

from __future__ import annotations

import csv
import json
import sys


def errors(path: str) -> dict[str, tuple[float, float]]:
    out = {}
    with open(path) as f:
        for r in csv.DictReader(f):
            s = json.loads(r["stats"])
            if s.get("kind") == "throughput":
                out[r["instance"]] = (s["measured"], s["error"])
    return out


if __name__ == "__main__":
    a, b = errors(sys.argv[1]), errors(sys.argv[2])
    print("| row | measured | before | after |")
    print("|---|---|---|---|")
    for k, (m, e) in a.items():
        print(f"| {k} | {m:g} | {e:+.1%} | {b[k][1]:+.1%} |")
    for name, d in (("before", a), ("after", b)):
        n = sum(abs(e) <= 0.15 for _, e in d.values())
        print(f"\n{name}: {n} / {len(d)} within 15 %", end="")
    print()
