"""Per-row errors printed by ``bench/serve_public.py`` (its progress lines ``ROW: +x.x%``)
against the committed ``bench/results/serve/public_rows.csv``: how many rows agree to the
printed 0.1 %, and every one that does not.

Usage::

    .venv/bin/python bench/session_runs/s22burst/public_compare.py LOG...
"""

from __future__ import annotations

import csv
import math
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def main() -> None:
    with open(ROOT / "bench/results/serve/public_rows.csv") as fh:
        committed = {r["instance"]: float(r["ref_gap_pct"] or "nan") for r in csv.DictReader(fh)}
    same, moved, seen = 0, [], set()
    for log in sys.argv[1:]:
        for line in Path(log).read_text().splitlines():
            m = re.match(r"^(\S+/\S+): ([+-]?(?:[\d.]+|inf))%$", line.strip())
            if not m or m.group(1) in seen:
                continue
            seen.add(m.group(1))
            old, new = committed[m.group(1)], float(m.group(2))
            if (math.isinf(old) and old == new) or abs(round(old, 1) - new) < 0.051:
                same += 1
            else:
                moved.append((m.group(1), old, new))
    print(f"{len(seen)} rows of {len(committed)}: {same} as committed, {len(moved)} moved")
    for name, old, new in moved:
        print(f"  {name}: {old:+.1f} -> {new:+.1f} %")
    rest = sorted({k.split("/")[0] for k in committed} - {k.split("/")[0] for k in seen})
    print("sources not run:", ", ".join(rest) or "none")


if __name__ == "__main__":
    main()
