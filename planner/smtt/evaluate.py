"""Objective and feasibility of a sequence, recomputed from scratch.

Nothing here touches a solver model: ``verify`` only checks that the order is
a permutation of the jobs, and ``evaluate`` walks the sequence once.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from planner.smtt.instance import Instance, Solution


def verify(instance: Instance, solution: Solution) -> list[str]:
    """Violations of ``solution`` (empty when it is a valid sequence).

    A valid order lists every job index ``0..n-1`` exactly once.
    """
    order = getattr(solution, "order", None)
    if not isinstance(order, (list, tuple)):
        return [f"order must be a list of job indices, got {type(order).__name__}"]
    problems: list[str] = []
    n = instance.n
    seen: set[int] = set()
    for k, j in enumerate(order):
        if isinstance(j, bool) or not isinstance(j, (int, np.integer)):
            problems.append(f"position {k}: {j!r} is not a job index")
        elif not 0 <= j < n:
            problems.append(f"position {k}: job {j} out of range 0..{n - 1}")
        elif j in seen:
            problems.append(f"position {k}: job {j} appears twice")
        else:
            seen.add(int(j))
    if len(order) != n:
        problems.append(f"order has {len(order)} positions, expected {n}")
    missing = sorted(set(range(n)) - seen)
    if missing:
        shown = ", ".join(map(str, missing[:10])) + (" ..." if len(missing) > 10 else "")
        problems.append(f"jobs missing from the order: {shown}")
    return problems


def tardiness(
    p: Sequence[int], d: Sequence[int], order: Sequence[int], w: Sequence[int] | None = None
) -> int:
    """Total (weighted) tardiness ``Σ w_j max(C_j - d_j, 0)`` of ``order``.

    Exact integer arithmetic (Python ints, no overflow), so it is the reference for every
    vectorized or compiled objective of the family.
    """
    t = 0
    total = 0
    for j in order:
        t += p[j]
        late = t - d[j]
        if late > 0:
            total += late if w is None else w[j] * late
    return int(total)


def evaluate(instance: Instance, solution: Solution) -> int:
    """Total (weighted) tardiness of the sequence, as a Python ``int`` (exact)."""
    return tardiness(instance.p, instance.d, solution.order, instance.w)
