"""(s25scale's make_rcpsp.py, 3,000 jobs only, into /tmp/s29limits.)

Write large rcpsp instances: the synthetic generator past its 300-job cap.

Many resources (20), long chains (n/4 layers), many precedences (4 n edges), plus one
variant with downtime windows and disjunctive pairs.
"""

import importlib
import sys

from planner.core.io import emit_instances

g = importlib.import_module("planner.rcpsp.generate")

for n in (3000,):
    g.MAX_JOBS = n  # lift the CLI cap for this script only: same distribution
    plain = g.generate(n, layers=max(1, n // 4), level=4 * n, resources=20, seed=1)
    emit_instances([plain], f"/tmp/s29limits/rcpsp_{n}.json")
    odd = g.generate(
        n,
        layers=max(1, n // 4),
        level=4 * n,
        resources=20,
        p_downtime=0.5,
        p_window=0.2,
        p_disjunctive=0.1,
        seed=2,
    )
    emit_instances([odd], f"/tmp/s29limits/rcpsp_{n}x.json")
    print(n, len(plain.precedences), len(odd.precedences), file=sys.stderr)
