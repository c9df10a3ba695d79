"""Rows of two model_side.py outputs that differ (capacity, TTFT, TPOT), relative.

Usage: python bench/session_runs/s14tpot/compare_sides.py A.txt B.txt
"""

import sys


def read(path):
    out = {}
    with open(path) as lines:
        for line in lines:
            head, cap, ttft, tpot = line.rsplit(" ", 3)
            out[head] = (float(cap), float(ttft), float(tpot))
    return out


a, b = read(sys.argv[1]), read(sys.argv[2])
same = 0
for k, vb in b.items():
    va = a.get(k)
    if va == vb:
        same += 1
        continue
    print(
        f"{k[:62]:62s} cap {vb[0] / va[0] - 1:+.1e} ttft {vb[1] / va[1] - 1:+.1e} "
        f"tpot {1e3 * va[2]:.2f} -> {1e3 * vb[2]:.2f} ms ({vb[2] / va[2] - 1:+.2%})"
    )
print(f"{same} of {len(b)} rows identical")
