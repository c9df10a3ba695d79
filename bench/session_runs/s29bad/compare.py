"""Compare two s28bad sweep row files verdict by verdict (temporary folders normalized).

python bench/session_runs/s29bad/compare.py BEFORE.jsonl AFTER.jsonl
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter


def load(path: str) -> dict[tuple[str, str], dict]:
    """Rows by (target, case), the random temporary folder in a case name replaced."""
    rows = {}
    with open(path) as handle:
        lines = handle.readlines()
    for line in lines:
        r = json.loads(line)
        case = re.sub(r"/tmp/s2[0-9]bad_[A-Za-z0-9_]+", "TMP", r["case"])
        rows[(r["target"], case)] = r
    return rows


def main() -> None:
    before, after = load(sys.argv[1]), load(sys.argv[2])
    moves: Counter[tuple[str, str]] = Counter()
    for key, row in before.items():
        if key not in after:
            print(f"not rerun: {key}")
            continue
        va, vb = row["verdict"], after[key]["verdict"]
        moves[(va.split(" ")[0], vb.split(" ")[0])] += 1
        if va != vb:
            print(f"{key[0]} | {key[1]} | {va} -> {vb} | {after[key]['stderr'][:170]}")
    print("verdict moves (before -> after: cases):")
    for (va, vb), n in sorted(moves.items()):
        print(f"  {va} -> {vb}: {n}")


if __name__ == "__main__":
    main()
