"""Queueing approximations used by the capacity model.

* Prefill queue of an engine: a single server (prefills run one after the
  other, FCFS) fed by the engine's share of the arrivals, a Gamma renewal
  stream with squared coefficient of variation ``c_a^2`` (Poisson when 1):
  GI/G/1. The probability of waiting ``sigma`` is that of the GI/M/1 queue
  with the same arrivals and load, the root in (0, 1) of
  ``sigma = A*(mu (1 - sigma))`` with ``A*(s) = (1 + s / (lam k))^-k``,
  ``k = 1 / c_a^2``, the Laplace transform of the Gamma inter-arrival time
  (Kleinrock 1975, section 6.4; ``sigma = rho`` for Poisson arrivals, above
  ``rho`` for bursty ones -- bursts queue behind each other even at low
  load, which the heavy-traffic Allen-Cunneen form misses). The mean wait
  is the GI/M/1 one, ``sigma / (1 - sigma) E[S]``, scaled for the service
  variability as Allen-Cunneen scales M/M/1 to GI/G/1:
  ``E[W] = sigma / (1 - sigma) * (c_a^2 + c_s^2) / (c_a^2 + 1) * E[S]``
  (the exact Pollaczek-Khinchine formula for Poisson arrivals, the exact
  GI/M/1 mean for exponential service). The waiting time is exponential
  beyond 0 (exact for GI/M/1): ``P(W > t) = sigma exp(-t sigma / E[W])``,
  so the ``q`` quantile is ``E[W]/sigma * ln(sigma / (1 - q))`` when
  ``sigma > 1 - q`` and 0 otherwise.
* Decode stage: continuous batching admits every request at once, an
  infinite-server queue (M/G/inf); the number of sequences in flight is then
  Poisson, and the KV-cache tokens in use are a compound-Poisson sum, whose
  ``q`` quantile is approximated by ``mean + z_q sd``.
* Per-request TPOT with chunked prefill: of a request's ``D`` decode
  iterations, the number ``K`` that also carry a prefill chunk is
  ``Binomial(D, p_c)``; ``TPOT = tau_0 + delta K / D`` plus a normal term for the
  decode batch's fluctuation over the request's life; its quantile over a
  mixture of output lengths uses the exact binomial for short requests (they
  make the tail) and the normal approximation for long ones. With Poisson prompt arrivals
  (``arrival_rate``) the count follows the engine's prompt backlog instead: a short request
  lives through the backlog iteration by iteration (:func:`backlog_chain`: a backlog keeps
  its iterations full, a prompt arriving in its last iteration does not slow it), a long
  one sees the prompts of its decode time and the M/G/1 busy periods they start (prompts
  arriving during a prefill lengthen the request's life, which lets more arrive).
"""

from __future__ import annotations

import functools
import math
import os
import statistics
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

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
    sigma = wait_probability(rho, ca2)
    return sigma / (1.0 - sigma) * (ca2 + cs2) / (ca2 + 1.0) * es


def wait_probability(rho: float, ca2: float = 1.0) -> float:
    """``P(W > 0)`` of the GI/M/1 queue with Gamma inter-arrival times (module notes).

    ``rho`` for Poisson arrivals (``ca2 = 1``); otherwise the root in (0, 1) of
    ``sigma = (1 + (1 - sigma) / (rho k))^-k``, ``k = 1 / ca2``, by bisection (the right-hand
    side minus ``sigma`` is convex, positive at 0 and negative just below its other root 1).
    """
    if rho <= 0:
        return 0.0
    if rho >= 1:
        return 1.0
    if abs(ca2 - 1.0) < 1e-12:
        return rho
    if ca2 <= 0:
        # regular arrivals (D/M/1): the equation's limit as k grows, sigma = exp(-(1 - sigma) /
        # rho); it returned rho, the Poisson value, above every small scv's root (0.70 at 70 %
        # where scv 1e-6 gives 0.467; the simulator takes scv 0 as a periodic trace; s26review)
        def rhs(s: float) -> float:
            return math.exp(-(1.0 - s) / rho)
    else:
        k = 1.0 / ca2
        if rho * k <= 1e-300:  # a load that underflows: no waiting
            return 0.0

        def rhs(s: float) -> float:
            return (1.0 + (1.0 - s) / (rho * k)) ** -k

    lo, hi = 0.0, 1.0 - 1e-12
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if rhs(mid) > mid:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def wait_quantile(lam: float, es: float, es2: float, q: float, ca2: float = 1.0) -> float:
    """``q`` quantile of the GI/G/1 waiting time (exponential-tail approximation)."""
    rho = lam * es
    if rho <= 0:
        return 0.0
    if rho >= 1:
        return math.inf
    sigma = wait_probability(rho, ca2)
    if sigma <= 1.0 - q:
        return 0.0
    ew = gg1_mean_wait(lam, es, es2, ca2)
    return ew / sigma * math.log(sigma / (1.0 - q))


def response_quantile(*args: Any, **kwargs: Any) -> float:
    """``q`` quantile of waiting time + own service in a FCFS GI/G/1 queue (arguments and
    model: :class:`ResponseLaw`)."""
    return ResponseLaw(*args, **kwargs).quantile()


class ResponseLaw:
    """Waiting time + own service of a request in a FCFS GI/G/1 queue.

    Under FCFS a request's wait does not depend on its own service, so
    ``P(W + S > t) = sum_k w_k P(W + U_k > t)``, with the exponential-tail
    waiting-time law of :func:`wait_quantile` (``P(W > x) = sigma exp(-x sigma /
    E[W])``, ``x >= 0``, ``sigma`` = :func:`wait_probability`) and the own service ``U_k`` of class ``k`` uniform on
    ``[own_lo[k], own_hi[k]]`` (a point when equal); the convolution has a
    closed form and the ``q`` quantile ``t`` is found by a grid search.

    ``lam, es, es2, ca2`` are those of :func:`gg1_mean_wait`; ``own_lo, own_hi`` the range
    of the own service of each request class, ``weights`` the class weights and ``q`` the
    percentile as a fraction.

    :meth:`quantile` is the value (:func:`response_quantile`); :meth:`within` decides
    ``quantile() + offset <= limit`` exactly as computing the quantile would, stopping as
    soon as the search bracket settles the comparison (the capacity bisection only needs
    the decision).
    """

    def __init__(
        self,
        lam: float,
        es: float,
        es2: float,
        own_lo: Sequence[float],
        own_hi: Sequence[float],
        weights: Sequence[float],
        q: float,
        ca2: float = 1.0,
    ) -> None:
        self.a = np.asarray(own_lo, dtype=float)
        self.b = np.asarray(own_hi, dtype=float)
        w = np.asarray(weights, dtype=float)
        self.w = w / w.sum()
        self.q = q
        self.rho = rho = lam * es
        self.saturated = rho >= 1
        # brackets after each search round ([None]: the quantile is the bracket's bottom)
        self._rounds: list[Any] | None = None
        if self.saturated:
            return
        ew = gg1_mean_wait(lam, es, es2, ca2) if rho > 0 else 0.0
        self.wait = wait_probability(rho, ca2)  # P(W > 0)
        self.decay = self.wait / ew if ew > 0 else math.inf
        width = self.b - self.a
        self.point = width <= 1e-12 * np.maximum(self.b, 1e-300)
        self.span = np.where(self.point, 1.0, width)
        self.lo = float(self.a.min())
        self.hi = float(self.b.max()) + wait_quantile(lam, es, es2, q, ca2) + 1e-12

    def tail(self, t: np.ndarray) -> np.ndarray:
        """P(W + S > t) for a column of ``t`` values (vectorized over classes)."""
        a, b, w, point, span, decay, rho = (
            self.a,
            self.b,
            self.w,
            self.point,
            self.span,
            self.decay,
            self.wait,
        )
        t = t[:, None]
        if math.isinf(decay):  # no waiting
            over = np.where(point, (t < a).astype(float), np.clip((b - t) / span, 0.0, 1.0))
            return over @ w
        kernels = loaded_kernels()
        if kernels is None:
            past_a = np.maximum(t - a, 0.0)
            pt = np.where(t < a, 1.0, rho * np.exp(-decay * past_a))
            above = np.maximum(b - np.maximum(a, t), 0.0)
            upper = np.exp(-decay * np.maximum(t - b, 0.0))
            waited = np.where(t > a, rho / decay * (upper - np.exp(-decay * past_a)), 0.0)
            return np.where(point, pt, (above + waited) / span) @ w
        # the same operations in two compiled loops around numpy's exp
        t = t[:, 0]
        e_wait, e_upper = np.empty((t.size, a.size)), np.empty((t.size, a.size))
        kernels.tail_exponents(t, a, b, decay, e_wait, e_upper)
        np.exp(e_wait, out=e_wait)
        np.exp(e_upper, out=e_upper)
        over = np.empty((t.size, a.size))
        kernels.tail_mix(t, a, b, point, span, rho, decay, e_wait, e_upper, over)
        return over @ w

    def quantile(self) -> float:
        """The ``q`` quantile (``inf`` when the server is saturated)."""
        return self._search(None, 0.0)

    def at_most(self, t: float) -> float:
        """``P(W + S <= t)`` (0 when the server is saturated): the CDF whose ``q`` quantile
        :meth:`quantile` finds (mixtures of several servers' laws read it)."""
        if self.saturated:
            return 0.0
        return float(1.0 - self.tail(np.array([float(t)]))[0])

    def estimate(self) -> float:
        """The quantile to ``2**-12`` of the search bracket (two grid rounds instead of three;
        at or above the quantile): steers the capacity search, which decides with
        :meth:`within`."""
        return self._search(None, 0.0, rounds=2)

    def within(self, limit: float, offset: float = 0.0) -> bool:
        """``not (quantile() + offset > limit)``, decided without finishing the search."""
        return bool(self._search(limit, offset))

    def _search(self, limit: float | None, offset: float, rounds: int = 3) -> float:
        """The quantile (``limit`` None), or the decision as 1.0/0.0.

        The result lies in the current bracket ``[lo, hi]`` at every round, so once
        ``hi + offset <= limit`` or ``lo + offset > limit`` the comparison is settled
        (float addition is monotone, so the bracket's ends bound ``quantile() + offset``).
        """
        if self.saturated:
            return math.inf if limit is None else float(not (math.inf + offset > limit))
        q = self.q
        # Vectorized search: three rounds of a 64-point grid (resolution (hi - lo) / 2**18).
        # The brackets do not depend on the limit: each round's is kept for the next search
        # (the capacity search asks for the estimate, then the decision or the quantile).
        lo, hi = self.lo, self.hi
        if self._rounds is None:
            self._rounds = [None] if self.tail(np.array([lo]))[0] <= 1 - q else []
        if self._rounds == [None]:  # the quantile is the bracket's bottom
            return lo if limit is None else float(not (lo + offset > limit))
        for r in range(rounds):
            if limit is not None:
                if hi + offset <= limit:
                    return 1.0
                if lo + offset > limit:
                    return 0.0
            if r == len(self._rounds):
                grid = _grid65(lo, hi)
                k = int(np.argmax(self.tail(grid) <= 1 - q))
                # k == 0: never reached within the bracket (numerical edge): keep the top
                self._rounds.append((grid[k - 1], grid[k]) if k else ())
            if not self._rounds[r]:
                break
            lo, hi = self._rounds[r]
        return float(hi) if limit is None else float(not (float(hi) + offset > limit))


