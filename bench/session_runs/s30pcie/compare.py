"""Row-by-row before / after of bench/serve_public.py outputs (public_rows.csv).

Usage: ``python bench/session_runs/s30pcie/compare.py BEFORE_DIR AFTER_DIR``
"""

import csv
import json
import sys


def load(d):
    out = {}
    with open(f"{d}/public_rows.csv") as f:
        for r in csv.DictReader(f):
            s = json.loads(r["stats"])
            out[s["id"]] = s
    return out


b, a = load(sys.argv[1]), load(sys.argv[2])
moved = 0
wb = wa = 0
for k in b:
    eb, ea = b[k]["error"], a[k]["error"]
    tol = 0.15 if b[k]["kind"] == "throughput" else 0.25
    wb += abs(eb) <= tol
    wa += abs(ea) <= tol
    if abs(ea - eb) > 1e-9:
        moved += 1
        print(f"| {k} | {eb:+.1%} | {ea:+.1%} |")
print(f"rows {len(b)}, moved {moved}, within before {wb}, after {wa}")
