"""Public serving rows, main's committed results against a rerun, per source and split:
rows, rows within target (throughput +/-15 %, latency +/-25 %), signed mean error.

Usage::

    .venv/bin/python bench/session_runs/s26budget/compare_public.py \\
        bench/results/serve/public_rows.csv bench/session_runs/s26budget/public/shard*.jsonl
"""

from __future__ import annotations

import csv
import json
import sys
from collections import defaultdict

TARGET = {"throughput": 0.15, "latency": 0.25}


def load(*paths: str) -> dict[str, dict]:
    """Row id -> the row's stats (source, split, kind, error), from a ``public_rows.csv`` or
    the JSON-lines files of ``public_shard.py``."""
    out: dict[str, dict] = {}
    for path in paths:
        if path.endswith(".csv"):
            with open(path, newline="") as f:
                out.update({r["instance"]: json.loads(r["stats"]) for r in csv.DictReader(f)})
            continue
        with open(path) as f:
            rows = [json.loads(line) for line in f if line.strip()]
        out.update({r["id"]: r for r in rows if "id" in r})
    return out


def table(rows: dict[str, dict]) -> dict[tuple[str, str], tuple[int, int, float]]:
    """(source, split) -> (rows, within target, signed mean error)."""
    groups: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    for s in rows.values():
        err = s.get("error")
        if err is None or err != err or abs(err) == float("inf"):
            err = float("inf")
        groups[(s["source"], s["split"])].append((err, TARGET[s["kind"]]))
    out = {}
    for key, errs in groups.items():
        finite = [e for e, _ in errs if e != float("inf")]
        within = sum(abs(e) <= t for e, t in errs)
        out[key] = (len(errs), within, sum(finite) / len(finite) if finite else float("nan"))
    return out


def main() -> None:
    base, new = table(load(sys.argv[1])), table(load(*sys.argv[2:]))
    print("| source | split | rows | within (main) | within (branch) | signed mean main | branch |")
    print("|---|---|---|---|---|---|---|")
    totals = defaultdict(lambda: [0, 0, 0])
    for key in sorted(set(base) | set(new)):
        n, a, ma = base.get(key, (0, 0, float("nan")))
        _, b, mb = new.get(key, (0, 0, float("nan")))
        print(f"| {key[0]} | {key[1]} | {n} | {a} | {b} | {ma:+.1%} | {mb:+.1%} |")
        t = totals[key[1]]
        t[0], t[1], t[2] = t[0] + n, t[1] + a, t[2] + b
    for split, (n, a, b) in sorted(totals.items()):
        print(f"| **all** | {split} | {n} | {a} | {b} | | |")
    rows_a, rows_b = load(sys.argv[1]), load(*sys.argv[2:])
    for kind, limit in TARGET.items():
        for split in ("fit", "held-out"):
            ids = [i for i, s in rows_a.items() if s["kind"] == kind and s["split"] == split]
            a = sum(abs(rows_a[i].get("error") or float("inf")) <= limit for i in ids)
            b = sum(
                i in rows_b and abs(rows_b[i].get("error") or float("inf")) <= limit for i in ids
            )
            print(f"| **{kind}** | {split} | {len(ids)} | {a} | {b} | | |")


if __name__ == "__main__":
    main()
