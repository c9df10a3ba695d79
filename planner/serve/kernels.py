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
So are the chunked-prefill TTFT law's terms, bracket and CDF
(:class:`~planner.serve.chunked_ttft.ChunkedPrefillLaw`: a few thousand laws and tens of
thousands of CDF evaluations per fleet search); its ``exp``, sums and dot products stay
numpy's.

Compiled once per installation (``cache=True``, or by ``planner warmup serve``) and loaded
on demand: :func:`planner.serve.queueing.loaded_kernels` switches the laws from their numpy path
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
def chain_carry(joint, moved, cols, next_cols, full, law):  # pragma: no cover - compiled
    """After a step of the joint chain: ``law[:cols] = joint[:, :cols].sum(axis=0)`` (numpy
    adds the rows in order, as here), then :func:`chain_shift` into ``moved`` for the next
    step's ``next_cols`` columns (none when 0)."""
    for c in range(cols):
        law[c] = joint[0, c]
    for k in range(1, joint.shape[0]):
        for c in range(cols):
            law[c] += joint[k, c]
    chain_shift(joint, moved, next_cols, full)


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


# ---------------------------------------------------------------- chunked-prefill TTFT law
@njit(cache=True)
def chunk_split(t, bottom, top, weight, below, on):  # pragma: no cover - compiled
    """The terms of :meth:`~planner.serve.chunked_ttft.ChunkedPrefillLaw.cdf` at ``t``: the
    weights of those whose span ends at or below it (``top <= t``) into ``below`` and the
    indices of those whose span holds it (``bottom <= t < top``) into ``on``, in order (the
    masks' compressions); returns the two counts."""
    n_below = 0
    n_on = 0
    for i in range(top.size):
        if top[i] <= t:
            below[n_below] = weight[i]
            n_below += 1
        elif bottom[i] <= t and t < top[i]:
            on[n_on] = i
            n_on += 1
    return n_below, n_on


@njit(cache=True)
def _fill_area(u, m, free, behind, area, kappa, h, bins):  # pragma: no cover - compiled
    """One term of ``ChunkedPrefillLaw._fill_area`` (the same operations in the same order;
    ``a if a >= b else b`` is numpy's maximum, ``a if a <= b else b`` its minimum)."""
    x = u if (u >= 0.0 or u != u) else 0.0
    s_tok = x / kappa
    inside = s_tok if (s_tok <= free or s_tok != s_tok) else free
    pos = inside / h
    if pos > bins:
        pos = float(bins)
    i = math.floor(pos)
    if i > bins - 1:
        i = bins - 1
    f = pos - i
    g0 = behind[m, i]
    g1 = behind[m, i + 1]
    a = area[m, i] + h * (f * g0 + 0.5 * f * f * (g1 - g0))
    return kappa * (a + (s_tok - inside))


@njit(cache=True)
def _phase_integral(
    u, v, m, free, behind, area, kappa, h, bins, t0, period, lean
):  # pragma: no cover
    """``ChunkedPrefillLaw._phase_integral`` of one term (the same operations)."""
    k = u / period
    if v <= k:
        return v
    hi = _fill_area(u * lean, m, free, behind, area, kappa, h, bins)
    lo = _fill_area(u - t0 * v, m, free, behind, area, kappa, h, bins)
    return k + (hi - lo) / t0


@njit(cache=True)
def _phase_cdf(
    u, end, arc, m, free, behind, area, kappa, h, bins, t0, period, lean
):  # pragma: no cover - compiled
    """``ChunkedPrefillLaw._phase_cdf`` of one term (the same operations, the branch numpy's
    ``where`` selects)."""
    whole = _phase_integral(u, 1.0, m, free, behind, area, kappa, h, bins, t0, period, lean)
    if arc >= 1.0:
        return whole
    scale = arc if arc > 0 else 1.0
    at_end = _phase_integral(u, end, m, free, behind, area, kappa, h, bins, t0, period, lean)
    if end < arc:
        v = 1.0 + (end - arc)
        rest = _phase_integral(u, v, m, free, behind, area, kappa, h, bins, t0, period, lean)
        return (at_end + whole - rest) / scale
    v = end - arc
    rest = _phase_integral(u, v, m, free, behind, area, kappa, h, bins, t0, period, lean)
    return (at_end - rest) / scale


