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
  dense layers) and add up in the MoE layers (:func:`overlap_share`).

Both are derived from the groups' independent arrival streams (no fitted constant).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from planner.serve.queueing import illinois_point, illinois_update

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


def overlap_share(
    t0: float,
    own: np.ndarray,
    weights: np.ndarray,
    moe: float,
    lam: float,
    groups: int,
    pieces: float,
) -> float:
    """Share of the chunks' own-layer time that the replica's iterations spend on them.

    The chunks of several groups in one iteration run their own layers side by side, so an
    iteration with ``k`` chunks spends ``E[max of k own extras]`` on them, not ``k`` times
    the mean: the returned share is ``E[max_K] / E[K mean]`` under the law of the number
    ``K`` of chunk-carrying groups (1 when chunks never meet, ``1 / n`` at most overlap).

    ``K`` is a Markov chain: an iteration with ``k`` chunks lasts ``T = t0 + M_k + k moe``
    with ``M_k`` the largest of its ``k`` own extras (drawn from ``own`` / ``weights``: the
    law of one chunk iteration's extra, piece-weighted; their MoE work adds up), and each
    group carries a chunk in the next one when a prompt piece reached it meanwhile, with
    probability ``1 - exp(-lam pieces T)`` (Poisson arrivals per group; ``pieces``: chunk
    iterations per prompt), independently of the other groups given ``T``. So the next
    count is a mixture over the law of ``M_k`` of binomials, more spread than the binomial
    at the mean length ``E[T | k]`` (what the chain took before: a 50-token chunk and a full
    one leave the other groups very different odds). A long iteration lets prompts reach
    many groups at once, so chunks cluster: more overlap than groups chunking independently
    would have.
    """
    if groups <= 1:
        return 1.0
    chain = _Chain(t0, own, weights, moe, groups, pieces)
    return chain.share(lam)


class _Chain:
    """The chunk-count chain of :func:`overlap_share` with its rate-free parts computed once
    (the law of ``M_k``, ``F(v)^k - F(v-)^k`` on the sorted extras, and the lengths)."""

    def __init__(
        self,
        t0: float,
        own: np.ndarray,
        weights: np.ndarray,
        moe: float,
        groups: int,
        pieces: float,
    ) -> None:
        self.n, self.pieces = groups, pieces
        self.k = np.arange(groups + 1, dtype=float)
        self.top = expected_max_of(own, weights, self.k)
        w = np.asarray(weights, dtype=float)
        v = np.maximum(np.asarray(own, dtype=float), 0.0)
        self.mean_own = float(np.dot(w, v) / np.sum(w))
        self.T = t0 + self.top + self.k * moe
        # law of the largest of k extras on the sorted values: F(v)^k - F(v-)^k (k = 0: 0)
        order = np.argsort(v)
        values = v[order]
        cdf = np.cumsum(w[order]) / np.sum(w)
        below = np.concatenate([[0.0], cdf[:-1]])
        kk = self.k[:, None]
        self.max_pmf = np.maximum(cdf[None, :] ** kk - below[None, :] ** kk, 0.0)
        self.max_pmf[0] = 0.0
        self.max_pmf[0, 0] = 1.0
        self.lengths = t0 + np.where(kk > 0, values[None, :], 0.0) + kk * moe  # (k, value)
        self.log_choose = np.array(
            [
                math.lgamma(groups + 1) - math.lgamma(j + 1) - math.lgamma(groups - j + 1)
                for j in range(groups + 1)
            ]
        )

    def stationary(self, lam: float) -> np.ndarray:
        """Stationary law of ``K`` at arrival rate ``lam`` per group."""
        k, n = self.k, self.n
        # per (k, length): log P(hit) and log P(no hit) = -lam pieces T of a group's arrival
        x = np.maximum(lam * self.pieces * self.lengths, 1e-300)[:, :, None]
        # binomial rows per (k, length): P(K' = j) = C(n, j) hit^j (1 - hit)^(n - j), mixed
        # over the law of the length
        rows = np.exp(self.log_choose + k * np.log(-np.expm1(-x)) - (n - k) * x)
        trans = np.matmul(self.max_pmf[:, None, :], rows)[:, 0, :]
        trans = trans / trans.sum(axis=1, keepdims=True)
        # stationary law: pi (P - I) = 0 with sum 1
        a = trans.T - np.eye(n + 1)
        a[-1, :] = 1.0
        rhs = np.zeros(n + 1)
        rhs[-1] = 1.0
        pi = np.maximum(np.linalg.solve(a, rhs), 0.0)
        return pi / pi.sum()

    def share(self, lam: float) -> float:
        if self.mean_own <= 0:
            return 1.0
        pi = self.stationary(lam)
        chunks = float(pi @ self.k)
        if chunks <= 1e-12:  # chunks (almost) never meet
            return 1.0
        return float(pi @ self.top) / (chunks * self.mean_own)


def balanced_share(
    t0: float,
    own: np.ndarray,
    weights: np.ndarray,
    moe: float,
    per_iter: float,
    groups: int,
    pieces: float,
    own_mean: float,
    moe_mean: float,
    rtol: float = 1e-7,
) -> float:
    """:func:`overlap_share` at the mean iteration that balances time.

    With ``per_iter = lam T`` prompts per iteration and group (Little's law on the decode
    batch), the mean iteration is ``T = t0 + n per_iter (share E[own] + E[moe])`` with the
    share at the rate ``lam = per_iter / T``; ``own_mean`` / ``moe_mean``: a prompt's own-
    layer and MoE extras. The root lies between full overlap and none (Illinois search).
    """
    if groups <= 1:
        return 1.0
    chain = _Chain(t0, own, weights, moe, groups, pieces)
    lo = t0 + groups * per_iter * moe_mean
    hi = lo + groups * per_iter * own_mean
    if per_iter <= 0 or hi <= lo:
        return 1.0

    def excess(T: float) -> float:  # T minus the iteration the share at T balances
        return T - t0 - groups * per_iter * (chain.share(per_iter / T) * own_mean + moe_mean)

    f_lo, f_hi, side = excess(lo), excess(hi), 0
    if f_lo >= 0:
        return chain.share(per_iter / lo)
    for step in range(100):  # Illinois search of the bracket (f(lo) < 0 <= f(hi))
        mid = illinois_point(lo, hi, f_lo, f_hi, step)
        lo, hi, f_lo, f_hi, side = illinois_update(lo, hi, f_lo, f_hi, side, mid, excess(mid))
        if hi - lo <= rtol * hi:
            break
    return chain.share(per_iter / hi)


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


__all__ = [
    "balanced_share",
    "expected_max_batch",
    "expected_max_normal",
    "expected_max_of",
    "merged_backlog_pmf",
    "overlap_share",
]
