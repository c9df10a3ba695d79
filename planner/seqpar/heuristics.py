"""Heuristic plans: target filling, local search, and the fixed-degree baselines.

The constructive heuristic fills micro-batches one after another under time
targets: sequences longest first, each to the first micro-batch where it
fits, there to the least-loaded group that holds it or to a new group of the
smallest degree that meets the target (:func:`planner.seqpar.kernels.fill`).
Targets are ``max(λ, L₀)`` for the first micro-batch and ``λ`` for the others,
where ``L₀`` is the time of the batch's heaviest sequence alone at one of its
feasible degrees; ``λ`` is found by bisection, for several micro-batch counts
``M`` and every ``L₀``. The best plans then go through a local search
(:func:`planner.seqpar.kernels.descent`).

The same machinery restricted to one degree gives the baselines: static SP
(one degree for the whole run, the smallest that holds the run's maximum
context length, as Megatron-LM and DeepSpeed-Ulysses are run) and FlexSP's
batch-adaptive variant (the best single degree for this batch).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from planner.core.timing import Deadline
from planner.seqpar.costmodel import Tables
from planner.seqpar.instance import Group, Instance, Solution

#: Micro-batch counts tried above the smallest one that holds the batch's tokens.
EXTRA_MICROBATCHES = 4
#: Relative precision of the bisection on the target ``λ``, and the steps it always takes
#: (a plan from too few steps is badly balanced; one fill costs well under a millisecond).
BISECT_TOL = 2e-3
MIN_BISECT = 8
#: ... but past the deadline only while a fill costs less than this (seconds; a large batch's
#: fills cost 0.1 s and more, a small one's microseconds).
CHEAP_FILL_S = 0.005
#: Share of the construction's time the first fill may take (a fill of 32,768 sequences on
#: 1,024 GPUs costs 0.1 s of CPU; with half, ``auto -t 1`` got no fill there and fell back to
#: a single-degree deal 2x slower than one fill).
FIRST_FILL_SHARE = 0.9
#: Multiples of the smallest feasible target also tried by each bisection.
LOOSER_TARGETS = (1.1, 1.25, 1.5, 2.0)
#: Values of ``λ`` tried by :func:`first_target_search` per micro-batch count and mode.
FIRST_TARGET_GRID = 24
#: Plans the construction hands to local search, and at most this many per micro-batch count.
KEEP_PLANS = 6
PER_COUNT = 3
#: Token share of the micro-batches' memory above which filling also packs by memory.
TIGHT_MEMORY = 0.85
#: Local-search moves in the first call, and at most per call (rounds are sized by time).
FIRST_ROUND = 8
MAX_ROUND = 2000
#: Steps (candidates looked at) per second of the kernels, for sizing their step budgets to
#: the time left: fill's is measured once a fill is cut short (its steps are cheap and
#: uniform); local search's is a conservative constant (its steps cost ~15-50 ns, measured
#: at 131,072 sequences on a loaded 2-core machine). At least MIN_STEPS: a small batch's
#: fill or round is never cut short (this many steps cost milliseconds).
STEP_RATE = {"fill": 2e7, "descent": 1e7}
MIN_STEPS = 1_000_000
#: A cut-short fill that took longer than this (seconds) sets the fill's rate (shorter ones are
#: timer and call overhead; MIN_STEPS steps take 0.25 ms or more at the fastest rates seen).
MEASURABLE_S = 1e-4


class OutOfTime(Exception):
    """A fill ran out of its share of the deadline (its step budget)."""


def kernels():
    """The compiled kernels (numba is imported on first use, not with the package)."""
    from planner.seqpar import kernels as compiled

    return compiled


@dataclass
class Plan:
    """A plan in the kernels' array form (see :mod:`planner.seqpar.kernels`)."""

    seq_group: np.ndarray
    g_mb: np.ndarray
    g_deg: np.ndarray
    g_load: np.ndarray
    g_tok: np.ndarray
    g_cnt: np.ndarray
    mb_free: np.ndarray

    @property
    def microbatches(self) -> int:
        """Number of micro-batch slots (some may be empty)."""
        return self.mb_free.shape[0]

    def objective_ms(self) -> float:
        """Σ over micro-batches of the slowest group (ms)."""
        return float(kernels().objective(self.g_mb, self.g_load, self.microbatches))

    def copy(self) -> Plan:
        """Deep copy."""
        return Plan(*(a.copy() for a in self.arrays()))

    def arrays(self) -> tuple[np.ndarray, ...]:
        """The arrays in kernel argument order."""
        return (
            self.seq_group,
            self.g_mb,
            self.g_deg,
            self.g_load,
            self.g_tok,
            self.g_cnt,
            self.mb_free,
        )


