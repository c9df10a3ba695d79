"""s25cert: the sweep's table (family x method: cases, statuses, failures) from the JSON lines.

Usage: python summarize.py FILE.jsonl... > summary.md
"""

from __future__ import annotations

import collections
import json
import sys


def main() -> None:
    rows = []
    for path in sys.argv[1:]:
        with open(path) as fh:
            rows += [json.loads(line) for line in fh]
    table: dict[tuple[str, str], collections.Counter] = collections.defaultdict(collections.Counter)
    shapes: dict[str, set[str]] = collections.defaultdict(set)
    fails = []
    for r in rows:
        key = (r["family"], r["method"])
        c = table[key]
        c["cases"] += 1
        c[r.get("status", "crash")] += 1
        c["brute"] += r.get("opt", "?") != "?"
        shapes[r["family"]].add(r["shape"])
        if r["fails"]:
            c["fail"] += 1
            fails.append(r)
    print(
        "| family | method | cases | with brute force | OPTIMAL | FEASIBLE | INFEASIBLE | "
        "UNKNOWN | crash | failed |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for (fam, method), c in sorted(table.items()):
        print(
            f"| {fam} | {method} | {c['cases']} | {c['brute']} | {c['OPTIMAL']} | "
            f"{c['FEASIBLE']} | {c['INFEASIBLE']} | {c['UNKNOWN']} | {c['crash']} | "
            f"{c['fail']} |"
        )
    print()
    for fam, names in sorted(shapes.items()):
        rand = [n for n in names if n.startswith("rand_")]
        named = sorted(n for n in names if not n.startswith("rand_"))
        more = f" and {len(rand)} seeded random instances (rand_*)" if rand else ""
        print(f"- {fam}: {len(named)} edge shapes ({', '.join(named)}){more}")
    print()
    for r in fails:
        print(f"- FAIL {r['family']} {r['shape']} {r['method']}: {'; '.join(r['fails'])}")


if __name__ == "__main__":
    main()
