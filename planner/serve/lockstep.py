"""Queueing terms of data-parallel attention groups that iterate in lockstep.

A replica with expert parallelism ``ep > 1`` runs ``ep`` attention groups (SGLang
``--enable-dp-attention``), each with its own requests (the router draws a group per
request), and every iteration all groups meet in the MoE layers: the iteration lasts as long
as the slowest group's and its MoE layers run every group's tokens
(:meth:`planner.serve.simulate.Simulator._lockstep`). Two effects follow that one group seen
alone does not have:

* uneven batches: the decode-only iteration is as long as the *largest* group's batch makes
  it, not the mean one's (:func:`expected_max_batch`);
* foreign chunks: a prompt chunk on any group stretches the iteration of all groups; chunks
  of different groups in the same iteration overlap in the groups' own layers (attention,
  dense layers) and add up in the MoE layers; a group's chunk merges its waiting prompts up
  to the chunk budget (:class:`MergingChain`, :func:`merged_share`).

Both are derived from the groups' independent arrival streams (no fitted constant).
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from planner.serve.queueing import (
    LOG_FACTORIAL,
    kernels_compiled,
    loaded_kernels,
    warmup,
    window_mean_variance,
)

#: Points of the quadrature of :func:`expected_max_normal`.
_QUADRATURE = 4001


@functools.cache
def expected_max_normal(n: int) -> float:
    """``E[max(Z_1, ..., Z_n)]`` of ``n`` independent standard normals (0 for ``n = 1``).

    ``E[max] = int z n phi(z) Phi(z)^(n-1) dz`` by the trapezoidal rule on [-10, 10]
    (2: ``1 / sqrt(pi)``, 8: 1.4236).
    """
    if n < 1:
        raise ValueError(f"need at least one group, got {n}")
    if n == 1:
        return 0.0
    z = np.linspace(-10.0, 10.0, _QUADRATURE)
    phi = np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    cdf = 0.5 * (1.0 + np.vectorize(math.erf)(z / math.sqrt(2.0)))
    y = z * n * phi * cdf ** (n - 1)
    # the trapezoidal rule written out (numpy.trapezoid is numpy >= 2 only; we support 1.24+)
    return float(np.sum((y[1:] + y[:-1]) * np.diff(z)) / 2.0)


def expected_max_batch(batch: float, groups: int, scv: float = 1.0) -> float:
    """Expected largest decode batch over ``groups`` lockstep groups of mean batch ``batch``.

    Each group is an infinite-server queue fed by its own thinned arrival stream, so its
    batch is Poisson with mean ``batch`` (M/G/inf), with ``scv`` times the variance for
    renewal arrivals of squared coefficient of variation ``scv`` (the count over a long
    window); the groups are independent. Normal approximation: ``batch + sd E[max Z]``.
    """
    if groups <= 1 or batch <= 0:
        return batch
    return batch + math.sqrt(max(scv, 1.0) * batch) * expected_max_normal(groups)


def expected_max_of(values: np.ndarray, weights: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``E[max of k draws]`` of a discrete law (``values`` >= 0 with ``weights``), per ``k``
    of ``counts`` (0 for ``k = 0``): ``int (1 - F(x)^k) dx`` over its sorted values."""
    order = np.argsort(values)
    v = np.maximum(np.asarray(values, dtype=float)[order], 0.0)
    cdf = np.cumsum(np.asarray(weights, dtype=float)[order])
    cdf = cdf / cdf[-1]
    steps = np.diff(np.concatenate([[0.0], v]))  # widths between consecutive values
    below = np.concatenate([[0.0], cdf[:-1]])  # F just below each value
    k = np.asarray(counts, dtype=float)[:, None]
    return (steps[None, :] * (1.0 - below[None, :] ** k)).sum(axis=1)


def merged_backlog_pmf(own: np.ndarray, groups: int, tail: float = 1e-12) -> np.ndarray:
    """Law of the prompts queued on all ``groups`` at a request's first token.

    ``own`` is the law of the prompts behind the request on its own group; each other group
    holds an independent copy of it (the M/G/1 queue left behind by a departure has the law
    of the queue at a random time), so the sum is the ``groups``-fold convolution (its tail
    below ``tail`` dropped).
    """
    own = np.asarray(own, dtype=float)
    out = own
    for _ in range(groups - 1):
        out = np.convolve(out, own)
        keep = np.flatnonzero(np.cumsum(out[::-1]) > tail)
        out = out[: out.size - int(keep[0])] if keep.size else out[:1]
    return out / out.sum()


