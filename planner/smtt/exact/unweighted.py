"""Exact 1||ΣTj: Branch & Memorize on Lawler's and the double decomposition.

The method (Lawler 1977; Szwarc, Della Croce and Grosso 1999; Szwarc, Grosso
and Della Croce 2001; Shang, T'Kindt and Della Croce's Branch & Memorize):

* Jobs are renumbered in EDD order (ties by processing time, then index); a
  sub-problem is a set of jobs plus the time it starts at.
* Lawler's decomposition: the longest job ``k`` (ties: largest due date, then
  index) goes to some position ``r`` at or after its EDD position, preceded
  exactly by the other jobs of EDD positions ``<= r`` and followed by the
  rest: two independent sub-problems per position.
* The candidate positions are pruned by two rules (numbered 3 and 4 as in
  the public Branch & Memorize code): drop ``r`` when ``k`` would complete no
  later than ``d_i + p_i`` of a job ``i`` it jumped over (other than the
  first), and drop ``r`` when the EDD order with ``k`` moved to ``r`` is no
  better than with ``k`` at an earlier position, or worse than at ``r + 1``.
* Double decomposition: at the same time the first EDD job ``e0`` goes to a
  position among the jobs shorter than it (Decomposition II, preceded exactly
  by the first of those in EDD order), which cuts the problem into three
  parts; the same two rules prune its positions.
* Every solved sub-problem is memorized by (job set, start time), so a set met
  again along another branch costs one lookup. Sub-problems are solved
  exactly, so a memorized value is the true optimum of that sub-problem.

The search runs in a numba kernel (``_memo_kernel``); a pure-Python version
(``_memo_python``, Lawler's decomposition only) is the fallback and the
cross-check in the tests.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from planner.smtt.exact._memo_python import solve_python
from planner.smtt.exact.outcome import ExactOutcome, sorted_pairing_bound, tardiness


def _load_kernel():
    """The numba kernel module, or ``None`` without numba (imported on first use: it is slow)."""
    global _kernel
    if _kernel is False:
        try:
            from planner.smtt.exact import _memo_kernel
        except ImportError:  # pragma: no cover - numba is a declared dependency
            _kernel = None
        else:
            _kernel = _memo_kernel
    return _kernel


_kernel: Any = False

#: Memo budget in bytes: the table doubles up to this size, then stops memorizing.
MEMO_BYTES = 2 << 30
_FIRST_CAPACITY = 1 << 12
_MEMO_MIN = 16


def _edd_data(p: list[int], d: list[int]) -> tuple[list[int], np.ndarray]:
    """EDD order and the kernel's ``JOB`` array."""
    n = len(p)
    edd = sorted(range(n), key=lambda j: (d[j], p[j], j))
    P = [p[j] for j in edd]
    D = [d[j] for j in edd]
    porder = sorted(range(n), key=lambda e: (P[e], D[e], e))
    rank = [0] * n
    for r, e in enumerate(porder):
        rank[e] = r
    zobrist = np.random.default_rng(0x5EED).integers(-(2**63), 2**63 - 1, size=n, dtype=np.int64)
    job = np.empty((5, n), dtype=np.int64)
    job[0], job[1], job[2], job[3] = P, D, rank, porder
    job[4] = zobrist
    return edd, job


