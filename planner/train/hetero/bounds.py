"""Valid lower bounds for pipelines that span GPU pools (memory- and bubble-aware).

Every bound below is a relaxation of the exact problem solved by
:func:`planner.train.hetero.split.solve_split` for each outer combination, so it
never exceeds the step time (or cost) of any plan it covers.

Notation: for a stage ``U = u0 + u1 n`` (per-microbatch time, ``u1`` the
pool's per-layer time), memory cap ``h(f)`` layers at ``f`` microbatches in
flight (``f = min(p - j, m)`` for stage ``j``), and a bottleneck level ``T``
a stage holds at most ``x(T) = floor((T - u0) / u1)`` layers.

The coarse levels (configuration, + dp) are in
:mod:`planner.train.hetero.coarse`; this module bounds pipelines and tails.

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
from dataclasses import dataclass

import numpy as np

from planner.perfmodel.overlap import OVERLAP_SLOWDOWN
from planner.perfmodel.stage import end_costs
from planner.train.hetero.relax import (
    convex_part,
    greedy,
    hold,
    least_level,
    level,
    range_sum,
)
from planner.train.hetero.terms import MEMORY_RTOL, ComboTerms

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
            cap_bytes = self.ct.problem.capacity(self.ct.pools[key[0]].gpu)
            f = np.minimum(np.arange(self.L + 1, dtype=float), self.m)
            f[0] = 1.0
            c0 = t.mem[0] + (t.act[0] + t.logits_per) * f
            c1 = t.mem[1] + t.act[1] * f
            room = cap_bytes * (1 + MEMORY_RTOL) - c0
            caps = np.where(room >= c1, np.floor(room / np.maximum(c1, 1e-300)), 0.0)
            other = self.ct.shifted_terms(*key)
            if other is not None:  # two layer types: the tighter of both memory bounds
                c0 = other.mem[0] + (other.act[0] + other.logits_per) * f
                c1 = other.mem[1] + other.act[1] * f
                room = cap_bytes * (1 + MEMORY_RTOL) - c0
                caps = np.minimum(
                    caps, np.where(room >= c1, np.floor(room / np.maximum(c1, 1e-300)), 0.0)
                )
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
        emb, head = end_costs(self.ct.step, self.ct.pools[pool])
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
            np.minimum(caps[None, :], hold(env, W)[:, None]).sum(axis=1) for caps, env in rows
        )
        return total >= L

    return float(least_level(values, feasible, 1)[0])


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
            caps[pool] += np.where(active, np.minimum(cap, level(T, u0, u1, L, frac)), 0.0)
        for pool, a, b in self.middles:
            u0, u1, hm, pref = self.mid[pool]
            caps[pool] += range_sum(hm, pref, a, b, level(T, u0, u1, L, frac))
        return caps

    def free(self, T: np.ndarray) -> dict[str, np.ndarray]:
        """Stages below their memory cap at level ``T`` (they take more layers as T grows)."""
        L = self.table.L
        out = {pool: np.zeros(len(self.p)) for pool in self.order}
        for pool, u0, u1, cap, active, _env, _single in self.spec:
            out[pool] += active & (cap > level(T, u0, u1, L, True))
        for pool, a, b in self.middles:
            u0, u1, hm, _pref = self.mid[pool]
            above = np.searchsorted(-hm[1:], -level(T, u0, u1, L, True), side="left")
            out[pool] += np.clip(np.minimum(b, above) - a + 1, 0, None)
        return out

    def hold_tail(self, W: np.ndarray) -> np.ndarray:
        """Layers the stages hold when every tail is at most ``W``."""
        tot = np.zeros(len(self.p))
        for _pool, _u0, _u1, cap, _active, (e_single, e_multi), single in self.spec:
            tot += np.minimum(cap, np.where(single, hold(e_single, W), hold(e_multi, W)))
        for pool, a, b in self.middles:
            _u0, _u1, hm, pref = self.mid[pool]
            tot += range_sum(hm, pref, a, b, hold(self.env_mid[pool], W))
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
        tail = np.maximum(self.tau_first, least_level(values, lambda W: self.hold_tail(W) >= L, S))

        def s_of(pipes: _Pipes, T: np.ndarray) -> np.ndarray:
            return greedy(pipes.capacity(T, True), u1_of, L, len(pipes.p), pipes.forced)

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
            conv = convex_part(m - 1, hi[todo], t_end[todo], lambda T: s_of(sub, T))
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
