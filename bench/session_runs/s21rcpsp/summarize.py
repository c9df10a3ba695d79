"""Summarize the probe CSVs of this directory into summary.md (run from this directory)."""

import csv
import glob
import json

rows = []
for path in sorted(glob.glob("probe_*.csv")):
    with open(path) as f:
        for r in csv.DictReader(f):
            r["file"] = path
            r.setdefault("params", "{}")
            rows.append(r)
lines = [
    "# s21rcpsp probes: prove `makespan <= best_ub - 1` infeasible (CP-SAT, no LP, 1 thread)",
    "",
    "dtime = CP-SAT deterministic time (limit in the file name: d3, d12, d15; `slow` = 12);",
    "load 4-12 on 2 cores throughout, so wall times are not comparable; CPU s = process user time.",
    "",
    "| instance | direction | extra params | target | status | dtime | CPU s | file |",
    "|---|---|---|---|---|---|---|---|",
]
for r in sorted(rows, key=lambda r: (r["instance"], r["file"], r["direction"])):
    extra = json.loads(r["params"]) or ""
    lines.append(
        f"| {r['instance']} | {r['direction']} | {extra} | {r['target']} | {r['status']} "
        f"| {r['dtime']} | {r['cpu_s']} | {r['file']} |"
    )
with open("summary.md", "w") as f:
    f.write("\n".join(lines) + "\n")
print("\n".join(lines))
