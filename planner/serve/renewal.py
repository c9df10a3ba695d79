"""Arrivals of a Gamma renewal stream counted from one of its own arrivals.

A request of a bursty stream (Gamma inter-arrival times, shape ``k = 1 / c_a^2``, scale
``theta = c_a^2 / lam``) arrives at a renewal epoch, so the arrivals after it are
independent of its past, hence of its own wait ``W`` (which depends only on earlier
arrivals and services). The ``n``-th later arrival comes at ``S_n ~ Gamma(n k, theta)``,
and the count in ``(0, t]`` is ``N(t) >= n  <=>  S_n <= t`` (Cox 1962, renewal counting
process): exact for any ``t``, where a Poisson stream of bursts of ``c_a^2`` prompts is
right only over long windows (over a short one it brings a whole burst where a Gamma
stream's short gaps bring one prompt).
"""

from __future__ import annotations

import math

import numpy as np


def _log_gamma(a: np.ndarray) -> np.ndarray:
    return np.array([math.lgamma(v) for v in np.ravel(a)]).reshape(np.shape(a))


def _lower_series(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``P(a, x)`` elementwise by its power series (converges fast for ``x < a + 1``)."""
    term = 1.0 / a
    total = term.copy()
    for j in range(1, 1000):
        term = term * x / (a + j)
        total += term
        if np.all(term <= 1e-16 * total):
            break
    with np.errstate(divide="ignore"):
        log = a * np.log(x) - x - _log_gamma(a) + np.log(total)
    return np.where(x > 0, np.exp(log), 0.0)


def _log_upper_fraction(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``log Q(a, x)``, ``Q = 1 - P``, elementwise by its continued fraction (modified Lentz;
    ``x >= a + 1``); kept as a logarithm because ``Q`` underflows far in the tail."""
    tiny = 1e-300
    b = x + 1.0 - a
    c = np.full_like(x, 1.0 / tiny)
    d = 1.0 / b
    h = d.copy()
    for i in range(1, 1000):
        an = -i * (i - a)
        b = b + 2.0
        d = an * d + b
        d = np.where(np.abs(d) < tiny, tiny, d)
        c = b + an / c
        c = np.where(np.abs(c) < tiny, tiny, c)
        d = 1.0 / d
        delta = d * c
        h = h * delta
        if np.all(np.abs(delta - 1.0) <= 1e-15):
            break
    return a * np.log(x) - x - _log_gamma(a) + np.log(h)


def gamma_log_upper(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``log Q(a, x)`` elementwise (``a > 0``), finite where ``Q`` itself underflows."""
    a, x = np.broadcast_arrays(np.asarray(a, dtype=float), np.asarray(x, dtype=float))
    x = np.maximum(x, 0.0)
    low = x < a + 1.0
    out = np.zeros(x.shape)
    if low.any():
        with np.errstate(divide="ignore"):
            out[low] = np.log1p(-_lower_series(a[low], x[low]))
    if (~low).any():
        out[~low] = _log_upper_fraction(a[~low], x[~low])
    return out


def gamma_cdf(a: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(P(a, x), Q(a, x))`` elementwise (``a > 0``): the regularized incomplete gamma
    functions, each computed directly on its side of ``x = a + 1`` (so a small tail keeps
    its precision)."""
    a, x = np.broadcast_arrays(np.asarray(a, dtype=float), np.asarray(x, dtype=float))
    x = np.maximum(x, 0.0)
    low = x < a + 1.0
    p, qq = np.zeros(x.shape), np.zeros(x.shape)
    if low.any():
        p[low] = _lower_series(a[low], x[low])
        qq[low] = 1.0 - p[low]
    if (~low).any():
        qq[~low] = np.exp(_log_upper_fraction(a[~low], x[~low]))
        p[~low] = 1.0 - qq[~low]
    return p, qq


def renewal_count_pmf(
    rate: float,
    ca2: float,
    window: float,
    wait_probability: float,
    mean_wait: float,
    tail: float = 1e-12,
) -> np.ndarray:
    """Law of the arrivals of a Gamma renewal stream in ``(0, window + W]`` after an arrival.

    ``W`` is the arriving request's wait: 0 with probability ``1 - wait_probability``, else
    exponential with mean ``mean_wait`` (the waiting-time law of
    :func:`~planner.serve.queueing.wait_quantile`), independent of the later arrivals (see
    the module notes). With ``a = n k`` and ``G_a`` the ``Gamma(a, theta)`` CDF,

    ``P(N >= n) = G_a(s) + sigma E[1{S_n > s} exp(-(S_n - s) / m)]``
    ``= G_a(s) + sigma exp(s / m) (1 + theta / m)^-a (1 - G_a'(s))``,

    ``s`` the window, ``m`` the mean wait and ``G_a'`` the CDF with scale ``theta / (1 +
    theta / m)`` (the exponential tilt of the Gamma law). For ``ca2 = 1`` it is the Poisson
    count over the window plus a geometric one over the wait
    (:func:`~planner.serve.queueing.queued_count_pmf`).

    Returns ``P(N = n)``, ``n = 0, 1, ...``, up to where ``P(N >= n)`` falls below ``tail``.
    """
    if rate <= 0:
        return np.ones(1)
    k = 1.0 / max(ca2, 1e-12)
    theta = 1.0 / (rate * k)
    s = max(0.0, window)
    sigma = min(1.0, max(0.0, wait_probability))
    m = max(0.0, mean_wait)
    # a wait a trillion times shorter than an arrival gap holds no arrival (and theta / m
    # would overflow: subnormal waits gave NaN)
    waits = sigma > 0 and m > 1e-12 * theta
    # P(N >= n) for n = 1, 2, ... in blocks until it falls below the tail
    survive = [np.ones(1)]
    n = 1
    while True:
        a = np.arange(n, n + 64, dtype=float) * k
        value, _ = gamma_cdf(a, s / theta)
        if waits:
            # in logarithms: exp(s / m) overflows and Q underflows for a short mean wait
            log_upper = gamma_log_upper(a, s * (1.0 / theta + 1.0 / m))
            log = s / m - a * math.log1p(theta / m) + log_upper
            value = value + sigma * np.exp(log)
        survive.append(np.minimum.accumulate(np.minimum(value, survive[-1][-1])))
        n += 64
        if survive[-1][-1] < tail or n > 16000:
            break
    f = np.concatenate(survive)
    if (f < tail).any():
        f = f[: int(np.argmax(f < tail)) + 1]
    pmf = np.append(f[:-1] - f[1:], f[-1])
    pmf = np.maximum(pmf, 0.0)
    return pmf / pmf.sum()
