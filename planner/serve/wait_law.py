"""Waiting-time law of a FCFS prefill server from its actual service-time distribution.

The prefill queue of a colocated engine is a single FCFS server fed by a Gamma renewal
stream (Poisson when its squared coefficient of variation ``c_a^2`` is 1) whose service
times take the value ``S_k`` with probability ``w_k`` (a prompt class's share of engine
time). Its stationary waiting time ``W`` is computed numerically on a grid of ``GRID``
points, without a shape assumption:

* Poisson arrivals (M/G/1): the Pollaczek-Khinchine / Benes series
  ``P(W <= t) = sum_n (1 - rho) rho^n R^{*n}(t)``, ``R`` the equilibrium residual law of the
  service, ``P(R <= t) = E[min(S, t)] / E[S]`` (Asmussen, *Applied Probability and
  Queues*, 2nd ed. 2003, ch. VIII, Theorem 5.7 / Corollary 5.8; Kleinrock, *Queueing
  Systems* vol. 1, 1975, section 5.7; Benes 1957, Ann. Math. Statist. 28:670-677). The
  geometric sum is one division in Fourier space: ``W^ = (1 - rho) / (1 - rho R^)``.
* Gamma arrivals (GI/G/1): Lindley's equation ``W =d max(W + S - A, 0)`` (Asmussen ch. III,
  section 6 and ch. VIII, section 1; Kleinrock vol. 2, 1976, section 2.1) solved as a fixed
  point on the grid, each step an FFT convolution with the law of ``S - A``.

Both are exact up to the grid (the service's mass is split between the two grid points
around it so that its mean is kept). For exponential service the result is the GI/M/1
law ``P(W > t) = sigma exp(-t sigma / E[W])`` the capacity model used before (exact there).
Lindley's grid errs by O(h) near 0 and is Richardson-extrapolated from a grid of twice the
step; with a heavy-tailed service, bursty arrivals and a high load its reach leaves the
step coarse (lognormal service of cs^2 ~3, scv 2: the p99 within 1.1 % of a recursion at
70 %, 27 % low at 85 %; docs/serve.md, twenty-sixth session).

A grid that does not resolve the law is refused (``None``: the caller keeps the exponential
shape with the GI/G/1 mean, Kingman's heavy-traffic limit). Benes's coarse cells bias the
mean up (the residual's density decreases within a cell): the grid is refined until its mean
is the Pollaczek-Khinchine one within :data:`BENES_MEAN_TOL`, at most :data:`BENES_MAX`
points. Lindley's grid is refused when its mean and that of the grid of twice the step
differ by more than :data:`LINDLEY_AGREE` (s26review: against recursions over 4,000,000
arrivals, every case past 0.2 had its p99 8-66 % low, the exponential shape within 9 %;
``bench/session_runs/s26review``), when its step is longer than the mean gap between
arrivals, or when the extrapolated ``P(W > 0)`` exceeds 1.

:func:`wait_grid` returns what :class:`~planner.serve.chunked_ttft.ChunkedPrefillLaw`
takes: ``P(W > 0)`` and the conditional survival ``P(W > x | W > 0)`` at ``points + 1``
evenly spaced edges up to the law's ``1e-6`` tail. It is cached on the service law's bytes,
the rate and ``c_a^2`` (a capacity search evaluates the same state more than once).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from planner.serve.queueing import gg1_mean_wait, wait_probability
from planner.serve.renewal import gamma_cdf

#: Grid points of the wait's law (the FFTs run on twice as many).
GRID = 2048
#: Tail mass the grid must reach (the law's edges stop at ``1e-6``, as before).
TAIL = 1e-7
#: Grid points of Lindley's fixed point (each of its steps is an FFT: coarser), its
#: iterations at most and the change of the CDF that ends them.
LINDLEY_GRID = 1024
LINDLEY_STEPS = 4000
LINDLEY_TOL = 1e-7
#: The least scv of the Gamma inter-arrival times (regular arrivals, scv 0, are taken as this).
REGULAR_SCV = 1e-6
#: Largest relative gap between the means of Lindley's grids of step ``h`` and ``2 h`` that
#: is still extrapolated (past it the exponential shape is nearer the recursions: module notes).
LINDLEY_AGREE = 0.2
#: Relative error of the Benes grid's mean against Pollaczek-Khinchine's that is accepted,
#: and the most grid points refined to (a 2**17-point grid's FFTs take ~10 ms).
BENES_MEAN_TOL = 0.01
BENES_MAX = 2**17


def wait_grid(
    lam: float,
    service: np.ndarray,
    weights: np.ndarray,
    ca2: float,
    points: int,
) -> tuple[float, np.ndarray, np.ndarray] | None:
    """``(sigma, edges, ex)``: ``P(W > 0)``, ``points + 1`` evenly spaced edges from 0 to the
    wait's ``1e-6`` tail and ``P(W > edge | W > 0)`` at each (module notes); ``None`` when the
    grid cannot resolve the law (a load near saturation: module notes).

    Parameters
    ----------
    lam
        Arrival rate (1/s).
    service, weights
        Service-time values (s) and their probabilities (normalized here).
    ca2
        Squared coefficient of variation of the Gamma inter-arrival times (1: Poisson).
    points
        Bins of the returned grid.

    Returns
    -------
    tuple or None
        ``sigma`` (0 with empty arrays when nothing waits); ``inf`` load is the caller's
        concern (``lam E[S] >= 1`` raises ``ValueError``); ``None``: use the exponential
        shape.
    """
    s = np.ascontiguousarray(np.maximum(np.asarray(service, dtype=float), 0.0))
    w = np.ascontiguousarray(np.asarray(weights, dtype=float))
    return _wait_grid(float(lam), s.tobytes(), w.tobytes(), float(ca2), int(points))


@functools.lru_cache(maxsize=4096)
def _wait_grid(
    lam: float, service: bytes, weights: bytes, ca2: float, points: int
) -> tuple[float, np.ndarray, np.ndarray] | None:
    s, w = np.frombuffer(service), np.frombuffer(weights)
    w = w / w.sum()
    es = float(w @ s)
    rho = lam * es
    if rho >= 1.0:
        raise ValueError(f"saturated prefill server (load {rho:.3f})")
    none = (0.0, np.empty(0), np.empty(0))
    if rho <= 0.0 or es <= 0.0:
        return none
    poisson = abs(ca2 - 1.0) < 1e-12
    if not poisson:
        # regular arrivals (scv 0, which this took as Poisson: the TTFT p99 1.42 s where scv
        # 1e-6 gives 1.01, s26review) as Gamma gaps of scv REGULAR_SCV (P(W > 0) 0.53816 at
        # 1e-4, 0.53815 at 1e-6 on the tests' three classes at 70 %)
        ca2 = max(ca2, REGULAR_SCV)
    # the grid's reach: the exponential-shape law's 1e-7 point (Allen-Cunneen mean over the
    # probability of waiting, at least a mean service) plus the largest service; doubled
    # until the mass the grid's last point holds (all beyond it) is below TAIL (a finer grid
    # where it suffices: Lindley's atom at 0 needs it). Not max(E[W], E[S]) / rho: at a
    # light load that spread the grid over E[S] / rho (1.8e6 services at a probe's 1e-6
    # load) and refined it to BENES_MAX points before giving up
    es2 = float(w @ (s * s))
    ew = lam * es2 / (2.0 * (1.0 - rho)) * (ca2 + es2 / es**2 - 1.0) / 2.0
    reach = max(ew / rho, es) * math.log(1.0 / TAIL) + float(s.max())
    if poisson:
        found = _benes_law(lam, rho, s, w, es, es2, reach)
        if found is None:
            return None
        sigma, knots, surv = found
    else:
        for _ in range(6):
            h = reach / LINDLEY_GRID
            fine = _lindley(lam, s, w, ca2, h, LINDLEY_GRID)
            sigma, knots, surv = _survival(fine, h)
            if float(surv[-1]) < TAIL or reach > 1e6 * es:
                break
            reach *= 2.0
        if h * lam > 1.0:
            # a step longer than the mean gap between arrivals: both grids fold the arrivals
            # into their first points and agree on a wait far too short (P(W > 0) 0.35 for
            # 0.99 at scv 2, s26review), which the test below cannot see
            return None
        # Lindley's grid errs by O(h) (the split masses near 0, where max(., 0) folds them):
        # Richardson's extrapolation with the grid of twice the step removes that term, when
        # the two grids are close enough for it (module notes)
        coarse = _lindley(lam, s, w, ca2, 2.0 * h, LINDLEY_GRID // 2)
        m_fine, m_coarse = _grid_mean(fine, h), _grid_mean(coarse, 2.0 * h)
        if m_fine <= 0.0 or abs(m_fine - m_coarse) > LINDLEY_AGREE * m_fine:
            return None
        half = _survival(coarse, 2.0 * h)
        sigma = 2.0 * sigma - half[0]
        if sigma > 1.0:
            return None
        surv = 2.0 * surv - np.interp(knots, half[1], half[2], right=0.0)
        surv = np.minimum.accumulate(np.clip(surv, 0.0, sigma))
    if sigma <= 0.0 or surv[0] <= 0.0:
        return none
    # the grid's edges stop at the 1e-6 point of P(W > x) (linear between the knots)
    stop = float(knots[-1])
    below = np.nonzero(surv <= 1e-6)[0]
    if below.size:
        j = max(int(below[0]), 1)
        x0, x1, y0, y1 = knots[j - 1], knots[j], surv[j - 1], surv[j]
        stop = float(x0 + (x1 - x0) * (y0 - 1e-6) / (y0 - y1)) if y0 > y1 else float(x1)
    edges = np.linspace(0.0, stop, points + 1)
    ex = np.interp(edges, knots, surv) / surv[0]
    ex[0] = 1.0
    edges.setflags(write=False)
    ex.setflags(write=False)
    return sigma, edges, ex


def _grid_mean(pmf: np.ndarray, h: float) -> float:
    """Mean of the masses ``pmf`` at the grid points ``j h``."""
    return h * float(np.arange(pmf.size) @ pmf)


def _benes_law(
    lam: float, rho: float, s: np.ndarray, w: np.ndarray, es: float, es2: float, reach: float
) -> tuple[float, np.ndarray, np.ndarray] | None:
    """The M/G/1 wait's :func:`_survival` on a grid from ``reach``: its reach doubled until
    the mass beyond it is below :data:`TAIL`, its points doubled while its mean is above the
    Pollaczek-Khinchine mean by more than :data:`BENES_MEAN_TOL` (coarse cells; module notes);
    ``None`` when no grid of at most :data:`BENES_MAX` points has that mean."""
    exact = lam * es2 / (2.0 * (1.0 - rho))
    size, reaches = GRID, 1
    while True:
        h = reach / size
        pmf = _benes(rho, s, w, es, h, size)
        too_coarse = _grid_mean(pmf, h) > (1.0 + BENES_MEAN_TOL) * exact
        if too_coarse and size < BENES_MAX:
            size *= 2  # a finer step over the same reach (doubling the reach doubles h)
            continue
        # the n = 0 term is exactly the M/G/1 P(W = 0)
        sigma, knots, surv = _survival(pmf, h, 1.0 - rho)
        if too_coarse or float(surv[-1]) < TAIL or reach > 1e6 * es or reaches == 6:
            break
        reach, reaches = 2.0 * reach, reaches + 1
    if abs(_grid_mean(pmf, h) - exact) > BENES_MEAN_TOL * exact:
        return None
    return sigma, knots, surv


def _survival(
    pmf: np.ndarray, h: float, atom: float | None = None
) -> tuple[float, np.ndarray, np.ndarray]:
    """``(P(W > 0), knots, P(W > knot))`` from the masses at the grid points ``j h``.

    ``atom``: ``P(W = 0)`` when known; otherwise point 0's mass less the continuous part's
    on ``[0, h/2]`` (about half of point 1's). The mass at point ``j`` stands for ``[j h - h/2,
    j h + h/2]``, so ``P(W > (j + 1/2) h)`` is the mass of the points above ``j``; at 0 the
    continuous part's whole mass.
    """
    if atom is None:
        atom = max(float(pmf[0]) - 0.5 * float(pmf[1]), 0.0)
    cont = pmf.copy()
    cont[0] = max(cont[0] - atom, 0.0)
    above = cont[::-1].cumsum()[::-1]
    knots = np.concatenate([[0.0], (np.arange(above.size - 1) + 0.5) * h])
    surv = np.concatenate([[float(above[0])], above[1:]])
    return 1.0 - atom, knots, surv


def _split(values: np.ndarray, mass: np.ndarray, h: float, size: int) -> np.ndarray:
    """Masses at ``values`` (>= 0) split between the grid points around each (linear
    weights: the mean is kept), into an array of ``size`` points (beyond: dropped)."""
    pos = values / h
    i = np.floor(pos).astype(int)
    f = pos - i
    out = np.zeros(size + 1)
    keep = i < size
    np.add.at(out, i[keep], mass[keep] * (1.0 - f[keep]))
    np.add.at(out, i[keep] + 1, mass[keep] * f[keep])
    return out[:size]


def _benes(
    rho: float, s: np.ndarray, w: np.ndarray, es: float, h: float, size: int = GRID
) -> np.ndarray:
    """The M/G/1 wait's masses at the grid points ``0, h, .., (size - 1) h`` (the last one
    with all beyond it)."""
    n = 2 * size  # padding: the mass beyond 2 size h (below TAIL) wraps around
    # the residual R: P(R <= t) = E[min(S, t)] / E[S] at the grid points; its mass over a
    # cell (a uniform density there, as between two service values) split to both ends
    t = np.arange(n + 1) * h
    # E[min(S, t)] = E[S; S <= t] + t P(S > t), by the sorted values' cumulative sums
    order = np.argsort(s)
    sv, wv = s[order], w[order]
    part = np.concatenate([[0.0], np.cumsum(sv * wv)])
    mass = np.concatenate([[0.0], np.cumsum(wv)])
    i = np.searchsorted(sv, t, side="right")
    emin = part[i] + t * (1.0 - mass[i])
    cell = np.diff(emin) / es
    r = np.zeros(n + 1)
    r[:-1] += 0.5 * cell
    r[1:] += 0.5 * cell
    r_hat = np.fft.rfft(r[:n])
    pmf = np.maximum(np.fft.irfft((1.0 - rho) / (1.0 - rho * r_hat), n), 0.0)
    # the last point holds the mass beyond the grid (the caller's check of its reach)
    pmf[size - 1] = float(pmf[size - 1 :].sum())
    return pmf[:size]


def _lindley(
    lam: float, s: np.ndarray, w: np.ndarray, ca2: float, h: float, size: int
) -> np.ndarray:
    """The GI/G/1 wait's masses at ``size`` grid points (Lindley's fixed point, module notes;
    the last point with all beyond it)."""
    k = 1.0 / ca2
    scale = 1.0 / (lam * k)  # Gamma(k, scale): mean 1 / lam, scv ca2
    kmax = math.ceil(float(s.max()) / h) + 2
    # inter-arrival masses on the grid, up to its 1e-12 tail (cell masses split to both
    # ends); a gap longer than the grid and the longest service empties the queue whatever
    # it held, so the mass beyond that is lumped there
    top = scale * max(k + 40.0 * math.sqrt(k) + 40.0, 1.0)
    m = min(math.ceil(top / h), size + kmax) + 1
    cdf = gamma_cdf(np.full(m + 1, k), np.arange(m + 1) * h / scale)[0]
    cell = np.diff(cdf)
    a = np.zeros(m + 1)
    a[:-1] += 0.5 * cell
    a[1:] += 0.5 * cell
    a[-1] += 1.0 - float(cdf[-1])
    sv = _split(s, w, h, kmax)
    # X = S - A on offsets -m .. kmax - 1: index i is offset i - m
    x = np.convolve(sv, a[::-1])
    nconv = size + x.size
    nfft = 1 << (nconv - 1).bit_length()
    x_hat = np.fft.rfft(x, nfft)
    # start from the exponential-shape law the capacity model used (the GI/M/1 probability
    # of waiting, the Allen-Cunneen mean): close to the fixed point, fewer steps
    es, es2 = float(w @ s), float(w @ (s * s))
    sigma = wait_probability(lam * es, ca2)
    decay = sigma / gg1_mean_wait(lam, es, es2, ca2)
    pmf = np.zeros(size)
    pmf[0] = 1.0 - sigma
    pmf[1:] = sigma * -np.diff(np.exp(-np.arange(size) * h * decay))
    prev = np.cumsum(pmf)
    for _ in range(LINDLEY_STEPS):
        conv = np.fft.irfft(np.fft.rfft(pmf, nfft) * x_hat, nfft)[: size + x.size - 1]
        new = np.empty(size)
        new[0] = float(conv[: m + 1].sum())
        new[1:] = conv[m + 1 : m + size]
        # the mass beyond the grid stays at its last point (the caller widens the grid
        # when that holds more than TAIL)
        new[-1] += float(conv[m + size :].sum())
        new = np.maximum(new, 0.0)
        cum = np.cumsum(new)
        done = float(np.max(np.abs(cum - prev))) < LINDLEY_TOL
        pmf, prev = new, cum
        if done:
            break
    return pmf
