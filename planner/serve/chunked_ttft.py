"""TTFT law of a colocated engine that prefills FCFS in chunks of at most ``C`` tokens.

Every iteration runs the decode batch and takes up to ``C`` prompt tokens from the head of
the FCFS prompt queue; a prompt's first token comes at the end of the iteration that
computes its last token. While prompts queue, iterations are full and last ``t_c``; an
iteration carrying ``n`` prompt tokens lasts ``t_0 + kappa n`` (``kappa = (t_c - t_0) /
C``). A request arrives, waits for the iteration in progress (``offset``), then for the
prompt work queued ahead of it, ``W`` (the GI/G/1 workload of
:class:`~planner.serve.queueing.ResponseLaw`: no wait with probability ``1 - sigma``,
else exponential), which is ``A = W C / t_c`` tokens at the full-iteration rate. Its own
``p`` tokens end at token ``Z = A + p`` of the queue, in iteration ``m = ceil(Z / C)`` at
position ``r = Z - (m - 1) C`` of that iteration's chunk, so

``TTFT = offset + (m - 1) t_c + t_0 + kappa (r + F) + own attention``,

where ``F = min(C - r, T)`` are the tokens of the prompts queued *behind* it that the same
iteration also computes: ``T`` is the sum of the prompts that arrived between the request's
arrival and the start of that iteration (a Poisson count over ``offset + (m - 1) t_c``).
Without ``F`` and with ``A = 0`` this is the FCFS response of
:class:`~planner.serve.queueing.ResponseLaw` (own chunks, then the remainder's iteration);
``F`` is the rest of the last chunk, which the prompts behind fill (up to ``t_c - t_0``
more; in the tail, where ``W`` is long, the chunk is full and the TTFT is the queue's
work rounded up to whole iterations).

The law is a mixture over a grid of ``W`` (its atom and ``WAIT_POINTS`` bins of the
exponential up to its ``1e-6`` tail) and points of each prompt class's window, with the
exact compound-Poisson law of ``T`` on a token grid of ``C / TOKEN_BINS``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from planner.serve.queueing import _LOG_FACTORIAL, gg1_mean_wait, wait_probability

#: Bins of the waiting time's exponential part, points per prompt class window, and token
#: bins per chunk of the law of the prompts behind.
WAIT_POINTS = 96
CLASS_POINTS = 2
TOKEN_BINS = 64


class ChunkedPrefillLaw:
    """TTFT (without ``offset``) of a colocated engine with chunked FCFS prefill (module notes).

    Parameters
    ----------
    lam, es, es2, ca2
        Arrival rate, moments of a prompt's share of engine time (as
        :func:`~planner.serve.queueing.gg1_mean_wait`) and arrival burstiness.
    offset
        Time before the request's first iteration starts (added by the caller; here it only
        lengthens the window in which prompts arrive behind it).
    chunk, t0, tc
        Token budget ``C`` of an iteration, decode-only and full-chunk iteration seconds.
    own_lo, own_hi
        Uncached prompt tokens of each class: the window its prompts are spread over.
    own_extra
        Seconds added to each class's TTFT (its prompt attention).
    weights
        Class weights.
    tokens
        Uncached tokens of each class's prompts (the prompts behind, same weights).
    q
        Percentile as a fraction.
    """

    def __init__(
        self,
        lam: float,
        es: float,
        es2: float,
        ca2: float,
        offset: float,
        chunk: float,
        t0: float,
        tc: float,
        own_lo: Sequence[float],
        own_hi: Sequence[float],
        own_extra: Sequence[float],
        weights: Sequence[float],
        tokens: Sequence[float],
        q: float,
    ) -> None:
        self.q = q
        rho = lam * es
        self.saturated = rho >= 1.0
        if self.saturated:
            return
        C = float(chunk)
        kappa = max(tc - t0, 0.0) / C
        w = np.asarray(weights, dtype=float)
        w = w / w.sum()
        # the wait: an atom at 0 and WAIT_POINTS bins of its exponential part
        sigma = wait_probability(rho, ca2) if rho > 0 else 0.0
        ew = gg1_mean_wait(lam, es, es2, ca2) if rho > 0 else 0.0
        if sigma > 0 and ew > 0:
            mean = ew / sigma
            edges = np.linspace(0.0, mean * math.log(max(sigma, 1e-12) / 1e-6), WAIT_POINTS + 1)
            waits = np.concatenate([[0.0], 0.5 * (edges[1:] + edges[:-1])])
            wait_w = np.concatenate([[1.0 - sigma], sigma * -np.diff(np.exp(-edges / mean))])
        else:
            waits, wait_w = np.zeros(1), np.ones(1)
        # own prompt: CLASS_POINTS evenly spaced points of each class's window
        frac = (np.arange(CLASS_POINTS) + 0.5) / CLASS_POINTS
        lo, hi = np.asarray(own_lo, dtype=float), np.asarray(own_hi, dtype=float)
        own = (lo[:, None] + frac[None, :] * (hi - lo)[:, None]).ravel()
        own_x = np.repeat(np.asarray(own_extra, dtype=float), CLASS_POINTS)
        own_w = np.repeat(w / CLASS_POINTS, CLASS_POINTS)
        # where the request's last token lands: iteration m, position r in its chunk
        z = waits[:, None] * (C / tc if tc > 0 else 0.0) + own[None, :]
        m = np.maximum(np.ceil(z / C - 1e-12), 1.0)
        r = np.minimum(z - (m - 1.0) * C, C)
        start = (m - 1.0) * tc
        self.base = (start + t0 + kappa * r + own_x[None, :]).ravel()
        self.free = (C - r).ravel()  # tokens of the last chunk the prompts behind can fill
        self.weight = (wait_w[:, None] * own_w[None, :]).ravel()
        self.kappa, self.h = kappa, C / TOKEN_BINS
        # a Poisson count over the window offset + (m - 1) t_c (the arrivals already queued
        # when the last iteration starts): one law per iteration count m
        ms, self.which = np.unique(m.ravel(), return_inverse=True)
        mean_n = lam * (offset + (ms - 1.0) * tc)
        top = float(mean_n.max(initial=0.0))
        kmax = int(top + 10.0 * math.sqrt(top) + 10.0)  # the count's negligible tail
        # law of T, the tokens behind: G[n, s] = P(n prompts hold <= s h tokens), s h <= C
        # (rows stop once n prompts surely hold more than a chunk)
        tok = np.maximum(np.asarray(tokens, dtype=float), 0.0)
        at = np.rint(tok / self.h).astype(int)
        piece = np.bincount(at[at <= TOKEN_BINS], w[at <= TOKEN_BINS], TOKEN_BINS + 1)
        rows, cur = [np.ones(TOKEN_BINS + 1)], np.eye(1, TOKEN_BINS + 1)[0]
        while len(rows) <= kmax:
            cur = np.convolve(cur, piece)[: TOKEN_BINS + 1]
            rows.append(np.cumsum(cur))
            if rows[-1][-1] < 1e-12:
                break
        G = np.array(rows)
        k = np.arange(G.shape[0], dtype=float)
        logp = k[None, :] * np.log(np.maximum(mean_n, 1e-300))[:, None] - mean_n[:, None]
        pk = np.exp(logp - _LOG_FACTORIAL[: k.size][None, :])
        pk[mean_n <= 0] = np.eye(1, k.size)[0]
        self.behind = np.einsum("mk,ks->ms", pk, G)  # P(T <= s h) per iteration count
        self.lo = float(self.base.min())
        self.hi = float((self.base + kappa * self.free).max()) + 1e-12

    def cdf(self, t: float) -> float:
        """``P(TTFT - offset <= t)``."""
        need = (t - self.base) / self.kappa if self.kappa > 0 else np.where(t >= self.base, 1, -1)
        s = np.clip(need / self.h, 0.0, TOKEN_BINS)
        i = np.minimum(np.floor(s).astype(int), TOKEN_BINS - 1)
        f = s - i
        behind, m = self.behind, self.which
        g = behind[m, i] * (1.0 - f) + behind[m, i + 1] * f
        g = np.where(need < 0.0, 0.0, np.where(need >= self.free, 1.0, g))
        return float(g @ self.weight)

    def quantile(self) -> float:
        """The ``q`` quantile (``inf`` when the engine's prefill is saturated)."""
        return self._search(None, 0.0)

    def estimate(self) -> float:
        """The quantile to ``1e-3`` relative (at or above it): steers the capacity search,
        which decides with :meth:`within`."""
        return self._search(None, 0.0, 1e-3)

    def within(self, limit: float, offset: float = 0.0) -> bool:
        """``not (quantile() + offset > limit)``, decided as computing the quantile would.

        The bisection keeps ``cdf(hi) >= q > cdf(lo)`` and stops within ``1e-7`` of ``hi``,
        so its result lies in ``[x*, x* (1 + 1e-7)]``, ``x*`` the smallest ``t`` with
        ``cdf(t) >= q``. Two probes usually settle the comparison: ``cdf(x) < q`` at ``x =
        limit - offset`` puts ``x*``, hence the result, above ``x``; ``cdf(x (1 - 3e-7)) >=
        q`` puts the result at or below ``x``. Otherwise the search runs.
        """
        if self.saturated:
            return not (math.inf + offset > limit)
        x = limit - offset
        if x < self.lo:
            return bool(self._search(limit, offset))
        if self.cdf(x) < self.q:
            return False
        if x > 0 and self.cdf(x * (1.0 - 3e-7)) >= self.q and x * (1.0 - 3e-7) >= self.lo:
            return True
        return bool(self._search(limit, offset))

    def _search(self, limit: float | None, offset: float, rtol: float = 1e-7) -> float:
        """Bisection on the CDF to ``rtol`` of the bracket's top; the result stays in ``[lo,
        hi]`` at every step, so once that side of ``limit`` is known the decision is made."""
        if self.saturated:
            return math.inf if limit is None else float(not (math.inf + offset > limit))
        lo, hi = self.lo, self.hi
        if self.cdf(lo) >= self.q:
            hi = lo
        while hi - lo > rtol * max(hi, 1e-300):
            if limit is not None:
                if hi + offset <= limit:
                    return 1.0
                if lo + offset > limit:
                    return 0.0
            mid = 0.5 * (lo + hi)
            if self.cdf(mid) >= self.q:
                hi = mid
            else:
                lo = mid
        return hi if limit is None else float(not (hi + offset > limit))
