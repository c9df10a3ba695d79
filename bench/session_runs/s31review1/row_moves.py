"""Per-row error moves between two ``public_rows.csv`` runs (s31review1).

Usage: python row_moves.py BEFORE.csv AFTER.csv [N]
"""

import csv
import json
import sys


def load(p):
    with open(p, newline="") as f:
        return {r["instance"]: json.loads(r["stats"]) for r in csv.DictReader(f)}


a, b = load(sys.argv[1]), load(sys.argv[2])
n = int(sys.argv[3]) if len(sys.argv) > 3 else 10
moves = sorted(
    ((b[k]["error"] - a[k]["error"], k, a[k]["error"], b[k]["error"], a[k]["split"]) for k in a),
    key=lambda t: -abs(t[0]),
)
print(f"{sum(1 for m in moves if abs(m[0]) > 1e-4)} of {len(moves)} rows move by > 0.01 points")
for _d, k, ea, eb, split in moves[:n]:
    print(f"{k:72s} {split:8s} {100 * ea:+7.2f} -> {100 * eb:+7.2f} %")
