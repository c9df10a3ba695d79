"""Queueing approximations used by the capacity model.

* Prefill queue of an engine: a single server (prefills run one after the
  other, FCFS) fed by the engine's share of the arrivals: GI/G/1 with the
  Allen-Cunneen (Kingman) mean wait
  ``E[W] = (c_a^2 + c_s^2)/2 * rho/(1 - rho) * E[S]``, which is the exact
  Pollaczek-Khinchine formula for Poisson arrivals (``c_a^2 = 1``). The
  waiting-time distribution uses the standard exponential-tail
  approximation (exact for M/M/1, Tijms 2003): ``P(W > 0) = rho`` and
  ``P(W > t) = rho exp(-t rho / E[W])``, so the ``q`` quantile is
  ``E[W]/rho * ln(rho / (1 - q))`` when ``rho > 1 - q`` and 0 otherwise.
* Decode stage: continuous batching admits every request at once, an
  infinite-server queue (M/G/inf); the number of sequences in flight is then
  Poisson, and the KV-cache tokens in use are a compound-Poisson sum, whose
  ``q`` quantile is approximated by ``mean + z_q sd``.
* Per-request TPOT with chunked prefill: of a request's ``D`` decode
  iterations, the number ``K`` that also carry a prefill chunk is
  ``Binomial(D, p_c)``; ``TPOT = tau_0 + delta K / D``; its quantile over a
  mixture of output lengths uses the normal approximation of each binomial.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

import numpy as np

_STD = statistics.NormalDist()


def z_score(q: float) -> float:
    """Standard normal quantile ``Phi^{-1}(q)``."""
    return _STD.inv_cdf(q)


def normal_cdf(x: float) -> float:
    """Standard normal CDF."""
    return _STD.cdf(x)


def gg1_mean_wait(lam: float, es: float, es2: float, ca2: float = 1.0) -> float:
    """Mean wait in queue of a GI/G/1 server (Allen-Cunneen; exact P-K for Poisson).

    Parameters
    ----------
    lam
        Arrival rate (1/s).
    es, es2
        First and second moments of the service time.
    ca2
        Squared coefficient of variation of inter-arrival times.

    Returns
    -------
    float
        ``inf`` when the server is saturated (``lam * es >= 1``).
    """
    rho = lam * es
    if rho <= 0:
        return 0.0
    if rho >= 1:
        return math.inf
    cs2 = max(0.0, es2 / (es * es) - 1.0)
    return (ca2 + cs2) / 2.0 * rho / (1.0 - rho) * es


def wait_quantile(lam: float, es: float, es2: float, q: float, ca2: float = 1.0) -> float:
    """``q`` quantile of the GI/G/1 waiting time (exponential-tail approximation)."""
    rho = lam * es
    if rho <= 0:
        return 0.0
    if rho >= 1:
        return math.inf
    if rho <= 1.0 - q:
        return 0.0
    ew = gg1_mean_wait(lam, es, es2, ca2)
    return ew / rho * math.log(rho / (1.0 - q))


def response_quantile(
    lam: float,
    es: float,
    es2: float,
    own_lo: Sequence[float],
    own_hi: Sequence[float],
    weights: Sequence[float],
    q: float,
    ca2: float = 1.0,
) -> float:
    """``q`` quantile of waiting time + own service in a FCFS GI/G/1 queue.

    Under FCFS a request's wait does not depend on its own service, so
    ``P(W + S > t) = sum_k w_k P(W + U_k > t)``, with the exponential-tail
    waiting-time law of :func:`wait_quantile` (``P(W > x) = rho exp(-x rho /
    E[W])``, ``x >= 0``) and the own service ``U_k`` of class ``k`` uniform on
    ``[own_lo[k], own_hi[k]]`` (a point when equal); the convolution has a
    closed form and ``t`` is found by bisection.
    """
    a = np.asarray(own_lo, dtype=float)
    b = np.asarray(own_hi, dtype=float)
    w = np.asarray(weights, dtype=float)
    w = w / w.sum()
    rho = lam * es
    if rho >= 1:
        return math.inf
    ew = gg1_mean_wait(lam, es, es2, ca2) if rho > 0 else 0.0
    decay = rho / ew if ew > 0 else math.inf
    width = b - a
    point = width <= 1e-12 * np.maximum(b, 1e-300)
    span = np.where(point, 1.0, width)

    def tail(t: np.ndarray) -> np.ndarray:
        """P(W + S > t) for a column of ``t`` values (vectorized over classes)."""
        t = t[:, None]
        if math.isinf(decay):  # no waiting
            over = np.where(point, (t < a).astype(float), np.clip((b - t) / span, 0.0, 1.0))
            return over @ w
        past_a = np.maximum(t - a, 0.0)
        pt = np.where(t < a, 1.0, rho * np.exp(-decay * past_a))
        above = np.maximum(b - np.maximum(a, t), 0.0)
        upper = np.exp(-decay * np.maximum(t - b, 0.0))
        waited = np.where(t > a, rho / decay * (upper - np.exp(-decay * past_a)), 0.0)
        return np.where(point, pt, (above + waited) / span) @ w

    # Vectorized search: three rounds of a 64-point grid (resolution (hi - lo) / 2**18).
    lo = float(a.min())
    hi = float(b.max()) + wait_quantile(lam, es, es2, q, ca2) + 1e-12
    if tail(np.array([lo]))[0] <= 1 - q:
        return lo
    for _ in range(3):
        grid = np.linspace(lo, hi, 65)
        k = int(np.argmax(tail(grid) <= 1 - q))
        if k == 0:  # never reached within the bracket (numerical edge): keep the top
            return hi
        lo, hi = grid[k - 1], grid[k]
    return float(hi)


def discrete_quantile(values: Sequence[float], weights: Sequence[float], q: float) -> float:
    """Smallest value whose cumulative weight reaches ``q`` (weights need not be sorted by value)."""
    pairs = sorted(zip(values, weights, strict=True))
    total = sum(w for _, w in pairs)
    acc = 0.0
    for v, w in pairs:
        acc += w / total
        if acc >= q - 1e-12:
            return v
    return pairs[-1][0]


def compound_quantile(mean: float, var: float, q: float) -> float:
    """``mean + z_q sqrt(var)`` (normal approximation of a compound-Poisson total)."""
    return mean + max(0.0, z_score(q)) * math.sqrt(max(0.0, var))


def normal_cdf_array(x: np.ndarray) -> np.ndarray:
    """Standard normal CDF of an array (Abramowitz-Stegun 7.1.26 erf, |error| < 1.5e-7)."""
    z = np.clip(np.asarray(x, dtype=float), -40.0, 40.0) / math.sqrt(2.0)
    a = np.abs(z)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    erf = 1.0 - poly * np.exp(-a * a)
    return 0.5 * (1.0 + np.sign(z) * erf)


def tpot_quantile(
    tau0: float,
    delta: float,
    p_chunk: float,
    decode_lengths: Sequence[float],
    weights: Sequence[float],
    q: float,
) -> float:
    """``q`` quantile over requests of the per-request mean time per output token.

    Parameters
    ----------
    tau0
        Time of a decode-only iteration.
    delta
        Extra time of an iteration that also carries a prefill chunk.
    p_chunk
        Fraction of iterations that carry a chunk.
    decode_lengths, weights
        Decode iterations ``D = O - 1`` per request class and class weights
        (classes with ``D = 0`` have no TPOT and are ignored).
    q
        The percentile as a fraction.
    """
    d = np.asarray(decode_lengths, dtype=float)
    w = np.asarray(weights, dtype=float)
    keep = (d >= 1) & (w > 0)
    if not keep.any():
        return 0.0
    p = min(1.0, max(0.0, p_chunk))
    if delta <= 0 or p <= 0:
        return tau0
    if p >= 1:
        return tau0 + delta
    d, w = d[keep], w[keep] / w[keep].sum()
    mean = tau0 + delta * p
    if delta <= 1e-12 * tau0:  # chunk iterations are no slower: no spread worth resolving
        return mean
    sd = np.maximum(delta * np.sqrt(p * (1 - p) / d), 1e-12 * delta)
    # Vectorized search: three rounds of a 128-point grid (resolution delta / 2**21).
    lo, hi = tau0, tau0 + delta
    for _ in range(3):
        grid = np.linspace(lo, hi, 129)
        cdf = normal_cdf_array((grid[:, None] - mean) / sd[None, :]) @ w
        k = int(np.searchsorted(cdf >= q, True))
        if k >= grid.size:
            return hi
        if k == 0:
            return grid[0]
        lo, hi = grid[k - 1], grid[k]
    return float(hi)