_STEPS65 = np.arange(65, dtype=float)
_STEPS65.setflags(write=False)


def _grid65(lo: float, hi: float) -> np.ndarray:
    """``numpy.linspace(lo, hi, 65)`` by its own operations (steps times ``(hi - lo) / 64``
    plus ``lo``, the end set to ``hi``) without its argument handling, which cost more than
    the arithmetic in :meth:`ResponseLaw._search`."""
    delta = hi - lo
    step = delta / 64
    y = _STEPS65.copy()
    if step == 0:  # linspace's route for subnormal steps
        y /= 64
        y *= delta
    else:
        y *= step
    y += lo
    y[-1] = hi
    return y


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
    return _normal_cdf_inplace(np.array(x, dtype=float))


_SQRT2 = math.sqrt(2.0)


def _normal_cdf_inplace(z: np.ndarray) -> np.ndarray:
    """:func:`normal_cdf_array` overwriting its float array argument (the same operations in
    the same order, without temporaries: the TPOT search evaluates it thousands of times)."""
    np.maximum(z, -40.0, out=z)
    np.minimum(z, 40.0, out=z)
    z /= _SQRT2
    a = np.abs(z)
    t = a * 0.3275911
    t += 1.0
    np.divide(1.0, t, out=t)
    poly = t * 1.061405429  # t (c1 + t (c2 + t (c3 + t (c4 + t c5)))), innermost first
    poly += -1.453152027
    poly *= t
    poly += 1.421413741
    poly *= t
    poly += -0.284496736
    poly *= t
    poly += 0.254829592
    poly *= t
    np.multiply(a, a, out=a)  # erf = 1 - poly exp(-a^2)
    np.negative(a, out=a)
    np.exp(a, out=a)
    a *= poly
    np.subtract(1.0, a, out=a)
    np.sign(z, out=z)
    z *= a
    z += 1.0
    z *= 0.5
    return z


#: Law evaluations (TPOT CDFs, TTFT tails, backlog chains) a process runs on the numpy path
#: before it loads the compiled loops of :mod:`planner.serve.kernels`, which give the same
#: bits: loading them (importing numba) costs ~0.5 s, more than a small plan's laws take on
#: numpy (a colocated Llama-8B fleet of 3 workloads runs ~27k, the Mixtral one ~90k).
KERNELS_AFTER = 20_000
_KERNELS: dict[str, Any] = {"module": None, "evaluations": 0}


def loaded_kernels() -> Any:
    """:mod:`planner.serve.kernels` once loaded, else ``None`` (the numpy path); counts the
    evaluation and loads the kernels at the :data:`KERNELS_AFTER`-th if they are compiled
    already (:func:`kernels_compiled`): compiling them inside a solve (~5 s, more under load)
    would overrun its time limit, so without ``planner warmup`` the laws stay on numpy."""
    module = _KERNELS["module"]
    if module is None:
        _KERNELS["evaluations"] += 1
        if _KERNELS["evaluations"] == KERNELS_AFTER and kernels_compiled():
            module = warmup()
    return module


def kernels_compiled(source: Path | None = None) -> bool:
    """Whether numba's cache holds the kernels compiled from the current ``source``
    (default ``planner/serve/kernels.py``): index files at least as new as the source, in its
    ``__pycache__`` or under ``NUMBA_CACHE_DIR``; checked without importing numba."""
    source = source or Path(__file__).with_name("kernels.py")
    folders = [source.parent / "__pycache__"]
    if os.environ.get("NUMBA_CACHE_DIR"):
        folders.append(Path(os.environ["NUMBA_CACHE_DIR"]))
    try:
        stamp = source.stat().st_mtime
        return any(
            index.stat().st_mtime >= stamp
            for folder in folders
            if folder.is_dir()
            for index in folder.rglob("kernels.*.nbi")
        )
    except OSError:
        return False


def warmup() -> Any:
    """Load (or compile, once per installation) the compiled kernels now (``planner warmup
    serve``); the laws use them from then on. Returns the module."""
    from planner.serve import kernels

    kernels.warmup()
    _KERNELS["module"] = kernels
    return kernels


#: Decode lengths up to this use the exact binomial law of the chunk count (short requests
#: make the TPOT tail; the normal approximation misses their skew).
EXACT_BINOMIAL_MAX = 64


#: ``log(k!)`` for ``k = 0..32767`` (binomial and Poisson laws without a Python loop); longer
#: than the chunked-prefill token table's 4 x 64 x 64 + 1 rows, which tiny prompts fill.
LOG_FACTORIAL = np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, 32768, dtype=float)))])


def binomial_pmf(n: int, p: float) -> np.ndarray:
    """``P(K = k)``, ``k = 0..n``, of ``K ~ Binomial(n, p)`` (log space; ``n < LOG_FACTORIAL.size``)."""
    k = np.arange(n + 1, dtype=float)
    if p <= 0.0 or p >= 1.0:
        return (k == (n if p >= 1.0 else 0)).astype(float)
    lg = LOG_FACTORIAL[: n + 1]
    logp = lg[n] - lg - lg[::-1] + k * math.log(p) + (n - k) * math.log1p(-p)
    pmf = np.exp(logp - logp.max())
    return pmf / pmf.sum()


def poisson_pmf(mean: float, kmax: int) -> np.ndarray:
    """``P(K = k)``, ``k = 0..kmax``, of ``K ~ Poisson(mean)`` renormalized (``kmax < LOG_FACTORIAL.size``)."""
    k = np.arange(kmax + 1, dtype=float)
    logp = k * math.log(mean) - mean - LOG_FACTORIAL[: kmax + 1]
    pmf = np.exp(logp - logp.max())
    return pmf / pmf.sum()


def window_mean_variance(x: np.ndarray) -> np.ndarray:
    """Variance factor of a time average over ``x`` relaxation times (exponential correlation).

    ``2 (x - 1 + e^-x) / x^2``: 1 for a short window, ``2 / x`` for a long one.
    """
    x = np.maximum(np.asarray(x, dtype=float), 1e-9)
    return np.where(x < 1e-4, 1.0 - x / 3.0, 2.0 * (x - 1.0 + np.exp(-x)) / (x * x))


