"""Numba kernel of Branch & Memorize for 1||ΣTj (``unweighted.py`` describes the method).

Data layout, chosen so that a node allocates nothing:

``JOB`` (int64, 5 x n)
    rows ``p``, ``d`` (in EDD order), ``rank`` of each EDD position in the
    "longest" order (processing time, due date, position), its inverse, and
    a random 64-bit Zobrist key per position.
``AR`` (int64 arena)
    a sub-problem is the slice ``AR[off:off+N]`` of sorted EDD positions
    started at time ``t``; each node takes its scratch space (bitset, position
    lists, child job lists) from the top of the arena and gives it back on
    return. A right sub-problem is a tail of its parent's slice, so it costs
    no copy.
``TAB`` (int64, cap x (5 + W))
    the memo, an open-addressing hash table keyed by (job set, start time):
    columns hash, t, value, r, r2, then the job set as an exact ``W``-word
    bitset, so a lookup never confuses two sets (the hash only picks the slot).
``ST`` (int64 state)
    see the ``S_*`` indices below.

When the table reaches half load the search stops with ``ABORT_GROW``; the
caller doubles the table (:func:`rehash`) and starts again from the root,
which is cheap because every solved sub-problem is still memorized. Past its
memory budget the caller sets ``S_FULL`` instead and the search goes on
without memorizing new sub-problems.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from planner.smtt._clock import now_ns

# state indices
S_NODES = 0
S_HITS = 1
S_ENTRIES = 2
S_ABORT = 3  # 1: deadline passed, 2: table must grow
S_DOUBLE = 4  # nodes split by the double decomposition
S_TOP = 5  # arena top
S_DEADLINE = 6  # perf_counter_ns deadline
S_DEC_R = 7
S_DEC_R2 = 8
S_USE_DOUBLE = 9
S_MEMO_MIN = 10  # smallest sub-problem worth memorizing
S_FULL = 11  # 1: the table may not grow any more, stop inserting
S_SIZE = 16

ABORT_TIME = 1
ABORT_GROW = 2

_MIX = np.int64(-7046029254386353131)  # 0x9E3779B97F4A7C15 as int64
_CHECK_MASK = 1023  # look at the clock every 1024 nodes
_COLS = 5  # hash, t, value, r, r2


@njit(cache=True)
def _find(TAB, h, t, AR, bits, W):
    """Slot of the key: ``>= 0`` when present, else ``-(free slot) - 1``."""
    mask = TAB.shape[0] - 1
    i = h & mask
    while TAB[i, 0] != 0:
        if TAB[i, 0] == h and TAB[i, 1] == t:
            same = True
            for w in range(W):
                if TAB[i, _COLS + w] != AR[bits + w]:
                    same = False
                    break
            if same:
                return i
        i = (i + 1) & mask
    return -i - 1


@njit(cache=True)
def rehash(OLD, NEW):
    """Insert every entry of ``OLD`` into the empty, larger table ``NEW``."""
    mask = NEW.shape[0] - 1
    for i in range(OLD.shape[0]):
        if OLD[i, 0] != 0:
            j = OLD[i, 0] & mask
            while NEW[j, 0] != 0:
                j = (j + 1) & mask
            NEW[j, :] = OLD[i, :]


@njit(cache=True)
def _tni(JOB, AR, off, N, ind, t, dst):
    """``AR[dst + r - ind]``: tardiness of EDD order with job ``ind`` moved to ``r``.

    Returns the start time of that job in EDD order.
    """
    c = t
    tt = 0
    start = t
    for i in range(N):
        e = AR[off + i]
        if i == ind:
            start = c
        c += JOB[0, e]
        if c > JOB[1, e]:
            tt += c - JOB[1, e]
    AR[dst] = tt
    _swaps(JOB, AR, off, N, ind, tt, start, dst)
    return start


@njit(cache=True)
def _positions(JOB, AR, off, N, ind, T, start, pos, comp):
    """Positions of job ``ind`` kept by rules 3 and 4 (to ``AR[pos:]``) and its completion
    times there (to ``AR[comp:]``); returns how many."""
    m = 0
    ck = start + JOB[0, AR[off + ind]]
    min_t = np.int64(0)
    max_dp = np.int64(0)
    for r in range(ind, N):
        if r > ind:
            ck += JOB[0, AR[off + r]]
            prev = AR[T + r - 1 - ind]
            if r == ind + 1 or prev < min_t:
                min_t = prev
        if r >= ind + 2:
            e = AR[off + r - 1]
            v = JOB[1, e] + JOB[0, e]
            if r == ind + 2 or v > max_dp:
                max_dp = v
            if ck <= max_dp:  # rule 3
                continue
        tr = AR[T + r - ind]
        if (r > ind and tr >= min_t) or (r < N - 1 and tr > AR[T + r + 1 - ind]):
            continue  # rule 4
        AR[pos + m] = r
        AR[comp + m] = ck
        m += 1
    return m


@njit(cache=True)
def _longest(JOB, AR, off, N):
    ind = 0
    best = JOB[2, AR[off]]
    for i in range(1, N):
        v = JOB[2, AR[off + i]]
        if v > best:
            best = v
            ind = i
    return ind


@njit(cache=True)
def _scan(JOB, AR, off, N, t, bits, W):
    """One pass over a sub-problem: ``(t + Σp, hash, longest, shortest, EDD tardiness,
    start of the longest job in EDD order)``; writes the job bitset to ``AR[bits:]``."""
    for w in range(W):
        AR[bits + w] = 0
    h = np.int64(0)
    c = t
    tt = np.int64(0)
    ind = 0
    imin = 0
    rmax = np.int64(-1)
    rmin = np.int64(1) << 62
    start = t
    for i in range(N):
        e = AR[off + i]
        h ^= JOB[4, e]
        AR[bits + (e >> 6)] |= np.int64(1) << (e & 63)
        r = JOB[2, e]
        if r > rmax:
            rmax = r
            ind = i
            start = c
        if r < rmin:
            rmin = r
            imin = i
        c += JOB[0, e]
        if c > JOB[1, e]:
            tt += c - JOB[1, e]
    h ^= t * _MIX
    h ^= h >> 31
    h *= _MIX
    h ^= h >> 29
    return c, h | 1, ind, imin, tt, start  # hash 0 marks an empty slot


@njit(cache=True)
def _swaps(JOB, AR, off, N, ind, tt, start, T):
    """``AR[T + r - ind]`` for ``r > ind``: the EDD tardiness ``tt`` after moving job
    ``ind`` (which starts at ``start`` in EDD order) to position ``r``."""
    k = AR[off + ind]
    pk = JOB[0, k]
    dk = JOB[1, k]
    cur = tt
    s = start
    for i in range(ind + 1, N):
        a = AR[off + i]
        pa = JOB[0, a]
        da = JOB[1, a]
        old = max(0, s + pk - dk) + max(0, s + pk + pa - da)
        new = max(0, s + pa - da) + max(0, s + pa + pk - dk)
        cur += new - old
        AR[T + i - ind] = cur
        s += pa


@njit(cache=True)
def _small(JOB, ST, AR, off, N, t):
    """Zero, one or two jobs; for two, ``ST[S_DEC_R]`` is 0 (keep) or 1 (swap)."""
    if N == 0:
        return 0
    a = AR[off]
    ca = t + JOB[0, a]
    if N == 1:
        return max(0, ca - JOB[1, a])
    b = AR[off + 1]
    cab = ca + JOB[0, b]
    x = max(0, ca - JOB[1, a]) + max(0, cab - JOB[1, b])
    y = max(0, t + JOB[0, b] - JOB[1, b]) + max(0, cab - JOB[1, a])
    if y < x:
        ST[S_DEC_R] = 1
        return y
    ST[S_DEC_R] = 0
    return x


@njit(cache=True)
def _peel(JOB, AR, off, N, t, dst):
    """Fix the jobs whose place Emmons' (1969) rules settle.

    * The job with the largest due date goes last when it is on time there;
      repeated while it applies.
    * The shortest job goes first when it is tardy even there: moving it to
      the front cuts its tardiness by the total length of the jobs it jumps,
      each of which is delayed by at most its own, no smaller, length.
      Repeated while it applies; such jobs have the smallest ranks.

    Returns ``(off, N, t, cost, n1, thr)`` of what is left: the remaining jobs
    (copied to ``AR[dst:]`` when some went first), its start time, the
    tardiness of the jobs put first, ``n1`` the jobs left after the last ones
    went (``AR[off + n1 : off + N]`` are last, in EDD order) and ``thr`` the
    largest rank put first (``-1`` for none).
    """
    total = t
    for i in range(off, off + N):
        total += JOB[0, AR[i]]
    n1 = N
    while n1 > 0 and JOB[1, AR[off + n1 - 1]] >= total:
        n1 -= 1
        total -= JOB[0, AR[off + n1]]
    thr = -1
    cost = 0
    nf = 0
    while nf < n1:
        pick = -1
        low = 1 << 62
        for i in range(off, off + n1):
            r = JOB[2, AR[i]]
            if thr < r < low:
                low = r
                pick = AR[i]
        if JOB[1, pick] > t + JOB[0, pick]:
            break
        t += JOB[0, pick]
        cost += t - JOB[1, pick]
        thr = low
        nf += 1
    if nf == 0:
        return off, n1, t, cost, n1, thr
    m = 0
    for i in range(off, off + n1):
        e = AR[i]
        if JOB[2, e] > thr:
            AR[dst + m] = e
            m += 1
    return dst, m, t, cost, n1, thr


@njit(cache=True)
def solve(JOB, TAB, ST, AR, off, N, t):
    """Optimal total tardiness of ``AR[off:off+N]`` started at ``t``; ``-1`` if aborted.

    Leaves the decision in ``ST[S_DEC_R], ST[S_DEC_R2]``: ``(-1, -1)`` EDD order
    (or, for two jobs, ``(0|1, -1)`` keep/swap), ``(r, -1)`` longest job at
    position ``r``, ``(r, r2)`` double decomposition with the first EDD job at
    position ``r2`` among the jobs shorter than it.
    """
    ST[S_DEC_R] = -1
    ST[S_DEC_R2] = -1
    if N <= 2:
        return _small(JOB, ST, AR, off, N, t)
    if ST[S_ABORT]:
        return -1
    base = ST[S_TOP]
    W = TAB.shape[1] - _COLS
    bits = base + N  # after room for a peeled copy of the jobs
    cost = np.int64(0)
    total, h, ind, imin, tt, start = _scan(JOB, AR, off, N, t, bits, W)
    emin = AR[off + imin]
    if JOB[1, AR[off + N - 1]] >= total or JOB[1, emin] <= t + JOB[0, emin]:
        off, N, t, cost, _, _ = _peel(JOB, AR, off, N, t, base)
        if N <= 2:
            return cost + _small(JOB, ST, AR, off, N, t)
        total, h, ind, imin, tt, start = _scan(JOB, AR, off, N, t, bits, W)
    memo = ST[S_MEMO_MIN] <= N
    if memo:
        slot = _find(TAB, h, t, AR, bits, W)
        if slot >= 0:
            ST[S_HITS] += 1
            ST[S_DEC_R] = TAB[slot, 3]
            ST[S_DEC_R2] = TAB[slot, 4]
            return cost + TAB[slot, 2]
    ST[S_NODES] += 1
    if (ST[S_NODES] & _CHECK_MASK) == 0 and now_ns() > ST[S_DEADLINE]:
        ST[S_ABORT] = ABORT_TIME
        return -1
    # scratch layout
    T = bits + W
    lpos = T + N
    lcomp = lpos + N
    left = lcomp + N
    edd2 = left + N
    T2 = edd2 + N
    dpos = T2 + N
    dcomp = dpos + N
    lval = dcomp + N
    mid = lval + N
    ST[S_TOP] = mid + N

    k = AR[off + ind]
    dk = JOB[1, k]
    AR[T] = tt
    if tt > 0:
        _swaps(JOB, AR, off, N, ind, tt, start, T)
    best = np.int64(-1)
    best_r = np.int64(-1)
    best_r2 = np.int64(-1)
    if tt == 0:  # EDD has no tardy job
        best = 0
    else:
        nl = _positions(JOB, AR, off, N, ind, T, start, lpos, lcomp)
        if ST[S_USE_DOUBLE] == 0 or ind == 0:
            for q in range(nl):
                r = AR[lpos + q]
                ck = AR[lcomp + q]
                for i in range(ind):
                    AR[left + i] = AR[off + i]
                for i in range(ind + 1, r + 1):
                    AR[left + i - 1] = AR[off + i]
                v = solve(JOB, TAB, ST, AR, left, r, t)
                if v < 0:
                    return -1
                if ck > dk:
                    v += ck - dk
                if best >= 0 and v >= best:
                    continue
                if r < N - 1:
                    vr = solve(JOB, TAB, ST, AR, off + r + 1, N - r - 1, ck)
                    if vr < 0:
                        return -1
                    v += vr
                if best < 0 or v < best:
                    best = v
                    best_r = r
                    if best == 0:
                        break
        else:
            ST[S_DOUBLE] += 1
            e0 = AR[off]
            r0 = JOB[2, e0]
            n2 = 0
            for i in range(N):
                e = AR[off + i]
                if JOB[2, e] <= r0:
                    AR[edd2 + n2] = e
                    n2 += 1
            start2 = _tni(JOB, AR, edd2, n2, 0, t, T2)
            nd = _positions(JOB, AR, edd2, n2, 0, T2, start2, dpos, dcomp)
            for q2 in range(nd):
                AR[lval + q2] = -1
            for q in range(nl):
                r = AR[lpos + q]
                ck = AR[lcomp + q]
                tk = ck - dk if ck > dk else 0
                vright = np.int64(-1)
                for q2 in range(nd):
                    r2 = AR[dpos + q2]
                    if r < N - 1 and AR[edd2 + r2] >= AR[off + r + 1]:
                        break  # Dec II's left part must lie inside Lawler's left part
                    c0 = AR[dcomp + q2]
                    if AR[lval + q2] < 0:
                        v = solve(JOB, TAB, ST, AR, edd2 + 1, r2, t)
                        if v < 0:
                            return -1
                        if c0 > JOB[1, e0]:
                            v += c0 - JOB[1, e0]
                        AR[lval + q2] = v
                    v = AR[lval + q2] + tk
                    if best >= 0 and v >= best:
                        continue
                    # middle: positions 1..r without k and without edd2[1..r2] (both sorted)
                    nm = 0
                    p2 = 1
                    for i in range(1, r + 1):
                        if i == ind:
                            continue
                        e = AR[off + i]
                        if p2 <= r2 and AR[edd2 + p2] == e:
                            p2 += 1
                            continue
                        AR[mid + nm] = e
                        nm += 1
                    vm = solve(JOB, TAB, ST, AR, mid, nm, c0)
                    if vm < 0:
                        return -1
                    v += vm
                    if best >= 0 and v >= best:
                        continue
                    if r < N - 1:
                        if vright < 0:
                            vright = solve(JOB, TAB, ST, AR, off + r + 1, N - r - 1, ck)
                            if vright < 0:
                                return -1
                        v += vright
                    if best < 0 or v < best:
                        best = v
                        best_r = r
                        best_r2 = r2
                if best == 0:
                    break
    ST[S_TOP] = base
    if memo and ST[S_FULL] == 0:
        if 2 * (ST[S_ENTRIES] + 1) > TAB.shape[0]:
            ST[S_ABORT] = ABORT_GROW
            return -1
        slot = _find(TAB, h, t, AR, bits, W)
        if slot < 0:
            slot = -slot - 1
            TAB[slot, 0] = h
            TAB[slot, 1] = t
            TAB[slot, 2] = best
            TAB[slot, 3] = best_r
            TAB[slot, 4] = best_r2
            for w in range(W):
                TAB[slot, _COLS + w] = AR[bits + w]
            ST[S_ENTRIES] += 1
    ST[S_DEC_R] = best_r
    ST[S_DEC_R2] = best_r2
    return cost + best


@njit(cache=True)
def fill_sequence(JOB, TAB, ST, AR, off, N, t, out, pos):
    """Write an optimal sequence of ``AR[off:off+N]`` from ``t`` to ``out[pos:]``.

    Returns the next free position of ``out``, or ``-1`` if the search aborted.
    (One function on purpose: numba links mutual recursion unreliably.)
    """
    if N == 0:
        return pos
    base = ST[S_TOP]
    off0 = off
    N0 = N
    off, N, t, _, n1, thr = _peel(JOB, AR, off, N, t, base)
    left = base + N0
    mid = left + N
    ST[S_TOP] = mid + N
    if thr >= 0:  # jobs put first, in increasing rank (shortest first)
        ranks = np.empty(N0, np.int64)
        m = 0
        for i in range(off0, off0 + n1):
            if JOB[2, AR[i]] <= thr:
                ranks[m] = JOB[2, AR[i]]
                m += 1
        ranks = np.sort(ranks[:m])
        for i in range(m):
            out[pos + i] = JOB[3, ranks[i]]
        pos += m
    if N > 0:
        if solve(JOB, TAB, ST, AR, off, N, t) < 0:
            return -1
        r = ST[S_DEC_R]
        r2 = ST[S_DEC_R2]
        if N <= 2:
            out[pos] = AR[off + max(r, 0)]
            if N == 2:
                out[pos + 1] = AR[off + 1 - r]
            pos += N
        elif r < 0:  # EDD order
            for i in range(N):
                out[pos + i] = AR[off + i]
            pos += N
        else:
            ind = _longest(JOB, AR, off, N)
            k = AR[off + ind]
            ck = t + JOB[0, k]
            for i in range(r + 1):
                if i != ind:
                    ck += JOB[0, AR[off + i]]
            if r2 < 0:
                for i in range(ind):
                    AR[left + i] = AR[off + i]
                for i in range(ind + 1, r + 1):
                    AR[left + i - 1] = AR[off + i]
                pos = fill_sequence(JOB, TAB, ST, AR, left, r, t, out, pos)
            else:
                e0 = AR[off]
                r0 = JOB[2, e0]
                n2 = 0
                for i in range(1, N):
                    e = AR[off + i]
                    if n2 < r2 and JOB[2, e] < r0:
                        AR[left + n2] = e
                        n2 += 1
                c0 = t + JOB[0, e0]
                for i in range(r2):
                    c0 += JOB[0, AR[left + i]]
                pos = fill_sequence(JOB, TAB, ST, AR, left, r2, t, out, pos)
                if pos < 0:
                    return -1
                out[pos] = e0
                pos += 1
                nm = 0
                p2 = 0
                for i in range(1, r + 1):
                    if i == ind:
                        continue
                    e = AR[off + i]
                    if p2 < r2 and AR[left + p2] == e:
                        p2 += 1
                        continue
                    AR[mid + nm] = e
                    nm += 1
                pos = fill_sequence(JOB, TAB, ST, AR, mid, nm, c0, out, pos)
            if pos < 0:
                return -1
            out[pos] = k
            pos += 1
            pos = fill_sequence(JOB, TAB, ST, AR, off + r + 1, N - r - 1, ck, out, pos)
            if pos < 0:
                return -1
    for i in range(off0 + n1, off0 + N0):  # jobs put last, EDD order
        out[pos] = AR[i]
        pos += 1
    ST[S_TOP] = base
    return pos
