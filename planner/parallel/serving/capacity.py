"""Batching + queueing model of one replica: SLO metrics at a load, and capacity.

Roles (DistServe-style disaggregation is optional):

``both``
    One engine does prefill and decode with continuous batching and chunked
    prefill (Sarathi-Serve / vLLM V1): every iteration advances all ``B``
    running sequences by one token and carries up to ``chunk`` prompt tokens
    when prefill work is waiting. A prompt of ``p`` tokens occupies the
    prefill "server" for ``S(p) = floor(p/C) t(B + C) + t(B + p mod C) +
    attn(p)`` (its chunk iterations, including the decode batch riding along).
``prefill``
    Prefill only (``B = 0``, prompts up to ``PREFILL_CHUNK_TOKENS`` in one
    iteration); TTFT also counts shipping the prompt's KV cache to a decode
    replica over the NIC.
``decode``
    Decode only: ``TPOT = t(B)``, no interference.

Steady state of an engine with arrival rate ``lam`` (requests/s), ``D = O - 1``
decode iterations per request, ``a = E[chunk iterations per prompt]``,
``s = E[S]``, ``t0 = t(B)`` (decode-only iteration):

* Little's law on the decode batch: ``B = lam E[D] T`` with ``T`` the mean
  iteration time; chunk iterations run at rate ``lam a``, decode-only ones
  fill the remaining time ``(1 - lam s) / t0``. Solving gives the rate as a
  function of the batch, ``lam(B) = B / (E[D] t0 + B (s - a t0))`` (valid
  while ``B a < E[D]``); the model is parametrized by ``B``.
* TTFT at the percentile: GI/G/1 waiting-time quantile of the prefill queue
  (:mod:`planner.parallel.serving.queueing`) + the service-time quantile +
  one decode iteration (the one in progress at arrival). The sum of
  quantiles is conservative.
* TPOT at the percentile: binomial number of chunk iterations among a
  request's ``D`` iterations (:func:`~planner.parallel.serving.queueing.tpot_quantile`).
* KV cache at the percentile: M/G/inf compound-Poisson total of the tokens
  of running sequences (plus prompts in prefill) must fit the engine's cache;
  offline (no rate, no SLO) only the mean must fit.

Capacity = the largest ``lam`` whose operating point meets every target;
all metrics grow with ``B`` (and ``lam(B)`` grows with ``B``), so it is found
by bisection on ``B``. A replica's capacity is its engines' capacity times
``pp * ep``.

Named constants: ``CHUNK_OPTIONS`` (prefill chunk sizes tried for ``both``,
the best one is kept), ``PREFILL_CHUNK_TOKENS``, ``MAX_UTILIZATION`` (online
prefill servers are not loaded beyond this, so queues stay finite even
without a TTFT target).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from planner.parallel.serving.queueing import (
    compound_quantile,
    discrete_quantile,
    gg1_mean_wait,
    tpot_quantile,
    wait_quantile,
)
from planner.parallel.serving.slo import SLO
from planner.parallel.serving.step import EngineModel
from planner.parallel.serving.traffic import Traffic
from planner.parallel.serving.units import format_duration

ROLES = ("both", "prefill", "decode")
CHUNK_OPTIONS = (512, 2048, 8192)
PREFILL_CHUNK_TOKENS = 16384
MAX_UTILIZATION = 0.98
#: Relative slack when comparing a metric with its target (float noise only).
TOL = 1e-9
_BISECT = 60


@dataclass(frozen=True)
class OperatingPoint:
    """Predicted metrics of one engine at one load.

    Attributes
    ----------
    role, chunk
        Replica role and prefill chunk size.
    rate
        Arrivals per second at this engine.
    batch
        Mean decode sequences in flight.
    ttft_s, tpot_s
        TTFT and TPOT at the SLO percentile (0 when the role has none).
    tpot_mean_s
        Mean iteration time.
    kv_tokens, kv_capacity
        KV-cache tokens needed (at the percentile online) and available.
    utilization
        Busy fraction of the prefill server.
    violations
        Targets missed, in words (empty when the point is feasible).
    """

    role: str
    chunk: int
    rate: float
    batch: float
    ttft_s: float
    tpot_s: float
    tpot_mean_s: float
    kv_tokens: float
    kv_capacity: float
    utilization: float
    violations: tuple[str, ...] = field(default=())

    @property
    def feasible(self) -> bool:
        """True when every target is met."""
        return not self.violations


class RoleModel:
    """The queueing model of one engine in one role.

    Parameters
    ----------
    engine
        Step times and memory of the engine.
    role
        ``both``, ``prefill`` or ``decode``.
    traffic
        Length distributions, KV moments and burstiness (the rate is not used).
    slo
        Targets and percentile.
    chunk
        Prefill chunk (``both``) or prefill batch budget (``prefill``) in tokens.
    online
        Percentile KV headroom and the utilization cap apply (a rate or an SLO
        was given); offline only the mean KV must fit.
    max_batch
        Optional cap on the mean decode batch (e.g. vLLM ``max_num_seqs``).
    """

    def __init__(
        self,
        engine: EngineModel,
        role: str,
        traffic: Traffic,
        slo: SLO,
        *,
        chunk: int | None = None,
        online: bool = True,
        max_batch: float | None = None,
    ) -> None:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        self.engine = engine
        self.role = role
        self.traffic = traffic
        self.slo = slo
        self.q = slo.percentile
        self.online = online
        self.max_batch = max_batch
        if not chunk or chunk < 1:
            chunk = PREFILL_CHUNK_TOKENS if role == "prefill" else 2048
        self.chunk = 0 if role == "decode" else int(chunk)
        split = int(chunk)  # decode replicas never prefill; any split keeps the arrays finite
        self.ca2 = max(1.0, traffic.arrival_scv)
        self.p = np.asarray(traffic.prompt.values, dtype=float)
        self.wp = np.asarray(traffic.prompt.weights, dtype=float)
        self.d = np.maximum(0.0, np.asarray(traffic.output.values, dtype=float) - 1.0)
        self.wo = np.asarray(traffic.output.weights, dtype=float)
        self.ed = traffic.mean_decode_tokens
        self.ctx = traffic.decode_context
        self.split = split
        self.n_full = np.floor(self.p / split)
        self.rem = self.p - self.n_full * split
        self.iters = self.n_full + (self.rem > 0)
        self.attn = engine.prefill_attention_time(self.p * (self.p + 1) / 2)
        self.kv_cap = engine.kv_tokens
        self._transfer = engine.kv_transfer_time(self.p) if role == "prefill" else 0.0 * self.p

    # ------------------------------------------------------------- helpers
    def _service(self, B: float) -> tuple[float, np.ndarray]:
        """(decode-only iteration time, prefill service time per prompt class) at batch ``B``."""
        e = self.engine
        toks = np.concatenate(([B, B + self.split], B + self.rem))
        t = e.base_time(toks, B, self.ctx if B > 0 else 0.0)
        t0, tc, trem = float(t[0]), float(t[1]), t[2:]
        S = self.n_full * tc + np.where(self.rem > 0, trem, 0.0) + self.attn
        return t0, S

    def _check(
        self, ttft: float, tpot: float, kv: float, util: float, batch: float
    ) -> tuple[str, ...]:
        out = []
        pct = self.slo.pct_label
        if self.slo.ttft_s is not None and ttft > self.slo.ttft_s * (1 + TOL):
            out.append(f"TTFT {pct} {format_duration(ttft)} > {format_duration(self.slo.ttft_s)}")
        if self.slo.tpot_s is not None and tpot > self.slo.tpot_s * (1 + TOL):
            out.append(f"TPOT {pct} {format_duration(tpot)} > {format_duration(self.slo.tpot_s)}")
        if kv > self.kv_cap * (1 + TOL):
            what = f"{pct} " if self.online else ""
            out.append(
                f"KV cache needs {kv:,.0f} tokens {what}per engine, holds {self.kv_cap:,.0f}"
            )
        limit = MAX_UTILIZATION if self.online else 1.0
        if util > limit * (1 + TOL) or (not self.online and util >= 1.0):
            out.append(f"prefill utilization {util:.1%} > {limit:.0%}")
        if self.max_batch is not None and batch > self.max_batch * (1 + TOL):
            out.append(f"mean batch {batch:.1f} > max_batch {self.max_batch:g}")
        return tuple(out)

    def _point(
        self, lam: float, batch: float, ttft: float, tpot: float, tmean: float, kv: float, u: float
    ) -> OperatingPoint:
        lam, batch, ttft, tpot, tmean, kv, u = map(float, (lam, batch, ttft, tpot, tmean, kv, u))
        return OperatingPoint(
            self.role,
            self.chunk,
            lam,
            batch,
            ttft,
            tpot,
            tmean,
            kv,
            float(self.kv_cap),
            u,
            self._check(ttft, tpot, kv, u, batch),
        )

    # ---------------------------------------------------------- prefill-like
    def _prefill_at_rate(self, lam: float) -> OperatingPoint:
        """Prefill replicas (and ``both`` when no request decodes): no decode batch."""
        t0, S = self._service(0.0)
        s1 = float(np.dot(self.wp, S))
        s2 = float(np.dot(self.wp, S * S))
        u = lam * s1
        w_q = wait_quantile(lam, s1, s2, self.q, self.ca2)
        total = S + self._transfer
        ttft = w_q + discrete_quantile(total, self.wp, self.q) + (t0 if self.role == "both" else 0)
        ew = gg1_mean_wait(lam, s1, s2, self.ca2)
        hold = (ew if math.isfinite(ew) else 0.0) + s1 + float(np.dot(self.wp, self._transfer))
        kv_mean = lam * hold * float(np.dot(self.wp, self.p))
        kv_var = lam * hold * float(np.dot(self.wp, self.p**2))
        kv = compound_quantile(kv_mean, kv_var, self.q) if self.online else kv_mean
        kv = max(kv, float(self.p.max()))  # one whole prompt must fit
        return self._point(lam, 0.0, ttft, 0.0, 0.0, kv, u)

    # ---------------------------------------------------------- parametric
    def at_batch(self, B: float) -> OperatingPoint:
        """Operating point with a mean decode batch ``B`` (``both`` and ``decode`` roles)."""
        if self.role == "prefill" or self.ed <= 0:
            raise ValueError("at_batch needs a decode batch")
        t0, S = self._service(B)
        if self.role == "decode":
            lam = B / (self.ed * t0)
            kv_mean = lam * t0 * self.traffic.kv1
            kv_var = lam * t0 * self.traffic.kv2
            kv = compound_quantile(kv_mean, kv_var, self.q) if self.online else kv_mean
            kv = max(kv, self.traffic.max_context)
            return self._point(lam, B, 0.0, t0, t0, kv, 0.0)
        a = float(np.dot(self.wp, self.iters))
        s1 = float(np.dot(self.wp, S))
        s2 = float(np.dot(self.wp, S * S))
        extra = max(0.0, s1 - a * t0)
        lam = B / (self.ed * t0 + B * extra)
        u = lam * s1
        r_c = lam * a
        r_0 = max(0.0, 1.0 - u) / t0
        tmean = 1.0 / (r_c + r_0) if r_c + r_0 > 0 else t0
        p_c = r_c * tmean
        delta = extra / a if a > 0 else 0.0
        tpot = tpot_quantile(t0, delta, p_c, self.d, self.wo, self.q)
        w_q = wait_quantile(lam, s1, s2, self.q, self.ca2)
        ttft = w_q + discrete_quantile(S, self.wp, self.q) + t0
        ew = gg1_mean_wait(lam, s1, s2, self.ca2)
        hold = (ew if math.isfinite(ew) else 0.0) + s1
        kv_mean = lam * tmean * self.traffic.kv1 + lam * hold * float(np.dot(self.wp, self.p))
        kv_var = lam * tmean * self.traffic.kv2 + lam * hold * float(np.dot(self.wp, self.p**2))
        kv = compound_quantile(kv_mean, kv_var, self.q) if self.online else kv_mean
        kv = max(kv, self.traffic.max_context)
        return self._point(lam, B, ttft, tpot, tmean, kv, u)

    def batch_limit(self) -> float:
        """Largest mean batch the model admits (prefill saturation, mean KV, ``max_batch``)."""
        limit = self.kv_cap / max(self.ctx, 1.0)
        if self.max_batch is not None:
            limit = min(limit, float(self.max_batch))
        if self.role == "both":
            a = float(np.dot(self.wp, self.iters))
            if a > 0:
                limit = min(limit, self.ed / a * (1 - 1e-9))
        return max(limit, 0.0)

    def at_rate(self, lam: float) -> OperatingPoint:
        """Operating point at arrival rate ``lam`` per engine (the forward model).

        The decode batch solving ``lam(B) = lam`` is found by bisection; a rate
        beyond what any admissible batch sustains returns a point whose
        violations say the engine is saturated.
        """
        if lam < 0:
            raise ValueError("negative rate")
        if self.role == "prefill" or self.ed <= 0:
            return self._prefill_at_rate(lam)
        if lam == 0:
            return self.at_batch(1e-9)
        hi = self.batch_limit()
        top = self.at_batch(hi) if hi > 0 else None
        if top is None or top.rate < lam * (1 - TOL):
            sat = top.rate if top is not None else 0.0
            base = top if top is not None else self.at_batch(1e-9)
            return OperatingPoint(
                self.role,
                self.chunk,
                lam,
                base.batch,
                math.inf,
                math.inf,
                math.inf,
                base.kv_tokens,
                self.kv_cap,
                1.0,
                (f"saturated: at most {sat:.4g} req/s per engine",),
            )
        lo = 0.0
        for _ in range(200):
            mid = (lo + hi) / 2
            if self.at_batch(mid).rate < lam:
                lo = mid
            else:
                hi = mid
            if hi - lo <= 1e-12 * max(1.0, hi):
                break
        return self.at_batch(hi)

    # ------------------------------------------------------------ capacity
    def capacity(self) -> tuple[float, OperatingPoint, OperatingPoint]:
        """(max feasible rate per engine, point at that rate, point at zero load).

        The rate is 0 when even the zero-load point misses a target.
        """
        if self.role == "prefill" or self.ed <= 0:
            return self._prefill_capacity()
        floor = self.at_batch(min(1e-6, max(self.batch_limit(), 1e-12)))
        hi_b = self.batch_limit()
        if not floor.feasible or hi_b <= 1e-6:
            return 0.0, floor, floor
        top = self.at_batch(hi_b)
        if top.feasible:
            return top.rate, top, floor
        lo_b, best = 1e-6, floor
        for _ in range(_BISECT):
            mid = math.sqrt(lo_b * hi_b) if hi_b > 4 * lo_b else (lo_b + hi_b) / 2
            pt = self.at_batch(mid)
            if pt.feasible:
                lo_b = mid
                if pt.rate > best.rate:
                    best = pt
            else:
                hi_b = mid
            if hi_b - lo_b <= 1e-5 * hi_b:
                break
        return best.rate, best, floor

    def _prefill_capacity(self) -> tuple[float, OperatingPoint, OperatingPoint]:
        floor = self._prefill_at_rate(0.0)
        if not floor.feasible:
            return 0.0, floor, floor
        _, S = self._service(0.0)
        s1 = float(np.dot(self.wp, S))
        hi = 1.0 / s1
        lo, best = 0.0, floor
        for _ in range(_BISECT):
            mid = (lo + hi) / 2
            pt = self._prefill_at_rate(mid)
            if pt.feasible:
                lo, best = mid, pt
            else:
                hi = mid
            if hi - lo <= 1e-6 * hi:
                break
        return best.rate, best, floor
