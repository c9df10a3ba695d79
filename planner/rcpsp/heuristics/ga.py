"""Genetic algorithm on activity lists with serial-SGS decoding and justification.

Hartmann's (1998) GA with the refinements that made activity-list GAs the best RCPSP heuristics
(Valls, Ballestín & Quintanilla 2005/2008; Debels & Vanhoucke 2007):

* individuals are precedence-feasible activity lists, decoded by the serial SGS and improved by
  forward–backward improvement; the list is then replaced by the order of the justified schedule
  (so the improvement is inherited);
* the first population comes from the four priority rules and regret-based biased sampling;
* two-point crossover (Hartmann), adjacent-swap mutation of unrelated jobs, binary tournaments;
* elitist (μ+λ) replacement without duplicate schedules;
* the population is sized to the budget (about 200 generations in the time limit; a long run
  gets a large population, see :class:`GaParams`);
* when the population stagnates it restarts around the best list (keeping it), which keeps a
  long run productive.

The run stops at the time limit or after ``max_schedules`` SGS passes (each justification pass
counts), and is deterministic for a given seed and schedule budget.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from planner.core.timing import Deadline
from planner.rcpsp.heuristics._jit import jit
from planner.rcpsp.heuristics.data import SgsData
from planner.rcpsp.heuristics.fbi import fbi_kernel, justify
from planner.rcpsp.heuristics.priority import RULES, activity_list, rule_values, sample_list
from planner.rcpsp.heuristics.sgs import Decoder, serial_kernel


@dataclass
class GaParams:
    """Tuning of :func:`genetic_algorithm` (defaults work for PSPLIB j30–j120).

    ``population=None`` sizes the population to the budget: after one generation of
    ``min_population`` individuals it grows so that about ``generations`` generations fit in
    what is left of the time (or schedule) budget, up to ``max_population``. Measured on the 8
    hardest j120 instances of the bench sample (one GA thread): 20-s runs with 500 individuals
    ended 2 time units (about 1 %) shorter on average than with 100, and 1000 shorter than 500;
    50-s runs with 2000 shorter than 1000; 4-s runs with 250 shorter than with 100. Each winner
    made about 200 generations. A mutation rate of 0.1 with up to 4 shift moves beat 0.05 / 2
    with 100 and with 500 individuals (by 0.3-0.7 units on average).
    """

    population: int | None = None
    min_population: int = 100
    max_population: int = 2000
    generations: int = 200
    mutation: float = 0.1
    shifts: int = 4  # a child gets up to this many shift moves (a job moved within its range)
    fbi_rounds: int = 3
    # generations without a new best before a restart (a population sized up k-fold waits
    # k times longer)
    stagnation: int = 150
    keep_on_restart: int = 4  # best individuals carried into a restarted population


@dataclass
class GaResult:
    """Best schedule found and counters."""

    makespan: int
    start: np.ndarray | None
    order: np.ndarray | None
    schedules: int = 0
    generations: int = 0
    restarts: int = 0
    population: int = 0
    history: list[tuple[float, int]] = field(default_factory=list)  # (seconds, makespan)
    #: Why the run ended: ``"target"``, ``"stop"`` (the event), ``"time"`` or ``"budget"``.
    ended_by: str = ""


@jit
def _seed(seed):
    np.random.seed(seed)


@jit
def _crossover(mother, father, q1, q2, child, taken):
    """Hartmann's two-point crossover: ``mother[:q1]``, father's next jobs, mother's rest."""
    n = mother.shape[0]
    taken[:] = False
    pos = 0
    for k in range(q1):
        child[pos] = mother[k]
        taken[mother[k]] = True
        pos += 1
    for k in range(n):
        if pos >= q2:
            break
        j = father[k]
        if not taken[j]:
            child[pos] = j
            taken[j] = True
            pos += 1
    for k in range(n):
        j = mother[k]
        if not taken[j]:
            child[pos] = j
            taken[j] = True
            pos += 1


@jit
def _mutate(child, related, rate):
    n = child.shape[0]
    for k in range(n - 1):
        if np.random.random() < rate:
            a, b = child[k], child[k + 1]
            if not related[a, b]:
                child[k] = b
                child[k + 1] = a


@jit
def _shift(child, related, count):
    """Move ``count`` random jobs to random positions between their nearest related jobs."""
    n = child.shape[0]
    for _ in range(count):
        k = np.random.randint(0, n)
        j = child[k]
        lo = 0
        for q in range(k - 1, -1, -1):
            if related[child[q], j]:
                lo = q + 1
                break
        hi = n - 1
        for q in range(k + 1, n):
            if related[j, child[q]]:
                hi = q - 1
                break
        t = np.random.randint(lo, hi + 1)
        if t < k:
            for q in range(k, t, -1):
                child[q] = child[q - 1]
        else:
            for q in range(k, t):
                child[q] = child[q + 1]
        child[t] = j


@jit
def _tournament(fit):
    p = fit.shape[0]
    a = np.random.randint(0, p)
    b = np.random.randint(0, p)
    return a if fit[a] <= fit[b] else b