def queued_count_pmf(
    arrivals_in_service: float, wait_probability: float, arrivals_in_wait: float
) -> np.ndarray:
    """Law of the prompts that arrive during a request's wait and prefill (Poisson arrivals).

    ``Poisson(arrivals_in_service)`` plus the arrivals during the wait ``W``: none when the
    request does not wait (probability ``1 - wait_probability``), else ``W`` is exponential
    (the waiting-time law of :func:`wait_quantile`) and a Poisson count over an exponential
    time is geometric with mean ``arrivals_in_wait`` (the mean count given a wait). Using the
    mean wait alone (a plain Poisson count) misses the long waits that bring long queues.
    """
    m = max(0.0, arrivals_in_wait)
    sigma = min(1.0, max(0.0, wait_probability))
    a = max(0.0, arrivals_in_service)
    r = m / (1.0 + m)
    # truncate where both tails are below 1e-12 (and within the factorial table)
    k_geo = 0 if m <= 0 else int(math.log(1e-12) / math.log(r)) + 1 if r > 0 else 0
    kmax = min(16383, max(4, int(a + 8.0 * math.sqrt(a) + 8) + k_geo))
    k = np.arange(kmax + 1, dtype=float)
    geo = (1.0 - r) * np.power(r, k) if m > 0 else (k == 0).astype(float)
    wait = (1.0 - sigma) * (k == 0) + sigma * geo
    pois = poisson_pmf(a, kmax) if a > 0 else (k == 0).astype(float)
    if kmax > 256:  # long laws: convolve by FFT (the direct sum is quadratic)
        size = 1 << math.ceil(math.log2(2 * (kmax + 1)))
        both = np.fft.irfft(np.fft.rfft(pois, size) * np.fft.rfft(wait, size), size)
        pmf = np.maximum(both[: kmax + 1], 0.0)
    else:
        pmf = np.convolve(pois, wait)[: kmax + 1]
    return pmf / pmf.sum()


#: Backlog grid of :func:`backlog_chain`: bins per full chunk and full chunks tracked (a
#: larger backlog keeps every iteration of a request of up to that many iterations full).
CHAIN_BINS_PER_CHUNK = 4
CHAIN_CHUNKS = 16
#: Longest request (decode iterations) whose TPOT law is read from the chain; longer ones
#: take the normal law of their prompts' busy periods.
CHAIN_MAX_STEPS = 32
#: Longest request whose extra is read exactly from the joint chain of backlog and carried
#: extra (:func:`backlog_chain`); up to :data:`CHAIN_MAX_STEPS`, per-bin normals.
CHAIN_EXACT_STEPS = 32


def _grid_pmf(values: np.ndarray, weights: np.ndarray, h: float, size: int) -> np.ndarray:
    """A distribution on ``values`` placed on the grid ``0, h, 2h, ...`` (``size`` bins),
    each value split between its two neighbouring bins so that the mean is kept."""
    pos = np.minimum(np.asarray(values, float) / h, size - 1.0)
    lo = np.floor(pos).astype(int)
    frac = pos - lo
    pmf = np.zeros(size)
    np.add.at(pmf, lo, weights * (1.0 - frac))
    np.add.at(pmf, np.minimum(lo + 1, size - 1), weights * frac)
    return pmf / pmf.sum()


def _polyval(x: np.ndarray, coef: np.ndarray) -> np.ndarray:
    """``numpy.polynomial.polynomial.polyval(x, coef)`` (Horner's rule, the same operations)
    updated in place."""
    out = coef[-1] + x * 0
    for c in coef[-2::-1]:
        out *= x
        out += c
    return out


def no_piece_probability(
    queued_pmf: np.ndarray,
    pieces: np.ndarray,
    piece_weights: np.ndarray,
    per_iteration: float,
    steps: np.ndarray,
) -> np.ndarray:
    """Probability that a request's ``steps`` iterations carry no prompt work at all, in
    :func:`backlog_chain`'s model (exact there, not on its grid).

    The first iteration carries the queued pieces (count law ``queued_pmf``), iteration
    ``i + 1`` the pieces that arrived during iteration ``i``; while nothing was carried an
    iteration lasts the decode-only step, over which ``per_iteration`` pieces arrive on
    average (Poisson). The pieces that arrive during the last iteration do not slow the
    request. Pieces of zero work count as none: ``G(z) exp(-per_iteration (1 - z) (steps -
    1))``, ``G`` the count's generating function, ``z`` the weight of zero pieces.
    """
    w = np.asarray(piece_weights, dtype=float)
    z = float(w[np.asarray(pieces) <= 0].sum() / w.sum())
    q = np.asarray(queued_pmf, dtype=float)
    start = float(_polyval(np.array([z]), q / q.sum())[0])
    gaps = np.maximum(np.asarray(steps, dtype=float) - 1.0, 0.0)
    return start * np.exp(-max(0.0, per_iteration) * (1.0 - z) * gaps)


def split_remainder_moments(
    pieces: np.ndarray, piece_weights: np.ndarray, h: float
) -> tuple[float, float]:
    """Mean and sd of a piece given that :func:`_grid_pmf`'s split put it on the grid's
    point 0 and it is not zero.

    A piece ``x`` in ``(0, h)`` goes to 0 with probability ``1 - x / h``, so given that it
    went there it has the law of the pieces below ``h`` weighted by ``1 - x / h`` (a flat
    law gives ``h / 3`` and ``h / sqrt(18)``); ``(0, 0)`` when no piece is below ``h``.
    """
    x = np.asarray(pieces, dtype=float)
    w = np.asarray(piece_weights, dtype=float) * np.where((x > 0) & (x < h), 1.0 - x / h, 0.0)
    total = float(w.sum())
    if total <= 0:
        return 0.0, 0.0
    mean = float(w @ x) / total
    return mean, math.sqrt(max(0.0, float(w @ (x * x)) / total - mean * mean))


def _chain_transition(arrivals: np.ndarray, full: int) -> np.ndarray:
    """:func:`backlog_chain`'s transition ``W' = W - y + A``: row ``i`` is the arrival law
    of its carried extra (``arrivals[min(i, full)]``) shifted to ``i - y``, the overflow in
    the top bin (rows ``i >= full``: a sliding window over the full chunk's law padded with
    zeros in front)."""
    size = arrivals.shape[1]
    trans = np.empty((size, size))
    trans[:full] = arrivals[:full]
    padded = np.concatenate([np.zeros(size - 1), arrivals[full]])
    trans[full:] = np.lib.stride_tricks.sliding_window_view(padded, size)[size - 1 : full - 1 : -1]
    trans[:, -1] += np.maximum(0.0, 1.0 - trans.sum(axis=1))
    return trans


