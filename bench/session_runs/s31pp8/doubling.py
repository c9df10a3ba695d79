"""s31pp8: each pipeline doubling of the 70B RTX PRO rows, measured against the model.

For each ISL/OSL pair and pp -> 2 pp: (measured ratio) / (predicted ratio) - 1, from a
``bench/serve_public.py --source trtllm_rtxpro --out DIR`` run's ``public_rows.csv``.

    python bench/session_runs/s31pp8/doubling.py DIR/public_rows.csv
"""

import csv
import json
import sys

with open(sys.argv[1]) as f:
    rows = [json.loads(r["stats"]) for r in csv.DictReader(f)]
t = {}
for s in rows:
    if s["model"] == "llama-3.1-70b":
        t.setdefault(s["isl_osl"], {})[s["pp"]] = (s["measured"], s["predicted"])
print("| pair | PP1->2 | PP2->4 | PP4->8 |")
print("|---|---|---|---|")
sums = [0.0, 0.0, 0.0]
for pair, d in sorted(t.items()):
    cells = []
    for i, (a, b) in enumerate(((1, 2), (2, 4), (4, 8))):
        x = (d[b][0] / d[a][0]) / (d[b][1] / d[a][1]) - 1
        sums[i] += x
        cells.append(f"{100 * x:+.1f} %")
    print(f"| {pair} | " + " | ".join(cells) + " |")
print("| mean | " + " | ".join(f"{100 * s / len(t):+.1f} %" for s in sums) + " |")
