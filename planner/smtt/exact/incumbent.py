"""Small incumbent builder for the exact methods: the WMDD greedy rule.

The exact searches only need a decent upper bound to prune with and to return
when their time runs out; the family's full heuristic portfolio lives in
``planner.smtt.heuristics``.
"""

from __future__ import annotations

from collections.abc import Sequence

from planner.core.timing import Deadline


def wmdd(
    p: Sequence[int], d: Sequence[int], w: Sequence[int], deadline: Deadline | None = None
) -> list[int]:
    """Weighted modified due date rule: next job minimizes ``max(p_j, d_j - t) / w_j``.

    Jobs with zero weight go last (they never add to the objective). O(n²): past ``deadline``
    the jobs not placed yet follow in EDD order.
    """
    n = len(p)
    left = [j for j in range(n) if w[j] > 0]
    zero = [j for j in range(n) if w[j] == 0]
    order: list[int] = []
    t = 0
    while left:
        if deadline is not None and deadline.expired():  # each step is O(n) anyway
            order += sorted(left, key=lambda j: (d[j], j))
            break
        # compare max(p, d - t) / w without division: a/wa < b/wb  <=>  a*wb < b*wa
        best = left[0]
        bv = max(p[best], d[best] - t)
        for j in left[1:]:
            v = max(p[j], d[j] - t)
            if v * w[best] < bv * w[j] or (v * w[best] == bv * w[j] and d[j] < d[best]):
                best, bv = j, v
        left.remove(best)
        order.append(best)
        t += p[best]
    return order + zero
