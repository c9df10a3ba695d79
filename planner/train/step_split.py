"""Layers per stage minimizing the whole step model of a mixed-layer pipeline (one GPU pool).

Without interleaving, the step time of a split is

    1F1B:      (m - 1) max_j U_j + sum_j U_j + max_j tau_j
    DualPipe:  (m + (p/2 - 1) 2/3) max_r R_r + max_r Tau_r

(:func:`planner.perfmodel.stage.pipeline_time` plus the largest tail), where stage ``j``'s
time ``U_j``, tail ``tau_j`` (exposed DP sync, optimizer, embedding sync) and memory depend
on the dense and MoE layers it holds and its position, and DualPipe's rank ``r`` pairs
stage ``r`` with stage ``p - 1 - r`` (:func:`~planner.perfmodel.stage.rank_cost`:
``R_r = (U_r + U_{p-1-r}) / 2``). The split with the least ``max U`` (``max R``) need
not be the fastest: the tail and, for 1F1B, the sum (exposed p2p, partial recompute,
ZeRO-2/3 overlap) depend on the split too. This module finds the least step time exactly:

* tables of every stage's terms by its first layer and size; sizes whose least time
  exceeds what the balanced split's step time allows, or whose least memory exceeds the
  GPU, are left out with every larger size (a stage's time and memory grow with the
  layers it holds, also through the exposed p2p and ZeRO-2/3 overlap, which grow with
  the work they overlap: see :mod:`planner.perfmodel.overlap`);
* DualPipe: Pareto enumeration of the two maxima. With ``T_1`` the least ``max R``,
  ``Theta_i`` the least ``max Tau`` with ``max R <= T_i`` and ``T_{i+1}`` the least
  ``max R`` with ``max Tau < Theta_i``, every split is dominated in both maxima by some
  ``(T_i, Theta_i)`` (take the last ``T_i`` at most its ``max R``), so the best of these
  splits is the optimum; each point is a dynamic program over the ranks, outside in;
* 1F1B: for each candidate ``T`` (a stage time, ascending) and ``Theta`` (a tail value,
  ascending), the least ``sum U`` under ``U_j <= T``, ``tau_j <= Theta`` is a dynamic
  program over the stages; the optimal split's own ``(max U, max tau)`` is one of the
  pairs, and its program's split is at least as good.

Both start from the least-bottleneck split (the first program's) and stop when the lower
bound ``W T + [sum U floor] + Theta floor`` reaches the best step found. Tested against a
brute force over all compositions priced by the step model (``tests/train/test_step_split.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from planner.perfmodel.memory import in_flight_microbatches
from planner.perfmodel.stage import StageCost, pipeline_time, stage_cost
from planner.train.instance import TrainingPlan, TrainingProblem
from planner.train.space import least_stage_layers
from planner.train.step_time import balanced_stage_layers, moe_flags, quick, training_step

INF = math.inf
#: Relative slack on the size pruning, against rounding between the step model and the tables.
SLACK = 1 + 1e-9


@dataclass
class StageTable:
    """One stage's terms by its size ``n`` (dict key) and its first layer (array index).

    Arrays have ``L + 1`` entries, ``inf`` where the stage cannot start (position,
    ``least`` layers left for the other stages).
    """

    u: dict[int, np.ndarray]  # per-microbatch time
    tail: dict[int, np.ndarray]  # exposed DP sync + optimizer
    emb: dict[int, np.ndarray]  # tied-embedding all-reduce
    mem: dict[int, np.ndarray]  # memory at the stage's in-flight count, without the working set
    work: dict[int, np.ndarray]  # working set (one per GPU under DualPipe)
    low: dict[int, float] = field(default_factory=dict)  # least time of each size
    cols: dict[int, np.ndarray] = field(default_factory=dict)  # the five stacked, by start
    rows: dict[int, np.ndarray] = field(default_factory=dict)  # by layers after the stage


class Tables:
    """:class:`StageTable` of every stage of ``plan``, built by
    :func:`~planner.perfmodel.stage.stage_cost` (one call per layer mix and position)."""

    def __init__(self, problem: TrainingProblem, plan: TrainingPlan) -> None:
        self.problem, self.plan = problem, plan
        self.L, self.pp = problem.model.layers, plan.pp
        self.least = least_stage_layers(plan)
        self.partial = plan.recompute == "full" and plan.recompute_layers > 0
        self.step = training_step(problem, plan)
        self.pool = problem.cluster.pools[0]
        self.cap = problem.capacity(self.pool.gpu)
        self.mb = np.concatenate(([0], np.cumsum(moe_flags(problem.model), dtype=int)))
        m = plan.microbatches(problem.workload.global_batch)
        self.flights = [in_flight_microbatches(j, plan.pp, m, 1) for j in range(plan.pp)]
        self.costs: dict[tuple, StageCost] = {}
        self.bases: dict[tuple, np.ndarray] = {}

    def cost(self, n_dense: int, n_moe: int, first: bool, last: bool) -> StageCost:
        key = (n_dense, n_moe, first, last)
        got = self.costs.get(key)
        if got is None:
            got = self.costs[key] = stage_cost(self.step, self.pool, *key)
        return got

    def terms(self, n: int, first: bool, last: bool) -> np.ndarray:
        """Rows ``u, tail, emb, memory without the working set and activations, activations
        per in-flight microbatch, working set`` of a stage of ``n`` layers by its first layer
        (the first stage starts at 0, the last ends at ``L``; ``inf`` elsewhere), shared by
        the middle stages."""
        key = (n, first, last)
        got = self.bases.get(key)
        if got is not None:
            return got
        L = self.L
        xs = np.array([0]) if first else np.array([L - n]) if last else np.arange(L - n + 1)
        n_moe = self.mb[xs + n] - self.mb[xs]
        got = self.bases[key] = np.full((6, L + 1), INF)
        for v in np.unique(n_moe):
            c = self.cost(n - int(v), int(v), first, last)
            mem = c.memory
            fixed = mem.weights + mem.gradients + mem.optimizer + mem.logits_fixed + mem.buffers
            got[:, xs[n_moe == v]] = np.array(
                [
                    c.micro,
                    c.exposed + c.optimizer,
                    c.embedding_sync,
                    fixed,
                    mem.activations + mem.logits,
                    mem.work,
                ]
            )[:, None]
        return got

    def starts(self, j: int, n: int) -> tuple[int, int]:
        """First layers ``lo..hi`` stage ``j`` of ``n`` layers may have (``least`` per other
        stage; empty when ``lo > hi``)."""
        L, pp, k = self.L, self.pp, self.least
        if j == 0:
            return (0, 0) if n <= L - (pp - 1) * k else (1, 0)
        if j == pp - 1:
            return (L - n, L - n) if L - n >= j * k else (1, 0)
        return j * k, L - n - (pp - 1 - j) * k

    @property
    def sizes(self) -> range:
        """Layers a stage may hold (``least`` on every other stage)."""
        return range(self.least, self.L - (self.pp - 1) * self.least + 1)

    def smallest(self, j: int) -> tuple[float, float]:
        """Least time and least memory without the working set of stage ``j`` (at ``least``
        layers, anywhere it may start; over every size for the last stage under partial
        recomputation, where a larger stage can be the lighter one: :meth:`stage`)."""
        last = j == self.pp - 1
        sizes = [self.least]
        if last and self.partial:
            sizes = self.sizes
        time = memory = INF
        for n in sizes:
            lo, hi = self.starts(j, n)
            base = self.terms(n, j == 0, last)[:, lo : hi + 1]
            if base.shape[1]:
                time = min(time, float(base[0].min()))
                memory = min(memory, float((base[3] + base[4] * self.flights[j]).min()))
        return time, memory

    def stage(self, j: int, ucap: float, mcap: float | None = None) -> StageTable:
        """Stage ``j``'s table for the sizes whose least time is at most ``ucap`` and whose
        least memory is at most ``mcap`` (default: the GPU's; both grow with the layers:
        larger sizes are left out)."""
        L, pp = self.L, self.pp
        mcap = self.cap if mcap is None else mcap
        # the last stage ends at L, so one more layer moves its start back a layer; under
        # partial recomputation (the first k layers of a stage recomputed) that changes which
        # layers are recomputed, and with mixed layer types a larger last stage can be faster
        # or smaller (a dense layer recomputed instead of an MoE one): no early stop there
        sizes_grow = not (j == pp - 1 and self.partial)
        out = StageTable({}, {}, {}, {}, {})
        for n in self.sizes:
            lo, hi = self.starts(j, n)
            if lo > hi:
                break
            base = self.terms(n, j == 0, j == pp - 1)
            arrays = np.full((5, L + 1), INF)
            arrays[:3, lo : hi + 1] = base[:3, lo : hi + 1]
            arrays[3, lo : hi + 1] = base[3, lo : hi + 1] + base[4, lo : hi + 1] * self.flights[j]
            arrays[4, lo : hi + 1] = base[5, lo : hi + 1]
            if arrays[0].min() > ucap or (arrays[3] + arrays[4]).min() > mcap:
                if sizes_grow:
                    break
                continue
            for key, row in zip(("u", "tail", "emb", "mem", "work"), arrays, strict=True):
                getattr(out, key)[n] = row
            out.low[n] = float(arrays[0].min())
            out.cols[n] = arrays
            out.rows[n] = arrays[:, L - n :: -1]
        return out


def _weights(problem: TrainingProblem, plan: TrainingPlan, schedule: str) -> tuple[float, float]:
    """``(W, w_sum)``: the pipeline time is ``W max + w_sum sum`` of the stage (rank) times."""
    m = plan.microbatches(problem.workload.global_batch)
    w = pipeline_time(1.0, 0.0, m, plan.pp, 1, schedule)
    return w, pipeline_time(0.0, 1.0, m, plan.pp, 1, schedule)


# ---------------------------------------------------------------------------
# 1F1B: a dynamic program over the stages per (T, Theta)
# ---------------------------------------------------------------------------


def _chain(
    tabs: list[StageTable], L: int, cap: float, key: str, use_max: bool, T: float, theta: float
) -> tuple[float, list[int] | None]:
    """Least ``sum`` (or ``max``) of ``key`` over the splits with every ``U_j <= T``,
    ``tau_j <= theta`` and memory within ``cap``; the value and the split (``None``)."""
    value = np.full(L + 1, INF)
    value[0] = 0.0
    picks = []
    for tab in tabs:
        new = np.full(L + 1, INF)
        pick = np.zeros(L + 1, dtype=int)
        for n, u in tab.u.items():
            r = L + 1 - n
            tau = tab.tail[n][:r] + tab.emb[n][:r]
            ok = (u[:r] <= T) & (tau <= theta) & (tab.mem[n][:r] + tab.work[n][:r] <= cap)
            val = {"u": u[:r], "tail": tau}[key]
            cand = np.maximum(value[:r], val) if use_max else value[:r] + val
            cand[~ok] = INF
            sub = new[n:]
            better = cand < sub
            sub[better] = cand[better]
            pick[n:][better] = n
        value = new
        picks.append(pick)
    if value[L] == INF:
        return INF, None
    layers, end = [], L
    for pick in reversed(picks):
        layers.append(int(pick[end]))
        end -= layers[-1]
    return float(value[L]), layers[::-1]


def _chain_step(tabs: list[StageTable], layers: list[int], w: float) -> float:
    """Step time of ``layers`` by the tables (``inf`` if a stage is not in them)."""
    start, umax, usum, tmax = 0, 0.0, 0.0, 0.0
    for tab, n in zip(tabs, layers, strict=True):
        if n not in tab.u:
            return INF
        u = tab.u[n][start]
        umax, usum = max(umax, u), usum + u
        tmax = max(tmax, tab.tail[n][start] + tab.emb[n][start])
        start += n
    return w * umax + usum + tmax


def step_split_1f1b(problem: TrainingProblem, plan: TrainingPlan) -> tuple[int, ...] | None:
    """Layers per stage with the least 1F1B step time (no interleaving, one pool, any layer
    types) under every stage's memory; ``None`` when no split fits. Among splits of the
    least step time the first found from the least bottleneck up is kept."""
    tb = Tables(problem, plan)
    L, pp, cap = tb.L, tb.pp, tb.cap
    if pp * tb.least > L:
        return None
    w, w_sum = _weights(problem, plan, "1f1b")
    _, bound = _incumbent(problem, plan, balanced_stage_layers(L, pp))
    # a stage time is at most the step time over W + 1 (max U counted W times, and once in
    # sum U): larger stages cannot be in a better split
    tabs = [tb.stage(j, bound / (w + w_sum) * SLACK) for j in range(pp)]
    if sum(max(t.u, default=0) for t in tabs) < L:
        return None  # the stages' largest sizes under memory cannot hold the model
    bottleneck, best = _chain(tabs, L, cap, "u", True, INF, INF)
    if best is None:
        return None
    best_step = _chain_step(tabs, best, w)
    s_floor, _ = _chain(tabs, L, cap, "u", False, INF, INF)
    t_floor, _ = _chain(tabs, L, cap, "tail", True, INF, INF)
    for T in _values(tabs, "u", bottleneck, INF):
        if w * T + s_floor + t_floor >= best_step:
            break
        theta_min, _ = _chain(tabs, L, cap, "tail", True, T, INF)
        s_min, _ = _chain(tabs, L, cap, "u", False, T, INF)
        if theta_min == INF:
            continue
        for theta in _values(tabs, "tau", theta_min, INF, T):
            if w * T + s_min + theta >= best_step:
                break
            _s, split = _chain(tabs, L, cap, "u", False, T, theta)
            if split is None:
                continue
            got = _chain_step(tabs, split, w)
            if got < best_step:
                best, best_step = split, got
    return tuple(best)


def _incumbent(
    problem: TrainingProblem, plan: TrainingPlan, layers: tuple[int, ...]
) -> tuple[tuple[int, ...] | None, float]:
    """``layers`` and its step time by the step model (``None, inf`` if it does not fit)."""
    q = quick(problem, replace(plan, stage_layers=tuple(layers)))
    return (tuple(layers), q.step_time) if q.fits else (None, INF)


def _values(tabs: list[StageTable], key: str, lo: float, hi: float, T: float = INF) -> np.ndarray:
    """Distinct stage times (``key="u"``) or tails (``"tau"``, of stages with ``U <= T``)
    between ``lo`` and ``hi``, ascending."""
    vals = []
    for tab in tabs:
        for n, u in tab.u.items():
            v = u if key == "u" else np.where(u <= T, tab.tail[n] + tab.emb[n], INF)
            vals.append(v[(v >= lo) & (v <= hi) & np.isfinite(v)])
    return np.unique(np.concatenate(vals)) if vals else np.array([])


# ---------------------------------------------------------------------------
# DualPipe: Pareto points of (max R, max Tau), a dynamic program over the ranks each
# ---------------------------------------------------------------------------


def _ranks(
    tabs: list[StageTable], L: int, least: int, cap: float, key: str, T: float, theta: float
) -> tuple[float, list[int] | None]:
    """Least ``max`` of the rank times (``key="time"``) or rank tails (``"tail"``) over the
    DualPipe splits with every rank time ``<= T``, rank tail ``< theta`` and rank memory
    within ``cap``; the value and the split (``None``).

    Outside in: after ``r`` ranks the front stages hold layers ``[0, a)`` and the back ones
    ``[L - b, L)``; front stage ``r`` of ``nf`` layers starts at ``a``, back stage
    ``p - 1 - r`` of ``nb`` layers ends at ``L - b``. ``value`` covers the reachable
    ``a <= amax``, ``b <= bmax`` only.
    """
    pp = len(tabs)
    value = np.zeros((1, 1))
    grids, rank_pairs = [value], []
    for r in range(pp // 2):
        front, back = tabs[r], tabs[pp - 1 - r]
        inner = (pp - 2 * (r + 1)) * least  # layers the inner stages still need
        va, vb = value.shape
        pairs = [
            (nf, nb)
            for nf, uf in front.u.items()
            for nb, ub in back.u.items()
            if nf + nb + inner <= L and (front.low[nf] + back.low[nb]) / 2 <= T
        ]
        if not pairs:
            return INF, None
        amax = min(L - inner, va - 1 + max(nf for nf, _ in pairs))
        bmax = min(L - inner, vb - 1 + max(nb for _, nb in pairs))
        new = np.full((amax + 1, bmax + 1), INF)
        for nf, nb in pairs:
            ra, rb = min(va, amax + 1 - nf), min(vb, bmax + 1 - nb)
            # back stage by b: it starts at L - nb - b
            cand = _pair(
                front.cols[nf][:, :ra, None], back.rows[nb][:, None, :rb], key, T, theta, cap
            )
            sub = new[nf : nf + ra, nb : nb + rb]
            np.minimum(sub, np.maximum(value[:ra, :rb], cand), out=sub)
        # states whose inner stages cannot keep `least` layers each are dead
        new[np.add.outer(np.arange(amax + 1), np.arange(bmax + 1)) > L - inner] = INF
        value = new
        grids.append(new)
        rank_pairs.append(pairs)
    a_s = np.arange(max(0, L - value.shape[1] + 1), min(L, value.shape[0] - 1) + 1)
    ends = value[a_s, L - a_s] if len(a_s) else np.array([INF])
    best = float(ends.min())
    if best == INF:
        return INF, None
    # walk back from every optimal meeting point: any predecessor within the optimum, stage
    # sizes nearest the balanced ones first; keep the split nearest the balanced one
    balanced = balanced_stage_layers(L, pp)
    splits = [
        _walk_back(tabs, grids, rank_pairs, int(a), L, best, balanced, (key, T, theta, cap))
        for a in a_s[ends == best]
    ]
    return best, min(
        splits, key=lambda x: sum(abs(n - m) for n, m in zip(x, balanced, strict=True))
    )


def _walk_back(tabs, grids, rank_pairs, a: int, L: int, best: float, balanced, rule) -> list[int]:
    """A split of :func:`_ranks` meeting at ``a`` front layers whose ranks stay within
    ``best`` (``rule``: :func:`_pair`'s key and limits)."""
    pp = len(tabs)
    layers, b = [0] * pp, L - a
    for r in range(pp // 2 - 1, -1, -1):
        prev, k = grids[r], pp - 1 - r
        near = sorted(
            rank_pairs[r],
            key=lambda x: (abs(x[0] - balanced[r]) + abs(x[1] - balanced[k]), x),
        )
        for nf, nb in near:
            a0, b0 = a - nf, b - nb
            if not (0 <= a0 < prev.shape[0] and 0 <= b0 < prev.shape[1]) or prev[a0, b0] > best:
                continue
            if _pair(tabs[r].cols[nf][:, a0], tabs[k].rows[nb][:, b0], *rule) <= best:
                layers[r], layers[k], a, b = nf, nb, a0, b0
                break
        else:  # pragma: no cover - the forward pass reached (a, b) from some pair
            raise AssertionError("DualPipe split: no predecessor within the optimum")
    return layers


def _pair(f: np.ndarray, b: np.ndarray, key: str, T: float, theta: float, cap: float):
    """Rank time (``key="time"``) or tail of front stage terms ``f`` and back stage terms ``b``
    (:attr:`StageTable.cols` rows, broadcast), ``inf`` where the rank time exceeds ``T``, the
    tail reaches ``theta`` or the memory exceeds ``cap``."""
    time = (f[0] + b[0]) / 2
    tail = f[1] + b[1] + np.maximum(f[2], b[2])
    ok = (time <= T) & (tail < theta) & (f[3] + b[3] + np.maximum(f[4], b[4]) <= cap)
    return np.where(ok, time if key == "time" else tail, INF)


def _rank_step(tabs: list[StageTable], layers: list[int], w: float) -> float:
    """DualPipe step time of ``layers`` (a split from :func:`_ranks`) by the tables."""
    pp = len(layers)
    starts = np.concatenate(([0], np.cumsum(layers)))
    rmax = tmax = 0.0
    for r in range(pp // 2):
        (uf, tf, ef), (ub, tb, eb) = (
            [getattr(tabs[j], x)[layers[j]][starts[j]] for x in ("u", "tail", "emb")]
            for j in (r, pp - 1 - r)
        )
        rmax = max(rmax, (uf + ub) / 2)
        tmax = max(tmax, tf + tb + max(ef, eb))
    return w * rmax + tmax


def step_split_dualpipe(problem: TrainingProblem, plan: TrainingPlan) -> tuple[int, ...] | None:
    """Layers per stage with the least DualPipe step time (one pool, any layer types) under
    every rank's memory; ``None`` when no split fits.

    Rank ``r`` holds stage ``r`` and its mirror ``p - 1 - r``
    (:func:`~planner.perfmodel.memory.dualpipe_partner`, :func:`~planner.perfmodel.stage.rank_cost`):
    it costs ``(U_r + U_{p-1-r}) / 2`` per microbatch, the sum of both stages' tails and
    needs both stages' memory, so the first stage (embedding) is balanced against the last
    (LM head, loss, MTP), not against its neighbour. Among splits of the least step time the
    first Pareto point's (the least slowest rank) is kept, and of those the one nearest the
    balanced split (:func:`_ranks`' walk back).
    """
    tb = Tables(problem, plan)
    L, pp, cap, least = tb.L, tb.pp, tb.cap, tb.least
    if pp * least > L or pp % 2:
        return None
    w, _ = _weights(problem, plan, "dualpipe")
    _, bound = _incumbent(problem, plan, balanced_stage_layers(L, pp))
    # a rank time is at most the step time over W, a stage time twice that less its mirror's;
    # a stage's memory at most the GPU's less its mirror's (the working set counted once)
    small = [tb.smallest(pp - 1 - j) for j in range(pp)]
    tabs = [
        tb.stage(j, (2 * bound / w - small[j][0]) * SLACK, cap - small[j][1]) for j in range(pp)
    ]
    if sum(max(t.u, default=0) for t in tabs) < L:
        return None  # the stages' largest sizes under memory cannot hold the model
    T, best = _ranks(tabs, L, least, cap, "time", bound / w * SLACK, INF)
    if best is None:
        return None
    best_step = _rank_step(tabs, best, w)
    floor = _tail_floor(tabs, L, cap)
    theta = INF
    while True:
        theta, split = _ranks(tabs, L, least, cap, "tail", T, theta)
        if split is None:  # pragma: no cover - T was reached with a smaller tail
            return tuple(best)
        step = _rank_step(tabs, split, w)
        if step < best_step:
            best, best_step = split, step
        # the next Pareto point: the least max R with a smaller max Tau (if it may be better)
        T, _ = _ranks(tabs, L, least, cap, "time", (best_step - floor) / w, theta)
        if T == INF:
            return tuple(best)


def _tail_floor(tabs: list[StageTable], L: int, cap: float) -> float:
    """A lower bound on the largest rank tail of every split in the tables: rank 0's least
    (its stages start at 0 and end at ``L``), and for the others the least tails of their
    two stages anywhere."""
    pp = len(tabs)
    first, last = tabs[0], tabs[-1]
    floor = INF
    for nf, f in first.cols.items():
        for nb, b in last.cols.items():
            if nf + nb <= L and f[3, 0] + b[3, L - nb] + max(f[4, 0], b[4, L - nb]) <= cap:
                floor = min(floor, f[1, 0] + b[1, L - nb] + max(f[2, 0], b[2, L - nb]))
    for r in range(1, pp // 2):
        low = [min(t.tail[n].min() for n in t.tail) for t in (tabs[r], tabs[pp - 1 - r])]
        floor = max(floor, sum(low))
    return floor
