"""Main's GA with its child buffers pre-filled by 0, 2**62 and -1 (40 of rcpsp_same.py's projects):
the same seed and schedule budget gave different makespans. PYTHONPATH=TREE python ga_buffers.py"""

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import numpy as np
import rcpsp_same as S

from planner.rcpsp.heuristics import ga as G
from planner.rcpsp.heuristics.data import SgsData

rng = random.Random(27)
insts = []
orig = S.genetic_algorithm
S.genetic_algorithm = lambda data, **kw: insts.append((data.instance, kw)) or orig(data, **kw)
for k in range(40):
    S.one(k, rng)


def run(fill):
    def off(size, n):
        return (
            np.full((size, n), fill, dtype=np.int64),
            np.full(size, fill, dtype=np.int64),
            np.full((size, n), fill, dtype=np.int64),
        )

    G._offspring_arrays = off
    return [orig(SgsData.of(i), **kw).makespan for i, kw in insts]


a, b, c = run(0), run(2**62), run(-1)
print(a == b == c)
print([(k, x, y, z) for k, (x, y, z) in enumerate(zip(a, b, c, strict=True)) if not x == y == z])