@jit
def _generation(
    pop, fit, kids, kfit, kstart, related, rate, shifts, rounds, topo, horizon, fwd, rev, free,
    start, done,
):  # fmt: skip
    """Make ``len(kids)`` children by crossover + mutation, decode and justify them.

    Returns the number of SGS passes spent. A child the SGS cannot schedule (deadlines or
    maximal lags) gets fitness ``2**62``.
    """
    n = pop.shape[1]
    taken = np.zeros(n, dtype=np.bool_)
    order = np.empty(n, dtype=np.int64)
    passes = 0
    c = 0
    while c < kids.shape[0]:
        m = _tournament(fit)
        f = _tournament(fit)
        q1 = np.random.randint(0, n + 1)
        q2 = np.random.randint(0, n + 1)
        if q1 > q2:
            q1, q2 = q2, q1
        for side in range(2):
            if c >= kids.shape[0]:
                break
            child = kids[c]
            if side == 0:
                _crossover(pop[m], pop[f], q1, q2, child, taken)
            else:
                _crossover(pop[f], pop[m], q1, q2, child, taken)
            _mutate(child, related, rate)
            if shifts > 0:
                _shift(child, related, np.random.randint(0, shifts + 1))
            ms = serial_kernel(child, 0, fwd, free, start, done)
            passes += 1
            if ms < 0:
                kfit[c] = 2**62
                # no schedule: zero starts, as the initial population records such a list
                # (the buffer held the memory of earlier runs, which _select then compared:
                # a seed and a schedule budget did not fix the result, s27limits)
                kstart[c, :] = 0
            else:
                ms2 = fbi_kernel(start, ms, rounds, topo, horizon, fwd, rev, free, done, order)
                passes += 2 * rounds
                kfit[c] = ms2
                kids[c, :] = order
                kstart[c, :] = start
            c += 1
    return passes


def order_of(data: SgsData, start: np.ndarray) -> np.ndarray:
    """Activity list of a schedule: jobs by start time (ties: topological order)."""
    return np.lexsort((data.topo, np.asarray(start, dtype=np.int64))).astype(np.int64)


def _select(pop, fit, starts, size):
    """The ``size`` best distinct individuals (distinct start vectors) of the merged pool."""
    idx = np.argsort(fit, kind="stable")
    keep: list[int] = []
    seen: set[bytes] = set()
    for i in idx.tolist():
        key = starts[i].tobytes()
        if key in seen:
            continue
        seen.add(key)
        keep.append(i)
        if len(keep) == size:
            break
    k = np.asarray(keep, dtype=np.int64)
    return pop[k], fit[k], starts[k]


