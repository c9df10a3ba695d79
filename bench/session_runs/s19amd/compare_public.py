"""Rows whose prediction differs between two public_rows.csv files (helper s19amd).

Usage: python compare_public.py OLD.csv NEW.csv
"""

from __future__ import annotations

import csv
import sys


def load(path: str) -> dict[str, dict]:
    with open(path, newline="") as f:
        return {r["instance"]: r for r in csv.DictReader(f)}


def main() -> None:
    old, new = load(sys.argv[1]), load(sys.argv[2])
    assert old.keys() == new.keys(), "different rows"
    changed = [k for k in old if old[k]["objective"] != new[k]["objective"]]
    print(f"{len(changed)} of {len(old)} predictions differ")
    for k in changed:
        a, b, ref = (
            float(x[k][c]) for x, c in ((old, "objective"), (new, "objective"), (new, "reference"))
        )
        print(
            f"{k}: {a:.4g} -> {b:.4g} (measured {ref:.4g}; error {a / ref - 1:+.1%} -> {b / ref - 1:+.1%})"
        )


if __name__ == "__main__":
    main()
