"""Temporal analysis of an instance: longest paths over time lags, earliest/latest starts.

``distances(instance)`` is the all-pairs longest-path matrix of the lag graph (``D[i, j]`` is the
smallest possible ``start_j - start_i`` implied by the precedences alone, ``-inf`` when
unrelated). Every other module (bounds, feasibility checks, the CP-SAT model, schedule
generation) reads time windows from here, so the rules live in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.rcpsp.instance import Instance

NEG = -np.inf


def distances(instance: Instance) -> np.ndarray:
    """All-pairs longest paths ``D`` of the lag graph (max-plus algebra).

    ``D[i, i] = 0`` unless ``i`` lies on a positive cycle (then ``D[i, i] > 0`` and the instance is
    infeasible). Entries are floats with ``-inf`` for "no path".

    Computed once per instance (kept in ``instance.derived``; every call returns a copy):
    the bound, the feasibility check, the CP-SAT model and the LNS all ask for it, and
    Floyd-Warshall is cubic (1.2 CPU s at 1,000 jobs, about 35 s at 3,000). An acyclic lag
    graph (every PSPLIB instance) takes the longest-path recursion over a topological order
    instead, linear in the arcs per source: ``solve rcpsp -m auto -t 1`` on 1,000 jobs spent
    40 s before any method started (twenty-fifth session, s25scale).
    """
    kept = instance.derived.get("distances")
    if kept is None:
        order = _topological_order(instance.num_jobs, instance.arcs)
        kept = _dag_distances(instance, order) if order is not None else _floyd(instance)
        instance.derived["distances"] = kept
    return kept.copy()


def _floyd(instance: Instance) -> np.ndarray:
    """Floyd-Warshall in max-plus algebra (any lag graph, cycles included)."""
    n = instance.num_jobs
    d = np.full((n, n), NEG)
    np.fill_diagonal(d, 0.0)
    for i, j, lag in instance.arcs:
        if lag > d[i, j]:
            d[i, j] = lag
    for k in range(n):
        col = d[:, k : k + 1]
        row = d[k : k + 1, :]
        np.maximum(d, col + row, out=d)
    return d


def _topological_order(n: int, arcs: tuple[tuple[int, int, int], ...]) -> list[int] | None:
    """Jobs in a topological order of the arcs (Kahn), or ``None`` when they have a cycle."""
    indegree = [0] * n
    out: list[list[int]] = [[] for _ in range(n)]
    for i, j, _ in arcs:
        out[i].append(j)
        indegree[j] += 1
    ready = [j for j in range(n) if indegree[j] == 0]
    order: list[int] = []
    while ready:
        i = ready.pop()
        order.append(i)
        for j in out[i]:
            indegree[j] -= 1
            if indegree[j] == 0:
                ready.append(j)
    return order if len(order) == n else None


def _dag_distances(instance: Instance, order: list[int]) -> np.ndarray:
    """Longest paths of an acyclic lag graph: ``D[i, :] = max_(i,j) lag + D[j, :]`` over the
    reverse of a topological order (the same maxima as Floyd-Warshall, in O(n (n + arcs))).

    Rows are built in place, each update reading and writing contiguous rows; the former
    column recursion needed a transposed copy of the whole matrix (at 3,000 jobs 0.2-0.6 CPU s
    for the recursion and the copy, s27limits). Every entry is a sum of integer lags, exact in
    float64 whatever the order of the maxima.
    """
    n = instance.num_jobs
    outgoing: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for i, j, lag in instance.arcs:
        outgoing[i].append((j, lag))
    d = np.full((n, n), NEG)
    np.fill_diagonal(d, 0.0)
    step = np.empty(n)
    for i in reversed(order):
        row = d[i]
        for j, lag in outgoing[i]:
            np.add(d[j], lag, out=step)
            np.maximum(row, step, out=row)
    return d


def positive_cycle(instance: Instance) -> tuple[list[int], int] | None:
    """A cycle of time lags with positive total length, as ``(jobs, length)``, or ``None``.

    Bellman–Ford (longest paths) from a virtual source joined to every job; a relaxation in the
    ``n``-th round lies on, or leads to, a positive cycle, which is then walked back.
    """
    n = instance.num_jobs
    arcs = instance.arcs
    if n == 0 or not arcs:
        return None
    dist = [0] * n
    pred = [-1] * n
    last = -1
    for _ in range(n):
        last = -1
        for i, j, lag in arcs:
            if dist[i] + lag > dist[j]:
                dist[j] = dist[i] + lag
                pred[j] = i
                last = j
        if last < 0:
            return None
    v = last
    for _ in range(n):  # step back n times to land on the cycle itself
        v = pred[v]
    cycle = [v]
    u = pred[v]
    while u != v:
        cycle.append(u)
        u = pred[u]
    cycle.reverse()
    best = {}
    for i, j, lag in arcs:
        best[(i, j)] = max(best.get((i, j), lag), lag)
    length = sum(best[(cycle[k], cycle[(k + 1) % len(cycle)])] for k in range(len(cycle)))
    return cycle, int(length)


@dataclass(frozen=True)
class Windows:
    """Earliest and latest start of every job for a given makespan bound.

    Attributes
    ----------
    es, ls
        Earliest / latest start (``ls`` may be below ``es``: then no schedule meets the bound).
    tail
        ``tail[j]``: the least time from ``start_j`` to the end of the project implied by lags
        (``max_k D[j, k] + duration_k``).
    """

    es: np.ndarray
    ls: np.ndarray
    tail: np.ndarray


#: Rows of ``dist`` per block in :func:`windows`: a block's temporaries (3 MB at 3,000 jobs)
#: stay in cache, where the whole-matrix expressions allocated three n x n temporaries per call.
WINDOW_ROWS = 128


def windows(instance: Instance, dist: np.ndarray, horizon: int | None = None) -> Windows:
    """Time windows from releases, deadlines, lags and an optional makespan bound ``horizon``.

    Parameters
    ----------
    instance
        The instance.
    dist
        :func:`distances` of the instance (no positive cycle).
    horizon
        Every job must end by this time (default: :attr:`Instance.horizon`).

    Notes
    -----
    One pass over ``dist`` in blocks of :data:`WINDOW_ROWS` rows computes all three maxima /
    minima (the same floats as the whole-matrix formulas: max and min are exact). At 3,000 jobs
    a call took 0.022 CPU s against 0.057 s (load 8.8, s27limits); ``solve -m auto`` makes 7.
    """
    n = instance.num_jobs
    dur = np.asarray(instance.durations, dtype=float)
    rel = np.asarray(instance.release, dtype=float)
    if n == 0:
        empty = np.zeros(0)
        return Windows(empty, empty, empty)
    h = instance.horizon if horizon is None else horizon
    lf = np.full(n, float(h))
    for j, dl in enumerate(instance.deadline):
        if dl is not None:
            lf[j] = min(lf[j], dl)
    own = lf - dur  # latest start from each job's own deadline
    es = rel.copy()  # es_j = max(release_j, max_i release_i + D[i, j])
    tail = np.empty(n)  # tail_j = max_k D[j, k] + dur_k
    ls = np.empty(n)  # ls_j = min_k own_k - D[j, k]
    buf = np.empty((min(WINDOW_ROWS, n), n))
    for lo in range(0, n, WINDOW_ROWS):
        hi = min(lo + WINDOW_ROWS, n)
        block, b = dist[lo:hi], buf[: hi - lo]
        np.add(rel[lo:hi, None], block, out=b)
        np.maximum(es, b.max(axis=0), out=es)
        np.add(block, dur[None, :], out=b)
        b.max(axis=1, out=tail[lo:hi])
        np.subtract(own[None, :], block, out=b)
        b.min(axis=1, out=ls[lo:hi])
    ls = np.minimum(ls, h - tail)
    return Windows(es, ls, tail)


def forbidden_starts(instance: Instance, j: int) -> list[tuple[int, int]]:
    """Start times ruled out for job ``j`` by downtime, as sorted disjoint ``[lo, hi]`` ranges.

    A job that needs ``q`` units of a resource cannot run through a window where the capacity is
    below ``q``; it can therefore not start in ``[a - d + 1, b - 1]`` for such a window ``[a, b)``.
    A demand above the base capacity is not covered here (see ``feasibility``).
    """
    d = instance.durations[j]
    if d == 0:
        return []
    ranges = []
    for r, q in enumerate(instance.demands[j]):
        if q == 0:
            continue
        for a, b, cap in instance.capacity_profile(r):
            if cap < q:
                ranges.append((max(0, a - d + 1), b - 1))
    return _merge(ranges)


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def next_allowed(t: int, forbidden: list[tuple[int, int]]) -> int:
    """The first start ``>= t`` outside the ``forbidden`` ranges."""
    for lo, hi in forbidden:
        if lo <= t <= hi:
            return hi + 1
    return t


def prev_allowed(t: int, forbidden: list[tuple[int, int]]) -> int:
    """The last start ``<= t`` outside the ``forbidden`` ranges (may be negative: none)."""
    for lo, hi in forbidden:
        if lo <= t <= hi:
            return lo - 1
    return t


def tightened_windows(
    instance: Instance,
    dist: np.ndarray,
    horizon: int | None = None,
    *,
    max_rounds: int = 50,
) -> Windows:
    """:func:`windows` tightened by downtime: starts inside a forbidden range move to the next
    allowed start, and the change is propagated along the lags, until nothing moves (or
    ``max_rounds``; stopping early keeps the windows valid, only less tight).
    """
    w = windows(instance, dist, horizon)
    if not instance.downtimes or instance.num_jobs == 0:
        return w
    forb = [forbidden_starts(instance, j) for j in range(instance.num_jobs)]
    es, ls = w.es.copy(), w.ls.copy()
    for _ in range(max_rounds):
        moved = False
        for j, f in enumerate(forb):
            if not f:
                continue
            if np.isfinite(es[j]):
                e = next_allowed(int(es[j]), f)
                if e > es[j]:
                    es[j], moved = e, True
            if np.isfinite(ls[j]):
                lt = prev_allowed(int(ls[j]), f)
                if lt < ls[j]:
                    ls[j], moved = lt, True
        if not moved:
            break
        es = np.maximum(es, np.max(es[:, None] + dist, axis=0))
        ls = np.minimum(ls, np.min(ls[None, :] - dist, axis=1))
        if np.any(es > ls):
            break
    return Windows(es, ls, w.tail)


#: Largest :func:`energy_work` for which :func:`energy_distances` strengthens the distances:
#: 2.7e9 keeps 500 jobs with 20 resources (2.6e9: 1.1 CPU s at load 8, against 0.8 s at 300
#: jobs; s25scale) and about 800 jobs with PSPLIB's 4. Every benchmarked instance (at most 300
#: jobs, 20 resources: 5.7e8) is below it, so no benchmark's bound changes.
ENERGY_MAX_WORK = 2.7e9


def energy_work(instance: Instance) -> float:
    """Size of the energy closure's work, ``n^3 (resources + 1)`` (a matrix product per resource
    and a path closure per round).

    Parameters
    ----------
    instance
        Any instance.

    Returns
    -------
    float
        The work, compared with :data:`ENERGY_MAX_WORK`.
    """
    return float(instance.num_jobs) ** 3 * (instance.num_resources + 1)


def energy_distances(instance: Instance, dist: np.ndarray, *, rounds: int = 2) -> np.ndarray:
    """Longest paths strengthened by energy: ``start_k - start_i`` is at least ``d_i`` plus the
    time any resource needs to process the jobs that must run between the end of ``i`` and the
    start of ``k`` (``⌈energy / capacity⌉``), and the result is closed under paths again.

    Valid for every feasible schedule (capacity never exceeds the base capacity). Repeating the
    closure (``rounds``) lets the longer delays widen the sets between other pairs.

    The last call's input and result are kept in ``instance.derived``: the lower bound and the
    CP-SAT model both ask for the same closure (0.5 CPU s at 300 jobs), and a repeated call with
    an equal ``dist`` gets a copy of the kept result.

    Past :data:`ENERGY_MAX_WORK` (:func:`energy_work`) ``dist`` is returned unchanged (still
    valid, only weaker): the closure is cubic per resource, 4.2 CPU s at 1,000 jobs and 20
    resources, and it runs before any method's deadline is looked at.
    """
    n = instance.num_jobs
    if n == 0 or not instance.num_resources or energy_work(instance) > ENERGY_MAX_WORK:
        return dist
    key = ("energy_distances", rounds)
    kept = instance.derived.get(key)
    if kept is not None and kept[0].shape == dist.shape and np.array_equal(kept[0], dist):
        return kept[1].copy()
    out = _energy_distances(instance, dist, rounds)
    instance.derived[key] = (dist.copy(), out.copy())
    return out


def _energy_distances(instance: Instance, dist: np.ndarray, rounds: int) -> np.ndarray:
    n = instance.num_jobs
    dur = np.asarray(instance.durations, dtype=float)
    q = np.asarray(instance.demands, dtype=float).reshape(n, -1)
    cap = np.asarray(instance.capacities, dtype=float)
    totals = [  # exact (Python int) total energy per resource
        sum(row[r] * d for row, d in zip(instance.demands, instance.durations, strict=True))
        for r in range(q.shape[1])
    ]
    out = dist.copy()
    for _ in range(rounds):
        after = out >= dur[:, None]  # after[i, j]: j starts after i ends
        np.fill_diagonal(after, False)
        a = after.astype(float)
        best = np.full((n, n), NEG)
        for r in range(q.shape[1]):
            if cap[r] <= 0:
                continue
            energy = a @ ((q[:, r] * dur)[:, None] * a)  # Σ_j after[i,j] e_j after[j,k]
            # Doubles are exact only below 2**53; energies reach n * 2**62, where the rounded
            # sum / capacity could land past an integer and ceil one unit too far (an invalid
            # distance: s16audit's 3-job chain got a lower bound 1 above its optimum). Taking
            # off the sum's worst rounding error keeps every delay a valid under-estimate.
            slack = (n + 2) * 2.0**-52 * totals[r]
            delay = dur[:, None] + np.ceil((energy - slack) / cap[r] - 1e-9)
            best = np.maximum(best, np.where(energy > 0, delay, NEG))
        best = np.where(after, best, NEG)  # only for ordered pairs
        if not np.any(best > out):
            break
        out = np.maximum(out, best)
        for k in range(n):  # close under paths again
            np.maximum(out, out[:, k : k + 1] + out[k : k + 1, :], out=out)
    return out
