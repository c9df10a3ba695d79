"""Exact 1||ΣTj: Branch & Memorize on Lawler's decomposition, batched over start times.

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
* Emmons' rules peel jobs first: the job with the largest due date goes last
  when it is on time there, the shortest job first when it is tardy even there.

Engines:

``batch`` (default, ``_batch_kernel``)
    The same job set is met at many start times, mostly consecutive ones
    (at n = 500 a set is asked for at 100-200 start times on average). This
    engine handles each set once for all its start times: phase 1 walks the
    sets from the largest down, gathers the start times each set is asked for,
    and evaluates peeling and rules 3 and 4 for all of them at once (a few
    array passes instead of one search node per start time); phase 2 computes
    the values from the smallest sets up. Every value is the exact optimum of
    its (set, start time), as in the per-start-time search.
``memo`` (``_memo_kernel``)
    The per-start-time search: memo keyed by (job set, start time), with the
    double decomposition (the first EDD job also placed among the jobs shorter
    than it). Used when the batched engine exceeds its memory budget, since it
    can go on without memorizing.
``python`` (``_memo_python``)
    Pure-Python per-start-time search on Lawler's decomposition only: the
    fallback without numba and the cross-check in the tests.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from planner.core.timing import Deadline
from planner.smtt.bounds import pairing_bound
from planner.smtt.evaluate import tardiness
from planner.smtt.exact._memo_python import solve_python
from planner.smtt.exact.outcome import ExactOutcome


def _load(module: str) -> Any:
    """A numba kernel module of this package, or ``None`` without numba (imported on first use)."""
    if module not in _kernels:
        try:
            _kernels[module] = importlib.import_module(f"planner.smtt.exact.{module}")
        except ImportError:  # pragma: no cover - numba is a declared dependency
            _kernels[module] = None
    return _kernels[module]


_kernels: dict[str, Any] = {}

#: Seconds per job kept back from the search to build and check the fallback sequence.
WRAP_UP_S_PER_JOB = 1e-5

#: Memory budget of the batched engine in bytes; past it the per-start-time engine takes over.
BATCH_BYTES = 3 << 30

#: Memo budget in bytes: the table doubles up to this size, then stops memorizing.
MEMO_BYTES = 2 << 30
_FIRST_CAPACITY = 1 << 12
_MEMO_MIN = 16


def _edd_data(p: list[int], d: list[int]) -> tuple[list[int], np.ndarray]:
    """EDD order (ties: processing time, then index) and the kernel's ``JOB`` array.

    Sorted by ``np.lexsort``, the same keys as before: Python's ``sorted`` with tuple keys
    took 4 CPU s at a million jobs, three times per ``exact`` run, past a 1 s limit
    (s25scale).
    """
    n = len(p)
    pa = np.asarray(p, dtype=np.int64)
    da = np.asarray(d, dtype=np.int64)
    index = np.arange(n)
    edd = np.lexsort((index, pa, da))
    P, D = pa[edd], da[edd]
    porder = np.lexsort((index, D, P))
    rank = np.empty(n, dtype=np.int64)
    rank[porder] = index
    zobrist = np.random.default_rng(0x5EED).integers(-(2**63), 2**63 - 1, size=n, dtype=np.int64)
    job = np.empty((5, n), dtype=np.int64)
    job[0], job[1], job[2], job[3] = P, D, rank, porder
    job[4] = zobrist
    return edd.tolist(), job


def solve_batch(
    p: list[int], d: list[int], deadline: float, *, max_bytes: int | None = None
) -> tuple[int, list[int], dict[str, Any]] | str | None:
    """Run the batched kernel.

    Returns ``(value, sequence, stats)``, ``None`` when ``deadline`` (perf_counter)
    passes first, ``"memory"`` when the kernel would exceed ``max_bytes`` (default
    :data:`BATCH_BYTES`), or ``"range"`` when the total processing time does not
    fit the kernel's 31-bit start times.
    """
    b = _load("_batch_kernel")
    n = len(p)
    if sum(p) >= 2**31 - 1:
        return "range"
    edd, job = _edd_data(p, d)
    st = np.zeros(b.C_SIZE, dtype=np.int64)
    budget = BATCH_BYTES if max_bytes is None else max_bytes
    status, order = b.run(job, n, min(int(deadline * 1e9), 2**62), budget, st)
    if status == b.ABORT_TIME:
        return None
    if status == b.ABORT_MEMORY:
        return "memory"
    if status != b.OK:
        raise RuntimeError("batched kernel found a start time without an admissible position")
    seq = [edd[int(e)] for e in order]
    if sorted(seq) != list(range(n)):
        raise RuntimeError("batched kernel returned an order that is not a permutation")
    value = int(st[b.C_VALUE])
    if value != tardiness(p, d, seq):
        raise RuntimeError(f"batched kernel value {value} differs from its sequence's tardiness")
    stats = {
        "sets": int(st[b.C_SETS]),
        "start_times": int(st[b.C_POINTS]) - 1,
        "branches": int(st[b.C_BRANCHES]),
        "edges": int(st[b.C_EDGES]) - 1,
        "cells": int(st[b.C_CELLS]),
        "phase1_s": round(float(st[b.C_NS1]) * 1e-9, 4),
        "phase2_s": round(float(st[b.C_NS2]) * 1e-9, 4),
        "table_mb": round(float(st[b.C_BYTES]) / 2**20, 1),
    }
    return value, seq, stats


def solve_kernel(
    p: list[int], d: list[int], deadline: float, *, double: bool = True
) -> tuple[int, list[int], dict[str, Any]] | None:
    """Run the per-start-time numba kernel; ``None`` when ``deadline`` (perf_counter) passes."""
    k = _load("_memo_kernel")
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


def _quick_incumbent(p: list[int], d: list[int], deadline: Deadline) -> list[int]:
    """MDD followed by the family's compiled descent (a few milliseconds at n = 500; both stop
    at ``deadline``)."""
    try:
        from planner.smtt.heuristics import mdd
        from planner.smtt.local_search import fast_descent
    except ImportError:  # pragma: no cover - the family modules ship with this package
        return sorted(range(len(p)), key=lambda j: (d[j], p[j], j))
    pa, da = np.asarray(p, dtype=np.int64), np.asarray(d, dtype=np.int64)
    order, _ = fast_descent(pa, da, np.ones_like(pa), mdd(pa, da, deadline), deadline=deadline)
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
        ``"batch"`` (numba, all start times of a job set at once), ``"memo"``
        (numba, one start time at a time, double decomposition), ``"python"``
        (Lawler only) or ``"auto"`` (``"batch"`` when numba is importable, falling
        back to ``"memo"`` past the batched engine's memory budget).

    Returns
    -------
    ExactOutcome
        ``optimal`` is True when the search finished.
    """
    p = [int(x) for x in p]
    d = [int(x) for x in d]
    n = len(p)
    t0 = time.perf_counter()
    clock = Deadline(time_limit)
    if n == 0:
        return ExactOutcome([], 0, 0, True, {"nodes": 0})
    fallback = engine == "auto"
    if engine == "auto":
        engine = "batch" if _load("_batch_kernel") is not None else "python"
    if engine not in ("batch", "memo", "python"):
        raise ValueError(f"engine must be 'auto', 'batch', 'memo' or 'python', got {engine!r}")
    limit = max(0.0, float(time_limit))
    # keep a little time to improve the incumbent if the search does not finish (and to
    # build and check it: a few microseconds per job)
    deadline = t0 + limit - min(0.5, 0.05 * limit) - WRAP_UP_S_PER_JOB * n
    stats: dict[str, Any] = {}
    found: Any = None
    if engine == "batch":
        found = solve_batch(p, d, deadline)
        algorithm = "branch-and-memorize batched over start times, Lawler decomposition (numba)"
        if found in ("memory", "range"):
            stats["batch_unavailable"] = found
            found = None
            if fallback:
                engine = "memo"
    if engine == "memo":
        found = solve_kernel(p, d, deadline)
        algorithm = "branch-and-memorize, double decomposition (numba)"
    elif engine == "python":
        found = solve_python(p, d, deadline)
        algorithm = "branch-and-memorize, Lawler decomposition (python)"
    stats["algorithm"] = algorithm
    if found is not None:
        value, seq, more = found
        stats.update(more)
        stats["time_s"] = round(time.perf_counter() - t0, 4)
        return ExactOutcome(seq, value, value, True, stats)
    index = np.arange(n)
    pa, da = np.asarray(p, dtype=np.int64), np.asarray(d, dtype=np.int64)
    edd = np.lexsort((index, pa, da))
    candidates = [edd.tolist(), _quick_incumbent(p, d, clock)]
    if upper_order is not None and np.array_equal(np.sort(upper_order), index):
        candidates.append(list(upper_order))

    # int64 where no total can overflow it (as the family's instances guarantee): a Python
    # pass per candidate was 0.7 CPU s at a million jobs
    exact64 = n * (sum(p) + max(0, -min(d))) < 2**62

    def total(order: list[int]) -> int:
        if not exact64:
            return tardiness(p, d, order)
        o = np.asarray(order, dtype=np.int64)
        return int(np.maximum(np.cumsum(pa[o]) - da[o], 0).sum())

    obj, best = min((total(o), k) for k, o in enumerate(candidates))
    best = candidates[best]
    bound = min(obj, pairing_bound(p, d))
    stats["time_s"] = round(time.perf_counter() - t0, 4)
    stats["timed_out"] = True
    return ExactOutcome(list(best), obj, bound, bound == obj, stats)
