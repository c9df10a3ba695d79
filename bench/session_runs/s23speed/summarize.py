# ruff: noqa: SIM115
"""Min / median CPU seconds per tree from ab_1t.sh output lines ("TREE {json}")."""

import json
import statistics
import sys
from collections import defaultdict

rows = defaultdict(list)
for line in open(sys.argv[1], encoding="utf-8"):
    if " " not in line.strip():
        continue  # the "done" marker
    tree, js = line.split(" ", 1)
    rows[tree].append(json.loads(js))
for tree, rs in rows.items():
    cpu = [r["cpu_s"] for r in rs]
    loads = [r["load"] for r in rs]
    print(
        f"{tree}: n={len(rs)} cpu min {min(cpu):.3f} median {statistics.median(cpu):.3f} "
        f"max {max(cpu):.3f} s; load {min(loads):.1f}-{max(loads):.1f}; "
        f"{sorted({(r['status'], r['plan'], r['step_s']) for r in rs})}"
    )