def solve_kernel(
    p: list[int], d: list[int], deadline: float, *, double: bool = True
) -> tuple[int, list[int], dict[str, Any]] | None:
    """Run the numba kernel; ``None`` when ``deadline`` (perf_counter) passes first."""
    k = _load_kernel()
    n = len(p)
    edd, job = _edd_data(p, d)
    words = (n + 63) // 64
    entry_bytes = 8 * (k._COLS + words)
    # larger instances meet more sub-problems: start bigger to save rehashing rounds
    cap = _FIRST_CAPACITY << min(8, n // 50)
    tab = np.zeros((cap, k._COLS + words), dtype=np.int64)
    st = np.zeros(k.S_SIZE, dtype=np.int64)
    st[k.S_USE_DOUBLE] = int(double)
    st[k.S_MEMO_MIN] = _MEMO_MIN
    # perf_counter_ns and perf_counter share a clock
    st[k.S_DEADLINE] = min(int(deadline * 1e9), 2**62)
    arena = np.zeros(n + n * (words + 12 * n) + 1024, dtype=np.int64)
    arena[:n] = np.arange(n)
    out = np.empty(n, dtype=np.int64)
    restarts = 0
    while True:
        st[k.S_ABORT] = 0
        st[k.S_TOP] = n
        pos = k.fill_sequence(job, tab, st, arena, 0, n, 0, out, 0)
        if pos == n:
            break
        if st[k.S_ABORT] != k.ABORT_GROW:
            return None
        # past the memory budget, or too close to the deadline to copy the table: go on
        # without memorizing new sub-problems
        copy_s = 2e-9 * cap * entry_bytes
        if 2 * cap * entry_bytes > MEMO_BYTES or time.perf_counter() + copy_s > deadline:
            st[k.S_FULL] = 1
            continue
        bigger = np.zeros((2 * cap, tab.shape[1]), dtype=np.int64)
        k.rehash(tab, bigger)
        tab, cap = bigger, 2 * cap
        restarts += 1
    seq = [edd[e] for e in out]
    value = k.solve(job, tab, st, arena, 0, n, 0)
    if value != tardiness(p, d, seq):
        raise RuntimeError(f"kernel value {value} differs from its sequence's tardiness")
    stats = {
        "nodes": int(st[k.S_NODES]),
        "memo_hits": int(st[k.S_HITS]),
        "memo_size": int(st[k.S_ENTRIES]),
        "double_decompositions": int(st[k.S_DOUBLE]),
        "memo_restarts": restarts,
    }
    return int(value), seq, stats


def _quick_incumbent(p: list[int], d: list[int]) -> list[int]:
    """MDD followed by the family's compiled descent (a few milliseconds at n = 500)."""
    try:
        from planner.smtt.heuristics import mdd
        from planner.smtt.local_search import fast_descent
    except ImportError:  # pragma: no cover - the family modules ship with this package
        return sorted(range(len(p)), key=lambda j: (d[j], p[j], j))
    pa, da = np.asarray(p, dtype=np.int64), np.asarray(d, dtype=np.int64)
    order, _ = fast_descent(pa, da, np.ones_like(pa), mdd(pa, da))
    return [int(j) for j in order]


def solve_unweighted(
    p: Sequence[int],
    d: Sequence[int],
    *,
    time_limit: float,
    upper_order: list[int] | None = None,
    engine: str = "auto",
) -> ExactOutcome:
    """Minimize total tardiness ``Σ max(0, C_j - d_j)`` on one machine exactly.

    Parameters
    ----------
    p, d
        Processing times (non-negative integers) and due dates (any integers).
    time_limit
        Seconds. When it runs out the best known sequence (``upper_order``,
        EDD, or MDD plus descent) is returned with a valid lower bound.
    upper_order
        Optional incumbent sequence (0-based job indices).
    engine
        ``"numba"`` (double decomposition), ``"python"`` (Lawler only) or
        ``"auto"`` (numba when importable).

    Returns
    -------
    ExactOutcome
        ``optimal`` is True when the search finished.
    """
    p = [int(x) for x in p]
    d = [int(x) for x in d]
    n = len(p)
    t0 = time.perf_counter()
    if n == 0:
        return ExactOutcome([], 0, 0, True, {"nodes": 0})
    if engine == "auto":
        engine = "numba" if _load_kernel() is not None else "python"
    if engine not in ("numba", "python"):
        raise ValueError(f"engine must be 'auto', 'numba' or 'python', got {engine!r}")
    limit = max(0.0, float(time_limit))
    # keep a little time to improve the incumbent if the search does not finish
    deadline = t0 + limit - min(0.5, 0.05 * limit)
    if engine == "numba":
        found = solve_kernel(p, d, deadline)
        algorithm = "branch-and-memorize, double decomposition (numba)"
    else:
        found = solve_python(p, d, deadline)
        algorithm = "branch-and-memorize, Lawler decomposition (python)"
    stats: dict[str, Any] = {"algorithm": algorithm}
    if found is not None:
        value, seq, more = found
        stats.update(more)
        stats["time_s"] = round(time.perf_counter() - t0, 4)
        return ExactOutcome(seq, value, value, True, stats)
    candidates = [sorted(range(n), key=lambda j: (d[j], p[j], j)), _quick_incumbent(p, d)]
    if upper_order is not None and sorted(upper_order) == list(range(n)):
        candidates.append(list(upper_order))
    best = min(candidates, key=lambda o: tardiness(p, d, o))
    obj = tardiness(p, d, best)
    bound = min(obj, sorted_pairing_bound(p, d))
    stats["time_s"] = round(time.perf_counter() - t0, 4)
    stats["timed_out"] = True
    return ExactOutcome(list(best), obj, bound, bound == obj, stats)
