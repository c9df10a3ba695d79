"""TTFT law of a colocated engine that prefills FCFS in chunks of at most ``C`` tokens.

The capacity model's TTFT law of a colocated (``both``) engine. With it and
``CHAIN_EXACT_STEPS = 32`` the simulator grid has 56 of 56 p99 comparisons within 15 % below
80 % utilisation (54 without). Its terms, bracket, tables and CDF run as compiled loops of
:mod:`planner.serve.kernels` once those are loaded (the same bits): the Mixtral 3x3 fleet
search with disaggregation allowed takes 6.1 s CPU wired against 4.8 s unwired at load 0.6
(7.9 s wired before those loops).

Every iteration runs the decode batch and takes up to ``C`` prompt tokens from the head of
the FCFS prompt queue; a prompt's first token comes at the end of the iteration that
computes its last token. While prompts queue, iterations are full and last ``t_c``; an
iteration carrying ``n`` prompt tokens lasts ``t_0 + kappa n`` (``kappa = (t_c - t_0) /
C``). A request arrives, waits for the iteration in progress (``offset``), then for the
prompt work queued ahead of it, ``W`` (the FCFS GI/G/1 wait of the prompts' service-time
law, :func:`~planner.serve.wait_law.wait_grid`, when the caller passes that law; else that
of :class:`~planner.serve.queueing.ResponseLaw`: no wait with probability ``1 - sigma``,
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

The wait for the iteration in progress is a residual. A request that finds no prompt work
queued (``W = 0``) arrives during a decode-only iteration and waits for its remainder,
uniform on ``[0, 2 idle]`` (``idle``: half a decode step; the capacity model's value), then
its own chunks with ``A = 0``: those terms are the formula above with that residual, which is
integrated in closed form: ``T``'s law is piecewise linear on its grid, so its integral is
piecewise quadratic.

A request that finds prompt work queued (``W > 0``) arrives during an iteration that computes
prompt tokens, and ``W``, the fluid of full chunks, already holds that iteration's remainder
``R``: the request's tokens start after ``R`` and the queued tokens ``(W - R) C / t_c``. With
full chunks ahead (``t_c = t_0 + kappa C``) and ``Z0 = W C / t_c + p``, its last token lands
in iteration ``m = ceil(Z0 / C - R / t_c)`` after the one in progress, at position ``r`` of
that iteration's chunk, and

``TTFT = R + (m - 1) t_c + t_0 + kappa (r + F) = Z0 t_c / C + t_0 V + kappa min(C V, T)``,

``V = 1 - r / C`` the phase of the request's last token in the lattice of full iterations
(``R = (Z0 - (m - 1) C - r) t_c / C``, so ``R + (m - 1) t_c = (Z0 - r) t_c / C``, and
``t_c / C - kappa = t_0 / C``). ``R`` is uniform over the iteration in progress and at most
``W`` (it is part of it): over ``[0, min(W, t_c)]``, ``V`` is uniform over an arc of
``[0, 1)`` of length ``min(W / t_c, 1)`` ending where the own prompt alone would put it
(``1 - r_p / C``, ``r_p`` the prompt's last chunk's tokens: ``R = W``, nothing else queued).
From ``W >= t_c`` the arc is the whole period and the term is uniform over one lattice period
above ``Z0 t_c / C`` when the prompts behind fill the chunk (``T >= C V``). Its CDF is closed
form too: ``P(t_0 V + kappa min(C V, T) <= u)`` integrates over ``V`` in ``[0, v]`` to ``v`` up
to ``v = u / t_c``, beyond to ``u / t_c + (A(u kappa C / t_c) - A(u - t_0 v)) / t_0``, ``A`` the
integral of ``P(kappa T <= .)`` (:meth:`ChunkedPrefillLaw._fill_area`), taken at the arc's
ends. (Before: these terms were
the formula above with ``A = W C / t_c`` and the residual uniform on ``[0, 2 offset]``, a
lattice of whole iterations ``m t_c`` smoothed only by the residual's ``2 offset``, narrower
than ``t_c``, so the law's p99 rose in steps of ~30 ms with the load; twenty-second session.)
The terms with wait add ``queued_extra`` (the capacity model passes the mean iteration,
``offset``): ``W`` holds the remainder already, and without it the law's p99 is within 3 %
of a loop of this engine under Poisson arrivals, but 4-6 % low under bursty ones (scv 2) and
up to 17 % low against the simulator: the GI/G/1 fluid wait misses about one mean iteration of
the engine's (partial chunks carry a whole decode step; the loop's fluid work ahead averages
10-20 % above the GI/G/1 mean; docs/serve.md, twenty-second session).

The law is a mixture over a grid of ``W`` (its atom and ``WAIT_POINTS`` bins of its law
beyond 0 up to its ``1e-6`` tail) and points of each prompt class's window, with the
exact compound-Poisson law of ``T`` on a token grid of ``C / TOKEN_BINS``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from planner.serve.queueing import (
    LOG_FACTORIAL,
    gg1_mean_wait,
    illinois_point,
    illinois_update,
    loaded_kernels,
    wait_probability,
    work_array,
)
from planner.serve.wait_law import wait_grid

#: Bins of the waiting time's exponential part, points per prompt class window, and token
#: bins per chunk of the law of the prompts behind.
WAIT_POINTS = 32
CLASS_POINTS = 2
TOKEN_BINS = 64


@functools.lru_cache(maxsize=256)
def _token_table(tokens: bytes, weights: bytes, h: float) -> np.ndarray:
    """``G[n, s] = P(n prompts hold <= s h tokens)``, ``s = 0..TOKEN_BINS``, for ``n`` up to
    where ``n`` prompts surely hold more than a chunk (read-only; it depends on the prompt
    law and the chunk only, so a capacity search builds it once)."""
    tok = np.frombuffer(tokens)
    w = np.frombuffer(weights)
    at = np.rint(tok / h).astype(int)
    piece = np.bincount(at[at <= TOKEN_BINS], w[at <= TOKEN_BINS], TOKEN_BINS + 1)
    rows, cur = [np.ones(TOKEN_BINS + 1)], np.eye(1, TOKEN_BINS + 1)[0]
    while len(rows) <= 4 * TOKEN_BINS * 64:
        cur = np.convolve(cur, piece)[: TOKEN_BINS + 1]
        rows.append(np.cumsum(cur))
        if rows[-1][-1] < 1e-12:
            break
    table = np.array(rows)
    table.setflags(write=False)
    return table


def _at(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The smallest value whose cumulative weight reaches ``q`` (the largest value when the
    weights fall short of it)."""
    order = np.argsort(values, kind="stable")
    # the first crossing, not searchsorted: rounding leaves weights of -1e-19 near zero load,
    # so the cumulative sum need not be monotone (and the compiled loop takes the first)
    reached = np.cumsum(weights[order]) >= q
    k = int(np.argmax(reached)) if reached.any() else values.size - 1
    return float(values[order[k]])


