"""Coarse lower bounds of the heterogeneous search: per configuration, and per dp.

* **Configuration** ``(tp, cp, ep, microbatch, recompute, sp)``: every
  microbatch-layer costs ``u1_k`` seconds on ``tp cp`` GPUs of its pool, so
  ``step >= B L tp cp / (b sum_k N_k / u1_k)`` (cost: ``>= B L tp cp
  min_k(price_k u1_k) / b``); and, per ``dp``, the bottleneck plus one
  pipeline pass (:func:`pass_bound`).
* **Configuration + dp** (``m`` microbatches, ``Q_k`` stages fit on pool
  ``k``): the least integer bottleneck ``T*`` with ``sum_k sum_{f<=Q_k}
  min(h_k(f), x_k(T)) >= L`` (each pool given the fewest in-flight
  microbatches it could have, the least memory of ZeRO 0/1), then
  ``min_{T >= T*} (m - 1) T + S(T)`` plus two stage intercepts
  (:func:`dp_bounds`, vectorized over all ``dp``).

Per-layer quantities are minima over the model's layer types, so the bounds
hold for any mix of dense and MoE layers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from planner.perfmodel.layer import layer_params
from planner.perfmodel.memory import COMM_BUFFER_FRACTION
from planner.perfmodel.stage import layer_memory, p2p_exposed_floor, p2p_transfer
from planner.train.hetero.relax import greedy, level
from planner.train.hetero.terms import MEMORY_RTOL
from planner.train.instance import TrainingProblem
from planner.train.space import divisors
from planner.train.step_time import moe_flags, training_step


@dataclass(frozen=True)
class PoolLayer:
    """Per-layer data of a configuration on one pool (for the position-relaxed bound).

    Attributes
    ----------
    u1
        Per-layer forward + backward time of one microbatch.
    u0_near, u0_far
        Smallest stage intercept (point-to-point transfers) when a replica's
        stage fits in one node / spans nodes (``tp cp dp < G`` or not),
        including the inter-pool link.
    dense, expert
        Smallest per-layer dense and routed-expert parameters on one GPU.
    act
        Smallest per-layer activation bytes per microbatch.
    fixed
        Smallest recompute working set plus the runtime reserve, bytes.
    capacity
        GPU memory, bytes.
    """

    u1: float
    u0_near: float
    u0_far: float
    dense: float
    expert: float
    act: float
    fixed: float
    capacity: float


def pool_layer(problem: TrainingProblem, plan, pool, u1: float) -> PoolLayer:
    """:class:`PoolLayer` of ``plan``'s per-layer configuration on ``pool``.

    Relaxes :func:`~planner.perfmodel.stage.stage_cost`: per-layer parameters,
    activations and working set are the least over the model's layer types,
    the stage intercept the least point-to-point time over placements.
    """
    step = training_step(problem, plan)
    dense = expert = act = work = math.inf
    for moe in {bool(f) for f in moe_flags(problem.model)}:
        a, e = layer_params(problem.model, moe, plan.tp, plan.ep)
        dense, expert = min(dense, a), min(expert, e)
        kept, working = layer_memory(step, moe)
        act = min(act, kept)
        work = min(work, working)
    # overlapped sends (interleaved schedules) expose at least a share of their time
    v = 2 * plan.interleave * p2p_exposed_floor(step)
    near = v * p2p_transfer(replace(step, dp=1), pool, None)
    far = v * p2p_transfer(replace(step, dp=10**9), pool, None)
    inter = v * p2p_transfer(step, pool, problem.cluster.inter_pool_bw())
    return PoolLayer(
        u1,
        min(near, far, inter),
        min(far, inter),
        dense,
        expert,
        act,
        work,
        problem.capacity(pool.gpu),
    )


def _two_pool_part(rows, T0, m1, s_of, L: int, nd: int) -> np.ndarray:
    """Exact ``min_{T >= T0} m1 T + S(T)`` for two pools (position-relaxed stages).

    With ``H`` the faster pool (``u1_H < u1_A``) and ``r = u1_A / u1_H - 1``,
    ``S(T) = const - (u1_A - u1_H) min(Cap_H(T), L - 1)`` where ``Cap_H`` is
    concave piecewise linear with slope ``N_free(T) / u1_H`` (stages below
    their memory cap). So ``m1 T + S(T)`` falls while ``r N_free(T) > m1`` and
    ``Cap_H < L - 1``, and rises afterwards: its minimum is at the first ``T``
    where ``N_free <= m1 / r`` (the next-largest cap reached) or ``Cap_H``
    reaches ``L - 1``.
    """
    (_ph, u0h, u1h, caps_h, _nh), (_pa, _u0a, u1a, _ca, _na) = sorted(rows, key=lambda r: r[2])
    s_inf = s_of(np.full(nd, math.inf))
    if u1a <= u1h * (1 + 1e-12):  # S is constant wherever finite
        return m1 * T0 + s_inf
    ratio = u1a / u1h - 1.0
    desc = -np.sort(-caps_h, axis=1)  # caps of the pool's stages, largest first
    k = np.floor(m1 / ratio).astype(int)
    n = caps_h.shape[1]
    t_a = np.where(k < n, u0h + u1h * desc[np.arange(nd), np.clip(k, 0, n - 1)], T0)
    # Cap_H(x) = sum min(c, x) = L - 1: walk the ascending caps
    asc = desc[:, ::-1]
    prefix = np.concatenate([np.zeros((nd, 1)), np.cumsum(asc, axis=1)], axis=1)
    cnt = np.arange(n, 0, -1)[None, :]  # stages with cap >= asc[i]
    at = prefix[:, :-1] + cnt * asc  # Cap_H at x = asc[i]
    target = float(L - 1)
    i = (at < target).sum(axis=1)  # first i with Cap_H(asc[i]) >= target
    reach = i < n
    ii = np.clip(i, 0, n - 1)
    x_b = (target - prefix[np.arange(nd), ii]) / np.maximum(n - ii, 1)
    t_b = np.where(reach, u0h + u1h * x_b, math.inf)
    t_star = np.maximum(T0, np.minimum(t_a, t_b))
    s_star = s_of(t_star)
    return np.where(np.isfinite(s_star), m1 * t_star + s_star, m1 * T0 + s_inf)


def dp_bounds(
    layers: dict[str, PoolLayer],
    limits: dict[str, np.ndarray],
    ds: np.ndarray,
    tp: int,
    cp: int,
    ep: int,
    microbatches: np.ndarray,
    L: int,
    gpus_per_node: dict[str, int],
) -> np.ndarray:
    """Lower bound on the step time of every pipeline of a configuration, for each ``dp``.

    Pool ``k`` may hold up to ``limits[k][i]`` stages for ``ds[i]``, all given
    the fewest in-flight microbatches ``f = 1, 2, ...`` (capped at ``m``),
    ZeRO-1 states (the least memory of ZeRO 0/1) and the smallest stage
    intercept. The least integer bottleneck ``T`` is found exactly by a binary
    search over each pool's layer level; ``sum U >= 2 u0 + S(T)`` (see the
    module notes).
    """
    nd = len(ds)
    f = np.arange(1, L + 1, dtype=float)[None, :]
    fl = np.minimum(f, microbatches[:, None])
    shards = ds * cp
    exp_shards = np.maximum(1, shards // ep)
    rows = []
    for pool, pl in layers.items():
        n = np.minimum(limits[pool], L)
        per = pl.dense * (6.0 + 12.0 / shards + 2 * COMM_BUFFER_FRACTION)
        per = per + pl.expert * (6.0 + 12.0 / exp_shards + 2 * COMM_BUFFER_FRACTION)
        c1 = per[:, None] + pl.act * fl
        room = pl.capacity * (1 + MEMORY_RTOL) - pl.fixed
        caps = np.where(room >= c1, np.floor(room / c1), 0.0)
        caps = np.where(f <= n[:, None], np.minimum(caps, L), 0.0)
        near = tp * cp * ds < gpus_per_node[pool]
        u0 = np.where(near, pl.u0_near, pl.u0_far)
        rows.append((pool, u0, pl.u1, caps, n))
    used = sum((n >= 1).astype(int) for *_r, n in rows)
    total = sum(caps.sum(axis=1) for _p, _u0, _u1, caps, _n in rows)
    ok = (used >= 2) & (total >= L)

    def capacity(T: np.ndarray, frac: bool) -> dict[str, np.ndarray]:
        out = {}
        for pool, u0, u1, caps, _n in rows:
            x = level(T, u0, u1, L, frac)
            out[pool] = np.minimum(caps, x[:, None]).sum(axis=1)
        return out

    best = np.full(nd, math.inf)
    for _pool, u0, u1, _caps, _n in rows:
        lo = np.zeros(nd, dtype=int)  # level lo-1 infeasible, search in [lo, L]
        hi = np.full(nd, L)
        for _ in range(max(1, math.ceil(math.log2(L + 1))) + 1):
            mid = (lo + hi) // 2
            feas = sum(capacity(u0 + u1 * mid, False).values()) >= L
            hi = np.where(feas, mid, hi)
            lo = np.where(feas, lo, mid + 1)
        T = u0 + u1 * hi
        feas = sum(capacity(T, False).values()) >= L
        best = np.minimum(best, np.where(feas, T, math.inf))
    ok &= np.isfinite(best)
    T = np.where(ok, best, 0.0)
    u1_of = {pool: u1 for pool, _u0, u1, _c, _n in rows}
    # with exactly two usable pools both hold at least one layer
    forced = None
    if len(rows) == 2:
        forced = {pool: (n >= 1).astype(float) for pool, _u0, _u1, _c, n in rows}

    def s_of(t):
        return greedy(capacity(t, True), u1_of, L, nd, forced)

    t_end = np.zeros(nd)
    for _pool, u0, u1, _c, _n in rows:
        t_end = np.maximum(t_end, u0 + u1 * L)
    m1 = microbatches - 1
    if len(rows) == 2:
        part = _two_pool_part(rows, T, m1, s_of, L, nd)
    else:
        # beyond T only stages below their memory cap take more layers, each moving
        # layers off the slowest pool at rate (u1_max / u1 - 1) per unit of T
        u1_max = max(u1_of.values())
        steep = np.zeros(nd)
        for _pool, u0, u1, caps, _n in rows:
            free = (caps > level(T, u0, u1, L, True)[:, None]).sum(axis=1)
            steep += free * (u1_max / u1 - 1.0)
        part = np.where(steep <= m1, m1 * T + s_of(T), m1 * T + s_of(np.full(nd, math.inf)))
    u0_min = np.min(np.stack([u0 for _p, u0, _u1, _c, _n in rows]), axis=0)
    bound = part + 2 * u0_min
    return np.where(ok, bound, math.inf)


def config_bound(
    problem: TrainingProblem, u1_by_pool: dict[str, float], tp: int, cp: int, b: int
) -> float:
    """Aggregate-throughput bound of a per-layer configuration (time or cost objective)."""
    B, L = problem.workload.global_batch, problem.model.layers
    pools = problem.cluster.pools
    if problem.constraints.objective == "cost":
        best = min(p.gpu.price_per_gpu_hour * u1_by_pool[p.label] for p in pools)
        return B * L * tp * cp * best / (b * 3600.0)
    rate = 0.0
    budget = problem.gpu_budget
    for pool in sorted(pools, key=lambda x: u1_by_pool[x.label]):
        take = min(pool.count, budget)
        rate += take / u1_by_pool[pool.label]
        budget -= take
    return B * L * tp * cp / (b * rate)


def pass_bound(
    problem: TrainingProblem, u1_by_pool: dict[str, float], tp: int, cp: int, ep: int, b: int
) -> float:
    """Bound of a per-layer configuration over every ``dp``: bottleneck plus one pipeline pass.

    For ``dp = d`` (``m`` microbatches, at most ``Q_k`` stages on pool ``k``,
    at most ``L`` stages): ``T >= L / sum_k(q_k / u1_k)`` with the fastest
    pools filled first, and ``sum U >= L u1_min + (u1_second - u1_min)`` (a
    pipeline spanning pools puts a layer on a slower pool), so
    ``step >= (m - 1) T + sum U``; the least over ``d``.
    """
    c = problem.constraints
    B, L = problem.workload.global_batch, problem.model.layers
    budget = problem.gpu_budget
    pools = problem.cluster.pools
    ds = np.array(
        [d for d in divisors(B // b) if d % ep == 0 and (c.dp is None or d == c.dp)], dtype=float
    )
    if not ds.size:
        return math.inf
    g = tp * cp * ds
    slots = np.minimum(L, np.floor(budget / g))
    left = slots.copy()
    rate = np.zeros_like(ds)
    used = np.zeros_like(ds)
    for pool in sorted(pools, key=lambda x: u1_by_pool[x.label]):
        q = np.floor(min(pool.count, budget) / g)
        take = np.minimum(q, left)
        rate += take / u1_by_pool[pool.label]
        left -= take
        used += q >= 1
    u1s = sorted(u1_by_pool[p.label] for p in pools)
    m = B / (ds * b)
    bound = (m - 1) * L / np.maximum(rate, 1e-300) + L * u1s[0] + (u1s[1] - u1s[0])
    if c.objective == "cost":
        prices = sorted(p.gpu.price_per_gpu_hour / 3600.0 for p in pools)
        bound = bound * g * (prices[0] + prices[1])
    bound = np.where((used >= 2) & (slots >= 2), bound, math.inf)
    return float(bound.min())
