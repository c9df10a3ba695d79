"""The wait for KV-cache room before a request is admitted to a continuous-batching engine.

The running set's KV demand is a sum of per-request footprints (prompt, plus the tokens
generated so far with on-demand blocks, or the whole output when reserved), so it
fluctuates with the number of running sequences ``B`` and with their lengths. A request
arriving while the cache is full waits, first come first served, until finishing requests
release enough of it. That wait is modelled by a birth-death chain on ``B``:

* departures: ``mu(B) = B (1 - lam E[x](B)) / (E[D] t_0(B))`` per second, the decode
  iterations left after the prompts' chunks (``lam E[x]``: the share of time the
  prefill work of the arrivals stretches iterations), each advancing every sequence by
  a token; ``mu`` grows more slowly than ``B`` because the iteration slows with the
  batch, which is what makes the batch wander far from its mean near full load;
* arrivals: ``lam``; an arrival also delays every running sequence by its prompt's
  prefill ``x``, worth ``r x`` departures with ``r = B / (E[D] t_0)``, so it moves ``B`` by
  ``J = 1 + r x`` in the diffusion limit (infinitesimal variance ``lam c_a^2 E[J^2]``);
* the lengths: a request holds ``f`` KV tokens, not ``E[f]``; measured in mean footprints,
  each arrival or departure also moves the demand by ``(f - E[f]) / E[f]``, variance
  ``Var f / E[f]^2`` per event (the compound sum's ``E[B] Var f`` when the batch is
  Poisson).

The chain with unit steps whose rates match that drift ``m = lam - mu`` and variance
``v`` (``beta = (v + m) / 2`` up, ``gamma = (v - m) / 2`` down; ``lam`` and ``mu`` exactly
for a Poisson stream of unit-footprint requests) has the product-form stationary law
``pi(k + 1) / pi(k) = beta(k) / gamma(k + 1)``. From ``K``, the batch the cache holds
(its KV tokens over the mean footprint, or ``max_batch``), on, new requests queue and
the rates are those at ``K`` with admissions, not arrivals, feeding the prefill (a queued
request's prompt is computed once a departure makes room for it): ``mu_Q = K / (E[D] t_0(K)
+ K E[x])``, the rate at which a full engine turns requests over, and no prompt stretch
in the variance (``J = 1``); a geometric tail of ratio ``rho = beta(K) / gamma(K)``.
An arrival finds the cache full with probability ``P = P(k >= K)`` (Poisson arrivals
see time averages) and then ``j`` requests ahead with ``P(j) ~ rho^j``: it waits for
``j + 1`` departures at rate ``mu(K)``, an exponential wait of rate ``mu(K) (1 - rho)``
(``mu(K) - lam`` for the M/M/K-type chain, Erlang's delay system when ``mu(k) = k mu``).
``rho >= 1``: the cache cannot keep up, the wait is unbounded.

:class:`KvWaitLaw` adds that wait (independent of what follows: the request joins the
prefill queue when admitted) to a TTFT law: ``P(X + W <= t) = (1 - P) F(t) + P (F *
Exp)(t)``, the convolution by recursion over a piecewise-linear ``F``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from planner.serve.queueing import illinois_point, illinois_update

#: Points of the TTFT law's CDF the convolution with the wait is computed on, and how many
#: of them lie past the wrapped law's ``1 - (1 - q) / 2`` quantile (where its CDF is flat).
GRID_POINTS = 49
TAIL_POINTS = 12


@dataclass(frozen=True)
class AdmissionWait:
    """Law of the wait for KV-cache room: 0 with probability ``1 - probability``, else
    exponential with ``rate`` (``rate == 0``: unbounded, the cache cannot keep up)."""

    probability: float
    rate: float

    def negligible(self, q: float) -> bool:
        """``True`` when the wait cannot move a ``q`` quantile by more than the laws'
        resolution (``P <= 1e-7 (1 - q)``: the quantile moves to at most that of level
        ``q + P``)."""
        return self.probability <= 1e-7 * (1.0 - q)


def chain_tail(births: np.ndarray, deaths: np.ndarray) -> tuple[float, float]:
    """``(P(k >= K), rho)`` of a birth-death chain on ``0, 1, 2, ...``.

    ``births[k]`` is the rate from ``k`` to ``k + 1`` and ``deaths[k]`` from ``k`` to
    ``k - 1`` for ``k = 0..K`` (``deaths[0]`` unused); beyond ``K`` the rates stay
    ``births[K]`` and ``deaths[K]``, a geometric tail of ratio ``rho = births[K] /
    deaths[K]``. ``P = 1`` when ``rho >= 1`` (no stationary law).
    """
    births = np.asarray(births, dtype=float)
    deaths = np.asarray(deaths, dtype=float)
    K = births.size - 1
    if K < 1:
        raise ValueError("chain_tail needs K >= 1")
    if deaths[K] <= 0:
        return 1.0, math.inf
    rho = births[K] / deaths[K]
    if rho >= 1.0:
        return 1.0, rho
    with np.errstate(divide="ignore"):
        steps = np.log(births[:K]) - np.log(deaths[1:])  # log pi(k + 1) / pi(k)
    log_pi = np.concatenate([[0.0], np.cumsum(steps)])
    top = float(log_pi.max())
    pi = np.exp(log_pi - top)
    tail = float(pi[K]) / (1.0 - rho)
    return tail / (float(pi[:K].sum()) + tail), rho


def admission_wait(
    lam: float,
    mu: np.ndarray,
    var: np.ndarray,
    queue_mu: float | None = None,
    queue_var: float | None = None,
) -> AdmissionWait:
    """The wait for KV room when the batch's departure rate is ``mu[k]`` and its
    infinitesimal variance ``var[k]`` at ``k = 0..K`` running requests, ``K`` the batch
    the cache holds (module notes); ``queue_mu``, ``queue_var``: the departure rate and
    variance once requests queue (default ``mu[K]``, ``var[K]``).

    Variances are clipped to at least ``|lam - mu|`` (a chain's rates are not negative; the
    variance of unit arrivals and departures, ``lam + mu``, always is).
    """
    mu = np.array(mu, dtype=float)
    var = np.array(var, dtype=float)
    if queue_mu is not None:
        mu[-1] = queue_mu
    if queue_var is not None:
        var[-1] = queue_var
    drift = lam - mu
    var = np.maximum(var, np.abs(drift))
    births, deaths = 0.5 * (var + drift), 0.5 * (var - drift)
    p, rho = chain_tail(births, deaths)
    if rho >= 1.0:
        return AdmissionWait(1.0, 0.0)
    return AdmissionWait(p, float(mu[-1]) * (1.0 - rho))


class KvWaitLaw:
    """A TTFT law plus the KV admission wait (same interface as the laws it wraps).

    ``cdf`` is the wrapped law's CDF (without its offset), 0 below ``lo``; ``hi`` a point
    where it reaches ``q``. The quantile is computed once, on a grid of
    :data:`GRID_POINTS` points from ``lo`` to a point where the sum surely passes ``q``
    (the wrapped law's ``1 - (1 - q) / 2`` quantile ``a``, plus the wait's), the last
    :data:`TAIL_POINTS` of them past ``a``.
    """

    def __init__(
        self,
        cdf: Callable[[float], float],
        lo: float,
        hi: float,
        wait: AdmissionWait,
        q: float,
        saturated: bool = False,
    ) -> None:
        self._cdf, self.lo, self._hi, self.wait, self.q = cdf, lo, hi, wait, q
        self.saturated = saturated or wait.rate <= 0
        self._value: float | None = None
        self._grid: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # (t, F, G)

    def quantile(self) -> float:
        """The ``q`` quantile of TTFT (without offset) with the wait; ``inf`` if unbounded."""
        if self._value is None:
            self._value = math.inf if self.saturated else self._compute()
        return self._value

    def estimate(self) -> float:
        """The quantile (computed once: the estimate is the value)."""
        return self.quantile()

    def within(self, limit: float, offset: float = 0.0) -> bool:
        """``not (quantile() + offset > limit)``."""
        return not (self.quantile() + offset > limit)

    def at_most(self, t: float) -> float:
        """``P(X + W <= t)`` (0 if unbounded): ``(1 - P) F(t) + P G(t)`` as the quantile
        reads it, ``G`` interpolated on the quantile's grid and, past its top, one more step
        of the same recursion (``F`` linear from the top to ``t``)."""
        if self.saturated:
            return 0.0
        self.quantile()  # builds the grid
        assert self._grid is not None
        grid, F, G = self._grid
        t = float(t)
        if t < grid[0]:
            return 0.0
        f = min(1.0, max(0.0, self._cdf(t)))
        if t <= grid[-1]:
            g = float(np.interp(t, grid, G))
        else:
            z = self.wait.rate * (t - float(grid[-1]))
            one = -math.expm1(-z)
            lin = 0.5 * z if z <= 1e-8 else 1.0 - one / z
            g = math.exp(-z) * float(G[-1]) + float(F[-1]) * one + (f - float(F[-1])) * lin
        return (1.0 - self.wait.probability) * f + self.wait.probability * g

    def _compute(self) -> float:
        q, wait = self.q, self.wait
        lo = self.lo
        # a point past the wrapped law's 1 - (1 - q) / 2 quantile ...
        half = 1.0 - 0.5 * (1.0 - q)
        a = max(self._hi, lo + 1e-12)
        for _ in range(200):
            if self._cdf(a) >= half:
                break
            a = lo + 2.0 * (a - lo)
        # ... plus the wait's: P(X + W > a + b) <= P(X > a) + P(W > b) <= 1 - q
        ratio = 2.0 * wait.probability / (1.0 - q)
        b = math.log(ratio) / wait.rate if ratio > 1.0 else 0.0
        # the wrapped law's CDF changes on [lo, a]; beyond it is within (1 - q) / 2 of 1
        inner = GRID_POINTS - TAIL_POINTS
        t = np.concatenate([np.linspace(lo, a, inner), np.linspace(a, a + b, TAIL_POINTS + 1)[1:]])
        F = np.maximum.accumulate(np.clip([self._cdf(float(x)) for x in t], 0.0, 1.0))
        # G(t) = int F(t - w) rate e^(-rate w) dw, F linear between grid points: per step
        # G(t_i) = e^-z G(t_i-1) + F(t_i-1) (1 - e^-z) + (F(t_i) - F(t_i-1)) (1 - (1 - e^-z) / z)
        z = wait.rate * np.diff(t)
        decay = np.exp(-z)
        one = -np.expm1(-z)
        small = z <= 1e-8
        lin = np.where(small, 0.5 * z, 1.0 - one / np.where(small, 1.0, z))
        G = np.empty_like(F)
        G[0] = 0.0
        for i in range(1, F.size):
            G[i] = decay[i - 1] * G[i - 1] + F[i - 1] * one[i - 1] + (F[i] - F[i - 1]) * lin[i - 1]
        self._grid = (t, F, G)
        P = wait.probability
        H = (1.0 - P) * F + P * G
        # the grid brackets the quantile; G is smooth (a convolution with an exponential),
        # F is not: the root of (1 - P) F(t) + P G(t) - q with F exact and G interpolated
        k = int(np.argmax(np.greater_equal(H, q)))
        if H[k] < q:  # numerical edge: the top of the grid
            return float(t[-1])
        if k == 0:
            return float(t[0])

        def excess(x: float) -> float:
            return (1.0 - P) * self._cdf(x) + P * float(np.interp(x, t, G)) - q

        lo, hi = float(t[k - 1]), float(t[k])
        f_lo, f_hi = excess(lo), excess(hi)
        for _ in range(GRID_POINTS):  # the exact F moves the root past a grid point
            if f_lo < 0 <= f_hi:
                break
            width = hi - lo
            if f_lo >= 0:
                lo, hi, f_hi = max(float(t[0]), lo - width), lo, f_lo
                f_lo = excess(lo) if lo > t[0] else -q
            else:
                lo, f_lo, hi = hi, f_hi, hi + width
                f_hi = excess(hi)
        side, step = 0, 0
        while hi - lo > 1e-7 * max(hi, 1e-300) and step < 100:
            mid = illinois_point(lo, hi, f_lo, f_hi, step)
            lo, hi, f_lo, f_hi, side = illinois_update(lo, hi, f_lo, f_hi, side, mid, excess(mid))
            step += 1
        return hi


__all__ = [
    "GRID_POINTS",
    "TAIL_POINTS",
    "AdmissionWait",
    "KvWaitLaw",
    "admission_wait",
    "chain_tail",
]
