"""s30pp: per-row objectives of two ``serve_public.py --out`` runs (csv), and the groups'
within-15 % counts. ``python3 compare.py BEFORE.csv AFTER.csv``"""

import csv
import sys
from collections import defaultdict


def load(path):
    return {r["instance"]: float(r["objective"]) for r in csv.DictReader(open(path))}, {
        r["instance"]: float(r["reference"]) for r in csv.DictReader(open(path))
    }


(a, ref), (b, _) = load(sys.argv[1]), load(sys.argv[2])
moved = [k for k in a if abs(a[k] - b[k]) > 1e-9 * max(1.0, abs(a[k]))]
print(f"{len(a)} rows, {len(moved)} moved")
groups = defaultdict(list)
for k in a:
    parts = k.split("/")
    groups[f"{parts[1]} {parts[3]}"].append(k)
print("| group | rows | before: within, signed mean | after |")
print("|---|---|---|---|")
for g, ks in groups.items():
    cells = []
    for run in (a, b):
        e = [run[k] / ref[k] - 1 for k in ks]
        cells.append(f"{sum(abs(x) <= 0.15 for x in e)}, {100 * sum(e) / len(e):+.1f} %")
    print(f"| {g} | {len(ks)} | {cells[0]} | {cells[1]} |")
print()
for k in moved:
    print(f"{k}: {100 * (a[k] / ref[k] - 1):+.1f} -> {100 * (b[k] / ref[k] - 1):+.1f} %")
