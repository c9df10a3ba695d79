"""Per-row comparison of two ``serve_public.py`` outputs (before = main, after = this branch).

Usage: PYTHONPATH=. .venv/bin/python bench/session_runs/s25kvmem/compare_rows.py BEFORE.csv AFTER.csv

Prints every row whose prediction moved by more than 0.05 %, and the held-out within-target
counts (throughput within 15 %, latency within 25 %, as bench/serve_public.py counts them) of
both files over the rows they share.
"""

from __future__ import annotations

import csv
import json
import sys

TARGET = {"throughput": 0.15, "latency": 0.25}


def load(path: str) -> dict[str, dict]:
    """Rows of a public_rows.csv by instance id, with their stats decoded."""
    with open(path, newline="") as fh:
        return {r["instance"]: json.loads(r["stats"]) for r in csv.DictReader(fh)}


def within(stats: dict) -> bool:
    """The row's error is within its kind's target (a saturated prediction is not)."""
    err = stats.get("error")
    return err is not None and abs(err) <= TARGET[stats["kind"]]


def main(before_path: str, after_path: str) -> None:
    before, after = load(before_path), load(after_path)
    shared = [k for k in after if k in before]
    print(f"{len(shared)} shared rows")
    print("| id | measured | before | after | error before | error after |")
    print("|---|---|---|---|---|---|")
    for k in shared:
        b, a = before[k], after[k]
        pb, pa = b.get("predicted"), a.get("predicted")
        if pb is None or pa is None or abs(pa / pb - 1) > 5e-4:
            eb = "-" if b.get("error") is None else f"{b['error']:+.1%}"
            ea = "-" if a.get("error") is None else f"{a['error']:+.1%}"
            print(f"| {k} | {a['measured']:.4g} | {pb} | {pa} | {eb} | {ea} |")
    for split in ("held-out", "fit"):
        for kind in ("throughput", "latency"):
            rows = [k for k in shared if after[k]["split"] == split and after[k]["kind"] == kind]
            if rows:
                nb = sum(within(before[k]) for k in rows)
                na = sum(within(after[k]) for k in rows)
                print(f"{split} {kind}: within target before {nb} / {len(rows)}, after {na}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
