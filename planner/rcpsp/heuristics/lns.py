"""Large neighbourhood search with CP-SAT on sub-problems of the exact model.

Each iteration relaxes a subset of jobs and re-optimizes the makespan with CP-SAT, warm-started
from the incumbent (Godard, Laborie & Nuijten 2005, "Randomized large neighborhood search for
cumulative scheduling"). The sub-problem is E's exact model (:func:`planner.rcpsp.model.build`,
cloned once per iteration) plus the resource-flow precedences of the incumbent between the jobs
that are *not* relaxed (:mod:`.pos`): kept jobs keep their relative order but may still shift in
time, relaxed jobs are free, and every original constraint (cumulatives with downtime, lags,
windows, disjunctive pairs) stays in the model, so every sub-problem solution is feasible.

Neighbourhoods: a *window* (the jobs starting nearest to a time point, often the start of a
critical job), a *random* subset, and a *resource* window (jobs on one resource near a time
point). Their size adapts: a sub-problem solved to optimality without improvement grows the next
one, a sub-problem that runs out of time shrinks it. An accepted solution (better, or equal and
different, which lets the search drift along plateaus) is compacted by forward–backward
improvement. With ``threads > 1`` that many search threads share the incumbent, each solving its
own sub-problems with one CP-SAT worker (CP-SAT releases the GIL while it solves).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from planner.core import cpsat as cps
from planner.core import progress
from planner.core.result import Status
from planner.core.timing import Deadline
from planner.rcpsp.evaluate import makespan as makespan_of
from planner.rcpsp.heuristics.data import SgsData
from planner.rcpsp.heuristics.fbi import justify
from planner.rcpsp.heuristics.pos import flow_arcs
from planner.rcpsp.heuristics.sgs import Decoder
from planner.rcpsp.instance import Instance
from planner.rcpsp.model import BuildTimeout, Model, ModelOptions, build
from planner.rcpsp.network import distances

#: Neighbourhood kinds, drawn with these weights.
KINDS = {"window": 0.5, "random": 0.2, "resource": 0.3}


@dataclass
class LnsParams:
    """Tuning of :func:`large_neighbourhood_search`."""

    size: float = 0.3  # initial share of the jobs relaxed
    min_jobs: int = 4
    grow: float = 1.08
    shrink: float = 0.95
    sub_time: float = 0.5  # seconds per sub-problem
    deterministic: bool = False  # limit sub-problems in CP-SAT's deterministic time instead
    compact: bool = False  # secondary objective: sum of starts (slower sub-problems)
    solver_params: dict[str, object] = field(
        default_factory=lambda: {"linearization_level": 0, "cp_model_presolve": False}
    )
    options: ModelOptions = field(default_factory=lambda: ModelOptions(delays=False))
    fbi: bool = True
    #: Stop after this many seconds without a better makespan (``None``: run to the time limit);
    #: a caller with an exact stage waiting takes the rest of the budget back.
    patience: float | None = None


@dataclass
class LnsResult:
    """Best schedule and counters of a run."""

    makespan: int
    start: list[int]
    iterations: int = 0
    improvements: int = 0
    proven_optimal: bool = False
    history: list[tuple[float, int]] = field(default_factory=list)
    tries: dict[str, list[int]] = field(default_factory=dict)  # kind -> [tries, improvements]
    stopped: str = ""  # why no sub-problem was solved (the model not built in time), or ""


class Incumbent:
    """The best schedule shared by search threads (each takes a snapshot per iteration)."""

    def __init__(self, start: Sequence[int], ms: int) -> None:
        self.lock = threading.Lock()
        self.start = np.asarray(start, dtype=np.int64)
        self.makespan = int(ms)
        self.version = 0
        self.proven = False  # a sub-problem relaxing every job was solved to optimality
        self.improved_at = time.perf_counter()  # when the makespan last went down

    def snapshot(self) -> tuple[np.ndarray, int, int]:
        """Copy of the schedule, its makespan and a version number that changes with it."""
        with self.lock:
            return self.start.copy(), self.makespan, self.version

    def offer(self, start: np.ndarray, ms: int, *, equal: bool = False) -> bool:
        """Replace the incumbent by a better schedule (or an equal, different one if ``equal``)."""
        with self.lock:
            if ms < self.makespan or (
                equal and ms == self.makespan and not np.array_equal(start, self.start)
            ):
                if ms < self.makespan:
                    self.improved_at = time.perf_counter()
                    progress.report(objective=int(ms), source="lns")
                self.start, self.makespan = np.asarray(start, dtype=np.int64).copy(), int(ms)
                self.version += 1
                return True
            return False


def large_neighbourhood_search(
    instance: Instance,
    start: Sequence[int],
    *,
    time_limit: float,
    threads: int = 1,
    seed: int = 0,
    lower: int = 0,
    data: SgsData | None = None,
    max_iterations: int | None = None,
    params: LnsParams | None = None,
    dist: np.ndarray | None = None,
    shared: Incumbent | None = None,
) -> LnsResult:
    """Improve the feasible schedule ``start`` by LNS until the time or iteration budget ends.

    Parameters
    ----------
    instance
        The instance (feasible: ``start`` is a schedule of it).
    start
        A feasible schedule (start times in job order).
    time_limit
        Seconds.
    threads
        Search threads (each runs one single-worker CP-SAT at a time).
    seed
        Random seed. With ``threads=1``, ``max_iterations`` and ``params.deterministic`` the
        run is reproducible (unless the overall time limit cuts it short).
    lower
        A proven lower bound: the search stops when the makespan reaches it.
    data
        :class:`SgsData` of the instance, for forward–backward improvement of accepted schedules.
    max_iterations
        Sub-problem budget (``None``: time limit only).
    params
        :class:`LnsParams`.
    dist
        The lag distance matrix, if already computed.
    shared
        An :class:`Incumbent` other threads also improve (e.g. a GA); it must hold ``start``
        or a better schedule. The result reports its final state.
    """
    clock = Deadline(time_limit)
    p = params or LnsParams()
    if dist is None:
        dist = distances(instance)
    ms0 = makespan_of(instance, start)
    res = LnsResult(makespan=ms0, start=[int(s) for s in start])
    res.tries = {k: [0, 0] for k in KINDS}
    if ms0 <= lower or instance.num_jobs == 0:
        res.proven_optimal = ms0 <= lower
        return res
    try:
        base = build(instance, dist, options=p.options, upper=ms0, lower=lower, deadline=clock)
    except BuildTimeout as exc:  # keep the schedule given: a heuristic answer, in time
        res.stopped = str(exc)
        return res
    inc = shared if shared is not None else Incumbent(start, ms0)
    budget = [max_iterations if max_iterations is not None else 2**62]
    workers = max(1, int(threads))
    began = time.perf_counter()

    def work(wid: int) -> None:
        _worker(instance, base, inc, res, budget, clock, p, data, lower, seed * 7919 + wid, began)

    if workers == 1:
        work(0)
    else:
        pool = [threading.Thread(target=work, args=(w,), daemon=True) for w in range(workers)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
    res.makespan, res.start = inc.makespan, [int(s) for s in inc.start]
    res.proven_optimal = res.makespan <= lower or inc.proven
    return res


def _worker(
    instance: Instance,
    base: Model,
    inc: Incumbent,
    res: LnsResult,
    budget: list[int],
    clock: Deadline,
    p: LnsParams,
    data: SgsData | None,
    lower: int,
    seed: int,
    began: float,
) -> None:
    rng = np.random.default_rng(seed)
    dec = Decoder(data) if (data is not None and p.fbi) else None
    dur = np.asarray(instance.durations, dtype=np.int64)
    real = np.flatnonzero(dur > 0)
    if real.size == 0:
        return
    size = max(p.min_jobs, p.size * real.size)
    kinds = list(KINDS)
    weights = np.asarray([KINDS[k] for k in kinds], dtype=float)
    weights /= weights.sum()
    crit_cache: tuple[int, np.ndarray] = (-1, real)
    while clock.remaining() > 0.05:
        with inc.lock:
            if budget[0] <= 0 or inc.makespan <= lower or inc.proven:
                return
            stale = time.perf_counter() - max(inc.improved_at, began)
            if p.patience is not None and stale > p.patience:
                return
            budget[0] -= 1
            res.iterations += 1
        start, ms, version = inc.snapshot()
        if crit_cache[0] != version:
            crit_cache = (version, _critical(instance, start, ms))
        kind = kinds[int(rng.choice(len(kinds), p=weights))]
        k = int(min(real.size, round(size)))
        relaxed, fixed = _neighbourhood(instance, kind, k, start, ms, real, crit_cache[1], rng)
        status, new = _solve_sub(
            instance, base, start, ms, relaxed, fixed, p, clock, int(rng.integers(2**31))
        )
        res.tries[kind][0] += 1
        whole = status is Status.OPTIMAL and relaxed[real].all() and not fixed.any()
        if new is not None:
            new_ms = int(np.max(new + dur))
            if dec is not None:
                new_ms, _ = justify(dec, new, new_ms)
            if inc.offer(new, new_ms, equal=True) and new_ms < ms:
                with inc.lock:
                    res.improvements += 1
                    res.tries[kind][1] += 1
                    res.history.append((round(clock.elapsed(), 3), new_ms))
        if whole:  # the sub-problem was the whole model: the incumbent is optimal
            with inc.lock:
                inc.proven = True
            return
        if new is not None and new_ms < ms:
            continue  # same size again: this neighbourhood pays
        if status in (Status.OPTIMAL, Status.INFEASIBLE):
            size = min(real.size, size * p.grow + 0.5)
        else:
            size = max(p.min_jobs, size * p.shrink)


def _neighbourhood(
    instance: Instance,
    kind: str,
    k: int,
    start: np.ndarray,
    ms: int,
    real: np.ndarray,
    critical: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Boolean masks of the ``k`` jobs to relax and of the jobs to fix in time."""
    n = instance.num_jobs
    mask = np.zeros(n, dtype=bool)
    fixed = np.zeros(n, dtype=bool)
    if kind == "random":
        mask[rng.choice(real, size=k, replace=False)] = True
        return mask, fixed
    if critical.size and rng.random() < 0.5:
        centre = float(start[int(rng.choice(critical))])
    else:
        centre = float(rng.uniform(0, max(1, ms)))
    pool = real
    if kind == "resource":
        r = int(rng.integers(instance.num_resources)) if instance.num_resources else 0
        users = np.asarray([j for j in real.tolist() if instance.demands[j][r] > 0], dtype=np.int64)
        if users.size >= max(2, k // 2):
            pool = users
    dist = np.abs(start[pool] + 0.5 * np.asarray(instance.durations)[pool] - centre)
    dist = dist + rng.uniform(0, 1e-3, size=pool.size)  # random tie-breaks
    chosen = pool[np.argsort(dist)[: min(k, pool.size)]]
    mask[chosen] = True
    if kind == "window":  # jobs before the window stay where they are: a smaller sub-problem
        first = int(start[chosen].min())
        fixed = (start < first) & ~mask
    return mask, fixed


def _critical(instance: Instance, start: np.ndarray, ms: int) -> np.ndarray:
    """Jobs that cannot start later without delaying the makespan, given the schedule's order
    (precedences plus resource-flow arcs)."""
    n = instance.num_jobs
    dur = instance.durations
    succ: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for i, j, lag in instance.arcs:
        if start[j] >= start[i]:
            succ[i].append((j, lag))
    for i, j in flow_arcs(instance, start.tolist()):
        succ[i].append((j, dur[i]))
    latest = np.asarray([ms - d for d in dur], dtype=np.int64)
    for j in sorted(range(n), key=lambda x: (-start[x], -dur[x], -x)):
        for k, lag in succ[j]:
            latest[j] = min(latest[j], latest[k] - lag)
    crit = np.flatnonzero((latest <= start) & (np.asarray(dur) > 0))
    return crit.astype(np.int64)


def _solve_sub(
    instance: Instance,
    base: Model,
    start: np.ndarray,
    ms: int,
    relaxed: np.ndarray,
    fixed: np.ndarray,
    p: LnsParams,
    clock: Deadline,
    seed: int,
) -> tuple[Status, np.ndarray | None]:
    """Re-optimize with the non-relaxed jobs kept in their flow order; the new schedule if any."""
    sub = base.cp.clone()
    starts = [sub.get_int_var_from_proto_index(v.index) for v in base.starts]
    mk = sub.get_int_var_from_proto_index(base.makespan.index)
    dur = instance.durations
    for i, j in flow_arcs(instance, start.tolist(), ~relaxed):
        if not (fixed[i] and fixed[j]):
            sub.add(starts[j] >= starts[i] + dur[i])
    for j in np.flatnonzero(fixed).tolist():
        sub.add(starts[j] == int(start[j]))
    sub.add(mk <= ms)
    if p.compact:
        # lexicographic: makespan first, then the sum of starts (left-shifting on plateaus)
        weight = instance.num_jobs * (ms + 1) + 1
        sub.minimize(weight * mk + sum(starts))
    cps.add_hints(sub, [*zip(starts, start.tolist(), strict=True), (mk, ms)])
    params = dict(p.solver_params)
    if p.deterministic:  # reproducible runs: the wall clock only as a safety net
        params["max_deterministic_time"] = p.sub_time
    solver = cps.make_solver(
        time_limit=clock.remaining() if p.deterministic else min(clock.remaining(), p.sub_time),
        threads=1,
        seed=seed,
        params=params,
    )
    out = cps.run(sub, solver, report=False)  # a sub-model's numbers are not the project's
    if not out.has_solution:
        return out.status, None
    new = np.asarray([solver.value(s) for s in starts], dtype=np.int64)
    return out.status, new
