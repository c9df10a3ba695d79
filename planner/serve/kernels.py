"""Compiled (numba) kernels of the serving laws: the normal CDF of :class:`TpotLaw`'s mixture,
the elementwise steps of :func:`~planner.serve.queueing.backlog_chain`.

:meth:`~planner.serve.queueing.TpotLaw.excess` evaluates the CDF of a mixture of a few
hundred normals tens of thousands of times per capacity search (an Illinois search per
percentile). As numpy ufuncs that is ~26 calls on short arrays, whose dispatch costs far more
than their arithmetic. :func:`cdf_head` and :func:`cdf_tail` do the same operations, in the
same order and with the same float rounding (no fused multiply-add: numba contracts nothing
without ``fastmath``), in two loops; the ``exp`` between them stays numpy's (its SIMD ``exp``
is not libm's, and the results must be the same bits as
:func:`~planner.serve.queueing.normal_cdf_array`; ``tests/serve/test_speed_paths.py`` checks it).

The backlog chain's steps between its matrix products (the moments grown by the extra
each bin carries, the joint law shifted) are short loops likewise, the products stay numpy's.

Compiled once per installation (``cache=True``, or by ``planner warmup serve``) and loaded
on demand: :func:`planner.serve.queueing._kernels` switches the laws from their numpy path
to these loops once a process has evaluated enough laws to earn back the ~0.5 s of loading
numba (small plans never load it).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

_SQRT2 = math.sqrt(2.0)


@njit(cache=True)
def cdf_head(t, centre, sd, z, poly, expo):  # pragma: no cover - compiled
    """For each component ``i``: ``z = clip((t - centre) / sd, -40, 40) / sqrt(2)``, the
    Abramowitz-Stegun 7.1.26 polynomial ``poly`` of ``1 / (1 + 0.3275911 |z|)`` and
    ``expo = -z^2`` (whose ``exp`` the caller takes)."""
    for i in range(centre.size):
        x = (t - centre[i]) / sd[i]
        if x < -40.0:
            x = -40.0
        if x > 40.0:
            x = 40.0
        x = x / _SQRT2
        z[i] = x
        a = abs(x)
        u = 1.0 / (a * 0.3275911 + 1.0)
        p = u * 1.061405429
        p = p + -1.453152027
        p = p * u
        p = p + 1.421413741
        p = p * u
        p = p + -0.284496736
        p = p * u
        p = p + 0.254829592
        p = p * u
        poly[i] = p
        expo[i] = -(a * a)


@njit(cache=True)
def cdf_tail(z, poly, expo):  # pragma: no cover - compiled
    """``z <- (1 + sign(z) (1 - poly exp(-z^2))) / 2`` with ``expo`` holding ``exp(-z^2)``."""
    for i in range(z.size):
        erf = 1.0 - expo[i] * poly[i]
        x = z[i]
        sign = 1.0 if x > 0.0 else (-1.0 if x < 0.0 else 0.0)
        z[i] = (sign * erf + 1.0) * 0.5


@njit(cache=True)
def chain_grow(p, m1, m2, carried, square, twice, grown):  # pragma: no cover - compiled
    """One step of :func:`~planner.serve.queueing.backlog_chain`'s moments before its
    matrix product: ``grown = (p, carried p + m1, (square p + m2) + twice m1)``."""
    for i in range(p.size):
        grown[0, i] = p[i]
        grown[1, i] = carried[i] * p[i] + m1[i]
        grown[2, i] = (square[i] * p[i] + m2[i]) + twice[i] * m1[i]


@njit(cache=True)
def chain_shift(joint, moved, cols, full):  # pragma: no cover - compiled
    """:func:`~planner.serve.queueing.backlog_chain`'s joint law moved by the extra each
    backlog bin carries: row ``k < full`` by ``k`` columns, the others by ``full``, within
    the first ``cols`` columns (``moved``'s columns before the shift stay zero)."""
    for k in range(joint.shape[0]):
        shift = k if k < full else full
        for c in range(shift, cols):
            moved[k, c] = joint[k, c - shift]


@njit(cache=True)
def tail_exponents(t, a, b, decay, e_wait, e_upper):  # pragma: no cover - compiled
    """The exponents of :meth:`~planner.serve.queueing.ResponseLaw.tail` at each grid point
    ``t[i]`` and class ``j``: ``-decay max(t - a, 0)`` and ``-decay max(t - b, 0)`` (whose
    ``exp`` the caller takes)."""
    for i in range(t.size):
        for j in range(a.size):
            past = t[i] - a[j]
            e_wait[i, j] = -decay * (past if past > 0.0 else 0.0)
            late = t[i] - b[j]
            e_upper[i, j] = -decay * (late if late > 0.0 else 0.0)


@njit(cache=True)
def tail_mix(t, a, b, point, span, rho, decay, e_wait, e_upper, out):  # pragma: no cover
    """``P(W + U_j > t[i])`` from the exponentials of :func:`tail_exponents`: a point class
    ``1`` before ``a`` and ``rho e^{-decay (t - a)}`` after; a uniform one its share above
    ``t`` plus the waits that end beyond it (``rho / decay (e_upper - e_wait)``)."""
    scale = rho / decay
    for i in range(t.size):
        for j in range(a.size):
            if point[j]:
                out[i, j] = 1.0 if t[i] < a[j] else rho * e_wait[i, j]
            else:
                start = a[j] if a[j] >= t[i] else t[i]
                above = b[j] - start
                if not above > 0.0:
                    above = 0.0
                waited = scale * (e_upper[i, j] - e_wait[i, j]) if t[i] > a[j] else 0.0
                out[i, j] = (above + waited) / span[j]


def warmup() -> None:
    """Load (or compile, once per installation) the kernels: call them on a tiny mixture."""
    centre, sd = np.array([0.0, 1.0]), np.array([1.0, 2.0])
    z, poly, expo = np.empty(2), np.empty(2), np.empty(2)
    cdf_head(0.5, centre, sd, z, poly, expo)
    np.exp(expo, out=expo)
    cdf_tail(z, poly, expo)
    grown, moved = np.empty((3, 2)), np.zeros((2, 3))
    chain_grow(centre, centre, centre, sd, sd, sd, grown)
    chain_shift(np.ones((2, 3)), moved, 3, 1)
    # the laws' own argument types (fresh C arrays: a view would compile another signature)
    point, e_wait, e_upper = np.array([True, False]), np.empty((2, 2)), np.empty((2, 2))
    tail_exponents(centre, centre, sd, 1.0, e_wait, e_upper)
    tail_mix(centre, centre, sd, point, sd, 0.5, 1.0, e_wait, e_upper, np.empty((2, 2)))
