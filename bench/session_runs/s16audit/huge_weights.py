"""s16audit: smtt with huge weights (near the int64 limit the instance check allows) against
brute force over all n! orders: no method may return a bound above the optimum, an objective
below it, or OPTIMAL above it. Weights 2**k + small parts: the small parts decide the optimum,
and doubles (HiGHS) cannot see them all.

Usage: ``PYTHONPATH=... python huge_weights.py COUNT K [METHODS] [NMIN..NMAX]`` (K: weight
exponent, e.g. 54; the optimum by a dynamic program over subsets).
"""

import random
import sys

from planner import solve
from planner.smtt.instance import Instance

count, k = int(sys.argv[1]), int(sys.argv[2])
NMIN, NMAX = (int(x) for x in (sys.argv[4] if len(sys.argv) > 4 else "5..7").split(".."))
methods = sys.argv[3].split(",") if len(sys.argv) > 3 else ["mip", "cpsat", "exact", "auto", "ils"]
rng = random.Random(k)
bad = 0
for i in range(count):
    n = rng.randint(NMIN, NMAX)
    p = [rng.randint(1, 8) for _ in range(n)]
    d = [rng.randint(0, sum(p) // 2) for _ in range(n)]
    w = [2**k + rng.randint(0, 1000) for _ in range(n)]
    try:
        inst = Instance(name=f"huge{k}_{i}", p=p, d=d, w=w)
    except Exception as exc:  # the instance check refuses it: fine, say so
        print(f"huge{k}_{i}: refused: {exc}")
        continue

    # dynamic program over subsets (the last job of a subset ends at the subset's total p)
    best = [0] + [None] * ((1 << n) - 1)
    for mask in range(1, 1 << n):
        end = sum(p[j] for j in range(n) if mask >> j & 1)
        best[mask] = min(
            best[mask ^ (1 << j)] + w[j] * max(0, end - d[j]) for j in range(n) if mask >> j & 1
        )
    opt = best[-1]
    for m in methods:
        r = solve(inst, m, time_limit=5, threads=1)
        problems = []
        if r.objective is not None and r.objective < opt:
            problems.append("objective < optimum")
        if r.bound is not None and r.bound > opt:
            problems.append(f"bound > optimum by {r.bound - opt}")
        if r.status.value == "OPTIMAL" and r.objective != opt:
            problems.append(f"OPTIMAL but {r.objective - opt} above the optimum")
        bad += bool(problems)
        print(
            f"huge{k}_{i} n={n} {m:6s} {r.status.value:9s} obj-opt={None if r.objective is None else r.objective - opt} "
            f"bound-opt={None if r.bound is None else r.bound - opt} {r.runtime_s:.2f}s "
            f"{'; '.join(problems) or 'ok'} {r.stats.get('bound_dropped', '')}",
            flush=True,
        )
print(f"{bad} problems")
