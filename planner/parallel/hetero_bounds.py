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
  prefix sums), and ``(m - 1) T + sum U >= min_{T >= T*} (m - 1) T + S(T) +
  sum u0`` where ``S`` is the fractional least ``sum u1 n`` with stage caps
  ``min(h, (T - u0)/u1)`` and every stage holding a layer (convex and
  non-increasing in ``T``: minimized by a ternary search whose final bracket
  ``[a, b]`` gives the valid ``(m - 1) a + S(b)``). The tail adds the
  smallest tail any of the pipeline's stages can have.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from planner.parallel.costs import embedding_cost, head_cost
from planner.parallel.hetero_terms import MEMORY_RTOL, ComboTerms
from planner.parallel.instance import TrainingProblem
from planner.parallel.memory import (
    COMM_BUFFER_FRACTION,
    GIB,
    RUNTIME_RESERVED_GIB,
    layer_activation_bytes,
)
from planner.parallel.space import divisors
from planner.parallel.step_time import OVERLAP_SLOWDOWN, _moe_flags, layer_params, p2p_transfer

#: Bisection steps for the bottleneck (relative precision ~ 2**-STEPS of the range).
STEPS = 34


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
        self._tau: dict[tuple, np.ndarray] = {}

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
        return float(self.tail_env(key)[1])

    def tail_env(self, key: tuple) -> np.ndarray:
        """``M[n] = min over n' >= n`` of the tail (least over the allowed ZeRO stages).

        Non-decreasing; the most layers a stage of this kind holds with tail at
        most ``W`` is the number of ``n >= 1`` with ``M[n] <= W``.
        """
        key = (key[0], key[1], key[2], False)  # the tail does not depend on the boundary flag
        hit = self._tau.get(key)
        if hit is None:
            tau = np.min(np.stack([z.tail(key) for z in self.zero_terms]), axis=0)
            env = np.minimum.accumulate(tau[::-1])[::-1].copy()
            env[0] = env[1]
            hit = self._tau[key] = env
        return hit

    def pool_tail_env(self, pool: str) -> np.ndarray:
        """A lower envelope of the tails of every kind of a pool's stages.

        The first and last stages add parameters (more to synchronize and
        update) and embedding / LM-head compute ``dw`` that can hide
        communication: ``max(k c', c' - (1 - k) w') >= max(k c, c - (1 - k) w)
        - (1 - k) dw`` for ``c' >= c``, so their tails are at least the middle
        stage's less ``(1 - k) dw`` (with overlap; without it, at least the
        middle stage's). The pool-boundary flag does not change the tail.
        """
        env = self.tail_env(Kind(pool, False, False, False).key)
        if not self.ct.overlap:
            return env
        return env - (1 - OVERLAP_SLOWDOWN) * self.end_compute(pool)

    def end_compute(self, pool: str) -> float:
        """Largest extra forward + backward time of the first (embedding) or last (head) stage."""
        stub, gpu = self.ct.stub, self.ct.pools[pool].gpu
        problem = self.ct.problem
        model, wl = problem.model, problem.workload
        emb = embedding_cost(
            model, gpu, micro_batch=stub.microbatch, seq=wl.seq_len, tp=stub.tp, cp=stub.cp
        )
        head = head_cost(
            model,
            gpu,
            micro_batch=stub.microbatch,
            seq=wl.seq_len,
            tp=stub.tp,
            cp=stub.cp,
            sp=stub.sequence_parallel,
            precision=wl.precision,
            tp_per_node=min(stub.tp, self.ct.pools[pool].gpus_per_node),
        )
        return max(emb, head.forward + head.backward)

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
    return np.minimum(np.maximum(x, 0.0), L)  # (np.clip is slow on small arrays)


def _range_sum(hm: np.ndarray, prefix: np.ndarray, a, b, x) -> np.ndarray:
    """``sum_{f=a}^{b} min(hm[f], x)`` for non-increasing ``hm`` (vectorized; 0 if b < a)."""
    F = np.searchsorted(-hm[1:], -x, side="right")  # count of f >= 1 with hm[f] >= x
    cnt = np.maximum(np.minimum(b, F) - a + 1, 0)
    lo = np.maximum(a - 1, np.minimum(F, b))
    out = x * cnt + prefix[np.maximum(b, 0)] - prefix[np.maximum(lo, 0)]
    return np.where(b >= a, out, 0.0)


