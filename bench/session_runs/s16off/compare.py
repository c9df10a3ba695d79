"""Side by side per-layer CPU seconds and nodes of layer_ab.py outputs.

usage: compare.py FILE [FILE...]   (same seed and layers in each)
"""

import sys
from collections import defaultdict
from pathlib import Path

runs = {}
for path in sys.argv[1:]:
    rows = {}
    for line in Path(path).read_text().splitlines():
        f = line.split()
        if len(f) < 12 or f[3] != "prep":
            continue
        rows[int(f[2])] = (float(f[4]), float(f[6]), int(f[8]), f[9], float(f[11]))
    runs[f[0] if rows else path] = rows
layers = sorted(set.intersection(*(set(r) for r in runs.values())))
tags = list(runs)
print("layer " + " ".join(f"{t:>22s}" for t in tags))
tot = defaultdict(lambda: [0.0, 0.0, 0])
for ly in layers:
    cells = []
    for t in tags:
        prep, proof, nodes, _, _ = runs[t][ly]
        tot[t][0] += prep
        tot[t][1] += proof
        tot[t][2] += nodes
        cells.append(f"{prep + proof:7.2f} s {nodes:5d} n")
    same = len({round(runs[t][ly][4], 1) for t in tags}) == 1
    print(
        f"{ly:5d} " + " ".join(f"{c:>22s}" for c in cells) + ("" if same else "  objectives differ")
    )
for t in tags:
    p, q, n = tot[t]
    print(
        f"{t:12s} {len(layers)} layers: LP+RENS {p:6.1f} s  proofs {q:6.1f} s  sum {p + q:6.1f} s  nodes {n}"
    )
