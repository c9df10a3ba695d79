"""Pure-Python Branch & Memorize for 1||ΣTj (single Lawler decomposition).

The reference the numba kernel is checked against, and the fallback when numba
is unavailable; ``unweighted.py`` describes the method.

Jobs are renumbered once in EDD order (ties by processing time, then index), so
every sub-problem is a set of EDD positions, stored as a sorted tuple plus a
bitset (Python int) used as the memo key together with its start time.

At a node the longest job ``k`` (ties: largest due date, then index) goes to a
position ``r`` at or after its EDD position; by Lawler (1977) it is then
preceded exactly by the other jobs of EDD positions ``≤ r`` and followed by the
rest, so the node splits into two independent sub-problems. The candidate
positions are reduced by the two rules of Szwarc, Della Croce and Grosso
(1999) as used in the public Branch & Memorize code: (3) ``r`` is dropped when
``k`` would complete no later than ``d_i + p_i`` of a job ``i`` it jumped over
(other than the first), (4) ``r`` is dropped when the EDD sequence with ``k``
moved to ``r`` is no better than with ``k`` at an earlier position, or worse
than at ``r + 1``.
"""

from __future__ import annotations

import sys
import time
from bisect import bisect_left
from collections.abc import Sequence

from planner.smtt.exact.outcome import TimeUp

_CHECK_EVERY = 512  # nodes between two deadline checks


class _Memorize:
    """Branch & Memorize over EDD positions; ``solve()`` returns the optimum."""

    def __init__(self, p: Sequence[int], d: Sequence[int], deadline: float) -> None:
        n = len(p)
        self.edd = sorted(range(n), key=lambda j: (d[j], p[j], j))
        self.P = [p[j] for j in self.edd]
        self.D = [d[j] for j in self.edd]
        # rank in "longest" order: processing time, then due date, then EDD position
        self.porder = sorted(range(n), key=lambda e: (self.P[e], self.D[e], e))
        self.R = [0] * n
        for rank, e in enumerate(self.porder):
            self.R[e] = rank
        self.memo: dict[tuple[int, int], tuple[int, int]] = {}
        self.deadline = deadline
        self.nodes = 0
        self.hits = 0

    # -- search ---------------------------------------------------------------
    def solve(self, J: tuple[int, ...], mask: int, t: int) -> int:
        """Optimal total tardiness of the jobs ``J`` (EDD positions) started at ``t``."""
        N = len(J)
        P, D = self.P, self.D
        if N <= 1:
            if N == 0:
                return 0
            late = t + P[J[0]] - D[J[0]]
            return late if late > 0 else 0
        key = (mask, t)
        hit = self.memo.get(key)
        if hit is not None:
            self.hits += 1
            return hit[0]
        self.nodes += 1
        if not self.nodes % _CHECK_EVERY and time.perf_counter() > self.deadline:
            raise TimeUp
        R = self.R
        k = self.porder[max([R[e] for e in J])]
        ind = bisect_left(J, k)
        pk, dk = P[k], D[k]
        # tardiness of the EDD sequence; ``start`` is when k starts in it
        c = t
        tt = 0
        start = t
        for i in range(N):
            e = J[i]
            if i == ind:
                start = c
            c += P[e]
            if c > D[e]:
                tt += c - D[e]
        if tt == 0:
            self.memo[key] = (0, -1)
            return 0
        positions = self._positions(J, ind, start, pk, dk, tt)
        best = -1
        best_r = -1
        for r, ck in positions:
            left = J[:ind] + J[ind + 1 : r + 1]
            below = (2 << J[r]) - 1
            val = self.solve(left, (mask & below) ^ (1 << k), t) if left else 0
            if ck > dk:
                val += ck - dk
            if best >= 0 and val >= best:
                continue
            if r < N - 1:
                val += self.solve(J[r + 1 :], mask & ~below, ck)
            if best < 0 or val < best:
                best, best_r = val, r
                if best == 0:
                    break
        self.memo[key] = (best, best_r)
        return best

    def _positions(
        self, J: tuple[int, ...], ind: int, start: int, pk: int, dk: int, tt: int
    ) -> list[tuple[int, int]]:
        """Candidate positions ``r`` of the longest job with its completion time there."""
        P, D = self.P, self.D
        N = len(J)
        # T[r - ind]: tardiness of EDD with k moved to position r (adjacent swaps)
        T = [tt]
        cur = tt
        s = start
        for i in range(ind + 1, N):
            a = J[i]
            pa, da = P[a], D[a]
            old = max(0, s + pk - dk) + max(0, s + pk + pa - da)
            new = max(0, s + pa - da) + max(0, s + pa + pk - dk)
            cur += new - old
            T.append(cur)
            s += pa
        out = []
        ck = start + pk
        min_t = None
        max_dp = None
        for r in range(ind, N):
            if r > ind:
                ck += P[J[r]]
                prev = T[r - 1 - ind]
                if min_t is None or prev < min_t:
                    min_t = prev
            if r >= ind + 2:
                e = J[r - 1]
                v = D[e] + P[e]
                if max_dp is None or v > max_dp:
                    max_dp = v
                if ck <= max_dp:  # rule 3
                    continue
            tr = T[r - ind]
            if (min_t is not None and tr >= min_t) or (r < N - 1 and tr > T[r + 1 - ind]):
                continue  # rule 4
            out.append((r, ck))
        return out

    # -- sequence ---------------------------------------------------------------
    def sequence(self, J: tuple[int, ...], mask: int, t: int) -> list[int]:
        """Optimal sequence (EDD positions) of a solved sub-problem."""
        out: list[int] = []
        stack = [(J, mask, t)]
        while stack:
            J, mask, t = stack.pop()
            if not J:
                continue
            if len(J) == 1:
                out.append(J[0])
                continue
            hit = self.memo.get((mask, t))
            if hit is None:
                self.solve(J, mask, t)
                hit = self.memo[(mask, t)]
            r = hit[1]
            if r < 0:  # EDD is optimal (no tardiness)
                out.extend(J)
                continue
            k = self.porder[max([self.R[e] for e in J])]
            ind = bisect_left(J, k)
            below = (2 << J[r]) - 1
            left = J[:ind] + J[ind + 1 : r + 1]
            ck = t + sum(self.P[e] for e in left) + self.P[k]
            # stack is LIFO: push right, then k, then left
            stack.append((J[r + 1 :], mask & ~below, ck))
            stack.append(((k,), 1 << k, ck - self.P[k]))
            stack.append((left, (mask & below) ^ (1 << k), t))
        return out


def solve_python(p: list[int], d: list[int], deadline: float) -> tuple[int, list[int], dict] | None:
    """Optimum and optimal sequence, or ``None`` when ``deadline`` (perf_counter) passes."""
    n = len(p)
    bm = _Memorize(p, d, deadline)
    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old_limit, 4 * n + 1000))
    root = tuple(range(n))
    try:
        value = bm.solve(root, (1 << n) - 1, 0)
        seq = [bm.edd[e] for e in bm.sequence(root, (1 << n) - 1, 0)]
    except TimeUp:
        return None
    finally:
        sys.setrecursionlimit(old_limit)
    return value, seq, {"nodes": bm.nodes, "memo_hits": bm.hits, "memo_size": len(bm.memo)}