def _below(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """A point below :func:`_at` (its float predecessor): the weight of the values at or
    below it is under ``q``."""
    return float(np.nextafter(_at(values, weights, q), -np.inf))


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
    idle
        Mean wait for the iteration in progress of a request that finds no prompt work
        queued (``W = 0``): that iteration decodes only, so the wait is its residual,
        uniform on ``[0, 2 idle]`` (default ``offset``; at most ``offset``).
    queued_extra
        Seconds the terms with wait (``W > 0``) add to their work and lattice phase (module
        notes; default ``offset``, the mean iteration: what the fluid wait misses).
    service
        Service time (s) of each class's prompts (same weights; their mean is ``es``): the
        wait ``W`` is then the FCFS waiting time of that service law
        (:func:`~planner.serve.wait_law.wait_grid`: M/G/1 by the Benes series, GI/G/1 by
        Lindley's equation); without it, the exponential shape with the GI/G/1 mean.
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
        idle: float | None = None,
        queued_extra: float | None = None,
        service: Sequence[float] | None = None,
    ) -> None:
        self.q = q
        rho = lam * es
        # the iteration in progress seen by a request that finds no prompt work queued
        idle = offset if idle is None else min(float(idle), offset)
        # what the terms with wait add beyond their work and phase
        queued_extra = offset if queued_extra is None else float(queued_extra)
        self.saturated = rho >= 1.0
        if self.saturated:
            return
        C = float(chunk)
        kappa = max(tc - t0, 0.0) / C
        w = np.asarray(weights, dtype=float)
        w = w / w.sum()
        # the wait: an atom at 0 and WAIT_POINTS bins of its law beyond 0, ``ex`` its
        # conditional survival P(W > edge | W > 0) at the bins' edges: the service law's
        # own (wait_law) or the exponential with the GI/G/1 mean
        sigma = wait_probability(rho, ca2) if rho > 0 else 0.0
        ew = gg1_mean_wait(lam, es, es2, ca2) if rho > 0 else 0.0
        grid: tuple[float, np.ndarray, np.ndarray] | None = None
        if service is not None and rho > 0:
            # None: the grid cannot resolve this law (near saturation), the exponential shape
            grid = wait_grid(lam, np.asarray(service, dtype=float), w, ca2, WAIT_POINTS)
            if grid is not None:
                sigma = grid[0]
        self.kappa, self.h = kappa, C / TOKEN_BINS
        self._lam, self._offset, self._tc = lam, offset, tc
        # the lattice of full-chunk iterations the terms with wait sit on: its period, the
        # seconds per prompt token at the full-chunk rate, and the share of a token's time
        # that is prompt compute (kappa C / period; the rest, t0 / period, is decode)
        period = t0 + kappa * C
        self.period, self.lean_rate = period, kappa + t0 / C
        self.lean = kappa * C / period if period > 0 else 0.0
        # the phase's decode part; one below float resolution of the period is none (the
        # closed form divides by it)
        self.t0 = t0 if t0 > 1e-9 * period else 0.0
        self._tok, self._w = np.maximum(np.asarray(tokens, dtype=float), 0.0), w
        self.which: np.ndarray | None = None
        self._resume: tuple[float, float, float, float, int, int] | None = None
        self._resume_rtol = 0.0
        kernels = loaded_kernels()
        if kernels is not None:
            # the same terms and bracket by the compiled loops (the same operations)
            edges, ex = np.empty(0), np.empty(0)
            if grid is not None:
                if sigma > 0:  # writable copies: the cached arrays are read-only
                    edges, ex = grid[1].copy(), grid[2].copy()
            elif sigma > 0 and ew > 0:
                mean = ew / sigma
                stop = mean * math.log(max(sigma, 1e-12) / 1e-6)
                edges, ex = np.empty(WAIT_POINTS + 1), np.empty(WAIT_POINTS + 1)
                kernels.chunk_wait_grid(stop, mean, edges, ex)
                np.exp(ex, out=ex)
            terms = kernels.chunk_terms(
                edges,
                ex,
                sigma,
                np.asarray(own_lo, dtype=float),
                np.asarray(own_hi, dtype=float),
                np.asarray(own_extra, dtype=float),
                w,
                CLASS_POINTS,
                C,
                C / tc if tc > 0 else 0.0,
                tc,
                t0,
                kappa,
                offset,
                idle,
                queued_extra,
                self.lean_rate,
                period,
                q,
            )
            self.base, self.free, self.weight, self._m, self.half, self.phased = terms[:6]
            self.end, self.arc, self.bottom, self.top, ends = terms[6:]
            self.lo, self.hi, at_bottom, at_top = ends
            self.start = (math.nextafter(at_bottom, -math.inf), at_top)
            self._closed = self._compiled_cdf_applies()
            return
        if grid is not None and sigma > 0:
            edges, ex = grid[1], grid[2]
            waits = np.concatenate([[0.0], 0.5 * (edges[1:] + edges[:-1])])
            wait_w = np.concatenate([[1.0 - sigma], sigma * -np.diff(ex)])
        elif grid is None and sigma > 0 and ew > 0:
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
        base = start + t0 + kappa * r + own_x[None, :]
        self.free = (C - r).ravel()  # tokens of the last chunk the prompts behind can fill
        self.weight = (wait_w[:, None] * own_w[None, :]).ravel()
        # the tables of the prompts behind are built on the first CDF evaluation: a capacity
        # probe that the bracket below settles never needs them
        self._m = m.ravel()
        # the residual's half width per term, idle for the terms without wait (row 0, whose
        # window starts idle - offset later); one below float resolution of the TTFT is none
        # (the closed form divides by it)
        scale = float(np.max(base.ravel() + kappa * self.free, initial=0.0))
        calm = idle if idle > 1e-9 * scale else 0.0
        half = np.zeros(base.shape)
        half[0] = calm
        base[0] += idle - offset
        # the terms with wait (rows 1..): their work and own prompt at the full-chunk rate,
        # then the phase of the iteration lattice (module notes), no residual
        phased = np.ones(base.shape, dtype=bool)
        phased[0] = False
        base[1:] = z[1:] * self.lean_rate + own_x[None, :] + (queued_extra - offset)
        self.free[own.size :] = C  # the phase's room (module notes)
        # the phase's arc: it ends where the own prompt alone would leave it (1 - r / C, r
        # its last chunk's tokens) and spans the wait in periods, at most one
        own_m = np.maximum(np.ceil(own / C - 1e-12), 1.0)
        end = 1.0 - np.minimum(own - (own_m - 1.0) * C, C) / C
        arc = np.minimum(waits * (C / tc if tc > 0 else 0.0) / C, 1.0)
        self.end = np.broadcast_to(end[None, :], base.shape).ravel()
        self.arc = np.broadcast_to(arc[:, None], base.shape).ravel()
        self.base, self.half, self.phased = base.ravel(), half.ravel(), phased.ravel()
        # each term's span: its CDF is 0 below bottom and 1 from top on (a phase whose arc
        # wraps spans a whole period)
        wraps = self.end < self.arc
        self.bottom = np.where(
            self.phased & ~wraps, self.base + t0 * (self.end - self.arc), self.base - self.half
        )
        self.top = np.where(
            self.phased,
            np.where(wraps, self.base + period, self.base + period * self.end),
            self.base + kappa * self.free + self.half,
        )
        self.lo = float(self.bottom.min())
        self.hi = float(self.top.max()) + 1e-12
        # the search's bracket: TTFT - offset lies between bottom and top term by term, so
        # the quantile lies between their q quantiles (below the first, cdf < q; at the
        # second, cdf >= q), a span of about a full chunk's iteration plus the residual
        self.start = (_below(self.bottom, self.weight, q), _at(self.top, self.weight, q))
        self._closed = self._compiled_cdf_applies()

    def _compiled_cdf_applies(self) -> bool:
        """Whether the compiled CDF loop covers every term: it divides by the residual's
        width and the phase's decode part (the numpy path takes their limits)."""
        widths = np.min(self.half, where=~self.phased, initial=1.0)
        return self.kappa > 0 and float(widths) > 0 and (self.t0 > 0 or not self.phased.any())

    def _build_tables(self) -> None:
        """The law of ``T``, the tokens behind, per iteration count (see ``__init__``)."""
        lam, offset, tc, m, w = self._lam, self._offset, self._tc, self._m, self._w
        kernels = loaded_kernels()
        if kernels is not None:
            # the same tables by compiled loops around numpy's log, exp and product
            self.which, mean_n, clipped, top, any_zero = kernels.chunk_counts(m, lam, offset, tc)
            kmax = int(top + 10.0 * math.sqrt(top) + 10.0)
            G = _token_table(self._tok.tobytes(), w.tobytes(), self.h)[: kmax + 1]
            pk = np.empty((mean_n.size, G.shape[0]))
            kernels.chunk_count_args(np.log(clipped), mean_n, LOG_FACTORIAL, pk)
            np.exp(pk, out=pk)
            if any_zero:
                pk[mean_n <= 0] = np.eye(1, G.shape[0])[0]
            self.behind = pk @ G
            self.area = np.empty_like(self.behind)
            kernels.chunk_area(self.behind, self.h, self.area)
            return
        # a Poisson count over the window offset + (m - 1) t_c (the arrivals already queued
        # when the last iteration starts): one law per iteration count m
        ms, self.which = np.unique(m.ravel(), return_inverse=True)
        mean_n = lam * (offset + (ms - 1.0) * tc)
        top = float(mean_n.max(initial=0.0))
        kmax = int(top + 10.0 * math.sqrt(top) + 10.0)  # the count's negligible tail
        # law of T, the tokens behind: G[n, s] = P(n prompts hold <= s h tokens), s h <= C
        # (rows stop once n prompts surely hold more than a chunk)
        tok = self._tok
        G = _token_table(tok.tobytes(), w.tobytes(), self.h)[: kmax + 1]
        k = np.arange(G.shape[0], dtype=float)
        logp = k[None, :] * np.log(np.maximum(mean_n, 1e-300))[:, None] - mean_n[:, None]
        pk = np.exp(logp - LOG_FACTORIAL[: k.size][None, :])
        pk[mean_n <= 0] = np.eye(1, k.size)[0]
        self.behind = pk @ G  # P(T <= s h) per iteration count
        # its integral at the grid points (trapezoids: the law is linear between them)
        steps = 0.5 * (self.behind[:, 1:] + self.behind[:, :-1]) * self.h
        self.area = np.concatenate([np.zeros((ms.size, 1)), np.cumsum(steps, axis=1)], axis=1)

    def bracket(self) -> tuple[float, float]:
        """``(lo, hi)`` with ``lo < x <= hi`` for :meth:`quantile` and :meth:`estimate`
        (their search starts from this bracket and keeps its top), without the tables of
        the prompts behind."""
        return self.start

    def cdf(self, t: float) -> float:
        """``P(TTFT - offset <= t)``: the terms without wait with their residual (the mean
        over ``t - R'``, ``R'`` uniform on ``[-idle, idle]``, of the law without it), those
        with wait with the phase of the iteration lattice (module notes)."""
        kernels = loaded_kernels()
        if kernels is not None and self._closed:
            return self._cdf_compiled(t, kernels)
        # terms whose whole span is below t count fully, those above not at all: only the
        # terms whose span holds t are evaluated
        below = float(self.weight[self.top <= t].sum())
        on = (self.bottom <= t) & (t < self.top)
        if not on.any():
            return below
        if self.which is None:
            self._build_tables()
        u, m, free = t - self.base[on], self.which[on], self.free[on]
        half, phased = self.half[on], self.phased[on]
        spread = np.empty(u.size)
        if phased.any():
            ends, arcs = self.end[on][phased], self.arc[on][phased]
            spread[phased] = self._phase_cdf(u[phased], m[phased], free[phased], ends, arcs)
        rest = ~phased
        if rest.any():
            spread[rest] = self._residual_cdf(u[rest], m[rest], free[rest], half[rest])
        return below + float(spread @ self.weight[on])

    def _residual_cdf(
        self, u: np.ndarray, m: np.ndarray, free: np.ndarray, half: np.ndarray
    ) -> np.ndarray:
        """Per term without wait, ``P(kappa F + R' <= u)`` with ``R'`` uniform on ``[-half,
        half]``: the fill areas at both ends of the window over its width."""
        if float(half.max(initial=0.0)) <= 0:
            return self._fill_cdf(u, m, free)
        n = u.size  # both ends of the residual's window in one pass
        both = self._fill_area(
            np.concatenate([u + half, u - half]),
            np.concatenate([m, m]),
            np.concatenate([free, free]),
        )
        flat = half <= 0  # a term without residual: its own CDF (the window's limit)
        spread = (both[:n] - both[n:]) / np.where(flat, 1.0, 2.0 * half)
        if flat.any():
            spread = np.where(flat, self._fill_cdf(u, m, free), spread)
        return spread

    def _phase_cdf(
        self, u: np.ndarray, m: np.ndarray, free: np.ndarray, end: np.ndarray, arc: np.ndarray
    ) -> np.ndarray:
        """Per term with wait, ``P(t0 V + kappa min(C V, T) <= u)`` with ``V`` uniform on its
        arc ``[end - arc, end]`` of ``[0, 1)`` (wrapping below 0; the whole period from an
        arc of 1), for ``u`` in ``[0, period)`` (module notes): differences of
        :meth:`_phase_integral` at the arc's ends over its length (``room`` = ``C``)."""

        def J(v: np.ndarray) -> np.ndarray:
            return self._phase_integral(u, m, free, v)

        whole = J(np.ones(u.size))
        wraps = end < arc
        inside = (J(end) - J(end - arc)) / np.where(wraps | (arc <= 0), 1.0, arc)
        wrapped = (J(end) + whole - J(1.0 + (end - arc))) / np.where(arc > 0, arc, 1.0)
        return np.where(arc >= 1.0, whole, np.where(wraps, wrapped, inside))

    def _phase_integral(
        self, u: np.ndarray, m: np.ndarray, free: np.ndarray, v: np.ndarray
    ) -> np.ndarray:
        """``int_0^v P(t0 V + kappa min(C V, T) <= u) dV`` per term: ``v`` up to ``u /
        period`` (the whole phase fits), beyond it the fill areas at ``u kappa C / period``
        and ``u - t0 v`` over ``t0``; without a decode part, its limit ``u / period + (v - u
        / period) P(kappa T <= u)``."""
        k = u / self.period
        if self.t0 <= 0:
            return np.where(v <= k, v, k + (v - k) * self._fill_cdf(u, m, free))
        hi = self._fill_area(u * self.lean, m, free)
        lo = self._fill_area(u - self.t0 * np.maximum(v, k), m, free)
        return np.where(v <= k, v, k + (hi - lo) / self.t0)

    def _cdf_compiled(self, t: float, kernels: Any) -> float:
        """:meth:`cdf` by the compiled loops of :mod:`planner.serve.kernels` (the same bits):
        they compress the terms below and on ``t`` and evaluate the fill areas of the latter;
        the sum and the dot product stay numpy's (the same reductions on the same arrays)."""
        n = self.weight.size
        below_w = work_array("chunk_below", (n,), float)
        on = work_array("chunk_on", (n,), np.intp)
        n_below, n_on = kernels.chunk_split(
            float(t), self.bottom, self.top, self.weight, below_w, on
        )
        below = float(below_w[:n_below].sum())
        if n_on == 0:
            return below
        if self.which is None:
            self._build_tables()
        diff = work_array("chunk_diff", (n,), float)
        w_on = work_array("chunk_w_on", (n,), float)
        kernels.chunk_fill(
            float(t),
            on,
            n_on,
            self.base,
            self.which,
            self.free,
            self.weight,
            self.behind,
            self.area,
            self.kappa,
            self.h,
            self.half,
            TOKEN_BINS,
            self.phased,
            self.end,
            self.arc,
            self.t0,
            self.period,
            self.lean,
            diff,
            w_on,
        )
        return below + float(diff[:n_on] @ w_on[:n_on])

    def _fill_cdf(self, u: np.ndarray, m: np.ndarray, free: np.ndarray) -> np.ndarray:
        """``P(kappa F <= u)`` per term (iteration-count index ``m``, room ``free``)."""
        if self.kappa <= 0:
            return (u >= 0.0).astype(float)
        need = u / self.kappa
        s = np.clip(need / self.h, 0.0, TOKEN_BINS)
        i = np.minimum(np.floor(s).astype(int), TOKEN_BINS - 1)
        f = s - i
        behind = self.behind
        g = behind[m, i] * (1.0 - f) + behind[m, i + 1] * f
        return np.where(need < 0.0, 0.0, np.where(need >= free, 1.0, g))

    def _fill_area(self, u: np.ndarray, m: np.ndarray, free: np.ndarray) -> np.ndarray:
        """``int_0^u P(kappa F <= v) dv`` per term (0 for ``u <= 0``): ``F = min(free, T)``,
        so up to ``free`` it is the integral of ``T``'s piecewise-linear CDF, beyond it
        grows at slope 1."""
        if self.kappa <= 0:
            return np.maximum(u, 0.0)
        s_tok = np.maximum(u, 0.0) / self.kappa
        inside = np.minimum(s_tok, free)
        pos = np.minimum(inside / self.h, float(TOKEN_BINS))
        i = np.minimum(np.floor(pos).astype(int), TOKEN_BINS - 1)
        f = pos - i
        g0, g1 = self.behind[m, i], self.behind[m, i + 1]
        area = self.area[m, i] + self.h * (f * g0 + 0.5 * f * f * (g1 - g0))
        return self.kappa * (area + (s_tok - inside))

    def quantile(self) -> float:
        """The ``q`` quantile (``inf`` when the engine's prefill is saturated)."""
        return self._search(None, 0.0)

    def at_most(self, t: float) -> float:
        """:meth:`cdf` (0 when the prefill is saturated): the interface mixtures read."""
        return 0.0 if self.saturated else self.cdf(float(t))

    def estimate(self) -> float:
        """The quantile to ``1e-3`` relative (at or above it): steers the capacity search,
        which decides with :meth:`within`."""
        return self._search(None, 0.0, 1e-3)

    def within(self, limit: float, offset: float = 0.0) -> bool:
        """``not (quantile() + offset > limit)``, decided as computing the quantile would.

        The search keeps ``cdf(hi) >= q > cdf(lo)`` and stops within ``1e-7`` of ``hi``,
        so its result lies in ``[x*, x* (1 + 1e-7)]``, ``x*`` the smallest ``t`` with
        ``cdf(t) >= q``. Two probes usually settle the comparison (``x = limit - offset``):
        ``cdf(x (1 + 3e-7)) < q`` puts ``x*``, hence the result, clear above ``x`` (clear of
        the rounding of ``x + offset``: the search can end a float step from ``x*``);
        ``cdf(x (1 - 3e-7)) >= q`` puts the result below ``x``. Otherwise the search runs.
        After :meth:`estimate`, a limit outside its final bracket is decided with none.
        """
        if self.saturated:
            return not (math.inf + offset > limit)
        if self._resume is not None:
            # a search without limit ran (estimate): its bracket keeps the result, so a
            # limit outside it is decided without a CDF evaluation
            lo, hi = self._resume[:2]
            if hi + offset <= limit:
                return True
            if lo + offset > limit:
                return False
        x = limit - offset
        if x <= 0 or x < self.lo:
            return bool(self._search(limit, offset))
        if self.cdf(x * (1.0 + 3e-7)) < self.q:
            return False
        if self.cdf(x * (1.0 - 3e-7)) >= self.q and x * (1.0 - 3e-7) >= self.lo:
            return True
        return bool(self._search(limit, offset))

    def _search(self, limit: float | None, offset: float, rtol: float = 1e-7) -> float:
        """The CDF's root to ``rtol`` of the bracket's top; the result stays in ``[lo, hi]``
        at every step, so once that side of ``limit`` is known the decision is made."""
        if self.saturated:
            return math.inf if limit is None else float(not (math.inf + offset > limit))
        q = self.q
        target = math.log(1.0 - q)

        def excess(t: float) -> float:
            # log(1 - q) - log(1 - cdf): increasing, nearly linear in t in the exponential
            # tail of the wait, where the quantile of a high percentile lies
            return target - math.log(max(1.0 - self.cdf(t), 1e-300))

        if limit is None and self._resume is not None and rtol <= self._resume_rtol:
            # the same iteration as from the start: it stopped here at a coarser rtol
            lo, hi, f_lo, f_hi, side, step = self._resume
        else:
            lo, hi = self.start
            if limit is not None:
                if hi + offset <= limit:
                    return 1.0
                if lo + offset > limit:
                    return 0.0
            f_lo, f_hi, side, step = excess(lo), excess(hi), 0, 0
        # Illinois (regula falsi halving a stale end's value), bisecting every fourth step;
        # the bracket keeps cdf(lo) < q <= cdf(hi)
        while hi - lo > rtol * max(hi, 1e-300) and step < 200:
            if limit is not None:
                if hi + offset <= limit:
                    return 1.0
                if lo + offset > limit:
                    return 0.0
            mid = illinois_point(lo, hi, f_lo, f_hi, step)
            lo, hi, f_lo, f_hi, side = illinois_update(lo, hi, f_lo, f_hi, side, mid, excess(mid))
            step += 1
        if limit is None:
            self._resume, self._resume_rtol = (lo, hi, f_lo, f_hi, side, step), rtol
        return hi if limit is None else float(not (hi + offset > limit))