@njit(cache=True)
def chunk_fill(
    t,
    on,
    n,
    base,
    which,
    free,
    weight,
    behind,
    area,
    kappa,
    h,
    half,
    bins,
    phased,
    end,
    arc,
    t0,
    period,
    lean,
    diff,
    w_on,
):  # pragma: no cover
    """For the ``n`` terms ``on`` holding ``t`` (``u = t - base``): a term without wait, the
    fill areas at both ends of the residual's window (``u + half`` minus ``u - half``, over
    ``2 half``, each term's own ``half``); a term with wait (``phased``), the lattice phase
    over its arc (``ChunkedPrefillLaw._phase_cdf``); into ``diff``, and the terms' weights
    into ``w_on`` (whose dot product the caller takes, as numpy's ``@``)."""
    for j in range(n):
        i = on[j]
        u = t - base[i]
        if phased[i]:
            diff[j] = _phase_cdf(
                u, end[i], arc[i], which[i], free[i], behind, area, kappa, h, bins, t0, period, lean
            )
        else:
            hi = _fill_area(u + half[i], which[i], free[i], behind, area, kappa, h, bins)
            lo = _fill_area(u - half[i], which[i], free[i], behind, area, kappa, h, bins)
            diff[j] = (hi - lo) / (2.0 * half[i])
        w_on[j] = weight[i]


@njit(cache=True)
def chunk_wait_grid(stop, mean, edges, arg):  # pragma: no cover - compiled
    """``edges = numpy.linspace(0, stop, edges.size)`` by its own operations and ``arg =
    -edges / mean`` (whose ``exp`` the caller takes)."""
    div = edges.size - 1
    step = stop / div
    for i in range(edges.size):
        if step == 0:  # linspace's route for subnormal steps
            edges[i] = (i / div) * stop + 0.0
        else:
            edges[i] = i * step + 0.0
    edges[div] = stop
    for i in range(edges.size):
        arg[i] = -edges[i] / mean


@njit(cache=True)
def weighted_at(values, weights, q):  # pragma: no cover - compiled
    """``chunked_ttft._at``: the smallest value whose cumulative weight (in the stable
    order of the values, summed as ``numpy.cumsum``) reaches ``q``, else the largest."""
    order = np.argsort(values, kind="mergesort")
    acc = 0.0
    for k in range(order.size):
        acc += weights[order[k]]
        if acc >= q:
            return values[order[k]]
    return values[order[order.size - 1]]