class Engine:
    """Arrays of one batch on one cluster, shared by every heuristic run on it.

    Parameters
    ----------
    lengths
        Sequence lengths (tokens).
    tables
        Group types; restrict them with :meth:`single_type`.
    index
        Batch index of each sequence (default ``0..n-1``), used when building a
        :class:`Solution` for a subset of the batch.
    """

    def __init__(self, lengths: np.ndarray, tables: Tables, index: np.ndarray | None = None):
        self.lengths = np.array(lengths, dtype=np.int64)  # a writable copy: one kernel signature
        self.tables = tables
        self.index = np.arange(len(lengths)) if index is None else np.asarray(index)
        self.degrees = np.ascontiguousarray(tables.degrees, dtype=np.int64)
        self.fixed = np.ascontiguousarray(tables.fixed, dtype=np.float64)
        self.cap = np.ascontiguousarray(tables.capacity, dtype=np.int64)
        self.double = np.ascontiguousarray(tables.double, dtype=np.int64)
        self.half = np.ascontiguousarray(tables.half, dtype=np.int64)
        self.W = np.ascontiguousarray(tables.work(self.lengths), dtype=np.float64)
        self.dmin = np.ascontiguousarray(tables.min_degree_index(self.lengths), dtype=np.int64)
        self.newtype = self._new_types()
        self.order = np.argsort(-self.lengths, kind="stable").astype(np.int64)
        self.gpus = int(tables.gpus)

    def _new_types(self) -> np.ndarray:
        """Per sequence: the fastest type at the smallest degree that holds it (-1: none)."""
        D = len(self.degrees)
        out = np.full(self.n, -1, np.int64)
        # sequences sharing their first type share the candidates: one pass per first type
        for j0 in np.unique(self.dmin[self.dmin < D]).tolist():
            rows = np.flatnonzero(self.dmin == j0)
            same = [j for j in range(j0, D) if self.degrees[j] == self.degrees[j0]]
            time_ms = self.fixed[same][None, :] + self.W[np.ix_(rows, same)]
            out[rows] = np.asarray(same)[np.argmin(time_ms, axis=1)]  # first of equal times
        return out

    @property
    def n(self) -> int:
        """Number of sequences."""
        return self.lengths.shape[0]

    @property
    def feasible(self) -> bool:
        """True when every sequence fits some group."""
        return bool(np.all(self.dmin < len(self.degrees)))

    def single_type(self, j: int) -> Engine:
        """The same batch restricted to groups of type ``j`` only.

        Shares this engine's arrays (a column of ``W``) instead of recomputing them:
        the baselines build one such engine per type, and at a million sequences
        recomputing costs seconds.
        """
        sub = object.__new__(Engine)
        sub.lengths = self.lengths
        sub.tables = self.tables.subset([j])
        sub.index = self.index
        sub.degrees = np.ascontiguousarray(sub.tables.degrees, dtype=np.int64)
        sub.fixed = np.ascontiguousarray(sub.tables.fixed, dtype=np.float64)
        sub.cap = np.ascontiguousarray(sub.tables.capacity, dtype=np.int64)
        sub.double = np.ascontiguousarray(sub.tables.double, dtype=np.int64)
        sub.half = np.ascontiguousarray(sub.tables.half, dtype=np.int64)
        sub.W = np.ascontiguousarray(self.W[:, j : j + 1])
        sub.dmin = np.ascontiguousarray(sub.tables.min_degree_index(sub.lengths), dtype=np.int64)
        sub.newtype = np.where(sub.dmin == 0, 0, -1).astype(np.int64)
        sub.order = self.order
        sub.gpus = self.gpus
        return sub

    def capacity(self) -> int:
        """Tokens one micro-batch holds at most (every GPU in a group of the smallest degree)."""
        return (self.gpus // int(self.degrees[0])) * int(self.cap[0])

    def area_floor(self) -> float:
        """``Σ_s min_d d·w_d(s) / N`` (ms): the area bound without the fixed times (cached)."""
        cached = self.__dict__.get("_area_floor")
        if cached is None:
            D = len(self.degrees)
            area = np.where(
                np.arange(D)[None, :] >= self.dmin[:, None], self.W * self.degrees[None, :], np.inf
            )
            cached = self._area_floor = float(area.min(axis=1).sum()) / self.gpus
        return cached

    def ceiling(self) -> float:
        """Time of one group holding every sequence at its smallest type (cached; ms)."""
        cached = self.__dict__.get("_ceiling")
        if cached is None:
            work = self.W[np.arange(self.n), np.minimum(self.dmin, len(self.degrees) - 1)]
            cached = self._ceiling = float(work.sum() + self.fixed.max())
        return cached

    def min_microbatches(self) -> int:
        """Micro-batches the batch's tokens need at least (memory of all GPUs)."""
        return max(1, math.ceil(int(self.lengths.sum()) / max(1, self.capacity())))

    def empty_plan(self, microbatches: int) -> Plan:
        """Arrays for a plan with ``microbatches`` slots."""
        G = microbatches * self.gpus
        return Plan(
            np.full(self.n, -1, np.int64),
            np.full(G, -1, np.int64),
            np.zeros(G, np.int64),
            np.zeros(G, np.float64),
            np.zeros(G, np.int64),
            np.zeros(G, np.int64),
            np.zeros(microbatches, np.int64),
        )

    def fill(
        self, targets: np.ndarray, *, tight: bool = False, deadline: Deadline | None = None
    ) -> Plan | None:
        """Fill under ``targets`` (ms per micro-batch); ``None`` when a sequence fits nowhere.

        ``tight`` packs by memory (best fit) instead of by time (least loaded).
        With a ``deadline`` the kernel gets a budget of steps for the time left (at
        least :data:`MIN_STEPS`) and :class:`OutOfTime` is raised when it is spent;
        the rate is measured on every fill that takes long enough to time.
        """
        plan = self.empty_plan(len(targets))
        budget = (
            np.iinfo(np.int64).max
            if deadline is None or deadline.limit == math.inf
            else int(max(MIN_STEPS, STEP_RATE["fill"] * deadline.remaining()))
        )
        started = time.perf_counter()
        ng = kernels().fill(
            self.order,
            self.lengths,
            self.W,
            self.dmin,
            self.degrees,
            self.fixed,
            self.cap,
            self.gpus,
            np.ascontiguousarray(targets, dtype=np.float64),
            bool(tight),
            *plan.arrays(),
            budget,
        )
        if ng == kernels().OUT_OF_STEPS:
            took = time.perf_counter() - started
            # learn the rate from every cut that took measurably long: with the default rate
            # 25x too low (fills of 32,768 sequences run 5e8 steps/s), the cuts took under
            # 10 ms, which this once required, so the rate was never learned and every fill of
            # the construction was cut (auto -t 1 then fell back to a single-degree deal)
            if took > MEASURABLE_S:
                STEP_RATE["fill"] = budget / took
            raise OutOfTime
        return plan if ng >= 0 else None

    def descent(self, plan: Plan, deadline: Deadline) -> int:
        """Local search on ``plan`` in place until a local optimum or the deadline.

        The kernel runs in rounds of moves sized from the measured time per move,
        so that a round takes at most a quarter of the time left.
        """
        total = 0
        batch = FIRST_ROUND
        while not deadline.expired():
            start = time.perf_counter()
            steps = int(max(MIN_STEPS, STEP_RATE["descent"] * deadline.remaining()))
            moves = kernels().descent(
                self.lengths,
                self.W,
                self.dmin,
                self.degrees,
                self.fixed,
                self.cap,
                self.double,
                self.half,
                self.newtype,
                plan.microbatches,
                batch,
                *plan.arrays(),
                steps,
            )
            if moves < 0:  # out of steps: go on while the deadline lasts (it sized the budget)
                total += -1 - moves
                continue
            total += moves
            if moves < batch:
                break
            per_move = (time.perf_counter() - start) / max(1, moves)
            batch = int(min(MAX_ROUND, max(1, 0.25 * deadline.remaining() / max(per_move, 1e-7))))
        return total

    def solution(self, plan: Plan) -> Solution:
        """The plan as a :class:`Solution` (empty micro-batches dropped, largest groups first)."""
        # members of each group, in batch order: one sort instead of a Python pass per sequence
        by_group = np.lexsort((self.index, plan.seq_group))
        groups_sorted = plan.seq_group[by_group]
        members_sorted = np.asarray(self.index)[by_group]
        used, starts = np.unique(groups_sorted, return_index=True)
        ends = np.append(starts[1:], groups_sorted.size)
        per_mb: dict[int, list[Group]] = {}
        for g, a, b in zip(used.tolist(), starts.tolist(), ends.tolist(), strict=True):
            if g < 0 or plan.g_mb[g] < 0:
                continue
            j = int(plan.g_deg[g])
            group = Group(
                int(self.degrees[j]), members_sorted[a:b].tolist(), self.tables.strategies[j]
            )
            per_mb.setdefault(int(plan.g_mb[g]), []).append(group)
        mbs: list[list[Group]] = []
        for k in sorted(per_mb):
            groups = per_mb[k]
            groups.sort(key=lambda grp: (-grp.degree, grp.strategy, grp.sequences[0]))
            mbs.append(groups)
        return Solution(mbs)


def heaviest(engine: Engine) -> int:
    """The sequence whose best time alone is the largest (it shapes one micro-batch)."""
    single = np.where(
        engine.cap[None, :] >= engine.lengths[:, None], engine.W + engine.fixed[None, :], np.inf
    )
    return int(np.argmax(single.min(axis=1)))


def level_candidates(engine: Engine) -> list[float]:
    """``L₀`` values: the heaviest sequence's time alone at each type that holds it, and 0."""
    i = heaviest(engine)
    single = np.where(engine.cap >= engine.lengths[i], engine.W[i] + engine.fixed, np.inf)
    return [0.0, *sorted({float(x) for x in single if math.isfinite(x)})]


def bisect_fill(
    engine: Engine,
    microbatches: int,
    level: float,
    deadline: Deadline,
    *,
    tight: bool = False,
    fill_deadline: Deadline | None = None,
) -> tuple[Plan | None, float, float]:
    """Smallest-``λ`` fill with ``microbatches`` slots and first target ``max(λ, level)``.

    ``λ`` starts at the area bound (no fill can meet less: micro-batches of
    targets ``t_k`` hold at most ``Σ_k N·(t_k − β)`` of GPU time), grows
    geometrically until a fill succeeds, then is bisected.

    Returns the best plan seen (by its real objective, not its targets), its
    objective in ms (``inf`` when no fill succeeded) and the smallest ``λ``
    that worked. A fill that would outlast ``fill_deadline`` (default ``deadline``)
    is cut short and ends the bisection.
    """
    fill_deadline = deadline if fill_deadline is None else fill_deadline
    beta = float(engine.fixed.min())
    floor = engine.area_floor()
    lo = beta + floor / microbatches
    if level > beta and microbatches > 1:  # the first micro-batch may hold more under its level
        lo = min(lo, beta + max(0.0, floor - (level - beta)) / (microbatches - 1))
    ceiling = engine.ceiling()  # one group holding everything, time-wise
    best, best_obj = None, math.inf

    def attempt(lam: float) -> bool:
        nonlocal best, best_obj
        targets = np.full(microbatches, lam)
        targets[0] = max(lam, level)
        plan = engine.fill(targets, tight=tight, deadline=fill_deadline)
        if plan is None:
            return False
        obj = plan.objective_ms()
        if obj < best_obj:
            best, best_obj = plan, obj
        return True

    hi = max(lo * 1.25, lo + 1e-9)
    try:
        while not attempt(hi):
            if hi >= ceiling:
                return None, math.inf, math.inf
            lo, hi = hi, min(2.0 * hi, ceiling)
        steps = 0
        last_fill_s = 0.0
        while hi - lo > BISECT_TOL * hi and (
            not deadline.expired() or (steps < MIN_BISECT and last_fill_s < CHEAP_FILL_S)
        ):
            steps += 1
            mid = 0.5 * (lo + hi)
            began = time.perf_counter()
            if attempt(mid):
                hi = mid
            else:
                lo = mid
            last_fill_s = time.perf_counter() - began
        # looser targets pack differently (fewer groups, larger degrees); the best real plan
        # is not always at the smallest feasible target
        for factor in LOOSER_TARGETS:
            if deadline.expired() or factor * hi >= ceiling:
                break
            attempt(factor * hi)
    except OutOfTime:  # the deadline ended a fill: the best plan so far (if any)
        return best, best_obj, (hi if best is not None else math.inf)
    return best, best_obj, hi


def first_target_search(
    engine: Engine, microbatches: int, upper: float, deadline: Deadline, *, tight: bool = False
) -> tuple[Plan | None, float]:
    """Fills whose first micro-batch has its own target ``T₀``, the others ``λ``.

    The levels of :func:`bisect_fill` put the first target at the heaviest
    sequence's time alone; the best plan often gives that micro-batch a little
    more (its long group takes some of the other sequences, the rest fit in
    fewer or lighter micro-batches). For ``λ`` on a geometric grid between
    ``β + floor / (2M)`` and ``upper / M``, the smallest ``T₀`` that fills is
    bisected from ``upper − (M − 1)·λ`` (a larger one cannot beat ``upper``).

    Returns the best plan (by its real objective; ``None`` if none beats
    nothing) and its objective in ms.
    """
    best, best_obj = None, math.inf
    if microbatches < 2 or not math.isfinite(upper):
        return best, best_obj
    beta = float(engine.fixed.min())
    low = beta + 0.5 * engine.area_floor() / microbatches
    high = upper / microbatches
    if high <= low:
        return best, best_obj

    def attempt(first: float, lam: float) -> bool:
        nonlocal best, best_obj
        targets = np.full(microbatches, lam)
        targets[0] = first
        plan = engine.fill(targets, tight=tight, deadline=deadline)
        if plan is None:
            return False
        obj = plan.objective_ms()
        if obj < best_obj:
            best, best_obj = plan, obj
        return True

    try:
        for r in range(FIRST_TARGET_GRID):
            if deadline.expired():
                break
            lam = low * (high / low) ** (r / (FIRST_TARGET_GRID - 1))
            lo, hi = lam, upper - (microbatches - 1) * lam
            if hi <= lo or not attempt(hi, lam):
                continue
            while hi - lo > BISECT_TOL * hi and not deadline.expired():
                mid = 0.5 * (lo + hi)
                if attempt(mid, lam):
                    hi = mid
                else:
                    lo = mid
    except OutOfTime:  # the deadline ended a fill: the best plan so far
        pass
    return best, best_obj


def construct(
    engine: Engine, deadline: Deadline, *, extra: int = EXTRA_MICROBATCHES, keep: int = KEEP_PLANS
) -> list[tuple[float, Plan]]:
    """Fill plans for several micro-batch counts, first-micro-batch levels and packing modes.

    Returns up to ``keep`` plans (objective in ms, plan), best first, at most
    :data:`PER_COUNT` with the same micro-batch count (local search starts from
    each: the best fill is not always the best start).
    """
    m0 = engine.min_microbatches()
    levels = level_candidates(engine)
    found: list[tuple[float, int, Plan]] = []
    m = m0
    last = m0 + extra
    tokens = int(engine.lengths.sum())
    floor = engine.area_floor()
    beta = float(engine.fixed.min())
    while m <= min(last, engine.n) and (not found or not deadline.expired()):
        if found and floor + m * beta >= min(f[0] for f in found):
            break  # m micro-batches cannot beat the best plan (area bound)
        # memory nearly full: also pack by memory (best fit), not only by time
        modes = (False, True) if tokens > TIGHT_MEMORY * m * engine.capacity() else (False,)
        for tight in modes:
            for level in levels:
                # until a plan exists, a fill may take most of the time left: a batch too
                # large to fill in time leaves the rest to the caller's quick plan (O(n log n))
                cap = None if found else Deadline(FIRST_FILL_SHARE * deadline.remaining())
                plan, obj, _ = bisect_fill(
                    engine, m, level, deadline, tight=tight, fill_deadline=cap
                )
                if plan is not None:
                    found.append((obj, m, plan))
                elif cap is not None and cap.expired():
                    return []  # a fill ran out of its half: too large to fill in time
                if deadline.expired() and found:
                    break  # out of time: one plan is enough
            if deadline.expired() and found:
                break
        if deadline.expired():
            break  # with nothing found the caller falls back to a quick plan
        if not found and m == last:
            last += 1  # nothing fits yet: more micro-batches
        m += 1
    # then the first micro-batch's own target, for the two best counts (with time left)
    by_count: dict[int, float] = {}
    for obj, count, _ in found:
        by_count[count] = min(obj, by_count.get(count, math.inf))
    for count in sorted(by_count, key=by_count.get)[:2]:
        modes = (False, True) if tokens > TIGHT_MEMORY * count * engine.capacity() else (False,)
        for tight in modes:
            if deadline.expired():
                break
            upper = min(f[0] for f in found)
            plan, obj = first_target_search(engine, count, upper, deadline, tight=tight)
            if plan is not None and obj < upper:
                found.append((obj, count, plan))
    found.sort(key=lambda f: f[0])
    out: list[tuple[float, Plan]] = []
    per: dict[int, int] = {}
    for obj, count, plan in found:
        if per.get(count, 0) < PER_COUNT and len(out) < keep:
            per[count] = per.get(count, 0) + 1
            out.append((obj, plan))
    return out


def improve(
    engine: Engine, plans: list[tuple[float, Plan]], deadline: Deadline
) -> tuple[float, Plan]:
    """Local search on each plan (sharing the deadline fairly); returns the best."""
    best = None
    for r, (_, plan) in enumerate(plans):
        share = Deadline(deadline.remaining() / (len(plans) - r))
        engine.descent(plan, share)
        obj = plan.objective_ms()
        if best is None or obj < best[0]:
            best = (obj, plan)
    return best


def greedy(engine: Engine, deadline: Deadline, *, search: bool = True) -> tuple[float, Plan] | None:
    """Best constructive plan, improved by local search when ``search``."""
    plans = construct(engine, Deadline(deadline.fraction(0.5 if search else 1.0)))
    if not plans:
        quick = quick_plan(engine, deadline)  # no fill finished in time (a very large batch)
        if quick is None:
            return None
        plans = [(quick.objective_ms(), quick)]
    if not search:
        return plans[0]
    return improve(engine, plans, deadline)


def quick_plan(engine: Engine, deadline: Deadline | None = None) -> Plan | None:
    """A plan in O(n log n) numpy, for batches too large to fill by the deadline.

    All sequences go to groups of one type that holds the longest one; sorted
    longest first, they are dealt to the groups in snake order (1..K, K..1, ...),
    with the fewest micro-batches of ``gpus // degree`` groups whose memory
    holds them. Each such type is tried while ``deadline`` lasts (the first
    always); the best plan is returned, ``None`` when some sequence fits no type.
    """
    if engine.n == 0 or not engine.feasible:
        return None
    best: Plan | None = None
    for j in range(int(engine.dmin.max()), len(engine.degrees)):
        if best is not None and deadline is not None and deadline.expired():
            break
        plan = single_type_deal(engine, j)
        if plan is not None and (best is None or plan.objective_ms() < best.objective_ms()):
            best = plan
    return best


def single_type_deal(engine: Engine, j: int) -> Plan | None:
    """The snake deal of :func:`quick_plan` into groups of type ``j`` (which holds every
    sequence)."""
    per_mb = engine.gpus // int(engine.degrees[j])
    if per_mb < 1:
        return None
    order = engine.order
    rank = np.arange(engine.n)
    tokens = engine.lengths[order]

    def deal(m: int) -> np.ndarray | None:
        """Group slot of each (sorted) sequence with ``m`` micro-batches, None if memory fails."""
        K = m * per_mb
        if engine.n <= K:  # one sequence per group: it fits (j holds every sequence)
            return rank
        block, within = np.divmod(rank, K)
        slot = np.where(block % 2 == 0, within, K - 1 - within)
        return (
            slot if np.bincount(slot, weights=tokens, minlength=K).max() <= engine.cap[j] else None
        )

    # the fewest micro-batches whose snake deal fits, by bisection between the memory's
    # minimum and a count where it always fits (each group within one longest sequence of
    # the mean): each try is O(n), n may be a million
    lo = engine.min_microbatches()
    slot = deal(lo)
    if slot is None:
        room = int(engine.cap[j]) - int(engine.lengths.max())
        most = -(-engine.n // per_mb)
        hi = most if room <= 0 else min(most, -(-int(tokens.sum()) // (room * per_mb)) + 1)
        slot = deal(hi)
        while slot is None and hi < most:  # the guarantee is approximate: widen until it fits
            lo, hi = hi, min(most, 2 * hi)
            slot = deal(hi)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            found = deal(mid)
            if found is None:
                lo = mid
            else:
                hi, slot = mid, found
    # groups 0..len(used)-1, numbered by slot (a bincount, not a sort: n may be a million)
    used = np.flatnonzero(np.bincount(slot))
    renumber = np.zeros(int(used[-1]) + 1, np.int64)
    renumber[used] = np.arange(used.size)
    group = renumber[slot]
    M = int(used.max()) // per_mb + 1
    plan = engine.empty_plan(M)
    ng = used.size
    plan.seq_group[order] = group
    plan.g_mb[:ng] = used // per_mb
    plan.g_deg[:ng] = j
    plan.g_load[:ng] = engine.fixed[j] + np.bincount(
        group, weights=engine.W[order, j], minlength=ng
    )
    plan.g_tok[:ng] = np.bincount(group, weights=tokens, minlength=ng).astype(np.int64)
    plan.g_cnt[:ng] = np.bincount(group, minlength=ng)
    plan.mb_free[:] = engine.gpus - np.bincount(plan.g_mb[:ng], minlength=M) * int(
        engine.degrees[j]
    )
    return plan


def fixed_degree(engine: Engine, j: int, deadline: Deadline) -> tuple[float, Plan] | None:
    """Best plan using only groups of type ``j`` (``None`` if some sequence is too long)."""
    sub = engine.single_type(j)
    if not sub.feasible:
        return None
    found = greedy(sub, deadline)
    if found is None:
        return None
    obj, plan = found
    # back to the full engine's type indices
    plan.g_deg[plan.g_mb >= 0] = j
    return obj, plan


def static_degree_index(instance: Instance) -> int | None:
    """Type of static SP: the smallest degree that holds the run's ``max_len``, in the cost
    model's static strategy (DeepSpeed-Ulysses for FlexSP's presets, Megatron-LM's ring
    attention for models derived from perfmodel)."""
    t = instance.tables
    first = int(np.searchsorted(t.capacity, instance.max_len, side="left"))
    if first >= len(t.degrees):
        return None
    degree = int(t.degrees[first])
    same = [j for j in range(first, len(t.degrees)) if int(t.degrees[j]) == degree]
    wanted = [j for j in same if degree == 1 or t.strategies[j] == instance.cost.static_strategy]
    return (wanted or same)[0]


def adaptive(engine: Engine, deadline: Deadline) -> tuple[int, float, Plan] | None:
    """FlexSP's batch-adaptive baseline: the best single group type for this batch."""
    feasible = [j for j in range(len(engine.degrees)) if np.all(engine.dmin <= j)]
    best = None
    for r, j in enumerate(feasible):
        found = fixed_degree(engine, j, Deadline(deadline.remaining() / (len(feasible) - r)))
        if found is not None and (best is None or found[0] < best[1]):
            best = (j, *found)
    return best
