"""Per-row predicted values of two public_rows.csv files (rows in both), and how many changed.

Usage: .venv/bin/python bench/session_runs/s30vkv/row_diff.py OLD.csv NEW.csv
"""

import csv
import json
import sys


def load(path: str) -> dict[str, dict]:
    with open(path, newline="") as f:
        return {r["instance"]: json.loads(r["stats"]) for r in csv.DictReader(f)}


old, new = load(sys.argv[1]), load(sys.argv[2])
changed = 0
for key in sorted(set(old) & set(new)):
    a, b = old[key], new[key]
    if abs(a["predicted"] - b["predicted"]) > 1e-9 * max(1.0, abs(a["predicted"])):
        changed += 1
        print(
            f"{key}: measured {a['measured']:.4g}, predicted {a['predicted']:.4g} -> "
            f"{b['predicted']:.4g}, error {a['error']:+.1%} -> {b['error']:+.1%}"
        )
print(f"{changed} of {len(set(old) & set(new))} rows changed")