def backlog_chain(
    tau0: float,
    pieces: np.ndarray,
    piece_weights: np.ndarray,
    rate: float,
    cap: float,
    queued_pmf: np.ndarray,
    steps: int,
    exact_steps: int = 0,
    start_scale: float = 1.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The prompt work a decoding request's iterations carry, iteration by iteration.

    The engine's prompt backlog ``W`` (extra time still to run) at the start of each of the
    request's iterations is a Markov chain: the iteration carries ``y = min(W, cap)`` (at
    most a full chunk), lasts ``tau0 + y``, and the pieces arriving meanwhile (a Poisson
    stream of ``rate``, values ``pieces``) join the backlog for the next iteration:
    ``W' = W - y + A(tau0 + y)``. At the first iteration the backlog is the pieces queued
    behind the request (count law ``queued_pmf`` of pieces divided by ``start_scale``: with
    bursty arrivals the stream's pieces are bursts, the queue's are prompts). So a prompt
    arriving during the request's
    last iteration does not slow it, and a backlog that builds up keeps every iteration full
    (the busy periods the request lives in).

    Returns ``(prob, z1, z2, carried)``: ``prob, z1, z2`` of shape ``(steps + 1, bins)``:
    after ``D`` iterations, ``prob[D, w]`` is the probability that the backlog is in bin
    ``w`` and ``z1, z2`` the first and second moments of the extra time carried so far,
    restricted to that bin (the law of the extra over ``D`` iterations is taken as a mixture
    over the bins of normals); ``carried[D, c]``, ``D <= exact_steps``, is the exact law of
    the extra carried in ``D`` iterations on the grid (``c`` grid steps of ``cap / ``
    :data:`CHAIN_BINS_PER_CHUNK`: an iteration carries a whole number of them), from the
    joint chain of the backlog and the carried extra (the per-bin normals miss the skew of
    the extra of a request of a few iterations).
    """
    h = cap / CHAIN_BINS_PER_CHUNK
    size = CHAIN_BINS_PER_CHUNK * CHAIN_CHUNKS + 1
    n_fft = 1 << math.ceil(math.log2(4 * size))
    piece = np.zeros(n_fft)
    piece[:size] = _grid_pmf(pieces, piece_weights, h, size)
    phi = np.fft.rfft(piece)

    def clip(pmf: np.ndarray) -> np.ndarray:
        pmf = np.maximum(pmf, 0.0)
        out = pmf[:size].copy()
        out[-1] += pmf[size:].sum()  # a backlog beyond the grid stays at its top
        return out / max(out.sum(), 1e-300)

    # initial backlog: a queued_pmf-mixed sum of pieces (its generating function at phi)
    phi_start = phi
    if start_scale != 1.0:
        single = np.zeros(n_fft)
        single[:size] = _grid_pmf(np.asarray(pieces) / start_scale, piece_weights, h, size)
        phi_start = np.fft.rfft(single)
    q = np.asarray(queued_pmf, dtype=float)
    q = q / q.sum()
    tail = np.cumsum(q[::-1])[::-1]  # P(count >= k)
    q = q[: max(1, int(np.count_nonzero(tail > 1e-10)))]  # drop the negligible tail
    gen = _polyval(phi_start, q / q.sum())
    start = clip(np.fft.irfft(gen, n_fft))
    carried = np.minimum(np.arange(size) * h, cap)  # y per backlog bin
    full = CHAIN_BINS_PER_CHUNK  # bins >= full carry a whole chunk
    # compound-Poisson arrivals during an iteration carrying y (one law per y below a chunk)
    spans = tau0 + carried[: full + 1]
    arrivals = np.fft.irfft(np.exp(rate * spans[:, None] * (phi[None, :] - 1.0)), n_fft, axis=1)
    arrivals = np.maximum(arrivals[:, :size], 0.0)
    arrivals /= np.maximum(arrivals.sum(axis=1, keepdims=True), 1e-300)
    trans = _chain_transition(arrivals, full)
    out = np.zeros((steps + 1, 3, size))  # per step: prob, z1, z2 by backlog bin
    out[0, 0] = start
    grown = np.empty((3, size))
    twice, square = 2.0 * carried, carried * carried
    # joint law of (backlog bin, extra carried in grid steps): a bin below a full chunk
    # carries its own number of steps, the others a full chunk's
    exact_steps = min(exact_steps, steps)
    width = full * exact_steps + 1
    joint = np.zeros((size, width))
    joint[:, 0] = start
    law_carried = np.zeros((exact_steps + 1, width))
    law_carried[0, 0] = 1.0
    moved = np.zeros_like(joint)
    kernels = loaded_kernels()  # the elementwise steps compiled once loaded (the same bits)
    if kernels is not None and exact_steps > 0:
        kernels.chain_shift(joint, moved, min(width, full + 1), full)
    for s in range(exact_steps):
        # after s + 1 iterations at most (s + 1) full steps are carried: the columns beyond
        # are zero and stay out of the product (and the columns a row shifts past stay 0)
        cols = min(width, full * (s + 1) + 1)
        if kernels is None:
            for k in range(full):
                moved[k, k:cols] = joint[k, : cols - k]
            moved[full:, full:cols] = joint[full:, : cols - full]
            joint[:, :cols] = trans.T @ moved[:, :cols]
            law_carried[s + 1] = joint.sum(axis=0)
        else:
            # the same product written in place, then the column sums and the next step's
            # shift in one compiled loop
            np.matmul(trans.T, moved[:, :cols], out=joint[:, :cols])
            after = min(width, full * (s + 2) + 1) if s + 1 < exact_steps else 0
            kernels.chain_carry(joint, moved, cols, after, full, law_carried[s + 1])
    for s in range(steps):
        p, m1, m2 = out[s]
        if kernels is None:
            grown[0] = p
            np.multiply(carried, p, out=grown[1])
            grown[1] += m1
            np.multiply(square, p, out=grown[2])
            grown[2] += m2
            grown[2] += twice * m1
        else:
            kernels.chain_grow(p, m1, m2, carried, square, twice, grown)
        np.matmul(grown, trans, out=out[s + 1])
    return out[:, 0], out[:, 1], out[:, 2], law_carried


@functools.cache
def _batch_grid(size: int) -> tuple[int, np.ndarray, np.ndarray]:
    """FFT length, angular frequencies ``omega`` and the transforms of the uniform residual
    over the bins ``0..i`` (one row per ``i``) of :class:`BatchedPrefillLaw`'s grid (they
    depend on the grid's size only)."""
    n_fft = 1 << math.ceil(math.log2(4 * size))
    omega = 2j * np.pi * np.arange(n_fft // 2 + 1) / n_fft
    m = np.arange(1, size + 1, dtype=float)[:, None]
    back = _powers(np.exp(-omega), size + 1)[1:]
    step = np.where(np.abs(omega) > 0, 1.0 - np.exp(-omega), 1.0)[None, :]
    residual = np.where(np.abs(omega)[None, :] > 0, (1.0 - back) / (m * step), 1.0)
    residual.setflags(write=False)
    return n_fft, omega, residual


_SCRATCH = threading.local()


def work_array(name: str, shape: tuple[int, ...], dtype: type) -> np.ndarray:
    """A work array of this thread kept across calls (contents undefined): the laws' grids
    are half-megabyte arrays, which a fresh allocation maps and faults in page by page (a
    third of a :class:`BatchedPrefillLaw` build)."""
    store = _SCRATCH.__dict__
    key = (name, shape, dtype)
    if key not in store:
        store[key] = np.empty(shape, dtype=dtype)
    return store[key]


def _powers(z: np.ndarray, count: int, out: np.ndarray | None = None) -> np.ndarray:
    """Rows ``z**0, z**1, ..., z**(count - 1)`` (by doubling: ``log2(count)`` products),
    written into ``out`` when given."""
    if out is None:
        out = np.empty((count, z.size), dtype=complex)
    out[0] = 1.0
    done, power = 1, z.astype(complex)
    while done < count:
        m = min(done, count - done)
        np.multiply(out[:m], power, out=out[done : done + m])
        done += m
        power = power * power
    return out


def stationary_law(trans: np.ndarray) -> np.ndarray:
    """Stationary law ``pi = pi trans``, ``sum(pi) = 1``, of a row-stochastic matrix with one
    recurrent class, by one LU solve of ``(I - trans)^T pi = 0`` with its last equation
    replaced by the normalisation (one BLAS thread: the callers pin it, see
    ``planner/launcher.py``; power iteration took up to thousands of vector-matrix products
    on a slowly mixing chain). Float rounding's tiny negatives are clipped."""
    n = trans.shape[0]
    system = work_array("system", (n, n), float)
    np.subtract(0.0, trans.T, out=system)  # I - trans^T: 0 - t off the diagonal, 1 - t on it
    system.ravel()[:: n + 1] += 1.0
    system[-1] = 1.0
    rhs = np.zeros(n)
    rhs[-1] = 1.0
    pi = np.maximum(np.linalg.solve(system, rhs), 0.0)
    return pi / pi.sum()


#: Grid of :class:`BatchedPrefillLaw`: bins, and the grid's span in mean iteration lengths.
BATCH_BINS = 128
BATCH_SPAN = 16.0
#: Doublings of the span allowed when the law reaches the grid's last bin.
BATCH_WIDENINGS = 4
#: Mass allowed in the last bin, as a share of the tail ``1 - q`` the quantile reads.
BATCH_CLIP_SHARE = 0.05
#: A grid that folded at least this many times the allowed mass at a rate within
#: ``BATCH_MEMO_RATE`` (relative) of this one is not built again (the folded mass is
#: continuous in the rate: over 1e-3 it moved by at most 1.3 % on the 1,545 laws of the
#: Mixtral fleet case; tests/serve/test_speed_paths.py checks the margin by hypothesis),
#: nor at any higher rate (the folded mass grows with the rate: no decrease over the 1,491
#: pairs of rates of one grid of that case; checked over ladders of loads by hypothesis).
BATCH_MEMO_MARGIN = 2.0
BATCH_MEMO_RATE = 1e-3
#: Cumulative mass above ``q`` at which :meth:`BatchedPrefillLaw.quantile` reads the
#: quantile: the upper end of a flat step of the law at ``q`` (a numerical tie-break, far
#: above the chain's rounding, ~1e-15, and below any mass that changes a percentile).
QUANTILE_TIE = 1e-9


class BatchedPrefillLaw:
    """TTFT law of an engine that runs all its waiting prompts in one iteration (prefill).

    An iteration lasts ``t0`` plus the work of its prompts; it carries the prompts that
    arrived during the previous one, so the iteration lengths are a Markov chain,
    ``c' = t0 + X(A(c))`` with ``A(c)`` the (Poisson) arrivals during ``c`` and ``X`` the sum
    of their work, and an iteration without arrivals is followed by an idle period and an
    iteration of one prompt. Its stationary law is found on a grid (a linear solve). A
    prompt arriving while an iteration of length ``L`` runs (length-biased) waits for its
    residual (uniform on ``[0, L]``) and then for its own iteration, ``t0 +`` its own work
    ``+`` the work of the others that arrived during ``L``; a prompt arriving at an idle
    engine runs alone at once. The budget of an iteration is not modelled (the capacity
    keeps ``lam E[x]`` below 1, far from it).

    Parameters
    ----------
    lam
        Arrival rate (pieces per second; bursty arrivals: bursts).
    t0
        Fixed cost of an iteration.
    pieces, weights
        Work of a piece (a prompt, or a burst) and its law.
    q
        Percentile as a fraction.
    extra
        Time added to every TTFT (KV transfer, mean).
    memo
        A dict kept by the caller across laws of nearby rates (a capacity search): the
        grids found to fold too much are not built again at that rate or above (see
        :data:`BATCH_MEMO_MARGIN`).
    """

    def __init__(
        self,
        lam: float,
        t0: float,
        pieces: np.ndarray,
        weights: np.ndarray,
        q: float,
        extra: float = 0.0,
        memo: dict[Any, dict[int, tuple[float, float, float]]] | None = None,
    ) -> None:
        pieces = np.maximum(np.asarray(pieces, dtype=float), 0.0)
        weights = np.asarray(weights, dtype=float) / np.sum(weights)
        m1 = float(weights @ pieces)
        self.q, self.extra = q, extra
        rho = lam * m1
        self.saturated = rho >= 1.0
        if self.saturated:
            return
        # the grid spans BATCH_SPAN typical iteration lengths (one piece alone at low load,
        # t0 / (1 - rho) at high); with little fixed cost the iterations of a busy period
        # grow far beyond that, so the span doubles while the law leans on its last bin
        mean_c = t0 / (1.0 - rho) + m1
        allowed = BATCH_CLIP_SHARE * (1.0 - q)
        far = BATCH_MEMO_MARGIN * allowed
        seen: dict[int, tuple[float, float, float]] = {}
        if memo is not None and lam > 0:
            seen = memo.setdefault((t0, q, pieces.tobytes(), weights.tobytes()), {})
        first = 0  # the doublings a nearby or lower rate showed to fold far too much are skipped
        while first < BATCH_WIDENINGS and first in seen:
            rate, folded, floor = seen[first]
            near = abs(lam / rate - 1.0) <= BATCH_MEMO_RATE and folded >= far
            if not (near or lam >= floor):
                break
            first += 1
        for doubling in range(first, BATCH_WIDENINGS + 1):
            self.span = BATCH_SPAN * 2.0**doubling
            clipped = self._build(lam, t0, pieces, weights, self.span * mean_c / BATCH_BINS)
            if memo is not None and lam > 0:
                # floor: the lowest rate whose grid folded far too much (the folded mass
                # grows with the rate, so every rate above it folds too much as well)
                floor = seen[doubling][2] if doubling in seen else math.inf
                seen[doubling] = (lam, clipped, min(floor, lam) if clipped >= far else floor)
            if clipped <= allowed:
                break

    def _build(
        self, lam: float, t0: float, pieces: np.ndarray, weights: np.ndarray, h: float
    ) -> float:
        """Solve the chain on a grid of step ``h``; the mass folded into the last bin."""
        size = BATCH_BINS
        n_fft, omega, residual = _batch_grid(size)
        grid = np.arange(size) * h
        piece = np.zeros(n_fft)
        piece[:size] = _grid_pmf(pieces, weights, h, size)
        phi = np.fft.rfft(piece)
        k0 = math.floor(t0 / h)
        frac = t0 / h - k0  # + t0: split between two bins (a fractional shift would ring)
        shift = (1.0 - frac) * np.exp(-omega * k0) + frac * np.exp(-omega * (k0 + 1))

        def laws(spectra: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
            out = np.fft.irfft(spectra, n_fft, axis=-1, out=out)
            np.maximum(out, 0.0, out=out)
            top = out[..., size:].sum(axis=-1)
            out = out[..., :size]
            out[..., -1] += top
            out /= np.maximum(out.sum(axis=-1, keepdims=True), 1e-300)
            return out

        if lam <= 0:
            # no arrivals: every prompt runs alone at once (busy 0), the TTFT law below with
            # busy = 0; the iteration lengths are the same law (the chain's rows are all it),
            # so its last bin is the TTFT's (up to float rounding of the chain)
            pmf = laws((phi * shift)[None, :])[0]
            self.cdf, self.h, self.busy = np.cumsum(pmf), h, 0.0
            return float(pmf[-1])
        # transition: from an iteration of length grid[i] to the next one
        # arrivals' work over grid[i] = i h: the i-th power of its law over h
        spectra = (size, phi.size)
        arrived = _powers(
            np.exp(lam * h * (phi - 1.0)), size, work_array("arrived", spectra, complex)
        )
        idle = np.exp(-lam * grid)  # no arrival: the next iteration carries one piece
        gen = work_array("gen", spectra, complex)
        np.multiply(idle[:, None], (phi - 1.0)[None, :], out=gen)
        gen += arrived
        gen *= shift[None, :]
        trans = laws(gen, work_array("trans", (size, n_fft), float))
        pi = stationary_law(trans)
        centre = grid + 0.5 * h
        e_c = float(pi @ centre)
        idle_time = float(pi @ np.exp(-lam * centre)) / lam if lam > 0 else math.inf
        busy = e_c / (e_c + idle_time) if lam > 0 else 0.0
        biased = pi * centre / e_c  # iteration seen by an arrival while busy
        # TTFT while busy: residual U L + t0 + own + others' work during L
        # residual: uniform over the bins 0..i of an iteration in bin i (its discrete
        # transform, `residual`); others' work over centre[i] = arrived[i] times the half bin
        arrived *= residual
        busy_spec = (biased @ arrived) * np.exp(0.5 * lam * h * (phi - 1.0))
        spec = (busy * busy_spec + (1.0 - busy)) * phi * shift
        pmf = laws(spec[None, :])[0]
        self.cdf = np.cumsum(pmf)
        self.h = h
        self.busy = busy
        return max(float(pi[-1]), float(pmf[-1]))

    def quantile(self) -> float:
        """The ``q`` quantile (``inf`` when the engine cannot keep up)."""
        if self.saturated:
            return math.inf
        cdf = self.cdf
        # The upper end of a flat step at q (a length histogram whose class boundary sits at
        # exactly q: exp / lognormal lengths have one at 0.99). Any load, however small, moves
        # mass past the step, so its lower end made the quantile jump there: 70B tp8 prefill,
        # exp:8192 prompts read 1.78 s at 0 req/s and 2.61 s at 1e-9 req/s, and a layout
        # within the TTFT target only at zero load got a capacity of 4e-12 req/s. Elsewhere
        # the offset changes nothing (cdf[k] in [q, q + 1e-9) moves k by one and ``part``
        # from 1 to 0: the same point).
        k = min(int(np.searchsorted(cdf, self.q + QUANTILE_TIE)), cdf.size - 1)
        if k == 0:
            return self.extra
        # the law sits on the grid points k h (mass split between neighbours): interpolate
        below = float(cdf[k - 1])
        step = float(cdf[k]) - below
        part = (self.q - below) / step if step > 0 else 1.0
        return (k - 1 + min(max(part, 0.0), 1.0)) * self.h + self.extra

    def estimate(self) -> float:
        """The quantile (the same computation: the law is its cost)."""
        return self.quantile()

    def at_most(self, t: float) -> float:
        """``P(TTFT <= t)`` (0 when the engine cannot keep up), read from the grid as
        :meth:`quantile` reads it: linear between the grid points ``k h`` (plus ``extra``)."""
        if self.saturated:
            return 0.0
        x = (float(t) - self.extra) / self.h
        return float(np.interp(x, np.arange(self.cdf.size, dtype=float), self.cdf, left=0.0))

    def within(self, limit: float, offset: float = 0.0) -> bool:
        """``not (quantile() + offset > limit)``."""
        return not (self.quantile() + offset > limit)


def illinois_point(lo: float, hi: float, f_lo: float, f_hi: float, step: int) -> float:
    """Next point of a bracketed Illinois search (regula falsi whose stale end's value is
    halved, :func:`illinois_update`): the secant's root, or the midpoint every fourth step
    (so that a step-like function still converges) and when the secant fails."""
    if step % 4 == 3 or f_hi - f_lo <= 0:
        return 0.5 * (lo + hi)
    mid = min(max(lo - f_lo * (hi - lo) / (f_hi - f_lo), lo), hi)
    return 0.5 * (lo + hi) if mid in (lo, hi) else mid


def illinois_update(
    lo: float, hi: float, f_lo: float, f_hi: float, side: int, mid: float, f_mid: float
) -> tuple[float, float, float, float, int]:
    """The bracket ``(lo, hi, f_lo, f_hi, side)`` after evaluating ``f_mid`` at ``mid``
    (``f(lo) < 0 <= f(hi)``; an end kept twice in a row has its value halved)."""
    if f_mid >= 0:
        if side == 1:
            f_lo *= 0.5
        return lo, mid, f_lo, f_mid, 1
    if side == -1:
        f_hi *= 0.5
    return mid, hi, f_mid, f_hi, -1


def tpot_quantile(*args: Any, **kwargs: Any) -> float:
    """``q`` quantile over requests of the per-request mean time per output token
    (arguments and model: :class:`TpotLaw`)."""
    return TpotLaw(*args, **kwargs).quantile()


def busy_cap(delta: np.ndarray, weights: np.ndarray, cap: np.ndarray) -> float:
    """The full-chunk extra an iteration of :func:`backlog_chain` carries at most: the mean
    over busy iterations of the full-chunk extra of the prompt in progress.

    An engine whose backlog holds prompts runs one full chunk of the prompt at its head per
    iteration, so a prompt of extra ``x`` and full-chunk extra ``c`` keeps it busy for ``x /
    c`` iterations: the prompt in progress is of that class in a share ``w x / c`` of the
    busy iterations, and the mean chunk extra over them is ``E[x] / E[x / c]``. The largest
    class's ``c`` (a long prompt's chunk attends to more context) let every busy iteration
    carry a chunk of the longest prompts (gpt-oss-20b, ``exp:8192`` prompts: 44.5 ms where
    the busy mean is 27.7 ms). Equal chunk extras give that extra.
    """
    x = np.asarray(delta, dtype=float)
    c = np.broadcast_to(np.asarray(cap, dtype=float), x.shape)
    w = np.asarray(weights, dtype=float)
    busy = float(w @ np.where(c > 0, x / np.maximum(c, 1e-300), 0.0))
    if busy <= 0:
        return float(c.max())
    return min(float(c.max()), float(w @ x) / busy)


#: Points of :func:`_iteration_parts`' mixture per full chunk of summed extra.
ITERATION_PARTS_PER_CHUNK = 4


def _iteration_parts(
    law: Any,
    tau0: float,
    d: np.ndarray,
    w: np.ndarray,
    sd_n: np.ndarray,
    ex: np.ndarray,
    n: np.ndarray,
) -> list[tuple[np.ndarray, ...]]:
    """:class:`TpotLaw`'s normal components ``(weight, centre, sd, D)`` from a law of the
    extra summed over a request's iterations (its ``iteration_extra``), per class: ``d``
    decode iterations (``n`` whole ones), weights ``w``, noise ``sd_n``, whole-step excess
    ``ex``. A class of ``D < 1`` runs one iteration and spreads its extra over its ``D``."""
    parts: list[tuple[np.ndarray, ...]] = []
    div = np.where(d < 1, d, n)  # the extra's divisor
    short = n <= CHAIN_EXACT_STEPS
    if (~short).any():
        mean, var = law.moments(n[~short])
        var = var + law.memory_variance(n[~short])
        dl = div[~short]
        sd = np.hypot(np.sqrt(var) / dl, sd_n[~short])
        parts.append((w[~short], tau0 + ex[~short] + mean / dl, sd, d[~short]))
    if short.any():
        zero, pmf, width = law.laws(n[short])
        pmf = pmf.copy()
        pmf[:, 0] -= zero  # the requests that meet no chunk: a point
        np.maximum(pmf, 0.0, out=pmf)
        ds, ws, es = d[short], w[short], ex[short]
        # the backlog's memory beyond the chain's: spread with the batch noise
        ns = np.hypot(sd_n[short], np.sqrt(law.memory_variance(n[short])) / div[short])
        parts.append((ws * zero, tau0 + es, ns, ds))
        # per quarter chunk of the sum: its mass, conditional mean and sd
        per = max(1, law.points_per_chunk // ITERATION_PARTS_PER_CHUNK)
        groups = math.ceil(pmf.shape[1] / per)
        padded = np.zeros((pmf.shape[0], groups * per))
        padded[:, : pmf.shape[1]] = pmf
        pts = np.arange(groups * per) * width
        mass = padded.reshape(-1, groups, per)
        total = mass.sum(axis=2)
        m1 = (mass * pts.reshape(groups, per)).sum(axis=2)
        m2 = (mass * (pts * pts).reshape(groups, per)).sum(axis=2)
        safe = np.maximum(total, 1e-300)
        cm = m1 / safe
        cs = np.sqrt(np.maximum(m2 / safe - cm * cm, 0.0))
        dv = div[short][:, None]
        parts.append(
            (
                ws[:, None] * total,
                tau0 + es[:, None] + cm / dv,
                np.hypot(ns[:, None], cs / dv),
                np.repeat(ds[:, None], groups, axis=1),
            )
        )
    return parts


#: Margin on the excess probability beyond which a probe settles :meth:`TpotLaw.within` (far
#: above the float error of a few hundred CDF terms, ~1e-13).
PROBE_MARGIN = 1e-9


class TpotLaw:
    """The law of the per-request mean time per output token (TPOT) over requests.

    A request of ``D`` decode iterations has ``TPOT = tau0 + (X_1 + ... + X_K) / D + N``:
    in ``K ~ Binomial(D, p_chunk)`` of its iterations a prompt starts its prefill, each
    adding ``X`` (drawn from ``delta``, one value or a distribution with ``extra_weights``;
    a prompt's chunks run in consecutive iterations, so at most ``D extra_cap`` of it
    falls within the request's life), and
    ``N`` (normal, mean 0, standard deviation ``noise_sd`` of its class) is the effect of the
    decode batch's fluctuation over the request's life. For ``D <=``
    :data:`EXACT_BINOMIAL_MAX` (rounded) ``K`` is exact, one piece is exact and two or more
    pieces are normal; above, the whole sum is normal.

    Parameters
    ----------
    tau0
        Time of a decode-only iteration at the mean batch.
    delta
        Extra time of an iteration that carries a piece: a value, or the values of a
        distribution (weights ``extra_weights``).
    p_chunk
        Fraction of iterations that carry a piece.
    decode_lengths, weights
        Decode iterations ``D = O - 1`` per request class and class weights
        (classes with ``D < 1`` have no TPOT and are ignored).
    q
        The percentile as a fraction.
    noise_sd
        Standard deviation of the batch-fluctuation term per class (or one for all).
    extra_weights
        Weights of the ``delta`` values (default: equal).
    extra_cap
        Most extra time per iteration of each ``delta`` value (default: no cap).
    queued
        Mean number of prompts waiting when the request's prefill ends (they arrived during
        its own wait and prefill; FCFS runs them in its first decode iterations): a
        ``Poisson(queued)`` count added to ``K``, or the count's law ``queued_pmf``.
    queued_pmf
        ``P(count = k)``, ``k = 0, 1, ...`` of that count (:func:`queued_count_pmf`: the
        request's own wait is random, so the count is a mixed Poisson); overrides ``queued``.
    residual
        The first decode iteration starts after a wait uniform on ``[0, residual]`` (a
        request handed over mid-iteration), spread over the request's ``D`` tokens.
    arrival_rate
        When positive, pieces arrive as a Poisson stream of this rate (per unit of TPOT
        time) and ``p_chunk`` is not used: for ``D <=`` :data:`EXACT_BINOMIAL_MAX` the
        extra time is read from :func:`backlog_chain` (at most ``max(extra_cap)`` per
        iteration; the requests that meet no piece are a point at their decode-only TPOT,
        :func:`no_piece_probability`, the rest of the grid's point 0 the small pieces split
        towards it, :func:`split_remainder_moments`, every other point spread over its
        width); above, ``K`` is Poisson with mean ``D tau0 arrival_rate`` (+ the queued
        count) and each piece brings its M/G/1 busy period.
    queued_scale
        With ``arrival_rate``: the queued count counts pieces of ``delta / queued_scale``
        (bursty arrivals: the stream's pieces are bursts of ``queued_scale`` prompts, the
        queue behind a request is counted in prompts, :mod:`planner.serve.renewal`).
    step_excess
        Per class (or one for all): TPOT added to ``tau0`` for that class (speculative
        decoding: a request of few tokens runs whole steps, more per token than the mean).
    iteration_extra
        The law of the extra a request's consecutive iterations carry, when the iterations
        follow a chain of their own (:class:`planner.serve.lockstep.IterationExtra`:
        ``moments(steps)`` and ``laws(steps)``, and ``most``, the largest extra of one
        iteration); it replaces ``delta`` and everything about the prompts' arrivals. For
        ``D <=`` :data:`CHAIN_EXACT_STEPS` its exact law on its grid (the requests that
        meet no chunk a point at their decode-only TPOT, the rest per quarter chunk a normal
        with the grid's conditional mean and sd), above a normal with its exact mean and
        variance.
    min_length
        Classes with ``D < min_length`` have no TPOT (default one iteration; with speculative
        decoding ``D`` counts steps and one decode token is ``1 / k`` of one). A class of
        ``D < 1`` runs one iteration, its extra time spread over its ``D``.

    :meth:`quantile` is its ``q`` quantile (:func:`tpot_quantile`); :meth:`within`
    decides ``quantile() <= limit`` with the same result but usually after a few CDF
    evaluations (the capacity bisection only needs the decision at most of its points).
    """

    def __init__(
        self,
        tau0: float,
        delta: float | Sequence[float],
        p_chunk: float,
        decode_lengths: Sequence[float],
        weights: Sequence[float],
        q: float,
        noise_sd: Sequence[float] | float = 0.0,
        *,
        extra_weights: Sequence[float] | None = None,
        extra_cap: Sequence[float] | None = None,
        queued: float = 0.0,
        residual: float = 0.0,
        queued_pmf: np.ndarray | None = None,
        arrival_rate: float = 0.0,
        queued_scale: float = 1.0,
        step_excess: Sequence[float] | float = 0.0,
        min_length: float = 1.0,
        iteration_extra: Any = None,
    ) -> None:
        self.q = q
        self.trivial = True  # no class decodes: the quantile is 0
        self.tau0 = tau0
        # where the last quantile search (no limit) stopped: a finer one continues from there
        self._resume: tuple[float, float, float, float, int, int] | None = None
        self._resume_rtol = 0.0
        d = np.asarray(decode_lengths, dtype=float)
        w = np.asarray(weights, dtype=float)
        sd_n = np.broadcast_to(np.asarray(noise_sd, dtype=float), d.shape)
        ex_all = np.broadcast_to(np.asarray(step_excess, dtype=float), d.shape)
        keep = (d >= min_length) & (w > 0)
        if not keep.any():
            return
        if queued_pmf is not None:
            queued_pmf = np.asarray(queued_pmf, dtype=float)
            queued_pmf = queued_pmf / queued_pmf.sum()
            kq = np.arange(queued_pmf.size, dtype=float)
            queued = float(kq @ queued_pmf)
            queued_var = max(0.0, float(kq * kq @ queued_pmf) - queued * queued)
            if queued <= 0:
                queued_pmf = None
        else:
            queued_var = queued
        xs = np.maximum(0.0, np.atleast_1d(np.asarray(delta, dtype=float)))
        xw = np.ones_like(xs) if extra_weights is None else np.asarray(extra_weights, dtype=float)
        xw = xw / xw.sum()
        cap = np.broadcast_to(
            np.asarray(np.inf if extra_cap is None else extra_cap, float), xs.shape
        )
        p = min(1.0, max(0.0, p_chunk))
        if float(xw @ xs) <= 0:
            p = 0.0
        d, w, sd_n = d[keep], w[keep] / w[keep].sum(), sd_n[keep]
        ex = np.maximum(0.0, ex_all[keep])  # each class's own decode-only TPOT: tau0 + ex
        n = np.maximum(1.0, np.rint(d))
        cap_max = float(cap.max())
        xd = np.minimum(xs[None, :], n[:, None] * cap[None, :])  # a prompt's share, per class
        if iteration_extra is not None:  # lockstep groups: the chain's own law
            parts = _iteration_parts(iteration_extra, tau0, d, w, sd_n, ex, n)
        else:
            # Poisson pieces (arrival_rate > 0): a piece's prefill lengthens the request's
            # iterations, and the pieces arriving meanwhile lengthen them further: each piece of x
            # brings Poisson(rate x) more, each with its own M/G/1 busy period (mean
            # m1 / (1 - rho), second moment m2 / (1 - rho)^3)
            rate = max(0.0, arrival_rate) if float(xw @ xs) > 0 else 0.0
            m1, m2 = float(xw @ xs), float(xw @ (xs * xs))
            rho = min(rate * m1, 0.999)
            eb, eb2 = (m1 / (1.0 - rho), m2 / (1.0 - rho) ** 3) if rate > 0 else (0.0, 0.0)
            child_mean, child_var = rate * xs * eb, rate * xs * eb2  # per piece value
            # a piece and the busy period it starts (its own share capped, see extra_cap)
            mu = xd @ xw + child_mean @ xw
            second = (xd * xd) @ xw + 2.0 * (xd * child_mean[None, :]) @ xw
            second = second + (child_var + child_mean * child_mean) @ xw
            var_x = np.maximum(0.0, second - mu * mu)
            scale = max(float(queued_scale), 1e-300) if rate > 0 else 1.0
            if scale != 1.0:  # a queued piece (a prompt) and its busy period, as above
                xq = xs / scale
                xdq = np.minimum(xq[None, :], n[:, None] * cap[None, :])
                cmq, cvq = rate * xq * eb, rate * xq * eb2
                mu_q = xdq @ xw + cmq @ xw
                second_q = (
                    (xdq * xdq) @ xw + 2.0 * (xdq * cmq[None, :]) @ xw + (cvq + cmq * cmq) @ xw
                )
                var_q = np.maximum(0.0, second_q - mu_q * mu_q)
            else:
                mu_q, var_q = mu, var_x
            if rate > 0:  # seeds: Poisson arrivals over the D decode-only iterations
                p = min(1.0, rate * tau0)
            exact = (
                (d <= (CHAIN_MAX_STEPS if rate > 0 else EXACT_BINOMIAL_MAX))
                & (queued <= EXACT_BINOMIAL_MAX)
                & (queued_pmf is None or queued_pmf.size <= 8 * EXACT_BINOMIAL_MAX)
                & ((p > 0) | (queued > 0))
            )
            parts = []  # (weight, centre, sd, D) of normal components (sd ~ 0: a point)
            g = ~exact
            if g.any():  # normal: K has mean D p + queued and variance D p (1 - p) + Var(queued)
                mean_k, var_k = d[g] * p + queued, d[g] * p * (1 - p) + queued_var
                if rate > 0:
                    mean_k = d[g] * rate * tau0 + queued
                    var_k = d[g] * rate * tau0 + queued_var
                mean_w = mean_k * mu[g]
                var_w = mean_k * var_x[g] + var_k * mu[g] ** 2
                if scale != 1.0:  # the stream's pieces over D iterations, the queue's prompts
                    seeds = d[g] * rate * tau0
                    mean_w = seeds * mu[g] + queued * mu_q[g]
                    var_w = seeds * (var_x[g] + mu[g] ** 2) + queued * var_q[g]
                    var_w = var_w + queued_var * mu_q[g] ** 2
                sd_k = np.sqrt(np.maximum(0.0, var_w)) / d[g]
                centre = tau0 + ex[g] + np.minimum(mean_w, d[g] * cap_max) / d[g]
                parts.append((w[g], centre, np.hypot(sd_k, sd_n[g]), d[g]))
            if exact.any() and rate > 0:  # the backlog chain, read after each class's D steps
                ne, we, de, noise = n[exact], w[exact], d[exact], sd_n[exact]
                exe, pe = ex[exact], np.where(d[exact] < 1, d[exact], n[exact])  # extra's divisor
                if queued_pmf is None:
                    extra = max(4, int(queued + 6.0 * math.sqrt(queued)) + 1)
                    start = poisson_pmf(queued, extra) if queued > 0 else np.ones(1)
                else:
                    start = queued_pmf
                limit = float(xs.max()) if not math.isfinite(cap_max) else busy_cap(xs, xw, cap)
                short = ne <= CHAIN_EXACT_STEPS
                most = int(ne[short].max()) if short.any() else 0
                prob, z1, z2, laws = backlog_chain(
                    tau0, xs, xw, rate, limit, start, int(ne.max()), most, scale
                )
                long_ = ~short
                if long_.any():
                    at = ne[long_].astype(int)
                    pw, s1, s2 = prob[at], z1[at], z2[at]
                    mean_z = np.where(pw > 0, s1 / np.maximum(pw, 1e-300), 0.0)
                    var_z = np.where(pw > 0, s2 / np.maximum(pw, 1e-300), 0.0) - mean_z**2
                    var_z = np.maximum(0.0, var_z)
                    nl = ne[long_]
                    parts.append(
                        (
                            we[long_, None] * pw,
                            tau0 + exe[long_, None] + mean_z / nl[:, None],
                            np.sqrt(var_z / (nl**2)[:, None] + (noise[long_] ** 2)[:, None]),
                            np.repeat(de[long_, None], pw.shape[1], axis=1),
                        )
                    )
                if short.any():  # the exact law on the grid, each step spread over its width
                    ns, ps = ne[short], pe[short]
                    step = limit / CHAIN_BINS_PER_CHUNK
                    grid_pts = np.arange(laws.shape[1]) * step
                    spread = step / math.sqrt(12.0) / ps
                    carried = laws[ns.astype(int)].copy()
                    centres = tau0 + exe[short, None] + grid_pts[None, :] / ps[:, None]
                    sds = np.repeat(np.hypot(noise[short], spread)[:, None], grid_pts.size, 1)
                    # the grid's point 0 holds the requests that meet no prompt piece (a point:
                    # decode-only TPOT) and the small pieces the grid split towards 0 (they
                    # lie in (0, step)); spread as a whole it slowed the first kind
                    none = no_piece_probability(start, xs, xw, rate * tau0, ns)
                    none = np.minimum(none, carried[:, 0])
                    carried[:, 0] -= none
                    m0, s0 = split_remainder_moments(xs, xw, step)
                    centres[:, 0] += m0 / ps
                    sds[:, 0] = np.hypot(noise[short], s0 / ps)
                    parts.append((we[short] * none, tau0 + exe[short], noise[short], de[short]))
                    parts.append(
                        (
                            we[short, None] * carried,
                            centres,
                            sds,
                            np.repeat(de[short, None], grid_pts.size, axis=1),
                        )
                    )
            elif exact.any():
                ne, we, de, noise = n[exact], w[exact], d[exact], sd_n[exact]
                exe, pe = ex[exact], np.where(d[exact] < 1, d[exact], n[exact])  # extra's divisor
                top = int(ne.max())
                k = np.arange(top + 1, dtype=float)
                inside = k[None, :] <= ne[:, None]
                if p <= 0:
                    pmf = np.zeros((ne.size, top + 1))
                    pmf[:, 0] = 1.0
                elif p >= 1:
                    pmf = (k[None, :] == ne[:, None]).astype(float)
                else:
                    lf = LOG_FACTORIAL
                    rest = np.where(inside, ne[:, None] - k[None, :], 0.0).astype(int)
                    logp = (
                        lf[ne.astype(int)][:, None]
                        - lf[k.astype(int)][None, :]
                        - lf[rest]
                        + k[None, :] * math.log(p)
                        + rest * math.log1p(-p)
                    )
                    pmf = np.where(inside, np.exp(logp - logp.max(axis=1, keepdims=True)), 0.0)
                    pmf /= pmf.sum(axis=1, keepdims=True)
                if queued > 0:  # + the prompts waiting at the first token
                    if queued_pmf is None:
                        extra = max(4, int(queued + 6.0 * math.sqrt(queued)) + 1)
                        pois = poisson_pmf(queued, extra)
                    else:
                        pois = queued_pmf
                        extra = pois.size - 1
                    shifted = np.zeros((top + 1, top + extra + 1))
                    rows = np.arange(top + 1)[:, None]
                    shifted[rows, rows + np.arange(extra + 1)[None, :]] = pois
                    pmf = pmf @ shifted
                kk = np.arange(pmf.shape[1], dtype=float)
                # K = 0: decode-only; K = 1: one prompt, exact; K >= 2: normal sum of K prompts
                parts.append((we * pmf[:, 0], tau0 + exe, noise, de))
                parts.append(
                    (
                        (we * pmf[:, 1])[:, None] * xw[None, :],
                        tau0 + exe[:, None] + xd[exact] / pe[:, None],
                        np.repeat(noise[:, None], xs.size, axis=1),
                        np.repeat(de[:, None], xs.size, axis=1),
                    )
                )
                k2 = kk[None, 2:]
                parts.append(
                    (
                        we[:, None] * pmf[:, 2:],
                        tau0
                        + exe[:, None]
                        + np.minimum(k2 * mu[exact][:, None], (ne * cap_max)[:, None])
                        / pe[:, None],
                        np.sqrt(k2 * (var_x[exact] / pe**2)[:, None] + (noise**2)[:, None]),
                        np.repeat(de[:, None], k2.size, axis=1),
                    )
                )
        weight, centre, sd, dlen = (
            np.concatenate([np.ravel(x[i]) for x in parts]) for i in range(4)
        )
        if residual > 0:  # four points of the uniform residual wait, spread over D tokens
            part = (np.arange(4) + 0.5) / 4 * residual
            weight = np.repeat(weight / 4, 4)
            centre = (centre[:, None] + part[None, :] / dlen[:, None]).ravel()
            sd = np.repeat(sd, 4)
        live = weight > 1e-12  # binomial tails too thin to move a percentile
        weight, centre, sd = weight[live], centre[live], sd[live]
        sd = np.maximum(sd, 1e-12 * max(tau0, 1e-300))
        total = float(weight.sum())

        spread = 8.0 * float(sd.max())
        lo, hi = float(centre.min()) - spread, float(centre.max()) + spread
        # no request exceeds its largest possible extra (the normal approximations would)
        if iteration_extra is not None:
            most = iteration_extra.most
        else:
            most = 0.0 if p <= 0 and queued <= 0 else float(xs.max())
            most = cap_max if queued > 0 or rate > 0 else most
            most = min(most, cap_max)
        short_scale = 1.0 / min(1.0, float(d.min()))  # a class of D < 1 spreads over its D
        hi = min(
            hi,
            tau0
            + float(ex.max())
            + (most + residual) * short_scale
            + 8.0 * float(sd_n.max(initial=0.0))
            + 1e-11 * tau0,
        )
        self.weight, self.centre, self.sd, self.total = weight, centre, sd, total
        self.lo, self.hi = lo, hi
        # a point mass this close below the bracket's top is taken as the quantile
        self.floor = 16e-12 * max(tau0, 1e-300)
        self.trivial = False
        self._buffers: tuple[np.ndarray, ...] | None = None  # excess's work arrays

    def excess(self, t: float) -> float:
        """``P(TPOT <= t) - q`` (nondecreasing in ``t``).

        The CDF is :func:`normal_cdf_array` of ``(t - centre) / sd``; once loaded
        (:func:`loaded_kernels`), the same bits come from the compiled loops of
        :mod:`planner.serve.kernels` around numpy's ``exp`` (a search evaluates it thousands
        of times; as ~26 ufunc calls on short arrays, their dispatch dominates).
        """
        kernels = loaded_kernels()
        if kernels is None:
            z = np.subtract(t, self.centre)
            z /= self.sd
            return float(_normal_cdf_inplace(z) @ self.weight) / self.total - self.q
        if self._buffers is None:
            self._buffers = tuple(np.empty_like(self.centre) for _ in range(3))
        z, poly, expo = self._buffers
        kernels.cdf_head(float(t), self.centre, self.sd, z, poly, expo)
        np.exp(expo, out=expo)
        kernels.cdf_tail(z, poly, expo)
        return float(z @ self.weight) / self.total - self.q

    def quantile(self) -> float:
        """The ``q`` quantile (0 when no request decodes)."""
        return self._search(None)

    def at_most(self, t: float) -> float:
        """``P(TPOT <= t)``: the CDF :meth:`quantile` searches, 1 from the bracket's top on
        (no request exceeds its largest possible extra; the quantile is kept at or below
        it), 1 from 0 on when no request decodes."""
        if self.trivial:
            return float(t >= 0.0)
        if t >= self.hi:
            return 1.0
        return min(1.0, max(0.0, self.excess(float(t)) + self.q))

    def estimate(self) -> float:
        """The quantile to ``1e-4`` relative (at or above it, up to a point mass just
        below): steers the capacity search, which decides with :meth:`within`."""
        return self._search(None, 1e-4)

    def within(self, limit: float) -> bool:
        """``not (quantile() > limit)``, decided as computing the quantile would.

        Two kinds of shortcut, both exact: (1) the search keeps the quantile inside its
        bracket ``[lo - floor, hi]``, so it stops once the bracket is on one side of
        ``limit``; (2) before the search, the CDF is probed at ``limit`` and just below:
        the CDF is nondecreasing and its float error is far below :data:`PROBE_MARGIN`, so
        a probe beyond the margin fixes the sign of every evaluation the search would make
        on that side, hence where its result lands.
        """
        return bool(self._search(limit))

    def _search(self, limit: float | None, rtol: float = 1e-7) -> float:
        """The quantile (``limit`` None) to ``rtol``, or the decision ``not (quantile() >
        limit)`` as 1.0/0.0."""
        if self.trivial:
            return 0.0 if limit is None else float(limit >= 0.0)
        excess, floor = self.excess, self.floor
        lo, hi = self.lo, self.hi
        if limit is not None:
            # The result is lo (when excess(lo) >= 0) or lies in the search's bracket,
            # within [lo - floor, hi].
            if hi <= limit and lo <= hi:
                return 1.0
            if lo - floor > limit:
                return 0.0
            # Every evaluation at or below limit + floor is negative: the result (lo with
            # excess(lo) >= 0, the search's hi, or a point mass it returns) is above limit.
            if excess(limit + floor) <= -PROBE_MARGIN:
                return 0.0
            # Every evaluation at or above `low` is positive: if lo <= limit, the search
            # runs (or returns lo) and keeps its lo below `low`, so it stops with hi within
            # 1e-7 of lo (or after 50 bisections), below limit; if lo > limit, excess(lo) >
            # 0 and the result is lo.
            low = limit * (1.0 - 3e-7)
            if limit > 0 and (hi - lo) * 2.0**-50 <= 1e-8 * limit and excess(low) >= PROBE_MARGIN:
                return float(lo <= limit)
        if limit is None and self._resume is not None and rtol <= self._resume_rtol:
            # the same iteration as from the start: it stopped here at a coarser rtol
            lo, hi, f_lo, f_hi, side, step = self._resume
        else:
            f_lo, f_hi = excess(lo), excess(hi)
            if f_lo >= 0:
                return lo if limit is None else float(not (lo > limit))
            side, step = 0, 0
        # Illinois (regula falsi that halves a stale end's value), bracketed, to 1e-7 of the TPOT;
        # every fourth step bisects so that a step-like CDF still converges
        while step < 200:
            if limit is not None:  # the result lies in [lo - floor, hi]
                if hi <= limit:
                    return 1.0
                if lo - floor > limit:
                    return 0.0
            if hi - lo <= rtol * max(abs(hi), 1e-300) or f_hi <= 0:
                break
            mid = illinois_point(lo, hi, f_lo, f_hi, step)
            lo, hi, f_lo, f_hi, side = illinois_update(lo, hi, f_lo, f_hi, side, mid, excess(mid))
            step += 1
        if limit is None:
            self._resume, self._resume_rtol = (lo, hi, f_lo, f_hi, side, step), rtol
        result = float(hi)
        # a jump at a point mass inside the final bracket: that point is the quantile exactly
        centre = self.centre
        for c in np.sort(centre[(centre >= lo - floor) & (centre <= hi)])[:8]:
            if excess(float(c) + floor) >= 0:
                result = float(c)
                break
        return result if limit is None else float(not (result > limit))