@njit(cache=True)
def chunk_terms(
    edges,
    ex,
    sigma,
    lo,
    hi,
    extra,
    w,
    points,
    chunk,
    ratio,
    tc,
    t0,
    kappa,
    offset,
    idle,
    queued_extra,
    lean_rate,
    period,
    q,
):  # pragma: no cover - compiled
    """The terms of :class:`~planner.serve.chunked_ttft.ChunkedPrefillLaw` (its numpy
    formulas, operation by operation): the wait grid from ``edges`` and ``ex = exp(-edges /
    mean)`` (none when ``edges`` is empty), ``points`` points of each class's window, and
    per term its base, free tokens, weight, iteration count, residual half width, whether it
    waits (``phased``) and span (the terms without wait, row 0: residual ``idle``, their
    base ``idle - offset`` later; the others: the work at ``lean_rate`` plus
    ``queued_extra``, the whole chunk free, the span one ``period``); returns those arrays
    and ``(lo, hi, bracket bottom's at, bracket top)``."""
    n_wait = edges.size if edges.size > 0 else 1
    waits = np.zeros(n_wait)
    wait_w = np.ones(n_wait)
    if edges.size > 0:
        waits[0] = 0.0
        wait_w[0] = 1.0 - sigma
        for i in range(1, n_wait):
            waits[i] = 0.5 * (edges[i] + edges[i - 1])
            wait_w[i] = sigma * -(ex[i] - ex[i - 1])
    n_own = lo.size * points
    own = np.empty(n_own)
    own_x = np.empty(n_own)
    own_w = np.empty(n_own)
    for c in range(lo.size):
        span = hi[c] - lo[c]
        share = w[c] / points
        for p in range(points):
            frac = (p + 0.5) / points
            own[c * points + p] = lo[c] + frac * span
            own_x[c * points + p] = extra[c]
            own_w[c * points + p] = share
    # the phase's arc per own point (its end) and per wait (its length)
    own_end = np.empty(n_own)
    for j in range(n_own):
        mj = np.ceil(own[j] / chunk - 1e-12)
        if not (mj >= 1.0 or mj != mj):
            mj = 1.0
        rj = own[j] - (mj - 1.0) * chunk
        if not (rj <= chunk or rj != rj):
            rj = chunk
        own_end[j] = 1.0 - rj / chunk
    n = n_wait * n_own
    end = np.empty(n)
    arc = np.empty(n)
    base = np.empty(n)
    free = np.empty(n)
    weight = np.empty(n)
    m_all = np.empty(n)
    scale = 0.0
    for i in range(n_wait):
        for j in range(n_own):
            k = i * n_own + j
            z = waits[i] * ratio + own[j]
            m = np.ceil(z / chunk - 1e-12)
            if not (m >= 1.0 or m != m):
                m = 1.0
            r = z - (m - 1.0) * chunk
            if not (r <= chunk or r != r):
                r = chunk
            at = (m - 1.0) * tc + t0 + kappa * r + own_x[j]
            reach = at + kappa * (chunk - r)
            if reach > scale:
                scale = reach
            if i == 0:
                base[k] = at
                free[k] = chunk - r
            else:
                base[k] = z * lean_rate + own_x[j] + (queued_extra - offset)
                free[k] = chunk
            weight[k] = wait_w[i] * own_w[j]
            m_all[k] = m
            end[k] = own_end[j]
            length = waits[i] * ratio / chunk
            arc[k] = length if (length <= 1.0 or length != length) else 1.0
    calm = idle if idle > 1e-9 * scale else 0.0
    half = np.empty(n)
    phased = np.empty(n, dtype=np.bool_)
    bottom = np.empty(n)
    top = np.empty(n)
    low = np.inf
    high = -np.inf
    for k in range(n):
        if k < n_own:  # row 0: no wait
            half[k] = calm
            phased[k] = False
            base[k] += idle - offset
            bottom[k] = base[k] - half[k]
            top[k] = base[k] + kappa * free[k] + half[k]
        else:
            half[k] = 0.0
            phased[k] = True
            if end[k] < arc[k]:  # the arc wraps: a whole period
                bottom[k] = base[k] - half[k]
                top[k] = base[k] + period
            else:
                bottom[k] = base[k] + t0 * (end[k] - arc[k])
                top[k] = base[k] + period * end[k]
        if bottom[k] < low:
            low = bottom[k]
        if top[k] > high:
            high = top[k]
    at_bottom = weighted_at(bottom, weight, q)
    at_top = weighted_at(top, weight, q)
    ends = (low, high + 1e-12, at_bottom, at_top)
    return base, free, weight, m_all, half, phased, end, arc, bottom, top, ends


@njit(cache=True)
def chunk_counts(m, lam, offset, tc):  # pragma: no cover - compiled
    """The iteration counts of the chunked law's tables: ``numpy.unique(m,
    return_inverse=True)`` (sorted values, each term's index among them), the mean arrivals
    ``lam (offset + (ms - 1) tc)`` per count, those clipped below at ``1e-300`` (whose log
    the caller takes), their largest (at least 0) and whether any is ``<= 0``."""
    # the counts are whole numbers from 1 (ceilings): marked in a table of them, in order
    # (numpy.unique's sort otherwise)
    most = 0.0
    for v in m:
        if not (v >= 1.0 and v == math.floor(v) and v <= 65536.0):
            most = -1.0
            break
        most = max(most, v)
    if most > 0:
        slot = np.full(int(most) + 1, -1)
        for v in m:
            slot[int(v)] = 0
        count = 0
        for i in range(slot.size):
            if slot[i] == 0:
                slot[i] = count
                count += 1
        ms = np.empty(count)
        for i in range(slot.size):
            if slot[i] >= 0:
                ms[slot[i]] = i
        which = np.empty(m.size, dtype=np.intp)
        for k in range(m.size):
            which[k] = slot[int(m[k])]
    else:
        ms = np.unique(m)
        which = np.searchsorted(ms, m)
    mean_n = np.empty(ms.size)
    clipped = np.empty(ms.size)
    top = 0.0
    any_zero = False
    for i in range(ms.size):
        v = lam * (offset + (ms[i] - 1.0) * tc)
        mean_n[i] = v
        clipped[i] = v if (v >= 1e-300 or v != v) else 1e-300
        if v > top:
            top = v
        if v <= 0:
            any_zero = True
    return which, mean_n, clipped, top, any_zero


