"""Totals of ab.py outputs: prep, proof, sum of CPU seconds and nodes per file; and whether
the optima agree within the 1e-6 relative gap with the first file, layer by layer.

usage: sums.py FILE...
"""

import sys


def read(path: str) -> dict[tuple[int, int], tuple[float, float, int, float, str]]:
    out = {}
    with open(path) as fh:
        for line in fh:
            f = line.split()
            if len(f) > 12 and f[3] == "prep":
                out[int(f[1]), int(f[2])] = (
                    float(f[4]),
                    float(f[6]),
                    int(f[8]),
                    float(f[11]),
                    f[9],
                )
    return out


runs = {p: read(p) for p in sys.argv[1:]}
ref = runs[sys.argv[1]]
for path, r in runs.items():
    prep = sum(v[0] for v in r.values())
    proof = sum(v[1] for v in r.values())
    nodes = sum(v[2] for v in r.values())
    bad = [k for k, v in r.items() if k in ref and abs(v[3] - ref[k][3]) > 1e-6 * ref[k][3]]
    notopt = [k for k, v in r.items() if v[4] != "OPTIMAL"]
    print(
        f"{path}: {len(r)} layers, prep {prep:.1f} + proof {proof:.1f} = {prep + proof:.1f} s, "
        f"nodes {nodes}, optima differing from {sys.argv[1]}: {bad}, not optimal: {notopt}"
    )