def genetic_algorithm(
    data: SgsData,
    *,
    time_limit: float,
    seed: int = 0,
    max_schedules: int | None = None,
    initial: list[np.ndarray] | None = None,
    params: GaParams | None = None,
    target: int | None = None,
    exchange: Callable[[int, np.ndarray], np.ndarray | None] | None = None,
    stop: threading.Event | None = None,
) -> GaResult:
    """Run the GA on ``data`` and return the best schedule.

    Parameters
    ----------
    data
        The instance's :class:`SgsData`.
    time_limit
        Seconds.
    seed
        Random seed (the run is reproducible for a fixed seed and ``max_schedules``).
    max_schedules
        Budget of SGS passes (``None``: time limit only).
    initial
        Activity lists to seed the population with (e.g. from an incumbent schedule).
    params
        :class:`GaParams`.
    target
        Stop as soon as this makespan (a lower bound) is reached.
    exchange
        Called after every generation with the best makespan and schedule so far; may return
        the start times of a better schedule found elsewhere (e.g. by LNS), which then joins
        the population. This is how the GA and LNS threads of the ``lns`` method cooperate.
    stop
        An event that ends the run early when set (checked once per generation).
    """
    clock = Deadline(time_limit)
    p = params or GaParams()
    dec = Decoder(data)
    n = data.n
    budget = max_schedules if max_schedules is not None else 2**62
    res = GaResult(makespan=2**62, start=None, order=None)
    rng = np.random.default_rng(seed)
    # each rule's values on first use: `mts` needs the n x n `related` matrix (0.3 CPU s at
    # 3,000 jobs), which a run whose limit is already spent never reaches (s29limits)
    values: list[np.ndarray | None] = [None] * len(RULES)

    def value(k: int) -> np.ndarray:
        v = values[k]
        if v is None:
            v = values[k] = rule_values(data, RULES[k])
        return v

    fa, ra = data.fwd.args(), data.rev.args()

    def evaluate(order: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
        ms = dec.serial(order)
        res.schedules += 1
        if ms < 0:
            return 2**62, order.copy(), np.zeros(n, dtype=np.int64)
        st = dec.start.copy()
        ms, new = justify(dec, st, ms, p.fbi_rounds)
        res.schedules += 2 * p.fbi_rounds
        return ms, new, st

    def record(ms: int, order: np.ndarray, st: np.ndarray) -> None:
        if ms < res.makespan:
            res.makespan, res.order, res.start = int(ms), order.copy(), st.copy()
            res.history.append((round(clock.elapsed(), 4), int(ms)))

    def population(seeds: list[np.ndarray], size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        lists: list[np.ndarray] = [np.asarray(s, dtype=np.int64) for s in seeds]
        k = 0
        while len(lists) < size and res.schedules < budget:
            if out_of_time(lists):  # a list sampled past the deadline would be dropped below
                break
            v = value(k % len(RULES))
            lists.append(sample_list(data, v, int(rng.integers(2**31))))
            k += 1
        out = []
        for i, o in enumerate(lists):
            if i >= len(seeds) and out and clock.expired():
                # past the deadline the sampled lists are dropped (the seeds, rule lists and
                # incumbents, are always decoded): at 3,000 jobs the 80 decodes took 0.8 CPU s
                # past a 1 s limit (s26limits); with time left, the same population
                break
            out.append(evaluate(o))
        for ms, o, st in out:
            record(ms, o, st)
        return (
            np.asarray([o for _, o, _ in out], dtype=np.int64).reshape(-1, n),
            np.asarray([ms for ms, _, _ in out], dtype=np.int64),
            np.asarray([st for _, _, st in out], dtype=np.int64).reshape(-1, n),
        )

    def out_of_time(lists: list[np.ndarray]) -> bool:
        # past the deadline only what gives a schedule is kept: at 3,000 jobs the rule values,
        # lists and decodes took 0.8-1.3 CPU s past a spent limit (s27limits, s29limits)
        return bool(lists) and clock.expired()

    seeds = list(initial or [])
    first: list[np.ndarray] = []
    for k in range(len(RULES)):  # the rule lists, then the incumbents given
        if out_of_time(first + seeds):
            break
        first.append(activity_list(data, value(k)))
    first += seeds
    size = p.population if p.population is not None else p.min_population
    pop, fit, starts = population(first, size)
    _seed(int(rng.integers(2**31)))
    kids, kfit, kstart = _offspring_arrays(size, n)
    res.population = first_size = size
    last_best, idle = res.makespan, 0
    while not clock.expired() and res.schedules < budget:
        if (target is not None and res.makespan <= target) or (stop is not None and stop.is_set()):
            break
        tick = clock.elapsed()
        spent = int(
            _generation(
                pop,
                fit,
                kids,
                kfit,
                kstart,
                data.related,  # built on the first generation (kept by `data`), not before
                p.mutation,
                p.shifts,
                p.fbi_rounds,
                data.topo,
                data.horizon,
                fa,
                ra,
                dec.free,
                dec.start,
                dec.done,
            )
        )
        res.schedules += spent
        res.generations += 1
        b = int(np.argmin(kfit))
        record(int(kfit[b]), kids[b], kstart[b])
        pop, fit, starts = _select(
            np.concatenate([pop, kids]),
            np.concatenate([fit, kfit]),
            np.concatenate([starts, kstart]),
            size,
        )
        if res.generations == 1 and p.population is None:  # size to the measured speed
            size = _budget_size(
                p, clock, spent, clock.elapsed() - tick, res.schedules, max_schedules
            )
            if size > len(pop):
                m_pop, m_fit, m_starts = population([], size - len(pop))
                pop, fit = np.concatenate([pop, m_pop]), np.concatenate([fit, m_fit])
                starts = np.concatenate([starts, m_starts])
                kids, kfit, kstart = _offspring_arrays(size, n)
                res.population = size
        if exchange is not None and res.start is not None:
            other = exchange(res.makespan, res.start)
            if other is not None:
                ms, o, st = evaluate(order_of(data, other))
                record(ms, o, st)
                worst = int(np.argmax(fit))
                pop[worst], fit[worst], starts[worst] = o, ms, st
        if res.makespan < last_best:
            last_best, idle = res.makespan, 0
        else:
            idle += 1
        if idle >= p.stagnation * size // first_size:
            res.restarts += 1
            idle = 0
            elite = [pop[i] for i in range(min(p.keep_on_restart, len(pop)))]
            pop, fit, starts = population(elite, size)
    res.ended_by = (
        "target"
        if target is not None and res.makespan <= target
        else "stop"
        if stop is not None and stop.is_set()
        else "budget"
        if res.schedules >= budget
        else "time"
    )
    return res


def _offspring_arrays(size: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Buffers for one generation's children: lists, makespans, start times."""
    return (
        np.empty((size, n), dtype=np.int64),
        np.empty(size, dtype=np.int64),
        np.empty((size, n), dtype=np.int64),
    )


def _budget_size(
    p: GaParams, clock: Deadline, passes: int, seconds: float, spent: int, max_schedules: int | None
) -> int:
    """Population size for about ``p.generations`` generations in what is left of the budget.

    ``passes`` SGS passes took ``seconds`` in the first generation. With a schedule budget
    (``max_schedules``) the size follows from it alone, so a run stays deterministic.
    """
    per_child = 1 + 2 * p.fbi_rounds  # SGS passes: decoding + justification
    if max_schedules is not None:
        left = max(0, max_schedules - spent) / per_child
    else:
        left = passes / max(seconds, 1e-6) * clock.remaining() / per_child
    return int(min(p.max_population, max(p.min_population, left / p.generations)))