@njit(cache=True)
def chunk_count_args(log_mean, mean_n, log_factorial, out):  # pragma: no cover - compiled
    """``out[i, k] = k log_mean[i] - mean_n[i] - log_factorial[k]``: the Poisson counts'
    log probabilities (whose ``exp`` the caller takes)."""
    for i in range(log_mean.size):
        for k in range(out.shape[1]):
            out[i, k] = (k * log_mean[i] - mean_n[i]) - log_factorial[k]


@njit(cache=True)
def chunk_area(behind, h, area):  # pragma: no cover - compiled
    """``area = [0, cumsum(0.5 (behind[:, 1:] + behind[:, :-1]) h)]`` row by row (the
    trapezoids of the law of the tokens behind, summed in order as ``numpy.cumsum``)."""
    for i in range(behind.shape[0]):
        area[i, 0] = 0.0
        acc = 0.0
        for s in range(behind.shape[1] - 1):
            step = 0.5 * (behind[i, s + 1] + behind[i, s]) * h
            acc = step if s == 0 else acc + step
            area[i, s + 1] = acc


@njit(cache=True)
def _stationary_gth(P, pi):  # pragma: no cover - compiled
    """Stationary law of the (row-stochastic) ``P`` into ``pi`` by Grassmann-Taksar-Heyman
    elimination (no subtraction: accurate for nearly decomposable chains)."""
    k = P.shape[0]
    A = P.copy()
    for m in range(k - 1, 0, -1):
        s = 0.0
        for j in range(m):
            s += A[m, j]
        if s <= 0.0:
            s = 1e-300
        for i in range(m):
            A[i, m] /= s
        for i in range(m):
            for j in range(m):
                A[i, j] += A[i, m] * A[m, j]
    pi[0] = 1.0
    for j in range(1, k):
        v = A[0, j]
        for i in range(1, j):
            v += pi[i] * A[i, j]
        pi[j] = v
    total = 0.0
    for j in range(k):
        total += pi[j]
    for j in range(k):
        pi[j] /= total


