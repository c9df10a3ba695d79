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

import time

import numba
import numpy as np
from numba import njit

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
def _now_ns() -> int:
    with numba.objmode(now="int64"):
        now = time.perf_counter_ns()
    return now


@njit(cache=True)
def _hash(JOB, AR, off, N, t):
    Z = JOB[4]
    h = np.int64(0)
    for i in range(off, off + N):
        h ^= Z[AR[i]]
    h ^= t * _MIX
    h ^= h >> 31
    h *= _MIX
    h ^= h >> 29
    return h | 1  # 0 marks an empty slot


@njit(cache=True)
def _bits(AR, off, N, dst, W):
    for w in range(W):
        AR[dst + w] = 0
    for i in range(off, off + N):
        e = AR[i]
        AR[dst + (e >> 6)] |= np.int64(1) << (e & 63)


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
    P = JOB[0]
    D = JOB[1]
    c = t
    tt = 0
    start = t
    for i in range(N):
        e = AR[off + i]
        if i == ind:
            start = c
        c += P[e]
        if c > D[e]:
            tt += c - D[e]
    k = AR[off + ind]
    pk = P[k]
    dk = D[k]
    AR[dst] = tt
    cur = tt
    s = start
    for i in range(ind + 1, N):
        a = AR[off + i]
        pa = P[a]
        da = D[a]
        old = max(0, s + pk - dk) + max(0, s + pk + pa - da)
        new = max(0, s + pa - da) + max(0, s + pa + pk - dk)
        cur += new - old
        AR[dst + i - ind] = cur
        s += pa
    return start


@njit(cache=True)
def _positions(JOB, AR, off, N, ind, T, start, pos, comp):
    """Positions of job ``ind`` kept by rules 3 and 4 (to ``AR[pos:]``) and its completion
    times there (to ``AR[comp:]``); returns how many."""
    P = JOB[0]
    D = JOB[1]
    m = 0
    ck = start + P[AR[off + ind]]
    min_t = np.int64(0)
    max_dp = np.int64(0)
    for r in range(ind, N):
        if r > ind:
            ck += P[AR[off + r]]
            prev = AR[T + r - 1 - ind]
            if r == ind + 1 or prev < min_t:
                min_t = prev
        if r >= ind + 2:
            e = AR[off + r - 1]
            v = D[e] + P[e]
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
    R = JOB[2]
    ind = 0
    best = R[AR[off]]
    for i in range(1, N):
        v = R[AR[off + i]]
        if v > best:
            best = v
            ind = i
    return ind


@njit(cache=True)
def solve(JOB, TAB, ST, AR, off, N, t):
    """Optimal total tardiness of ``AR[off:off+N]`` started at ``t``; ``-1`` if aborted.

    Leaves the decision in ``ST[S_DEC_R], ST[S_DEC_R2]``: ``(-1, -1)`` EDD order
    (or, for two jobs, ``(0|1, -1)`` keep/swap), ``(r, -1)`` longest job at
    position ``r``, ``(r, r2)`` double decomposition with the first EDD job at
    position ``r2`` among the jobs shorter than it.
    """
    P = JOB[0]
    D = JOB[1]
    ST[S_DEC_R] = -1
    ST[S_DEC_R2] = -1
    if N <= 2:
        if N == 0:
            return 0
        a = AR[off]
        ca = t + P[a]
        if N == 1:
            return max(0, ca - D[a])
        b = AR[off + 1]
        cb = t + P[b]
        cab = ca + P[b]
        x = max(0, ca - D[a]) + max(0, cab - D[b])
        y = max(0, cb - D[b]) + max(0, cab - D[a])
        if y < x:
            ST[S_DEC_R] = 1
            return y
        ST[S_DEC_R] = 0
        return x
    if ST[S_ABORT]:
        return -1
    W = TAB.shape[1] - _COLS
    base = ST[S_TOP]
    bits = base
    memo = ST[S_MEMO_MIN] <= N
    h = np.int64(0)
    if memo:
        h = _hash(JOB, AR, off, N, t)
        _bits(AR, off, N, bits, W)
        slot = _find(TAB, h, t, AR, bits, W)
        if slot >= 0:
            ST[S_HITS] += 1
            ST[S_DEC_R] = TAB[slot, 3]
            ST[S_DEC_R2] = TAB[slot, 4]
            return TAB[slot, 2]
    ST[S_NODES] += 1
    if (ST[S_NODES] & _CHECK_MASK) == 0 and _now_ns() > ST[S_DEADLINE]:
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

    ind = _longest(JOB, AR, off, N)
    k = AR[off + ind]
    dk = D[k]
    start = _tni(JOB, AR, off, N, ind, t, T)
    best = np.int64(-1)
    best_r = np.int64(-1)
    best_r2 = np.int64(-1)
    if AR[T] == 0:  # EDD has no tardy job
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
            R = JOB[2]
            e0 = AR[off]
            r0 = R[e0]
            n2 = 0
            for i in range(N):
                e = AR[off + i]
                if R[e] <= r0:
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
                        if c0 > D[e0]:
                            v += c0 - D[e0]
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
    return best


@njit(cache=True)
def fill_sequence(JOB, TAB, ST, AR, off, N, t, out, pos):
    """Write an optimal sequence of ``AR[off:off+N]`` from ``t`` to ``out[pos:]``.

    Returns the next free position of ``out``, or ``-1`` if the search aborted.
    """
    if N == 0:
        return pos
    P = JOB[0]
    v = solve(JOB, TAB, ST, AR, off, N, t)
    if v < 0:
        return -1
    r = ST[S_DEC_R]
    r2 = ST[S_DEC_R2]
    if N == 1:
        out[pos] = AR[off]
        return pos + 1
    if N == 2:
        out[pos] = AR[off + r]
        out[pos + 1] = AR[off + 1 - r]
        return pos + 2
    if r < 0:
        for i in range(N):
            out[pos + i] = AR[off + i]
        return pos + N
    base = ST[S_TOP]
    left = base
    mid = left + N
    ST[S_TOP] = mid + N
    ind = _longest(JOB, AR, off, N)
    k = AR[off + ind]
    ck = t + P[k]
    for i in range(r + 1):
        if i != ind:
            ck += P[AR[off + i]]
    if r2 < 0:
        for i in range(ind):
            AR[left + i] = AR[off + i]
        for i in range(ind + 1, r + 1):
            AR[left + i - 1] = AR[off + i]
        pos = fill_sequence(JOB, TAB, ST, AR, left, r, t, out, pos)
    else:
        R = JOB[2]
        e0 = AR[off]
        r0 = R[e0]
        n2 = 0
        for i in range(1, N):
            e = AR[off + i]
            if n2 < r2 and R[e] < r0:
                AR[left + n2] = e
                n2 += 1
        c0 = t + P[e0]
        for i in range(r2):
            c0 += P[AR[left + i]]
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
    ST[S_TOP] = base
    return pos
