"""Priority rules and activity lists: LFT, LST, MTS, GRPW, and regret-based biased sampling.

A rule gives every job a value, lower = scheduled first (rules that prefer large values, such as
MTS, are negated). :func:`activity_list` turns values into a precedence-feasible activity list
(the eligible job with the best value goes next); :func:`sample_lists` draws lists with
regret-based biased random sampling (Drexl 1991; Kolisch 1996): among the eligible jobs ``E``,
job ``j`` is drawn with probability proportional to ``(max_{i∈E} v_i - v_j + 1)^α``.
"""

from __future__ import annotations

import numpy as np

from planner.rcpsp.heuristics import RULES
from planner.rcpsp.heuristics._jit import jit
from planner.rcpsp.heuristics.data import SgsData
from planner.rcpsp.network import windows

__all__ = ["RULES", "activity_list", "lft_es_values", "rule_values", "sample_list"]


def rule_values(data: SgsData, rule: str) -> np.ndarray:
    """Priority values of ``rule`` (lower first), ties broken towards the topological order.

    ``lft``: latest finish time; ``lst``: latest start time (both from the backward pass of the
    lags, releases and deadlines); ``mts``: most total successors; ``grpw``: greatest rank
    positional weight (own duration plus the durations of the direct successors); ``lft-es``:
    :func:`lft_es_values`.
    """
    if rule == "lft-es":
        return lft_es_values(data)
    n = data.n
    dur = data.fwd.dur.astype(np.float64)
    w = data.windows
    ls = np.where(np.isfinite(w.ls), w.ls, data.horizon).astype(np.float64)
    if rule == "lft":
        v = ls + dur
    elif rule == "lst":
        v = ls.copy()
    elif rule == "mts":
        v = -data.related.sum(axis=1).astype(np.float64)
    elif rule == "grpw":
        v = dur.copy()
        for j in range(n):
            for k in range(data.order_ptr[j], data.order_ptr[j + 1]):
                v[data.order_job[k]] += dur[j]
        v = -v
    else:
        raise ValueError(f"unknown priority rule {rule!r}; known: {', '.join(RULES)}")
    return v


def lft_es_values(data: SgsData) -> np.ndarray:
    """Ranks by latest finish time, ties by earliest start, then index (``sgs-basic``'s order).

    The windows come from the lags, releases and deadlines with the instance's own horizon (not
    the SGS profile's), so the order is that of the project network alone.
    """
    w = windows(data.instance, data.dist)
    lf = w.ls + data.fwd.dur
    rank = np.empty(data.n, dtype=np.float64)
    rank[np.lexsort((np.arange(data.n), w.es, lf))] = np.arange(data.n)
    return rank


@jit
def _list_kernel(value, preds_ptr, preds_job, alpha, sample, seed):
    """Activity list by ``value`` (``sample``: regret-based biased random sampling)."""
    n = value.shape[0]
    if sample:
        np.random.seed(seed)
    missing = np.zeros(n, dtype=np.int64)
    succ_count = np.zeros(n + 1, dtype=np.int64)
    for j in range(n):
        missing[j] = preds_ptr[j + 1] - preds_ptr[j]
        for k in range(preds_ptr[j], preds_ptr[j + 1]):
            succ_count[preds_job[k] + 1] += 1
    sptr = np.cumsum(succ_count)
    sjob = np.zeros(sptr[n], dtype=np.int64)
    fill = sptr[:n].copy()
    for j in range(n):
        for k in range(preds_ptr[j], preds_ptr[j + 1]):
            i = preds_job[k]
            sjob[fill[i]] = j
            fill[i] += 1
    eligible = np.zeros(n, dtype=np.int64)
    ne = 0
    for j in range(n):
        if missing[j] == 0:
            eligible[ne] = j
            ne += 1
    out = np.zeros(n, dtype=np.int64)
    placed = np.zeros(n, dtype=np.bool_)
    weights = np.zeros(n, dtype=np.float64)
    for pos in range(n):
        if ne == 0:  # only on a cycle of ordering arcs (infeasible): take the first unplaced
            for j in range(n):
                if not placed[j]:
                    eligible[0] = j
                    ne = 1
                    break
        pick = 0
        if sample:
            worst = value[eligible[0]]
            for e in range(1, ne):
                worst = max(worst, value[eligible[e]])
            total = 0.0
            for e in range(ne):
                weights[e] = (worst - value[eligible[e]] + 1.0) ** alpha
                total += weights[e]
            u = np.random.random() * total
            acc = 0.0
            pick = ne - 1
            for e in range(ne):
                acc += weights[e]
                if u < acc:
                    pick = e
                    break
        else:
            for e in range(1, ne):
                a, b = eligible[e], eligible[pick]
                if value[a] < value[b] or (value[a] == value[b] and a < b):
                    pick = e
        j = eligible[pick]
        eligible[pick] = eligible[ne - 1]
        ne -= 1
        out[pos] = j
        placed[j] = True
        for k in range(sptr[j], sptr[j + 1]):
            s = sjob[k]
            missing[s] -= 1
            if missing[s] == 0 and not placed[s]:
                eligible[ne] = s
                ne += 1
    return out


def activity_list(data: SgsData, value: np.ndarray) -> np.ndarray:
    """Precedence-feasible list: repeatedly the eligible job with the lowest ``value``."""
    return _list_kernel(
        np.asarray(value, dtype=np.float64), data.order_ptr, data.order_job, 1.0, False, 0
    )


def sample_list(data: SgsData, value: np.ndarray, seed: int, alpha: float = 1.0) -> np.ndarray:
    """One regret-based biased random activity list (deterministic for a given ``seed``)."""
    return _list_kernel(
        np.asarray(value, dtype=np.float64), data.order_ptr, data.order_job, float(alpha), True,
        int(seed) % (2**32),
    )  # fmt: skip