def _greedy(
    caps: dict[str, np.ndarray],
    u1: dict[str, float],
    L: int,
    size: int,
    forced: dict[str, np.ndarray] | None = None,
) -> np.ndarray:
    """Least ``sum u1 l`` placing ``L`` layers within pool capacities (at least ``forced``)."""
    left = np.full(size, float(L))
    s = np.zeros(size)
    room = {}
    for pool in caps:
        low = forced[pool] if forced is not None else 0.0
        s += low * u1[pool]
        left -= low
        room[pool] = caps[pool] - low
        s = np.where(room[pool] < -1e-9, math.inf, s)
    for pool in sorted(caps, key=lambda k: u1[k]):
        take = np.maximum(np.minimum(left, room[pool]), 0.0)
        s += take * u1[pool]
        left -= take
    return np.where(left > 1e-9, math.inf, s)


#: Ternary-search steps for the convex part of the bound.
TERNARY_STEPS = 36


def _convex_part(m1, t0, t_end, s_of, steep=None) -> np.ndarray:
    """Valid lower bound on ``min_{T >= t0} m1 T + S(T)``.

    ``S`` is convex, non-increasing and constant beyond ``t_end``, so the
    minimum lies in ``[t0, t_end]``; a ternary search keeps a minimizer in a
    bracket ``[a, b]`` and ``m1 a + S(b)`` bounds the minimum over it. Rows
    whose ``steep`` (an upper bound on ``-S'`` beyond ``t0``) is at most ``m1``
    have their minimum at ``t0``.
    """
    s0 = s_of(t0)
    s_end = s_of(np.maximum(t_end, t0))
    out = m1 * t0 + s0
    todo = s0 > s_end * (1 + 1e-12)
    if steep is not None:
        todo &= steep > m1
    if not todo.any():
        return out
    a = t0.copy()
    b = np.maximum(t_end, t0)
    for _ in range(TERNARY_STEPS):
        t1 = a + (b - a) / 3
        t2 = b - (b - a) / 3
        f1 = m1 * t1 + s_of(t1)
        f2 = m1 * t2 + s_of(t2)
        left = (f1 <= f2) & np.isfinite(f1)  # S is infinite on a prefix (nothing fits)
        b = np.where(left, t2, b)
        a = np.where(left, a, t1)
    return np.where(todo, np.minimum(out, m1 * a + s_of(b)), out)


