"""Exact layers per stage of an interleaved pipeline whose layers have two types.

With ``v > 1`` chunks per stage, stage ``j``'s ``n_j`` layers are cut into
chunks by :func:`planner.train.step_time.chunk_layers` and the chunks run in
model order (chunk ``k`` of every stage, then chunk ``k + 1``). For a model of
``D`` dense layers followed only by MoE layers (DeepSeek-V2/V3, Kimi K2,
GLM-4.5), which stages hold the dense layers depends on the sizes of the
first chunks, i.e. on the other stages' layer counts: the split is not
separable over the stages. It becomes separable once the chunks the dense
prefix covers are fixed. :func:`dense_placements` enumerates them: walking the
chunks in model order, each chunk the prefix reaches either lies inside it
(one branch per chunk size) or ends it; every branch fixes the dense layers of
each stage and leaves each stage an interval of layer counts (a chunk's size
never falls as its stage gains layers).

Within a branch the interleaved step time is ``w max_j U_j(n_j) + max_j
tau_j(n_j)`` with ``w = m + (p - 1)/v`` (:func:`planner.perfmodel.stage.pipeline_time`
has no ``sum U`` term for ``v > 1``). ``U_j`` and stage memory grow with
``n_j`` and ``tau_j`` is convex (exposed collectives ``max(k c, c - (1 - k)
w)`` of affine volumes plus an affine optimizer), so for thresholds ``T`` on
``max U`` and ``W`` on ``max tau`` every stage allows an interval of counts and
a split exists iff the interval ends bracket ``L``. :func:`solve_branch`
walks ``W`` upwards over the values the tails take while the least feasible
``T`` can only fall (two pointers), which is exact. Stage terms come from
:func:`planner.perfmodel.stage.stage_cost` itself (no affine reading), so
partial recompute and every overlap term are priced as the step model prices
them.

The reference formulation is :func:`cpsat_chunk_split` (CP-SAT over the stage
sizes with the chunk rule, chunk positions and the layer types of any
pattern as table constraints); the tests check both against a brute force over
every composition evaluated by :func:`planner.train.step_time.quick`.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

from planner.perfmodel.memory import in_flight_microbatches
from planner.perfmodel.stage import pipeline_time, stage_cost
from planner.train.instance import TrainingPlan, TrainingProblem
from planner.train.space import least_stage_layers
from planner.train.step_time import moe_flags, training_step

#: Most dense-prefix branches enumerated before giving up (``None``: the caller falls back).
MAX_BRANCHES = 256


def chunk_size(j: int, n: int, k: int, v: int) -> int:
    """Layers of chunk ``k`` of stage ``j`` holding ``n`` layers (the rule of
    :func:`planner.train.step_time.chunk_layers`: stage 0's short chunks in front, every
    other stage's at the back)."""
    base, extra = divmod(n, v)
    longer = k >= v - extra if j == 0 else k < extra
    return base + (1 if longer else 0)


def dense_prefix_of(problem: TrainingProblem) -> int | None:
    """``D`` when the layers are ``D`` dense ones followed only by MoE layers (``D`` may be
    0 or ``L``), else ``None``."""
    flags = moe_flags(problem.model)
    D = flags.index(True) if True in flags else len(flags)
    return D if all(flags[D:]) else None


@dataclass(frozen=True)
class Branch:
    """One placement of the dense prefix: dense layers and allowed layer counts per stage."""

    dense: tuple[int, ...]
    lo: tuple[int, ...]
    hi: tuple[int, ...]


def dense_placements(
    L: int, D: int, pp: int, v: int, least: int | None = None
) -> list[Branch] | None:
    """Every placement of ``D`` leading dense layers over the chunks (``None``: too many).

    Each stage holds at least ``least`` layers (default ``v``: a layer per chunk).
    """
    least = v if least is None else least
    lo0 = [least] * pp
    hi0 = [L - least * (pp - 1)] * pp
    out: list[Branch] = []

    def walk(q: int, pos: int, dense: list[int], lo: list[int], hi: list[int]) -> bool:
        if len(out) > MAX_BRANCHES:
            return False
        if pos >= D:
            out.append(Branch(tuple(dense), tuple(lo), tuple(hi)))
            return True
        k, j = divmod(q, pp)
        if k >= v:  # every chunk dense: only when D = L
            out.append(Branch(tuple(dense), tuple(lo), tuple(hi)))
            return True
        # counts of stage j grouped by the size of its chunk k (non-decreasing in n)
        groups: dict[int, list[int]] = {}
        for n in range(lo[j], hi[j] + 1):
            groups.setdefault(chunk_size(j, n, k, v), []).append(n)
        left = D - pos
        ends = [n for c, ns in groups.items() if c > left for n in ns]
        if ends:  # the prefix ends inside this chunk
            d = dense.copy()
            d[j] += left
            a, b = lo.copy(), hi.copy()
            a[j], b[j] = min(ends), max(ends)
            out.append(Branch(tuple(d), tuple(a), tuple(b)))
        for c, ns in sorted(groups.items()):
            if c > left:
                continue
            d = dense.copy()
            d[j] += c
            a, b = lo.copy(), hi.copy()
            a[j], b[j] = min(ns), max(ns)
            if not walk(q + 1, pos + c, d, a, b):
                return False
        return True

    if hi0[0] < least:
        return []
    if not walk(0, 0, [0] * pp, lo0, hi0):
        return None
    return out


class StageTables:
    """``U``, tail and memory fit of every stage for every layer count (cached per kind)."""

    def __init__(self, problem: TrainingProblem, plan: TrainingPlan) -> None:
        self.problem = problem
        self.step = training_step(problem, plan)
        self.pool = problem.cluster.pools[0]
        self.capacity = problem.capacity(self.pool.gpu)
        self.pp, self.v = plan.pp, plan.interleave
        self.m = plan.microbatches(problem.workload.global_batch)
        self.flight = [in_flight_microbatches(j, self.pp, self.m, self.v) for j in range(self.pp)]
        self.L = problem.model.layers
        self._cost: dict[tuple, tuple[float, float, float]] = {}

    def cost(self, j: int, n: int, nd: int) -> tuple[float, float, bool]:
        """(U, tail, fits) of stage ``j`` with ``n`` layers, ``nd`` of them dense."""
        first, last = j == 0, j == self.pp - 1
        key = (n, nd, first, last, self.flight[j])
        got = self._cost.get(key)
        if got is None:
            st = stage_cost(self.step, self.pool, nd, n - nd, first, last)
            got = self._cost[key] = (st.micro, st.tail, st.memory.total(self.flight[j]))
        return got[0], got[1], got[2] <= self.capacity


def solve_branch(
    tables: StageTables, branch: Branch, weight: float, upper: float = math.inf
) -> tuple[float, list[int]] | None:
    """Least ``weight max U + max tau`` of ``branch`` (below ``upper``) and its layers."""
    pp, L = tables.pp, tables.L
    if sum(branch.lo) > L:
        return None
    U, tau = [], []
    for j in range(pp):
        lo, hi = branch.lo[j], min(branch.hi[j], L - sum(branch.lo) + branch.lo[j])
        us, ts = [], []
        for n in range(lo, hi + 1):
            u, t, fits = tables.cost(j, n, branch.dense[j])
            if not fits:  # memory grows with n: nothing larger fits either
                break
            us.append(u)
            ts.append(t)
        if not us:
            return None
        U.append(us)
        tau.append(ts)
    if sum(branch.lo[j] + len(U[j]) - 1 for j in range(pp)) < L:
        return None
    w_vals = sorted({t for ts in tau for t in ts})
    t_vals = sorted({u for us in U for u in us})
    t_floor = max(us[0] for us in U)

    def interval(j: int, W: float, T: float) -> tuple[int, int] | None:
        # tau convex: {tau <= W} is an interval; U increasing: {U <= T} a prefix
        ts, us = tau[j], U[j]
        lo = next((i for i, t in enumerate(ts) if t <= W), None)
        if lo is None or us[lo] > T:
            return None
        hi = lo
        while hi + 1 < len(ts) and ts[hi + 1] <= W and us[hi + 1] <= T:
            hi += 1
        return branch.lo[j] + lo, branch.lo[j] + hi

    def feasible(W: float, T: float) -> list[tuple[int, int]] | None:
        spans = []
        for j in range(pp):
            got = interval(j, W, T)
            if got is None:
                return None
            spans.append(got)
        if sum(a for a, _ in spans) > L or sum(b for _, b in spans) < L:
            return None
        return spans

    best, best_at = upper, None
    iT = len(t_vals) - 1
    for W in w_vals:
        if weight * t_floor + W >= best:
            break
        if feasible(W, t_vals[iT]) is None:
            continue
        # the least feasible T can only fall as W grows
        lo_i = bisect.bisect_left(t_vals, t_floor)
        while iT > lo_i and feasible(W, t_vals[iT - 1]) is not None:
            iT -= 1
        value = weight * t_vals[iT] + W
        if value < best:
            best, best_at = value, (W, t_vals[iT])
    if best_at is None:
        return None
    spans = feasible(*best_at)
    assert spans is not None
    layers = [a for a, _ in spans]
    rest = L - sum(layers)
    for j, (a, b) in enumerate(spans):
        take = min(rest, b - a)
        layers[j] += take
        rest -= take
    return best, layers


def interleaved_mixed_layers(
    problem: TrainingProblem, plan: TrainingPlan
) -> tuple[int, ...] | None:
    """Layers per stage minimizing the interleaved step time of ``plan`` under memory.

    For one pool, ``v > 1`` and a dense prefix followed by MoE layers; ``None`` when no
    split fits, or the method does not apply (then :func:`applies` is False) or the
    prefix has too many placements.
    """
    if not applies(problem, plan):
        return None
    D = dense_prefix_of(problem)
    assert D is not None
    L, pp, v = problem.model.layers, plan.pp, plan.interleave
    branches = dense_placements(L, D, pp, v, least_stage_layers(plan))
    if not branches:
        return None
    tables = StageTables(problem, plan)
    weight = pipeline_time(1.0, 0.0, tables.m, pp, v)
    best, best_layers = math.inf, None
    for br in branches:
        got = solve_branch(tables, br, weight, best)
        if got is not None and got[0] < best:
            best, best_layers = got
    return None if best_layers is None else tuple(best_layers)


def applies(problem: TrainingProblem, plan: TrainingPlan) -> bool:
    """Whether :func:`interleaved_mixed_layers` is exact for ``plan``."""
    return (
        plan.interleave > 1
        and plan.pp > 1
        and len(problem.cluster.pools) == 1
        and dense_prefix_of(problem) is not None
        and plan.pp * plan.interleave <= problem.model.layers
    )


def cpsat_chunk_split(
    problem: TrainingProblem,
    plan: TrainingPlan,
    *,
    time_limit: float = 20.0,
    threads: int = 1,
    scale: float = 1e9,
) -> tuple[int, ...] | None:
    """Reference CP-SAT model of the interleaved split for any layer pattern.

    Per stage: its layer count ``n_j``; per chunk ``(k, j)``: its size (a table of
    ``n_j``), its first layer (the sizes of the chunks before it in model order) and
    its dense layers (a table of first layer and size, read off the model's layer
    types); per stage a table of ``(n_j, dense_j, U, tau)`` over the counts that fit
    in memory. Minimizes ``w max U + max tau`` with times rounded to ``1/scale`` s.
    """
    from ortools.sat.python import cp_model

    from planner.core.cpsat import make_solver

    L, pp, v = problem.model.layers, plan.pp, plan.interleave
    least = least_stage_layers(plan)
    if pp * least > L:
        return None
    flags = moe_flags(problem.model)
    dense_before = [0]
    for f in flags:
        dense_before.append(dense_before[-1] + (not f))
    tables = StageTables(problem, plan)
    model = cp_model.CpModel()
    top = L - least * (pp - 1)
    n = [model.new_int_var(least, top, f"n{j}") for j in range(pp)]
    model.add(sum(n) == L)
    size = {}
    for k in range(v):
        for j in range(pp):
            size[k, j] = model.new_int_var(1, top, f"c{k}_{j}")
            model.add_allowed_assignments(
                [n[j], size[k, j]], [(x, chunk_size(j, x, k, v)) for x in range(least, top + 1)]
            )
    dense = [[] for _ in range(pp)]
    start = 0  # a linear expression: the sizes of the chunks before in model order
    pairs = [
        (s, c, dense_before[s + c] - dense_before[s]) for s in range(L) for c in range(1, L - s + 1)
    ]
    for k in range(v):
        for j in range(pp):
            s = model.new_int_var(0, L - 1, f"s{k}_{j}")
            model.add(s == start)
            d = model.new_int_var(0, L, f"d{k}_{j}")
            model.add_allowed_assignments([s, size[k, j], d], pairs)
            dense[j].append(d)
            start = start + size[k, j]
    weight = pipeline_time(1.0, 0.0, tables.m, pp, v)
    rows_of = []
    for j in range(pp):
        rows = []
        for x in range(least, top + 1):
            for nd in range(0, x + 1):
                u, t, fits = tables.cost(j, x, nd)
                if fits:
                    rows.append((x, nd, round(u * scale), round(t * scale)))
        if not rows:
            return None
        rows_of.append(rows)
    top_u = max(r[2] for rows in rows_of for r in rows)
    top_t = max(r[3] for rows in rows_of for r in rows)
    umax = model.new_int_var(0, top_u, "umax")
    tmax = model.new_int_var(0, top_t, "tmax")
    for j in range(pp):
        nd = model.new_int_var(0, L, f"nd{j}")
        model.add(nd == sum(dense[j]))
        u = model.new_int_var(0, top_u, f"u{j}")
        t = model.new_int_var(0, top_t, f"t{j}")
        model.add_allowed_assignments([n[j], nd, u, t], rows_of[j])
        model.add(umax >= u)
        model.add(tmax >= t)
    model.minimize(round(weight * 1000) * umax + 1000 * tmax)
    solver = make_solver(time_limit=time_limit, threads=threads)
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return tuple(solver.value(x) for x in n)
