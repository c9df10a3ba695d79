"""Valid lower bounds for pipelines that span GPU pools (memory- and bubble-aware).

Every bound below is a relaxation of the exact problem solved by
:func:`planner.parallel.split.solve_split` for each outer combination, so it
never exceeds the step time (or cost) of any plan it covers.

Notation: for a stage ``U = u0 + u1 n`` (per-microbatch time, ``u1`` the
pool's per-layer time), memory cap ``h(f)`` layers at ``f`` microbatches in
flight (``f = min(p - j, m)`` for stage ``j``), and a bottleneck level ``T``
a stage holds at most ``x(T) = floor((T - u0) / u1)`` layers.

* **Configuration** ``(tp, cp, ep, microbatch, recompute, sp)``: every
  microbatch-layer costs ``u1_k`` seconds on ``tp cp`` GPUs of its pool, so
  ``step >= B L tp cp / (b sum_k N_k / u1_k)``; for cost
  ``>= B L tp cp min_k(price_k u1_k) / b``.
* **Configuration + dp** (``m`` microbatches, ``Q_k`` stages fit on pool
  ``k``): the least bottleneck ``T`` with ``sum_k sum_{f<=Q_k} min(h_k(f),
  x_k(T)) >= L`` (each pool given the fewest in-flight microbatches it could
  have), then ``(m - 1) T + sum U`` as below.
* **Pipeline** (pools and stage counts in order): the same with each stage's
  exact in-flight count and kind (first / last / next to another pool); the
  least integer bottleneck ``T*`` is found by bisection (capacities via
  prefix sums), and ``sum U >= sum u0 + S(T*)`` where ``S`` is the fractional
  least ``sum u1 n`` with stage caps ``min(h, (T - u0)/u1)`` (convex and
  non-increasing in ``T``; used at ``T*`` only when ``(m - 1)`` outweighs its
  steepest possible slope, else its value at ``T = inf``). The tail adds the
  smallest tail any of the pipeline's stages can have.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from planner.parallel.hetero_terms import MEMORY_RTOL, ComboTerms
from planner.parallel.instance import TrainingProblem
from planner.parallel.memory import (
    COMM_BUFFER_FRACTION,
    GIB,
    RUNTIME_RESERVED_GIB,
    layer_activation_bytes,
)
from planner.parallel.step_time import _moe_flags, layer_params, p2p_transfer

#: Bisection steps for the bottleneck (relative precision ~ 2**-STEPS of the range).
STEPS = 48


@dataclass(frozen=True)
class Kind:
    """Stage kind: its pool and position flags."""

    pool: str
    first: bool
    last: bool
    inter: bool

    @property
    def key(self) -> tuple:
        """Key for :meth:`ComboTerms.terms`."""
        return (self.pool, self.first, self.last, self.inter)


class KindTable:
    """Per stage kind of one (configuration, dp) combination: ``u0``, ``u1``, caps, least tail.

    Caps use the smallest-memory ZeRO stage (``caps``); tails are minimized
    over the allowed ZeRO stages (``zero_terms``).
    """

    def __init__(self, ct: ComboTerms, zero_terms: list[ComboTerms]) -> None:
        self.ct = ct
        self.zero_terms = zero_terms
        self.L = ct.L
        self.m = ct.m
        self._cache: dict[tuple, tuple[float, float, np.ndarray]] = {}
        self._tau: dict[tuple, float] = {}

    def get(self, key: tuple) -> tuple[float, float, np.ndarray]:
        """(u0, u1, caps[f] for f = 0..L with the in-flight count capped at m)."""
        hit = self._cache.get(key)
        if hit is None:
            t = self.ct.terms(*key)
            cap_bytes = self.ct.pools[key[0]].gpu.memory_bytes
            f = np.minimum(np.arange(self.L + 1, dtype=float), self.m)
            f[0] = 1.0
            c0 = t.mem[0] + (t.act[0] + t.logits_per) * f
            c1 = t.mem[1] + t.act[1] * f
            room = cap_bytes * (1 + MEMORY_RTOL) - c0
            caps = np.where(room >= c1, np.floor(room / np.maximum(c1, 1e-300)), 0.0)
            hit = self._cache[key] = (t.u[0], t.u[1], np.minimum(caps, self.L))
        return hit

    def tau(self, key: tuple) -> float:
        """Least tail of a stage of this kind (any layer count, any allowed ZeRO stage)."""
        hit = self._tau.get(key)
        if hit is None:
            hit = self._tau[key] = min(float(z.tail(key)[1:].min()) for z in self.zero_terms)
        return hit

    def middle(
        self, pool: str, with_boundary: bool = False
    ) -> tuple[float, float, np.ndarray, np.ndarray]:
        """Pool's middle stages: (intercept, u1, caps, prefix sums of caps).

        With ``with_boundary`` the intercept is the smaller of the middle and
        pool-boundary kinds (for bounds that do not know the positions).
        """
        u0, u1, caps = self.get(Kind(pool, False, False, False).key)
        if with_boundary:
            u0 = min(u0, self.get(Kind(pool, False, False, True).key)[0])
        return u0, u1, caps, np.concatenate([[0.0], np.cumsum(caps[1:])])


def _x(T: np.ndarray, u0: float | np.ndarray, u1: float, L: int, frac: bool) -> np.ndarray:
    """Layers a stage holds at bottleneck level ``T`` (integer unless ``frac``)."""
    x = (T - u0) / u1
    if not frac:
        x = np.floor(x + 1e-12)
    return np.clip(x, 0.0, L)


def _range_sum(hm: np.ndarray, prefix: np.ndarray, a, b, x) -> np.ndarray:
    """``sum_{f=a}^{b} min(hm[f], x)`` for non-increasing ``hm`` (vectorized; 0 if b < a)."""
    F = np.searchsorted(-hm[1:], -x, side="right")  # count of f >= 1 with hm[f] >= x
    cnt = np.clip(np.minimum(b, F) - a + 1, 0, None)
    lo = np.maximum(a - 1, np.minimum(F, b))
    out = x * cnt + prefix[np.clip(b, 0, None)] - prefix[np.clip(lo, 0, None)]
    return np.where(b >= a, out, 0.0)


def _greedy(caps: dict[str, np.ndarray], u1: dict[str, float], L: int, size: int) -> np.ndarray:
    """Least ``sum u1 n`` filling ``L`` layers into pool capacities, cheapest pool first."""
    left = np.full(size, float(L))
    s = np.zeros(size)
    for pool in sorted(caps, key=lambda k: u1[k]):
        take = np.minimum(left, caps[pool])
        s += take * u1[pool]
        left -= take
    return np.where(left > 1e-9, math.inf, s)


def pipeline_bounds(table: KindTable, order: tuple[str, ...], q: np.ndarray) -> np.ndarray:
    """Lower bound on the step time of each pipeline ``order`` with stage counts ``q[s, i]``.

    Parameters
    ----------
    table
        Kind terms of the (configuration, dp) combination.
    order
        Pool of each block (``r >= 2`` distinct pools, contiguous blocks).
    q
        ``(S, r)`` positive stage counts.

    Returns
    -------
    numpy.ndarray
        ``(S,)`` bounds (``inf`` where no split fits in memory).
    """
    L, m = table.L, table.m
    S, r = q.shape
    p = q.sum(axis=1)
    starts = np.concatenate([np.zeros((S, 1), dtype=int), np.cumsum(q, axis=1)[:, :-1]], axis=1)
    # per block: its first stage (kind depends on whether the block has one stage), its
    # last stage (blocks of >= 2 stages) and the middle stages (in-flight range a..b)
    spec = []  # (pool, u0[S], u1, cap[S], active[S])
    middles = []  # (pool, a[S], b[S])
    tail = np.zeros(S)
    for i, pool in enumerate(order):
        qi, Pi = q[:, i], starts[:, i]
        single = table.get(Kind(pool, i == 0, i == r - 1, True).key)
        head = table.get(Kind(pool, i == 0, False, i > 0).key)
        is_single = qi == 1
        f = np.clip(p - Pi, 1, L)
        spec.append(
            (
                pool,
                np.where(is_single, single[0], head[0]),
                head[1],
                np.where(is_single, single[2][f], head[2][f]),
                np.ones(S, dtype=bool),
            )
        )
        tau_first = np.where(
            is_single,
            table.tau(Kind(pool, i == 0, i == r - 1, True).key),
            table.tau(Kind(pool, i == 0, False, i > 0).key),
        )
        tail = np.maximum(tail, tau_first)
        end_key = Kind(pool, False, i == r - 1, i < r - 1).key
        end = table.get(end_key)
        f_end = np.clip(p - (Pi + qi - 1), 1, L)
        spec.append(
            (pool, np.full(S, end[0]), end[1], np.where(qi >= 2, end[2][f_end], 0.0), qi >= 2)
        )
        middles.append((pool, p - Pi - qi + 2, p - Pi - 1))
    mid = {pool: table.middle(pool) for pool in order}
    u1_of = {pool: mid[pool][1] for pool in order}

    ok = p <= L
    for _pool, _u0, _u1, cap, active in spec:
        ok &= ~active | (cap >= 1)
    for pool, a, b in middles:
        hm = mid[pool][2]
        ok &= (b < a) | (hm[np.clip(b, 0, L)] >= 1)
    out = np.full(S, math.inf)

    def capacity(T: np.ndarray, frac: bool) -> dict[str, np.ndarray]:
        caps = {pool: np.zeros(S) for pool in order}
        for pool, u0, u1, cap, active in spec:
            caps[pool] += np.where(active, np.minimum(cap, _x(T, u0, u1, L, frac)), 0.0)
        for pool, a, b in middles:
            u0, u1, hm, pref = mid[pool]
            caps[pool] += _range_sum(hm, pref, a, b, _x(T, u0, u1, L, frac))
        return caps

    big = np.full(S, math.inf)
    inf_caps = capacity(big, True)
    ok &= sum(inf_caps.values()) >= L
    if not ok.any():
        return out
    lo = np.zeros(S)
    hi = np.zeros(S)
    for _pool, u0, u1, _cap, _a in spec:
        hi = np.maximum(hi, u0 + u1 * L)
    for pool in order:
        hi = np.maximum(hi, mid[pool][0] + mid[pool][1] * L)
    for _ in range(STEPS):
        half = (lo + hi) / 2
        feas = sum(capacity(half, False).values()) >= L
        hi = np.where(feas, half, hi)
        lo = np.where(feas, lo, half)
    sum_u0 = np.zeros(S)
    for _pool, u0, _u1, _cap, active in spec:
        sum_u0 += np.where(active, u0, 0.0)
    for pool, a, b in middles:
        sum_u0 += np.clip(b - a + 1, 0, None) * mid[pool][0]
    s_hi = _greedy(capacity(hi, True), u1_of, L, S)
    s_inf = _greedy(inf_caps, u1_of, L, S)
    u1_max = max(u1_of.values())
    steep = sum(q[:, i] * (u1_max / u1_of[pool] - 1.0) for i, pool in enumerate(order))
    s_part = np.where((m - 1) >= steep, s_hi, s_inf)
    bound = (m - 1) * lo + sum_u0 + s_part + tail
    return np.where(ok, bound, out)


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
    """:class:`PoolLayer` of ``plan``'s per-layer configuration on ``pool``."""
    model, s = problem.model, problem.workload.seq_len
    flash = problem.constraints.flash_attention
    dense = expert = act = work = math.inf
    for moe in {bool(f) for f in _moe_flags(model)}:
        a, e = layer_params(model, moe, plan.tp, plan.ep)
        dense, expert = min(dense, a), min(expert, e)
        kw = dict(
            micro_batch=plan.microbatch,
            seq=s,
            tp=plan.tp,
            cp=plan.cp,
            sp=plan.sequence_parallel,
            moe=moe,
            flash=flash,
        )
        per = layer_activation_bytes(model, recompute=plan.recompute, **kw)
        act = min(act, per)
        if plan.recompute == "none":
            work = 0.0
        else:
            full = layer_activation_bytes(model, recompute="none", **kw)
            work = min(work, full - (per if plan.recompute == "selective" else 0.0))
    v = 2 * plan.interleave
    near = v * p2p_transfer(problem, replace(plan, dp=1), pool, False)
    far = v * p2p_transfer(problem, replace(plan, dp=10**9), pool, False)
    inter = v * p2p_transfer(problem, plan, pool, True)
    return PoolLayer(
        u1,
        min(near, far, inter),
        min(far, inter),
        dense,
        expert,
        act,
        work + RUNTIME_RESERVED_GIB * GIB,
        pool.gpu.memory_bytes,
    )


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
            x = _x(T, u0, u1, L, frac)
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
    u1_max = max(u1_of.values())
    steep = sum(n * (u1_max / u1 - 1.0) for _p, _u0, u1, _c, n in rows)
    inf_caps = capacity(np.full(nd, math.inf), True)
    s_t = _greedy(capacity(T, True), u1_of, L, nd)
    s_inf = _greedy(inf_caps, u1_of, L, nd)
    s_part = np.where((microbatches - 1) >= steep, s_t, s_inf)
    u0_min = np.min(np.stack([u0 for _p, u0, _u1, _c, _n in rows]), axis=0)
    bound = (microbatches - 1) * T + 2 * u0_min + s_part
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