#: Bins of a chunk's own-layer extra between 0 and a full chunk's (:class:`MergingChain`).
MERGE_BINS = 64
#: Poisson terms are kept up to ``a + MERGE_TAIL_SD sqrt(a) + MERGE_TAIL_SD`` (a tail mass
#: below 1e-12 at every mean ``a``).
MERGE_TAIL_SD = 12.0
#: Relative change of the mean iteration at which :meth:`MergingChain.solve` stops.
MERGE_RTOL = 1e-11


class MergingChain:
    """The chunk-count chain of lockstep groups whose chunks merge prompts and persist.

    SGLang's prefill scheduler (``PrefillAdder`` in ``srt/managers/schedule_policy.py``,
    run per attention group under ``--enable-dp-attention``) fills one iteration's chunk
    budget ``C`` first with the prompt it is part way through (``add_chunked_req``), then
    with waiting prompts first come first served (``add_one_req``), the last one truncated
    to the budget left (it continues in the next iteration); so does the simulator
    (:meth:`planner.serve.simulate.Simulator._plan`). A group's chunk is thus the sum of
    the prompt pieces waiting on it, capped at a full chunk, where :class:`_Chain` gave a
    group one piece per iteration.

    The state is the number ``K`` of chunk-carrying groups of an iteration; ``T_K`` is the
    mean length of a ``K``-chunk iteration. During one of mean length ``T_s``, ``a = lam
    T_s`` prompts reach each group (Poisson); an idle group carries a chunk next with
    probability ``1 - exp(-a)``: the sum of ``j >= 1`` new pieces (``j`` Poisson given
    ``j >= 1``); a chunk-carrying group carries one again when its prompt continues
    (probability ``r``: a piece has a successor, ``(E[pieces] - 1) / E[pieces]``) or a new
    prompt came: then its chunk is the continuing piece plus ``j`` new ones with probability
    ``r / P(again)``, else new pieces only. Pieces are a prompt's full chunks and its
    remainder, each with its class's own-layer extra per token; sums are capped at a full
    chunk's extra (at the largest extra per token). The next iteration with ``c`` continuing and
    ``m`` new chunks lasts ``t0 + E[max of their extras] + moe (pieces run)``: their own
    layers run side by side, their MoE work adds up. ``T`` is a fixed point (the lengths
    set the arrivals, which set the chunks, which set the lengths).

    The rate-free parts (the law of the sum of ``j`` pieces, the chunk-count pairs) are
    computed once per chain.
    """

    def __init__(
        self,
        t0: float,
        own_tok: np.ndarray,
        tokens: np.ndarray,
        weights: np.ndarray,
        chunk: float,
        moe_tok: float,
        groups: int,
    ) -> None:
        tokens = np.asarray(tokens, dtype=float)
        w = np.asarray(weights, dtype=float)
        w = w / w.sum()
        full = np.floor(tokens / chunk)
        rem = tokens - full * chunk
        vals = np.concatenate([own_tok * chunk, own_tok * rem])
        wts = np.concatenate([w * full, w * (rem > 0)])
        keep = wts > 0
        vals, wts = np.maximum(vals[keep], 0.0), wts[keep]
        self.t0, self.n = float(t0), int(groups)
        self.pieces = float(wts.sum())  # pieces per prompt
        self.r = (self.pieces - 1.0) / self.pieces
        self.moe = float(moe_tok) * float(np.dot(w, tokens)) / self.pieces  # MoE extra a piece
        self.mean_piece = float(np.dot(wts, vals)) / self.pieces
        # a full chunk's extra (at the largest per-token extra): the most a chunk holds
        cap = float(chunk * np.max(np.where(w > 0, own_tok, 0.0), initial=0.0))
        vals = np.minimum(vals, cap)
        M = MERGE_BINS
        self.h = cap / M
        if cap > 0:
            idx = np.minimum(np.rint(vals / self.h).astype(int), M)
        else:
            idx = np.zeros(vals.size, dtype=int)
        self.piece = np.bincount(idx, wts / self.pieces, M + 1)
        self.k = np.arange(groups + 1, dtype=float)
        self._sums: np.ndarray | None = None  # numpy path only (built on first use)

    def _tables(self) -> None:
        """The numpy path's rate-free tables: the piece law's lower triangular Toeplitz
        matrix (a truncated convolution: the sums' laws below the cap are its powers; the
        mass past the cap sits at the cap) and the ``(s, c, m)`` triples: ``c`` of the
        ``s`` chunk-carrying groups carry one again, ``m`` of the ``n - s`` others get one."""
        M, n = MERGE_BINS, self.n
        toe = np.zeros((M, M))
        for b in range(M):
            toe[b:, b] = self.piece[: M - b]
        self._toe = toe
        self._sums = np.zeros((1, M))
        self._sums[0, 0] = 1.0
        s, c, m = (a.ravel() for a in np.meshgrid(*(np.arange(n + 1),) * 3, indexing="ij"))
        ok = (c <= s) & (m <= n - s)
        self.ts, self.tc, self.tm = s[ok], c[ok], m[ok]
        self.flat = self.ts * (n + 1) + self.tc + self.tm  # (s, next K) cell

    def _sums_to(self, J: int) -> np.ndarray:
        """Laws (below the cap) of the sum of ``j`` pieces, ``j = 0..J-1``."""
        if self._sums is None:
            self._tables()
        have = self._sums.shape[0]
        if have < J:
            rows = [self._sums]
            last = self._sums[-1]
            for _ in range(have, J):
                last = self._toe @ last
                rows.append(last[None, :])
            self._sums = np.concatenate(rows)
        return self._sums[:J]

    def _cdfs(self, a: np.ndarray) -> tuple[np.ndarray, ...]:
        """Per state (arrival mean ``a``): the CDFs below the cap of a new chunk's extra and
        of a continuing one's, and their mean piece counts."""
        amax = float(a.max())
        J = math.ceil(amax + MERGE_TAIL_SD * math.sqrt(amax) + MERGE_TAIL_SD) + 1
        sums = self._sums_to(J + 1)
        j = np.arange(J, dtype=float)
        loga = np.log(np.maximum(a, 1e-300))[:, None]
        pois = np.exp(j * loga - a[:, None] - LOG_FACTORIAL[:J])
        pois /= pois.sum(axis=1, keepdims=True)
        p0 = pois[:, 0]
        # j >= 1 new pieces: the Poisson law without its zero, renormalized
        some = np.maximum(1.0 - p0, 1e-300)
        f_new = np.cumsum((pois[:, 1:] @ sums[1:J]) / some[:, None], axis=1)
        pieces_new = (pois @ j) / some
        f_cont = np.cumsum(pois @ sums[1 : J + 1], axis=1)
        pieces_cont = 1.0 + pois @ j
        return np.minimum(f_new, 1.0), np.minimum(f_cont, 1.0), pieces_new, pieces_cont

    def _cells(self, a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per ``(s, c, m)`` cell (:meth:`_tables`) at arrival means ``a`` per state: the
        cell's probability given ``s``, the CDF (bins ``0..M-1`` of width ``h``) of the
        largest of its chunks' own-layer extras, and the MoE extra of its pieces."""
        n, M = self.n, MERGE_BINS
        f_new, f_cont, pn, pc = self._cdfs(a)
        hit = -np.expm1(-a)
        again = 1.0 - (1.0 - self.r) * (1.0 - hit)
        q = self.r / np.maximum(again, 1e-300)
        f_mix = q[:, None] * f_cont + (1.0 - q[:, None]) * f_new
        p_mix = q * pc + (1.0 - q) * pn
        # F^c for c = 0..n, per state, by repeated products
        pw_mix = np.ones((n + 1, n + 1, M))
        pw_new = np.ones((n + 1, n + 1, M))
        for c in range(1, n + 1):
            pw_mix[:, c] = pw_mix[:, c - 1] * f_mix
            pw_new[:, c] = pw_new[:, c - 1] * f_new
        s, c, m = self.ts, self.tc, self.tm
        moe = self.moe * (c * p_mix[s] + m * pn[s])
        prob = _binomial_rows(s, again[s], c) * _binomial_rows(n - s, hit[s], m)
        return prob, pw_mix[s, c] * pw_new[s, m], moe

    def step(self, T: np.ndarray, lam: float) -> tuple[np.ndarray, float, np.ndarray]:
        """One fixed-point step: the next mean lengths ``T_K``, the mean own-layer time of
        an iteration's chunks (``E[max extras]``) under the chain's stationary law, and
        that law."""
        n, h, M = self.n, self.h, MERGE_BINS
        prob, cdf, moe = self._cells(lam * T)
        s = self.ts
        top = h * (M - cdf.sum(axis=1))
        length = self.t0 + top + moe
        cells = (n + 1) * (n + 1)
        P = np.bincount(self.flat, prob, cells).reshape(n + 1, n + 1)
        L = np.bincount(self.flat, prob * length, cells).reshape(n + 1, n + 1)
        tops = np.bincount(s, prob * top, n + 1)
        rows = P.sum(axis=1, keepdims=True)
        P, L = P / rows, L / rows
        tops = tops / rows[:, 0]
        pi = _stationary(P)
        mass = pi @ P
        T_next = np.where(mass > 1e-300, (pi @ L) / np.maximum(mass, 1e-300), self.t0)
        return T_next, float(pi @ tops), pi

    def solve(self, per_iter: float, moe_iter: float) -> float:
        """``E[max extras]`` per iteration where the mean iteration balances time.

        ``per_iter = lam T`` prompts reach a group per iteration (Little's law on the decode
        batch) and ``moe_iter`` is the MoE extra of an iteration's prompts, so the mean
        iteration is ``T = t0 + E[max extras](lam) + moe_iter`` at ``lam = per_iter / T``.
        The chain's lengths and ``T`` are iterated together, ``T`` by a secant step on its
        own residual (its map is decreasing, slope in (-1, 0]).
        """
        base = self.t0 + moe_iter
        T = base + self.k * self.mean_piece + self.k * self.moe
        Tbar, prev = base, None
        for _ in range(500):
            lam = per_iter / Tbar
            T, top, _ = self.step(T, lam)
            self.solved = (lam, T)  # the last step's rate and lengths (iteration_law)
            image = base + top
            step = image - Tbar
            if prev is not None and step != prev[1]:
                slope = (step - prev[1]) / (Tbar - prev[0])  # d(residual)/dT, about -1..-2
                new = Tbar - step / slope if slope < 0 else image
            else:
                new = image
            prev = (Tbar, step)
            if abs(new - Tbar) <= MERGE_RTOL * Tbar:
                break
            Tbar = max(new, base)
        return top

    def iteration_law(self, lam: float, T: np.ndarray, scale: float = 1.0) -> IterationExtra:
        """The law of the extra a request's consecutive iterations carry (:class:`IterationExtra`)
        at arrival rate ``lam`` per group and state lengths ``T`` (:meth:`solve`'s point,
        ``solved``), in units of ``scale`` seconds (``1 / k`` per token with ``k`` tokens
        per step)."""
        n, h, M = self.n, self.h, MERGE_BINS
        prob, cdf, moe = self._cells(lam * T)
        s, k = self.ts, self.tc + self.tm
        cells = (n + 1) * (n + 1)
        flat = s * (n + 1) + k  # (s, K') transition
        # the largest chunk's extra on the grid 0, h, ..., M h (the cap holds the rest)
        pmf = np.maximum(np.diff(cdf, prepend=0.0, append=1.0, axis=1), 0.0)
        b = np.arange(M, dtype=float)
        top = h * (M - cdf.sum(axis=1))
        top2 = h * h * ((2.0 * b + 1.0) * (1.0 - cdf)).sum(axis=1)
        m1, m2 = top + moe, top2 + 2.0 * moe * top + moe * moe
        rows = np.bincount(s, prob, n + 1)[:, None]
        P = np.bincount(flat, prob, cells).reshape(n + 1, n + 1) / rows
        A1 = np.bincount(flat, prob * m1, cells).reshape(n + 1, n + 1) / rows
        A2 = np.bincount(flat, prob * m2, cells).reshape(n + 1, n + 1) / rows
        # the same on the coarser grid of EXTRA_BINS per full chunk (each value split between
        # its two neighbouring points, mean kept); the MoE extra shifts the cell's law
        cap = h * M
        g = cap / EXTRA_BINS if cap > 0 else max(float(moe.max(initial=0.0)), 1e-300)
        pos = (np.arange(M + 1) * h)[None, :] / g + (moe / g)[:, None]
        lo = np.floor(pos).astype(int)
        frac = pos - lo
        size = int(lo.max()) + 2
        G = np.zeros((cells, size))
        rowsel = np.repeat(flat[:, None], M + 1, axis=1)
        weight = (prob / rows[s, 0])[:, None] * pmf
        np.add.at(G, (rowsel, lo), weight * (1.0 - frac))
        np.add.at(G, (rowsel, lo + 1), weight * frac)
        pi = _stationary(P)
        # the request's first decode iteration follows the one that ran its own last prompt
        # chunk: that iteration's chunk count is the stationary one seen by a carrying group
        # (size-biased: a K-chunk iteration has one of its group's with probability K / n)
        biased = pi * self.k
        alpha = biased / biased.sum() if biased.sum() > 0 else pi
        most = float(cap + moe[prob > 0].max(initial=0.0))
        return IterationExtra(P, A1, A2, G.reshape(n + 1, n + 1, size), g, alpha, most, scale)


#: Relative step of the arrivals in the derivative of the chain's extra (the marginal
#: stretch of :func:`merged_iteration_law`).
MARGINAL_STEP = 1e-3
#: Grid of :class:`IterationExtra`'s exact laws: points per full chunk's extra.
EXTRA_BINS = 16
#: :meth:`IterationExtra.moments` runs its recursion up to this many iterations; beyond, the
#: mean and variance grow by their last increments (the chain has mixed: they grow
#: linearly up to a geometric error in the chain's second eigenvalue).
MOMENT_STEPS = 128


class IterationExtra:
    """The extra over the decode step that a request's consecutive iterations carry on a
    replica of lockstep groups (a Markov additive process driven by :class:`MergingChain`).

    Iteration ``i``'s chunk count ``K_i`` follows the chain (transition matrix ``P``); its
    extra, the largest of its chunks' own-layer extras plus the MoE work of the pieces run,
    has the law of the chain's cells ``(K_{i-1}, c, m)``, ``K_i = c + m``: ``A1[s, k]`` and
    ``A2[s, k]`` are ``E[X 1(K_i = k) | K_{i-1} = s]`` and ``E[X^2 ...]``, ``G[s, k]`` the
    law of ``X 1(K_i = k)`` on the grid ``0, g, 2g, ...``. Given the chunk counts the
    extras are independent; the counts carry the correlation of consecutive iterations (a
    long iteration lets prompts reach many groups, whose chunks persist). ``K_0``, the
    iteration that ran the request's last prompt chunk, has the law ``alpha``. ``most`` is
    the largest extra of one iteration; every output is in units of ``scale`` seconds.
    """

    def __init__(
        self,
        P: np.ndarray,
        A1: np.ndarray,
        A2: np.ndarray,
        G: np.ndarray,
        g: float,
        alpha: np.ndarray,
        most: float,
        scale: float = 1.0,
    ) -> None:
        self.P, self.A1, self.A2, self.G = P, A1, A2, G
        self.g, self.alpha, self.scale = float(g), alpha, float(scale)
        self.most = float(most) * self.scale
        self.points_per_chunk = EXTRA_BINS  # grid points per full chunk's extra
        pi = _stationary(P)
        self.mean_extra = float(pi @ A1.sum(axis=1))  # seconds per iteration
        self.memory, self.relax = 0.0, 1.0
        self._table: tuple[np.ndarray, np.ndarray] | None = None  # _moment_table()

    def set_memory(self, long_run: float, relax: float) -> None:
        """The backlog's memory (:func:`merged_iteration_law`): ``long_run``, the variance
        per iteration (s^2) of the extra over many iterations, and ``relax``, its
        relaxation time in iterations. :meth:`memory_variance` adds what the chain's own
        long-run variance lacks."""
        self.memory, self.relax = max(0.0, float(long_run)), max(float(relax), 1e-9)

    def memory_variance(self, steps: np.ndarray) -> np.ndarray:
        """Variance (in ``scale`` units) of the extra summed over ``steps`` iterations that
        the backlog's memory adds to the chain's: a stationary term of exponential
        correlation (time ``relax``) with long-run variance per iteration ``memory`` less
        the chain's, ``v D x wmv(x) / 2`` at ``x = D / relax`` (``wmv``: the variance
        factor of a window mean, :func:`planner.serve.queueing.window_mean_variance`)."""
        steps = np.maximum(np.asarray(steps, dtype=float), 1.0)
        if self.memory <= 0:
            return np.zeros_like(steps)
        _, var = self._moment_table()
        chain = float(var[-1] - var[-2])  # the chain's own long-run variance per iteration
        v = max(0.0, self.memory - chain)
        x = steps / self.relax
        return v * steps * x * window_mean_variance(x) / 2.0 * self.scale**2

    def _moment_table(self) -> tuple[np.ndarray, np.ndarray]:
        """Mean and variance of the extra summed over ``0..MOMENT_STEPS`` iterations (built
        once): the row vector ``(E[1; K], E[S; K], E[S^2; K])`` advances by one block
        matrix, as ``S' = S + X`` gives ``E[S'^2; K'] = E[S^2 P] + 2 E[S A1] + E[A2]``."""
        if self._table is None:
            P, A1, A2 = self.P, self.A1, self.A2
            k = P.shape[0]
            step = np.zeros((3 * k, 3 * k))
            step[:k, :k], step[:k, k : 2 * k], step[:k, 2 * k :] = P, A1, A2
            step[k : 2 * k, k : 2 * k], step[k : 2 * k, 2 * k :] = P, 2.0 * A1
            step[2 * k :, 2 * k :] = P
            rows = np.zeros((MOMENT_STEPS + 1, 3 * k))
            rows[0, :k] = self.alpha
            for i in range(1, MOMENT_STEPS + 1):
                np.matmul(rows[i - 1], step, out=rows[i])
            mean = rows[:, k : 2 * k].sum(axis=1)
            var = np.maximum(rows[:, 2 * k :].sum(axis=1) - mean * mean, 0.0)
            self._table = (mean, var)
        return self._table

    def moments(self, steps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and variance of the extra summed over ``steps`` iterations (per entry)."""
        steps = np.maximum(np.asarray(steps, dtype=int), 1)
        mean, var = self._moment_table()
        top = MOMENT_STEPS
        at = np.minimum(steps, top)
        beyond = steps - at
        m = mean[at] + beyond * (mean[top] - mean[top - 1])
        v = var[at] + beyond * max(var[top] - var[top - 1], 0.0)
        return m * self.scale, v * self.scale**2

    def laws(self, steps: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        """``(zero, pmf, width)``: per entry of ``steps`` (iterations), the probability that
        no iteration carries any chunk (an extra of exactly 0) and the law of the summed
        extra on the grid ``0, width, 2 width, ...`` (rows; the mass of ``zero`` included
        at point 0). Exact on the grid (its frequency domain: ``alpha G(w)^D 1``)."""
        steps = np.maximum(np.asarray(steps, dtype=int), 1)
        D = int(steps.max())
        size = self.G.shape[2]
        span = D * (size - 1) + 1
        n_fft = 1 << math.ceil(math.log2(span))
        spectra = np.fft.rfft(self.G, n_fft, axis=2)
        v = np.repeat(self.alpha.astype(complex)[:, None], spectra.shape[2], axis=1)
        rows = np.empty((D + 1, spectra.shape[2]), dtype=complex)
        for i in range(1, D + 1):
            v = np.einsum("sf,skf->kf", v, spectra)
            rows[i] = v.sum(axis=0)
        pmf = np.maximum(np.fft.irfft(rows[steps], n_fft, axis=1)[:, :span], 0.0)
        pmf /= pmf.sum(axis=1, keepdims=True)
        P = self.P
        zero = float(self.alpha @ P[:, 0]) * P[0, 0] ** (steps - 1.0)
        return np.minimum(zero, pmf[:, 0]), pmf, self.g * self.scale


def _binomial_rows(trials: np.ndarray, p: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``P(X = x)`` of ``X ~ Binomial(trials, p)``, elementwise (``x <= trials``)."""
    p = np.clip(p, 1e-300, 1.0 - 1e-16)
    lg = LOG_FACTORIAL
    return np.exp(lg[trials] - lg[x] - lg[trials - x] + x * np.log(p) + (trials - x) * np.log1p(-p))


def _stationary(P: np.ndarray) -> np.ndarray:
    """Stationary law of the transition matrix ``P``: ``pi (P - I) = 0`` with sum 1."""
    k = P.shape[0]
    a = P.T - np.eye(k)
    a[-1, :] = 1.0
    rhs = np.zeros(k)
    rhs[-1] = 1.0
    pi = np.maximum(np.linalg.solve(a, rhs), 0.0)
    return pi / pi.sum()


def merged_share(
    t0: float,
    own_tok: np.ndarray,
    tokens: np.ndarray,
    weights: np.ndarray,
    chunk: float,
    moe_tok: float,
    per_iter: float,
    groups: int,
) -> float:
    """Share of the prompts' own-layer extra that the replica's iterations spend on it,
    with chunks that merge prompts (:class:`MergingChain`) at the balanced mean iteration.

    ``own_tok``: a prompt class's own-layer extra per token, ``tokens`` / ``weights`` the
    prompt classes, ``moe_tok`` the MoE extra per prompt token, ``per_iter`` the prompts
    reaching a group per iteration. The share is ``E[max extras] / (n per_iter E[own])``:
    the chain's own-layer time per iteration over the own-layer work that arrives in one.
    """
    return merged_point(t0, own_tok, tokens, weights, chunk, moe_tok, per_iter, groups)[0]


def merged_point(
    t0: float,
    own_tok: np.ndarray,
    tokens: np.ndarray,
    weights: np.ndarray,
    chunk: float,
    moe_tok: float,
    per_iter: float,
    groups: int,
) -> tuple[float, tuple[Any, ...] | None]:
    """:func:`merged_share` and the chain's solved point, ``(arguments, lam, T)`` (plain
    numbers and arrays: the engine's shared tables compare them bit for bit)
    (``None`` when there is no chain: the share is then 1), which
    :func:`merged_iteration_law` reads."""
    args = (t0, own_tok, tokens, weights, chunk, moe_tok, per_iter, groups)
    w = np.asarray(weights, dtype=float)
    w = w / w.sum()
    own_mean = float(np.dot(w, np.asarray(own_tok) * tokens))
    if groups <= 1 or per_iter <= 0 or own_mean <= 0:
        return 1.0, None
    chain = MergingChain(t0, own_tok, tokens, w, chunk, moe_tok, groups)
    moe_iter = groups * per_iter * moe_tok * float(np.dot(w, tokens))
    kernels = _merging_kernels()
    if kernels is None:
        top = chain.solve(per_iter, moe_iter)
        lam, T = chain.solved
    else:
        out = np.empty(groups + 2)
        top = kernels.merging_top(
            chain.t0,
            chain.piece,
            chain.h,
            chain.r,
            chain.moe,
            chain.n,
            float(per_iter),
            moe_iter,
            chain.mean_piece,
            MERGE_RTOL,
            MERGE_TAIL_SD,
            LOG_FACTORIAL,
            out,
        )
        lam, T = float(out[-1]), out[:-1].copy()
    share = min(1.0, top / (groups * per_iter * own_mean))
    return share, (args, lam, T)


def merged_most(point: tuple[Any, ...] | None) -> float:
    """An upper bound (seconds) on the extra of one iteration in the law of
    :func:`merged_iteration_law` at ``point`` (its ``most``) without building it: a full
    chunk's own-layer extra plus every group's MoE work at its largest mean piece count,
    ``1 + a`` (``E[j | j >= 1] = a / (1 - e^-a)`` of a Poisson count of mean ``a = lam T``
    is at most that, so is a continuing chunk's ``1 + a``); 0 without a chain."""
    if point is None:
        return 0.0
    chain, lam, T = _chain_of(point)
    return chain.h * MERGE_BINS + chain.moe * chain.n * (1.0 + lam * float(np.max(T)))


def _chain_of(point: tuple[Any, ...]) -> tuple[MergingChain, float, np.ndarray]:
    """The chain of a solved point (:func:`merged_point`), its rate and lengths."""
    args, lam, T = point
    t0, own_tok, tokens, weights, chunk, moe_tok, _, groups = args
    w = np.asarray(weights, dtype=float)
    return MergingChain(t0, own_tok, tokens, w / w.sum(), chunk, moe_tok, groups), lam, T


def merged_iteration_law(
    point: tuple[Any, ...] | None, scale: float = 1.0, scv: float = 1.0
) -> IterationExtra | None:
    """The law of the extra a request's iterations carry (:class:`IterationExtra`) at the
    chain's solved point (:func:`merged_point`), with the backlog's memory; ``None``
    without a chain.

    The backlog's memory: over many iterations the extra carries the prompt work that
    arrived (conservation), which the chain, whose chunks drop a group's work beyond a full
    chunk, does not keep. A window's arrivals fluctuate as Poisson counts and each further
    prompt adds its marginal stretch (the derivative of the chain's mean own-layer extra
    per iteration with the arrivals, by :func:`merged_share` a step :data:`MARGINAL_STEP`
    either side: chunks of more groups overlap more, so it is below the mean stretch),
    and the feedback (a longer iteration lets more prompts in) divides by ``1 - rho_m``:
    long-run variance per iteration ``lam T E[x_m^2] / (1 - rho_m)^2`` (``lam`` the
    replica's prompt rate, ``T`` the mean iteration), relaxing as the backlog's reflected
    Brownian motion, in ``lam E[x_m^2] / (2 (1 - rho_m)^2)`` (its variance over twice its
    squared drift). Renewal arrivals of squared coefficient of variation ``scv`` put ``scv``
    times Poisson's variance on a long window's count (Cox 1962), hence on this term; the
    chain itself stays Poisson.
    """
    if point is None:
        return None
    args = point[0]
    chain, lam_group, T_states = _chain_of(point)
    t0, own_tok, tokens, weights, _, moe_tok, per_iter, groups = args
    law = chain.iteration_law(lam_group, T_states, scale)
    w = np.asarray(weights, dtype=float)
    w = w / w.sum()
    tokens = np.asarray(tokens, dtype=float)
    lo, hi = per_iter * (1.0 - MARGINAL_STEP), per_iter * (1.0 + MARGINAL_STEP)
    head = args[:6]
    slope = (merged_share(*head, hi, groups) * hi - merged_share(*head, lo, groups) * lo) / (
        hi - lo
    )
    x_m = max(slope, 0.0) * np.asarray(own_tok) * tokens + moe_tok * tokens
    m1, m2 = float(w @ x_m), float(w @ (x_m * x_m))
    T = t0 + law.mean_extra
    lam = groups * per_iter / T
    free = max(1.0 - lam * m1, 1e-3)
    law.set_memory(max(scv, 1.0) * lam * T * m2 / free**2, lam * m2 / (2.0 * free * free) / T)
    return law


#: The merging chain's solver, chosen once per process at its first solve: the compiled one
#: agrees with numpy's to ~1e-11 relative, not bit for bit (another stationary-law method), so
#: switching mid-process could make a capacity depend on the solves run before it.
_MERGE_PATH: dict[str, Any] = {}


def _merging_kernels() -> Any:
    """:mod:`planner.serve.kernels` if loaded or compiled at the first solve, else ``None``
    (numpy) for the rest of the process."""
    if "module" not in _MERGE_PATH:
        module = loaded_kernels()
        if module is None and kernels_compiled():
            module = warmup()
        _MERGE_PATH["module"] = module
    return _MERGE_PATH["module"]


__all__ = [
    "IterationExtra",
    "MergingChain",
    "expected_max_batch",
    "expected_max_normal",
    "expected_max_of",
    "merged_backlog_pmf",
    "merged_iteration_law",
    "merged_most",
    "merged_point",
    "merged_share",
]