def _hold(env: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Most layers a stage with tail envelope ``env`` holds at tail level ``W``."""
    return np.searchsorted(env[1:], W * (1 + 1e-12), side="right").astype(float)


def _least_level(values: np.ndarray, feasible, size: int) -> np.ndarray:
    """Smallest of the sorted ``values`` passing the monotone ``feasible`` (per row; inf if none)."""
    lo = np.zeros(size, dtype=int)
    hi = np.full(size, len(values) - 1)
    for _ in range(max(1, math.ceil(math.log2(len(values) + 1))) + 1):
        mid = (lo + hi) // 2
        ok = feasible(values[mid])
        hi = np.where(ok, mid, hi)
        lo = np.where(ok, lo, np.minimum(mid + 1, len(values) - 1))
    out = values[hi]
    return np.where(feasible(out), out, math.inf)


def tail_bound(table: KindTable, stage_limits: dict[str, int]) -> float:
    """Least possible largest tail over every pipeline of a (configuration, dp) combination.

    The stage holding the most layers has the largest tail, roughly: with
    pool ``k`` holding up to ``stage_limits[k]`` stages at their fewest
    in-flight microbatches, find the least ``W`` such that stages whose tail
    is at most ``W`` can hold all ``L`` layers (tails minimized over stage
    kinds and ZeRO stages, caps at the smallest-memory ZeRO stage).
    """
    L = table.L
    rows = []
    for pool, limit in stage_limits.items():
        n = min(limit, L)
        if n >= 1:
            caps = table.middle(pool)[2][1 : n + 1]
            rows.append((caps, table.pool_tail_env(pool)))
    if len(rows) < 2:
        return math.inf
    values = np.unique(np.concatenate([env[1:] for _c, env in rows]))

    def feasible(W):
        total = sum(
            np.minimum(caps[None, :], _hold(env, W)[:, None]).sum(axis=1) for caps, env in rows
        )
        return total >= L

    return float(_least_level(values, feasible, 1)[0])


class _Pipes:
    """Stage data of many pipelines with the same pool order, one row per pipeline."""

    def __init__(self, table: KindTable, order: tuple[str, ...], q: np.ndarray) -> None:
        self.table, self.order, self.q = table, order, q
        L = table.L
        S, r = q.shape
        self.p = p = q.sum(axis=1)
        starts = np.concatenate([np.zeros((S, 1), dtype=int), np.cumsum(q, axis=1)[:, :-1]], axis=1)
        self.mid = {pool: table.middle(pool) for pool in order}
        # per block: its first stage (kind depends on whether the block has one stage),
        # its last stage (blocks of >= 2 stages), the middle stages (in-flight a..b)
        self.spec = []  # [pool, u0[S], u1, cap[S], active[S], tail env (single, multi), single[S]]
        self.middles = []  # [pool, a[S], b[S]]
        self.tau_first = np.zeros(S)
        for i, pool in enumerate(order):
            qi, Pi = q[:, i], starts[:, i]
            k_single = Kind(pool, i == 0, i == r - 1, True).key
            k_head = Kind(pool, i == 0, False, i > 0).key
            single, head = table.get(k_single), table.get(k_head)
            is_single = qi == 1
            f = np.clip(p - Pi, 1, L)
            self.spec.append(
                [
                    pool,
                    np.where(is_single, single[0], head[0]),
                    head[1],
                    np.where(is_single, single[2][f], head[2][f]),
                    np.ones(S, dtype=bool),
                    (table.tail_env(k_single), table.tail_env(k_head)),
                    is_single,
                ]
            )
            self.tau_first = np.maximum(
                self.tau_first, np.where(is_single, table.tau(k_single), table.tau(k_head))
            )
            k_end = Kind(pool, False, i == r - 1, i < r - 1).key
            end = table.get(k_end)
            f_end = np.clip(p - (Pi + qi - 1), 1, L)
            env_end = table.tail_env(k_end)
            self.spec.append(
                [
                    pool,
                    np.full(S, end[0]),
                    end[1],
                    np.where(qi >= 2, end[2][f_end], 0.0),
                    qi >= 2,
                    (env_end, env_end),
                    is_single,
                ]
            )
            self.middles.append([pool, p - Pi - qi + 2, p - Pi - 1])
        self.env_mid = {pool: table.tail_env(Kind(pool, False, False, False).key) for pool in order}
        # every stage holds a layer
        self.forced = {pool: q[:, i].astype(float) for i, pool in enumerate(order)}

    def take(self, idx: np.ndarray) -> _Pipes:
        """The pipelines of rows ``idx``."""
        out = object.__new__(_Pipes)
        out.table, out.order, out.q = self.table, self.order, self.q[idx]
        out.p, out.mid, out.env_mid = self.p[idx], self.mid, self.env_mid
        out.tau_first = self.tau_first[idx]
        out.forced = {k: v[idx] for k, v in self.forced.items()}
        out.spec = [
            [sp[0], sp[1][idx], sp[2], sp[3][idx], sp[4][idx], sp[5], sp[6][idx]]
            for sp in self.spec
        ]
        out.middles = [[pool, a[idx], b[idx]] for pool, a, b in self.middles]
        return out

    def feasible(self) -> np.ndarray:
        """Every stage holds a layer and all stages together hold ``L`` (memory only)."""
        L = self.table.L
        ok = self.p <= L
        for _pool, _u0, _u1, cap, active, _env, _single in self.spec:
            ok &= ~active | (cap >= 1)
        for pool, a, b in self.middles:
            hm = self.mid[pool][2]
            ok &= (b < a) | (hm[np.clip(b, 0, L)] >= 1)
        return ok & (sum(self.capacity(np.full(len(self.p), math.inf), True).values()) >= L)

    def capacity(self, T: np.ndarray, frac: bool) -> dict[str, np.ndarray]:
        """Layers each pool's stages hold at bottleneck level ``T``."""
        L = self.table.L
        caps = {pool: np.zeros(len(self.p)) for pool in self.order}
        for pool, u0, u1, cap, active, _env, _single in self.spec:
            caps[pool] += np.where(active, np.minimum(cap, _x(T, u0, u1, L, frac)), 0.0)
        for pool, a, b in self.middles:
            u0, u1, hm, pref = self.mid[pool]
            caps[pool] += _range_sum(hm, pref, a, b, _x(T, u0, u1, L, frac))
        return caps

    def free(self, T: np.ndarray) -> dict[str, np.ndarray]:
        """Stages below their memory cap at level ``T`` (they take more layers as T grows)."""
        L = self.table.L
        out = {pool: np.zeros(len(self.p)) for pool in self.order}
        for pool, u0, u1, cap, active, _env, _single in self.spec:
            out[pool] += active & (cap > _x(T, u0, u1, L, True))
        for pool, a, b in self.middles:
            u0, u1, hm, _pref = self.mid[pool]
            above = np.searchsorted(-hm[1:], -_x(T, u0, u1, L, True), side="left")
            out[pool] += np.clip(np.minimum(b, above) - a + 1, 0, None)
        return out

    def hold_tail(self, W: np.ndarray) -> np.ndarray:
        """Layers the stages hold when every tail is at most ``W``."""
        tot = np.zeros(len(self.p))
        for _pool, _u0, _u1, cap, _active, (e_single, e_multi), single in self.spec:
            tot += np.minimum(cap, np.where(single, _hold(e_single, W), _hold(e_multi, W)))
        for pool, a, b in self.middles:
            _u0, _u1, hm, pref = self.mid[pool]
            tot += _range_sum(hm, pref, a, b, _hold(self.env_mid[pool], W))
        return tot

    def bounds(self) -> np.ndarray:
        """Bounds of feasible rows (see :func:`pipeline_bounds`)."""
        table, order = self.table, self.order
        L, m = table.L, table.m
        S = len(self.p)
        u1_of = {pool: self.mid[pool][1] for pool in order}
        lo = np.zeros(S)
        hi = np.zeros(S)
        for _pool, u0, u1, _cap, _a, _e, _s in self.spec:
            hi = np.maximum(hi, u0 + u1 * L)
        for pool in order:
            hi = np.maximum(hi, self.mid[pool][0] + self.mid[pool][1] * L)
        t_end = hi.copy()
        for _ in range(STEPS):
            half = (lo + hi) / 2
            feas = sum(self.capacity(half, False).values()) >= L
            hi = np.where(feas, half, hi)
            lo = np.where(feas, lo, half)
        sum_u0 = np.zeros(S)
        for _pool, u0, _u1, _cap, active, _e, _s in self.spec:
            sum_u0 += np.where(active, u0, 0.0)
        for pool, a, b in self.middles:
            sum_u0 += np.clip(b - a + 1, 0, None) * self.mid[pool][0]
        # least largest tail: stages hold at most the layers their tail allows at level W
        envs = [e for sp in self.spec for e in sp[5]] + list(self.env_mid.values())
        values = np.unique(np.concatenate([e[1:] for e in envs]))
        tail = np.maximum(self.tau_first, _least_level(values, lambda W: self.hold_tail(W) >= L, S))

        def s_of(pipes: _Pipes, T: np.ndarray) -> np.ndarray:
            return _greedy(pipes.capacity(T, True), u1_of, L, len(pipes.p), pipes.forced)

        # optimum bottleneck T* in [T_int, hi): (m-1) T* + S(T*) >= (m-1) lo + S(hi);
        # T* >= hi: the convex part over [hi, t_end], where m1 T + S(T) is increasing
        # unless the stages below their cap can move layers faster than m - 1 pays
        s_hi = s_of(self, hi)
        part = (m - 1) * lo + s_hi
        u1_max = max(u1_of.values())
        steep = sum(n * (u1_max / u1_of[pool] - 1.0) for pool, n in self.free(hi).items())
        # (S(hi) is infinite when some stage cannot hold its layer yet at hi)
        todo = np.flatnonzero((steep > m - 1) | ~np.isfinite(s_hi))
        if todo.size:
            sub = self.take(todo)
            conv = _convex_part(m - 1, hi[todo], t_end[todo], lambda T: s_of(sub, T))
            part[todo] = np.minimum(part[todo], conv)
        return part + sum_u0 + tail


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
    out = np.full(len(q), math.inf)
    pipes = _Pipes(table, order, q)
    ok = np.flatnonzero(pipes.feasible())
    if ok.size:
        out[ok] = pipes.take(ok).bounds()
    return out


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
    # with exactly two usable pools both hold at least one layer
    forced = None
    if len(rows) == 2:
        forced = {pool: (n >= 1).astype(float) for pool, _u0, _u1, _c, n in rows}

    def s_of(t):
        return _greedy(capacity(t, True), u1_of, L, nd, forced)

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
            free = (caps > _x(T, u0, u1, L, True)[:, None]).sum(axis=1)
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