@njit(cache=True)
def merging_top(
    t0, piece, h, r, moe, n, per_iter, moe_iter, mean_piece, rtol, tail_sd, log_factorial, out
):  # pragma: no cover - compiled
    """:meth:`planner.serve.lockstep.MergingChain.solve` in loops (the same steps; its
    sums in another order, so equal to about 1e-12, not bit for bit): ``E[max extras]``
    per iteration at the balanced mean iteration; ``out`` (``n + 2`` values) receives the
    last step's lengths ``T_K`` and its rate (``MergingChain.solved``).

    Every sum adds its terms in the order of the first version of these loops (bit for bit
    the same results), but the inner loops run along the bins ``b`` (contiguous rows that
    the compiler vectorizes) and the binomial weights of the chunk-count cells are computed
    once per state, not once per cell."""
    M = piece.size - 1
    cap_rows = 64
    sums = np.zeros((cap_rows, M))
    sums[0, 0] = 1.0
    have = 1
    T = np.empty(n + 1)
    base = t0 + moe_iter
    for k in range(n + 1):
        T[k] = base + k * mean_piece + k * moe
    f_new = np.empty((n + 1, M))
    f_cont = np.empty((n + 1, M))
    f_mix = np.empty((n + 1, M))
    pn = np.empty(n + 1)
    pc = np.empty(n + 1)
    pm = np.empty(n + 1)
    hit = np.empty(n + 1)
    again = np.empty(n + 1)
    pw_mix = np.empty((n + 1, n + 1, M))
    pw_new = np.empty((n + 1, n + 1, M))
    P = np.empty((n + 1, n + 1))
    L = np.empty((n + 1, n + 1))
    tops = np.empty(n + 1)
    pi = np.empty(n + 1)
    T_next = np.empty(n + 1)
    vn = np.empty(M)
    vc = np.empty(M)
    bcs = np.empty(n + 1)
    bms = np.empty(n + 1)
    pois = np.empty(cap_rows)
    Tbar = base
    prev_T, prev_step, has_prev = 0.0, 0.0, False
    top = 0.0
    for _ in range(500):
        lam = per_iter / Tbar
        amax = 0.0
        for k in range(n + 1):
            amax = max(amax, lam * T[k])
        J = math.ceil(amax + tail_sd * math.sqrt(amax) + tail_sd) + 1
        if cap_rows < J + 1:  # grow the table of sums
            grown = np.zeros((2 * (J + 1), M))
            grown[:have] = sums[:have]
            sums = grown
            cap_rows = 2 * (J + 1)
            pois = np.empty(cap_rows)
        while have < J + 1:  # the next sum's law below the cap: a truncated convolution
            # sums[have, i] = sum over b = 0..i of piece[i - b] sums[have - 1, b], added
            # in the order of b (a row of zeros plus the terms: the first term exactly)
            for i in range(M):
                sums[have, i] = 0.0
            for b in range(M):
                x = sums[have - 1, b]
                for i in range(b, M):
                    sums[have, i] += piece[i - b] * x
            have += 1
        for s in range(n + 1):
            a = lam * T[s]
            loga = math.log(max(a, 1e-300))
            tot = 0.0
            for j in range(J):
                pois[j] = math.exp(j * loga - a - log_factorial[j])
                tot += pois[j]
            mean_j = 0.0
            for j in range(J):
                pois[j] /= tot
                mean_j += j * pois[j]
            some = max(1.0 - pois[0], 1e-300)
            # per bin: vc = sum over j >= 0 of pois[j] sums[j + 1], vn over j >= 1 of
            # pois[j] sums[j], each added in the order of j
            for b in range(M):
                vc[b] = 0.0
                vn[b] = 0.0
            for j in range(J):
                pj = pois[j]
                for b in range(M):
                    vc[b] += pj * sums[j + 1, b]
                if j > 0:
                    for b in range(M):
                        vn[b] += pj * sums[j, b]
            acc_new, acc_cont = 0.0, 0.0
            for b in range(M):
                acc_new += vn[b] / some
                acc_cont += vc[b]
                f_new[s, b] = min(acc_new, 1.0)
                f_cont[s, b] = min(acc_cont, 1.0)
            pn[s] = mean_j / some
            pc[s] = 1.0 + mean_j
            hit[s] = -math.expm1(-a)
            again[s] = 1.0 - (1.0 - r) * (1.0 - hit[s])
            q = r / max(again[s], 1e-300)
            for b in range(M):
                f_mix[s, b] = q * f_cont[s, b] + (1.0 - q) * f_new[s, b]
            pm[s] = q * pc[s] + (1.0 - q) * pn[s]
            for b in range(M):
                pw_mix[s, 0, b] = 1.0
                pw_new[s, 0, b] = 1.0
            for c in range(1, n + 1):
                for b in range(M):
                    pw_mix[s, c, b] = pw_mix[s, c - 1, b] * f_mix[s, b]
                    pw_new[s, c, b] = pw_new[s, c - 1, b] * f_new[s, b]
        P[:, :] = 0.0
        L[:, :] = 0.0
        tops[:] = 0.0
        for s in range(n + 1):
            pa = min(max(again[s], 1e-300), 1.0 - 1e-16)
            ph = min(max(hit[s], 1e-300), 1.0 - 1e-16)
            # the binomial weights of c of the s carrying groups carrying again and m of
            # the n - s others getting a chunk (the same expressions as per cell)
            log_pa, log_qa = math.log(pa), math.log1p(-pa)
            log_ph, log_qh = math.log(ph), math.log1p(-ph)
            for c in range(s + 1):
                bcs[c] = math.exp(
                    log_factorial[s] - log_factorial[c] - log_factorial[s - c]
                    + c * log_pa + (s - c) * log_qa
                )  # fmt: skip
            for m in range(n - s + 1):
                bms[m] = math.exp(
                    log_factorial[n - s] - log_factorial[m] - log_factorial[n - s - m]
                    + m * log_ph + (n - s - m) * log_qh
                )  # fmt: skip
            for c in range(s + 1):
                bc = bcs[c]
                for m in range(n - s + 1):
                    acc = 0.0
                    for b in range(M):
                        acc += pw_mix[s, c, b] * pw_new[s, m, b]
                    tp = h * (M - acc)
                    prob = bc * bms[m]
                    P[s, c + m] += prob
                    L[s, c + m] += prob * (t0 + tp + moe * (c * pm[s] + m * pn[s]))
                    tops[s] += prob * tp
        for s in range(n + 1):
            row = 0.0
            for k in range(n + 1):
                row += P[s, k]
            for k in range(n + 1):
                P[s, k] /= row
                L[s, k] /= row
            tops[s] /= row
        _stationary_gth(P, pi)
        top = 0.0
        for s in range(n + 1):
            top += pi[s] * tops[s]
        for k in range(n + 1):
            mass, length = 0.0, 0.0
            for s in range(n + 1):
                mass += pi[s] * P[s, k]
                length += pi[s] * L[s, k]
            T_next[k] = length / mass if mass > 1e-300 else t0
        T[:] = T_next
        for k in range(n + 1):
            out[k] = T_next[k]
        out[n + 1] = lam
        image = base + top
        step = image - Tbar
        new = image
        if has_prev and step != prev_step:
            slope = (step - prev_step) / (Tbar - prev_T)
            if slope < 0.0:
                new = Tbar - step / slope
        prev_T, prev_step, has_prev = Tbar, step, True
        if abs(new - Tbar) <= rtol * Tbar:
            break
        Tbar = max(new, base)
    return top


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
    chain_carry(np.ones((2, 3)), moved, 3, 3, 1, np.zeros(3))
    # the laws' own argument types (fresh C arrays: a view would compile another signature)
    point, e_wait, e_upper = np.array([True, False]), np.empty((2, 2)), np.empty((2, 2))
    tail_exponents(centre, centre, sd, 1.0, e_wait, e_upper)
    tail_mix(centre, centre, sd, point, sd, 0.5, 1.0, e_wait, e_upper, np.empty((2, 2)))
    # the chunked-prefill TTFT law's loops, with its argument types
    edges, ex = np.empty(3), np.empty(3)
    chunk_wait_grid(1.0, 1.0, edges, ex)
    np.exp(ex, out=ex)
    ones = np.ones(1)
    base, free, weight, _, half, phased, end, arc, bottom, top, _ = chunk_terms(
        edges,
        ex,
        0.5,
        ones,
        ones,
        ones,
        ones,
        2,
        2.0,
        1.0,
        1.0,
        0.5,
        0.25,
        0.1,
        0.05,
        0.0,
        0.5,
        1.0,
        0.9,
    )
    below, on = np.empty(base.size), np.empty(base.size, dtype=np.intp)
    _, n_on = chunk_split(1.0, bottom, top, weight, below, on)
    which, table = np.zeros(base.size, dtype=np.intp), np.ones((1, 3))
    chunk_fill(
        1.0,
        on,
        n_on,
        base,
        which,
        free,
        weight,
        table,
        table,
        0.25,
        1.0,
        half,
        2,
        phased,
        end,
        arc,
        0.5,
        1.0,
        0.5,
        below,
        np.empty(base.size),
    )
    which, mean_n, clipped, _, _ = chunk_counts(np.ones(2), 1.0, 0.1, 0.5)
    args = np.empty((mean_n.size, 3))
    chunk_count_args(np.log(clipped), mean_n, np.zeros(8), args)
    chunk_area(np.exp(args) @ np.ones((3, 4)), 0.5, np.empty((mean_n.size, 4)))
    # the merging chain of lockstep groups, with its argument types
    lf = np.zeros(64)
    merging_top(
        0.01,
        np.array([0.0, 0.5, 0.5]),
        0.01,
        0.1,
        0.001,
        2,
        0.2,
        0.0,
        0.01,
        1e-9,
        12.0,
        lf,
        np.empty(4),
    )
