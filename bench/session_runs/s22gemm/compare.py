"""Per-source within-target counts (throughput +/-15 %, latency +/-25 %): main's
``bench/results/serve/public_rows.csv`` against this branch's run (its ``public_rows.csv``, or
the ``serve_public.py`` log while it runs), on the rows both have.

Usage: ``python bench/session_runs/s22gemm/compare.py BRANCH.csv|BRANCH.log [OUT.md]``
"""

from __future__ import annotations

import collections
import csv
import json
import math
import re
import sys
from pathlib import Path

MAIN = Path("bench/results/serve/public_rows.csv")
LIMIT = {"throughput": 0.15, "latency": 0.25}


def read_csv(path: Path) -> dict[str, dict]:
    """id -> the row's stats (source, split, kind, error)."""
    with path.open() as fh:
        return {r["instance"]: json.loads(r["stats"]) for r in csv.DictReader(fh)}


def read_log(path: Path, main: dict[str, dict]) -> dict[str, dict]:
    out = {}
    for line in path.read_text().splitlines():
        m = re.match(r"(\S+): ([+-]?[\d.]+|[+-]?inf)%", line)
        if m and m.group(1) in main:
            err = math.inf if "inf" in m.group(2) else float(m.group(2)) / 100
            out[m.group(1)] = {**main[m.group(1)], "error": err}
    return out


def within(stats: dict) -> bool:
    err = stats["error"]
    return err is not None and math.isfinite(err) and abs(err) <= LIMIT[stats["kind"]]


def main() -> None:
    before = read_csv(MAIN)
    path = Path(sys.argv[1])
    after = read_csv(path) if path.suffix == ".csv" else read_log(path, before)
    counts = collections.defaultdict(lambda: [0, 0, 0])
    for rid, s in after.items():
        key = (s["source"], s["split"], s["kind"])
        counts[key][0] += within(before[rid])
        counts[key][1] += within(s)
        counts[key][2] += 1
    lines = ["| source | split | kind | main | branch | rows |", "|---|---|---|---|---|---|"]
    total = collections.defaultdict(lambda: [0, 0, 0])
    for key in sorted(counts):
        b, a, n = counts[key]
        lines.append(f"| {key[0]} | {key[1]} | {key[2]} | {b} | {a} | {n} |")
        if key[1] == "held-out":
            for i, v in enumerate((b, a, n)):
                total[key[2]][i] += v
    for k, (b, a, n) in sorted(total.items()):
        lines.append(f"| **held-out** | | {k} | {b} | {a} | {n} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if len(sys.argv) > 2:
        Path(sys.argv[2]).write_text(text)


if __name__ == "__main__":
    main()
