"""Per-layout summary of two ``public_rows.csv`` runs of the inference-GPU sources (s29l40s).

Groups rows by model / layout (the id without its ISL-OSL pair) and by pair kind
(prefill-heavy: ISL / OSL >= 4; decode-heavy: OSL >= 2048 with ISL <= 500; the rest other),
and prints within-15 % counts and signed mean errors, before and after.

Usage: ``python bench/session_runs/s29l40s/groups.py OLD.csv NEW.csv``
"""

from __future__ import annotations

import csv
import statistics
import sys


def load(path: str) -> dict[str, float]:
    """Row id -> signed error (predicted / measured - 1) of one run's CSV."""
    out = {}
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            rid = r["instance"]
            out[rid] = float(r["objective"]) / float(r["reference"]) - 1.0
    return out


def kind(pair: str) -> str:
    """Prefill-heavy, decode-heavy or other, from the ``ISL-OSL`` suffix."""
    isl, osl = (int(x) for x in pair.split("-"))
    if isl / osl >= 4:
        return "prefill"
    if osl >= 2048 and isl <= 500:
        return "decode"
    return "other"


def main(old: str, new: str) -> None:
    a, b = load(old), load(new)
    groups: dict[tuple[str, str], list[str]] = {}
    for rid in a:
        head, pair = rid.rsplit("/", 1)
        groups.setdefault((head, kind(pair)), []).append(rid)
    print("| group | kind | rows | within old | within new | signed old | signed new |")
    print("|---|---|---|---|---|---|---|")
    for (head, k), ids in sorted(groups.items()):
        ea, eb = [a[i] for i in ids], [b[i] for i in ids if i in b]
        wa = sum(abs(e) <= 0.15 for e in ea)
        wb = sum(abs(e) <= 0.15 for e in eb)
        print(
            f"| {head} | {k} | {len(ids)} | {wa} | {wb} | {statistics.mean(ea):+.1%} | "
            f"{statistics.mean(eb) if eb else float('nan'):+.1%} |"
        )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
