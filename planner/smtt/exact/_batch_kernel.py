"""Numba kernel of the set-batched Branch & Memorize for 1||ΣTj (``unweighted.py`` describes it).

The per-start-time search (``_memo_kernel``) meets the same job set at many
start times, mostly consecutive ones, and redoes the whole node each time. Here
every job set is handled once, for all the start times it is asked at:

* Phase 1, largest sets first. A set gathers the start times its parents ask
  for (its incoming *arcs*), applies Emmons' peeling per start time (which cuts
  its start times into a few runs, each forwarded to a smaller set), and for the
  remaining *core* start times finds the admissible positions of the longest job
  with the same rules as the per-start-time search, evaluated for all start
  times at once. Each admissible position becomes a *branch* to two child sets,
  which receive an arc listing the start times they are asked at. Every request
  comes from a strictly larger set, so a set has all its requests when its size
  is reached.
* Phase 2, smallest sets first: the value at every start time is the best
  branch (or forwarded piece), computed from the children's values.

Data (all ``int64``; jobs are EDD positions, so a set is a bitset whose bits in
increasing order are its jobs in EDD order):

``SB`` (sets x W)
    job bitsets; ``SI`` (sets x 10) per-set integers, see ``I_*``.
``HH``, ``HT``
    open-addressing hash table from bitset hash to set id + 1.
``PT`` (int32), ``PV``
    points: start times of each set (sorted, contiguous per set) and values.
    Start times never exceed the total processing time, which the caller
    checks fits in 31 bits.
``EB``
    edge bitmaps: which points of its set a branch is admissible at, one bit
    per point of the set.
``AR`` (arcs x 6)
    where a child is asked from: a branch bitmap or a range of points (a
    piece), the shift of the start time, and the next arc of the same child.
``BR`` (branches x 6), ``FR`` (pieces x 7)
    see ``B_*`` and ``F_*``.

A child of at most two jobs is not a set but a negative *small reference*
``-(1 + a + (n + 1) * b)`` (``a``, ``b`` its jobs, ``n`` for none), valued on
the spot.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from planner.smtt._clock import now_ns

INF = np.int64(1) << 60
_MIX = np.int64(-7046029254386353131)  # 0x9E3779B97F4A7C15 as int64

# per-set integers (SI columns)
I_N = 0  # number of jobs
I_ARC = 1  # head of the incoming arc list, -1 for none
I_INC = 2  # incoming edges (an upper bound on its start times)
I_P0 = 3  # first point
I_PN = 4  # number of points
I_B0 = 5  # first branch
I_BN = 6
I_F0 = 7  # first piece
I_FN = 8
I_NEXT = 9  # next set of the same size
I_COLS = 10

# arcs
A_E0 = 0  # first word of the branch bitmap, or first point of the piece
A_EN = 1  # number of parent points asked for
A_SHIFT = 2
A_NEXT = 3
A_P0 = 4  # first point of the parent set (bitmap), -1 for a range
A_NW = 5  # words of the bitmap
A_COLS = 6

# branches: longest job k at position r of the set
B_LEFT = 0  # child reference of the jobs before k
B_RIGHT = 1  # ... and after it
B_C = 2  # completion time of k minus the start time
B_K = 3
B_E0 = 4  # first word of its bitmap in EB (bit i: point SI[set, I_P0] + i)
B_EN = 5  # number of points it is admissible at
B_COLS = 6

# pieces: start times at which peeling applies, forwarded to a smaller set
F_REF = 0
F_SHIFT = 1  # total processing time of the jobs put first
F_M = 2  # how many jobs go first
F_CONST = 3  # their tardiness is F_M * t + F_CONST
F_LAST = 4  # how many jobs go last
F_E0 = 5  # first point
F_EN = 6  # number of points
F_COLS = 7

# counters (ST)
C_SETS = 0
C_POINTS = 1
C_EDGES = 2  # (point, admissible position) pairs
C_ARCS = 3
C_BRANCHES = 4
C_PIECES = 5
C_CELLS = 6
C_ROOT = 7
C_VALUE = 8  # optimum of the root
C_NS1 = 9  # nanoseconds in phase 1
C_NS2 = 10  # ... in phase 2
C_BYTES = 11  # memory of the tables at the end of phase 1
C_WORDS = 12  # words of EB in use
C_SIZE = 13

OK = 0
ABORT_TIME = 1
ABORT_MEMORY = 2
FAILED = 3

_BLOCK = 32  # start times per block of the position walk (each block has its own offset)  # no admissible position: a bug, reported rather than answered


@njit(cache=True)
def _grow1(a, need):
    if need <= a.shape[0]:
        return a
    cap = max(need, a.shape[0] + a.shape[0] // 2)
    b = np.empty(cap, dtype=a.dtype)
    b[: a.shape[0]] = a
    return b


@njit(cache=True)
def _grow2(a, need):
    if need <= a.shape[0]:
        return a
    cap = max(need, a.shape[0] + a.shape[0] // 2)
    b = np.empty((cap, a.shape[1]), dtype=a.dtype)
    b[: a.shape[0]] = a
    return b


@njit(cache=True)
def _hash(B, W):
    h = np.int64(0x2545F4914F6CDD1D)
    for w in range(W):
        h = (h ^ B[w]) * _MIX
        h ^= h >> 29
    return h | 1  # 0 marks an empty slot


@njit(cache=True)
def _rehash(HH, HT, cap):
    NH = np.zeros(cap, dtype=np.int64)
    NT = np.zeros(cap, dtype=np.int64)
    mask = cap - 1
    for i in range(HH.shape[0]):
        if HT[i] != 0:
            j = HH[i] & mask
            while NT[j] != 0:
                j = (j + 1) & mask
            NH[j] = HH[i]
            NT[j] = HT[i]
    return NH, NT


@njit(cache=True)
def _small_ref(BUF, W, n):
    """Reference of a set of at most two jobs given by its bitset."""
    a = n
    b = n
    for w in range(W):
        x = BUF[w]
        if x != 0:
            for i in range(64):
                if (x >> i) & 1:
                    if a == n:
                        a = w * 64 + i
                    else:
                        b = w * 64 + i
    return -(1 + a + (n + 1) * b)


@njit(cache=True)
def _small_value(P, D, ref, t, n):
    """Optimal tardiness of a set of at most two jobs started at ``t``."""
    code = -ref - 1
    a = code % (n + 1)
    b = code // (n + 1)
    if a == n:
        return 0
    ca = t + P[a]
    if b == n:
        return max(0, ca - D[a])
    cab = ca + P[b]
    x = max(0, ca - D[a]) + max(0, cab - D[b])
    y = max(0, t + P[b] - D[b]) + max(0, cab - D[a])
    return min(x, y)


@njit(cache=True)
def _set_ref(BUF, size, W, n, SB, SI, HH, HT, LHEAD, ST):
    """Reference of the child set in ``BUF`` (created if new; capacity checked by the caller)."""
    if size <= 2:
        return _small_ref(BUF, W, n)
    h = _hash(BUF, W)
    mask = HH.shape[0] - 1
    i = h & mask
    while HT[i] != 0:
        if HH[i] == h:
            s = HT[i] - 1
            same = True
            for w in range(W):
                if SB[s, w] != BUF[w]:
                    same = False
                    break
            if same:
                return s
        i = (i + 1) & mask
    s = ST[C_SETS]
    ST[C_SETS] += 1
    HH[i] = h
    HT[i] = s + 1
    for w in range(W):
        SB[s, w] = BUF[w]
    SI[s, I_N] = size
    SI[s, I_ARC] = -1
    SI[s, I_INC] = 0
    SI[s, I_PN] = 0
    SI[s, I_BN] = 0
    SI[s, I_FN] = 0
    SI[s, I_NEXT] = LHEAD[size]
    LHEAD[size] = s
    return s


@njit(cache=True)
def _add_arc(ref, e0, en, shift, p0, nw, SI, AR, ST):
    if ref < 0:
        return
    a = ST[C_ARCS]
    ST[C_ARCS] += 1
    AR[a, A_E0] = e0
    AR[a, A_EN] = en
    AR[a, A_SHIFT] = shift
    AR[a, A_NEXT] = SI[ref, I_ARC]
    AR[a, A_P0] = p0
    AR[a, A_NW] = nw
    SI[ref, I_ARC] = a
    SI[ref, I_INC] += en


@njit(cache=True)
def _jobs(SB, X, W, JS):
    m = 0
    for w in range(W):
        x = SB[X, w]
        if x != 0:
            for i in range(64):
                if (x >> i) & 1:
                    JS[m] = w * 64 + i
                    m += 1
    return m


@njit(cache=True)
def _rank_order(JOB, JS, N1, RO):
    """``RO[:N1]``: the jobs ``JS[:N1]`` by increasing rank (shortest first)."""
    keys = np.empty(N1, dtype=np.int64)
    for i in range(N1):
        keys[i] = JOB[2, JS[i]]
    order = np.argsort(keys)
    for i in range(N1):
        RO[i] = JS[order[i]]


@njit(cache=True)
def _phase1(X, JOB, n, W, SB, SI, HH, HT, LHEAD, PT, PV, EB, AR, BR, FR, ST, TMP, BUF, MK):
    """Gather the start times of set ``X``, peel, and branch on its core start times."""
    P = JOB[0]
    D = JOB[1]
    RK = JOB[2]
    N = SI[X, I_N]
    JS = TMP[0]
    RO = TMP[1]
    PM = TMP[3]
    # start times: gather from the arcs, sort, unique
    TB = TMP[4]
    cnt = 0
    tlo = INF
    thi = -INF
    a = SI[X, I_ARC]
    while a >= 0:
        sh = AR[a, A_SHIFT]
        e0 = AR[a, A_E0]
        pp = AR[a, A_P0]
        if pp < 0:  # a range of points
            for i in range(e0, e0 + AR[a, A_EN]):
                TB[cnt] = PT[i] + sh
                cnt += 1
        else:  # the points set in a branch bitmap
            for w in range(AR[a, A_NW]):
                x = EB[e0 + w]
                if x != 0:
                    for u in range(64):
                        if (x >> u) & 1:
                            TB[cnt] = PT[pp + w * 64 + u] + sh
                            cnt += 1
        a = AR[a, A_NEXT]
    for i in range(cnt):
        tlo = min(tlo, TB[i])
        thi = max(thi, TB[i])
    p0 = ST[C_POINTS]
    M = 0
    if thi - tlo < min(MK.shape[0], 4 * cnt + 64):
        # the start times mostly come in runs of consecutive values: mark and scan
        for i in range(cnt):
            MK[TB[i] - tlo] = 1
        for u in range(thi - tlo + 1):
            if MK[u]:
                MK[u] = 0
                PT[p0 + M] = tlo + u
                PV[p0 + M] = INF
                M += 1
    else:
        tb = TB[:cnt]
        tb.sort()
        for i in range(cnt):
            if M == 0 or tb[i] != PT[p0 + M - 1]:
                PT[p0 + M] = tb[i]
                PV[p0 + M] = INF
                M += 1
    ST[C_POINTS] += M
    SI[X, I_P0] = p0
    SI[X, I_PN] = M
    SI[X, I_F0] = ST[C_PIECES]
    SI[X, I_B0] = ST[C_BRANCHES]
    _jobs(SB, X, W, JS)
    total = 0
    for i in range(N):
        total += P[JS[i]]
    # Emmons: the job with the largest due date goes last while it is on time there;
    # the i-th last goes last iff t <= PM[i] (prefix minimum of thresholds)
    after = 0
    for i in range(N):
        e = JS[N - 1 - i]
        th = D[e] - total + after
        PM[i] = th if i == 0 or th < PM[i - 1] else PM[i - 1]
        after += P[e]
    q = N
    while q > 0 and PM[q - 1] < PT[p0]:
        q -= 1
    c0 = p0
    c1 = p0
    i = p0
    while i < p0 + M:
        # run of points with the same number q of jobs put last
        j = i
        while j < p0 + M and (q == 0 or PM[q - 1] >= PT[j]):
            j += 1
        if j == i:
            q -= 1
            continue
        N1 = N - q
        # the shortest job goes first while it is tardy even there (rank order of JS[:N1])
        nf_max = 0
        if N1 > 0:
            imin = 0
            for u in range(1, N1):
                if RK[JS[u]] < RK[JS[imin]]:
                    imin = u
            e = JS[imin]
            if D[e] - P[e] <= PT[j - 1]:
                _rank_order(JOB, JS, N1, RO)
                nf_max = N1
        m = 0
        g = -INF  # prefix maximum of the thresholds of the first m jobs
        cum = 0
        const = 0
        u = i
        while u < j:
            # extend m while the next job's threshold is met at PT[u]
            while m < nf_max:
                e = RO[m]
                thr = D[e] - (cum + P[e])
                gg = thr if thr > g else g
                if gg > PT[u]:
                    break
                g = gg
                cum += P[e]
                const += cum - D[e]
                m += 1
            v = u
            while v < j and (m == nf_max or max(g, D[RO[m]] - cum - P[RO[m]]) > PT[v]):
                v += 1
            # points u..v-1: q jobs last, m first
            if q == 0 and m == 0:
                c0 = u
                c1 = v
            else:
                for w in range(W):
                    BUF[w] = SB[X, w]
                for z in range(N1, N):
                    e = JS[z]
                    BUF[e >> 6] &= ~(np.int64(1) << (e & 63))
                for z in range(m):
                    e = RO[z]
                    BUF[e >> 6] &= ~(np.int64(1) << (e & 63))
                ref = _set_ref(BUF, N1 - m, W, n, SB, SI, HH, HT, LHEAD, ST)
                f = ST[C_PIECES]
                ST[C_PIECES] += 1
                FR[f, F_REF] = ref
                FR[f, F_SHIFT] = cum
                FR[f, F_M] = m
                FR[f, F_CONST] = const
                FR[f, F_LAST] = q
                FR[f, F_E0] = u
                FR[f, F_EN] = v - u
                _add_arc(ref, u, v - u, cum, -1, 0, SI, AR, ST)
            u = v
        i = j
    SI[X, I_FN] = ST[C_PIECES] - SI[X, I_F0]
    if c1 > c0:
        _branch(X, c0, c1, JOB, n, W, SB, SI, HH, HT, LHEAD, PT, PV, EB, AR, BR, ST, TMP, BUF, JS)
    SI[X, I_BN] = ST[C_BRANCHES] - SI[X, I_B0]


@njit(cache=True)
def _branch(X, c0, c1, JOB, n, W, SB, SI, HH, HT, LHEAD, PT, PV, EB, AR, BR, ST, TMP, BUF, JS):
    """Admissible positions of the longest job for the core points ``c0..c1-1`` of ``X``."""
    P = JOB[0]
    D = JOB[1]
    RK = JOB[2]
    N = SI[X, I_N]
    CS = TMP[2]
    BP = TMP[3]
    CT = TMP[5]
    CI = TMP[6]
    CUR = TMP[7]
    MINT = TMP[8]
    NXT = TMP[9]
    ind = 0
    for i in range(1, N):
        if RK[JS[i]] > RK[JS[ind]]:
            ind = i
    k = JS[ind]
    pk = P[k]
    dk = D[k]
    c = 0
    for i in range(N):
        c += P[JS[i]]
        CS[i] = c
        BP[i] = D[JS[i]] - c  # job i of EDD is tardy iff t > BP[i]
    bp = BP[:N]
    bp.sort()
    # EDD tardiness by a sweep over the sorted start times
    ptr = 0
    cntb = 0
    sumb = 0
    Mc = 0
    for i in range(c0, c1):
        t = PT[i]
        while ptr < N and bp[ptr] < t:
            sumb += bp[ptr]
            cntb += 1
            ptr += 1
        tt = cntb * t - sumb
        if tt == 0:
            PV[i] = 0  # EDD has no tardy job: optimal
        else:
            CT[Mc] = t
            CI[Mc] = i
            CUR[Mc] = tt
            Mc += 1
    if Mc == 0:
        return
    p0 = SI[X, I_P0]
    nw = (SI[X, I_PN] + 63) >> 6
    for w in range(nw):
        EB[ST[C_WORDS] + w] = 0
    # T_r (EDD tardiness with k moved to position r) for every core start time, walking r
    # up by adjacent interchanges; CUR + COFF holds T_r, MINT the minimum over earlier r.
    # Where the next job a is tardy by at least p_k in EDD order (so it and k are tardy
    # before and after the interchange), the interchange changes T by the constant
    # p_a - p_k < 0: then r is beaten by r + 1 and T_r can never be the minimum a later
    # position must beat, so the step only adds to an offset. The start times go in
    # blocks of _BLOCK, each with its own offset, so that blocks of late start times skip
    # even when earlier ones cannot.
    nblk = (Mc + _BLOCK - 1) // _BLOCK
    COFF = np.zeros(nblk, dtype=np.int64)
    FULL = np.zeros(nblk, dtype=np.bool_)
    # FLAT[c]: T_r equals T_(r-1) at every start time of block c (the last interchange
    # left every job on time), so position r ties an earlier one: not admissible, and
    # the minimum over earlier positions already holds T_r
    FLAT = np.zeros(nblk, dtype=np.bool_)
    for j in range(Mc):
        MINT[j] = INF
    maxdp = -INF
    for r in range(ind, N):
        last = r == N - 1
        thr = -INF
        if r >= ind + 2:
            e = JS[r - 1]
            if D[e] + P[e] > maxdp:
                maxdp = D[e] + P[e]
            thr = maxdp - CS[r]  # rule 3: k must complete after max d + p of the jumped jobs
        any_full = False
        if last:
            for c in range(nblk):
                FULL[c] = not FLAT[c]
                any_full = any_full or FULL[c]
        else:
            a = JS[r + 1]
            pa = P[a]
            da = D[a]
            off = CS[r] - pk  # k starts at t + off before swapping with a
            for c in range(nblk):
                j0 = c * _BLOCK
                j1 = min(Mc, j0 + _BLOCK)
                FULL[c] = False
                if pa < pk and CT[j0] + off + pa >= da:
                    # a tardy by >= p_k: the interchange changes T by p_a - p_k < 0
                    COFF[c] += pa - pk
                    FLAT[c] = False
                    continue
                flat_next = CT[j1 - 1] + off + pa + pk <= dk  # k on time even after a
                if FLAT[c]:
                    if not flat_next:  # r not admissible: only move T on
                        co = COFF[c]
                        for j in range(j0, j1):
                            s = CT[j] + off
                            old = max(0, s + pk - dk) + max(0, s + pk + pa - da)
                            new = max(0, s + pa - da) + max(0, s + pa + pk - dk)
                            CUR[j] += co + new - old
                        COFF[c] = 0
                        FLAT[c] = False
                    continue
                FULL[c] = True
                any_full = True
                FLAT[c] = flat_next
                co = COFF[c]
                for j in range(j0, j1):
                    s = CT[j] + off
                    old = max(0, s + pk - dk) + max(0, s + pk + pa - da)
                    new = max(0, s + pa - da) + max(0, s + pa + pk - dk)
                    NXT[j] = CUR[j] + co + new - old
        if not any_full:
            continue
        e0 = ST[C_WORDS]  # this position's bitmap (all zero until a bit is set)
        ne = 0
        for c in range(nblk):
            if not FULL[c]:
                continue
            j0 = c * _BLOCK
            j1 = min(Mc, j0 + _BLOCK)
            ST[C_CELLS] += j1 - j0
            co = COFF[c]
            for j in range(j0, j1):
                cv = CUR[j] + co
                mt = MINT[j]
                # rule 4: strictly better than every earlier position, no worse than the next
                if CT[j] > thr and cv < mt and (last or cv <= NXT[j]):
                    u = CI[j] - p0
                    EB[e0 + (u >> 6)] |= np.int64(1) << (u & 63)
                    ne += 1
                if cv < mt:
                    MINT[j] = cv
                if not last:
                    CUR[j] = NXT[j]
            COFF[c] = 0
        if ne > 0:
            ST[C_EDGES] += ne
            ST[C_WORDS] += nw
            for w in range(nw):
                EB[e0 + nw + w] = 0
            sr = JS[r]
            # left: jobs of EDD positions <= sr but k; right: the others
            for w in range(W):
                x = SB[X, w]
                lo = w * 64
                if sr >= lo + 63:
                    BUF[w] = x
                elif sr < lo:
                    BUF[w] = 0
                else:
                    BUF[w] = x & ((np.int64(1) << (sr - lo + 1)) - 1)
            BUF[k >> 6] &= ~(np.int64(1) << (k & 63))
            lref = _set_ref(BUF, r, W, n, SB, SI, HH, HT, LHEAD, ST)
            for w in range(W):
                x = SB[X, w]
                lo = w * 64
                if sr >= lo + 63:
                    BUF[w] = 0
                elif sr < lo:
                    BUF[w] = x
                else:
                    BUF[w] = x & ~((np.int64(1) << (sr - lo + 1)) - 1)
            rref = _set_ref(BUF, N - r - 1, W, n, SB, SI, HH, HT, LHEAD, ST)
            b = ST[C_BRANCHES]
            ST[C_BRANCHES] += 1
            BR[b, B_LEFT] = lref
            BR[b, B_RIGHT] = rref
            BR[b, B_C] = CS[r]
            BR[b, B_K] = k
            BR[b, B_E0] = e0
            BR[b, B_EN] = ne
            _add_arc(lref, e0, ne, 0, p0, nw, SI, AR, ST)
            _add_arc(rref, e0, ne, CS[r], p0, nw, SI, AR, ST)


@njit(cache=True)
def _value(ref, t, JOB, n, SI, PT, PV):
    """Value of a child reference at start time ``t`` (binary search among its points)."""
    if ref < 0:
        return _small_value(JOB[0], JOB[1], ref, t, n)
    lo = SI[ref, I_P0]
    hi = lo + SI[ref, I_PN] - 1
    while lo < hi:
        mid = (lo + hi) >> 1
        if PT[mid] < t:
            lo = mid + 1
        else:
            hi = mid
    return PV[lo]  # the point exists: it was requested


@njit(cache=True)
def _seek(PT, lo, hi, t):
    """First index ``>= lo`` with ``PT[index] >= t`` (galloping; ``PT[lo:hi+1]`` sorted,
    the answer exists). Consecutive queries of a branch ascend, mostly by one point."""
    if PT[lo] >= t:
        return lo
    step = 1
    while lo + step < hi and PT[lo + step] < t:
        lo += step
        step *= 2
    top = min(lo + step, hi)
    while lo + 1 < top:
        mid = (lo + top) >> 1
        if PT[mid] < t:
            lo = mid
        else:
            top = mid
    return top


@njit(cache=True)
def _phase2(X, JOB, n, SI, PT, PV, EB, BR, FR):
    """Values of every start time of ``X``; False if one has no candidate (a bug)."""
    P = JOB[0]
    D = JOB[1]
    for f in range(SI[X, I_F0], SI[X, I_F0] + SI[X, I_FN]):
        ref = FR[f, F_REF]
        sh = FR[f, F_SHIFT]
        m = FR[f, F_M]
        const = FR[f, F_CONST]
        c = 0
        c_hi = 0
        if ref >= 0:
            c = SI[ref, I_P0]
            c_hi = c + SI[ref, I_PN] - 1
        for i in range(FR[f, F_E0], FR[f, F_E0] + FR[f, F_EN]):
            t = np.int64(PT[i])
            if ref >= 0:
                c = _seek(PT, c, c_hi, t + sh)
                v = PV[c]
            else:
                v = _small_value(P, D, ref, t + sh, n)
            PV[i] = m * t + const + v
    p0 = SI[X, I_P0]
    nw = (SI[X, I_PN] + 63) >> 6
    for b in range(SI[X, I_B0], SI[X, I_B0] + SI[X, I_BN]):
        lref = BR[b, B_LEFT]
        rref = BR[b, B_RIGHT]
        C = BR[b, B_C]
        dk = D[BR[b, B_K]]
        lc = 0
        lc_hi = 0
        if lref >= 0:
            lc = SI[lref, I_P0]
            lc_hi = lc + SI[lref, I_PN] - 1
        rc = 0
        rc_hi = 0
        if rref >= 0:
            rc = SI[rref, I_P0]
            rc_hi = rc + SI[rref, I_PN] - 1
        e0 = BR[b, B_E0]
        for w in range(nw):
            x = EB[e0 + w]
            if x == 0:
                continue
            for u in range(64):
                if not (x >> u) & 1:
                    continue
                i = p0 + w * 64 + u
                t = np.int64(PT[i])
                if lref >= 0:
                    lc = _seek(PT, lc, lc_hi, t)
                    v = PV[lc]
                else:
                    v = _small_value(P, D, lref, t, n)
                v += max(0, t + C - dk)
                if rref >= 0:
                    rc = _seek(PT, rc, rc_hi, t + C)
                    v += PV[rc]
                else:
                    v += _small_value(P, D, rref, t + C, n)
                if v < PV[i]:
                    PV[i] = v
    ok = True
    for i in range(p0, p0 + SI[X, I_PN]):
        ok = ok and PV[i] < INF
    return ok


@njit(cache=True)
def run(JOB, n, deadline_ns, max_bytes, ST):
    """Solve the instance ``JOB`` (EDD order) from start time 0.

    Returns ``(status, order)``: ``OK`` with the optimal order of EDD positions in
    ``order``, or ``ABORT_TIME`` / ``ABORT_MEMORY`` / ``FAILED`` with an empty one.
    ``ST`` receives the counters (``C_*``), ``ST[C_VALUE]`` the optimum.
    """
    status, root, SB, SI, PT, PV, EB, BR, FR = search(JOB, n, deadline_ns, max_bytes, ST)
    if status != OK:
        return status, np.zeros(0, dtype=np.int64)
    W = (n + 63) // 64
    ST[C_VALUE] = _value(root, 0, JOB, n, SI, PT, PV)
    return OK, _sequence(root, JOB, n, W, SB, SI, PT, PV, EB, BR, FR)


@njit(cache=True)
def search(JOB, n, deadline_ns, max_bytes, ST):
    """Both phases; returns ``(status, root, SB, SI, PT, PV, EB, BR, FR)``.

    With status ``OK``, ``PV[SI[s, I_P0] + i]`` is the optimal total tardiness
    of set ``s`` (bitset ``SB[s]``) started at ``PT[SI[s, I_P0] + i]``, for
    ``i < SI[s, I_PN]``.
    """
    W = (n + 63) // 64
    cap_s = 1024
    SB = np.zeros((cap_s, W), dtype=np.int64)
    SI = np.zeros((cap_s, I_COLS), dtype=np.int64)
    cap_h = 2048
    HH = np.zeros(cap_h, dtype=np.int64)
    HT = np.zeros(cap_h, dtype=np.int64)
    LHEAD = np.full(n + 1, -1, dtype=np.int64)
    PT = np.zeros(1 << 12, dtype=np.int32)
    PV = np.zeros(1 << 12, dtype=np.int64)
    EB = np.zeros(1 << 12, dtype=np.int64)
    AR = np.zeros((1024, A_COLS), dtype=np.int64)
    BR = np.zeros((1024, B_COLS), dtype=np.int64)
    FR = np.zeros((1024, F_COLS), dtype=np.int64)
    TMP = np.zeros((10, max(n, 16)), dtype=np.int64)
    BUF = np.zeros(W, dtype=np.int64)
    MK = np.zeros(1024, dtype=np.int8)  # all zero between two sets
    for i in range(C_SIZE):
        ST[i] = 0
    # the root request: a dummy point at t = 0 and an arc to the set of all jobs
    PT[0] = 0
    ST[C_POINTS] = 1
    for e in range(n):
        BUF[e >> 6] |= np.int64(1) << (e & 63)
    root = _set_ref(BUF, n, W, n, SB, SI, HH, HT, LHEAD, ST)
    ST[C_ROOT] = root
    _add_arc(root, 0, 1, 0, -1, 0, SI, AR, ST)
    # phase 1, largest sets first
    ns0 = now_ns()
    for size in range(n, 2, -1):
        X = LHEAD[size]
        while X >= 0:
            if now_ns() > deadline_ns:
                return ABORT_TIME, root, SB, SI, PT, PV, EB, BR, FR
            N = SI[X, I_N]
            inc = SI[X, I_INC]
            # room for the worst case of this set
            if _bytes(SB, SI, HH, HT, PT, PV, EB, AR, BR, FR, TMP, MK) > max_bytes:
                return ABORT_MEMORY, root, SB, SI, PT, PV, EB, BR, FR
            if MK.shape[0] < 4 * inc + 64:
                MK = np.zeros(max(4 * inc + 64, 2 * MK.shape[0]), dtype=np.int8)
            if TMP.shape[1] < inc:
                TMP = np.zeros((10, max(inc, 2 * TMP.shape[1])), dtype=np.int64)
            PT = _grow1(PT, ST[C_POINTS] + inc)
            PV = _grow1(PV, ST[C_POINTS] + inc)
            EB = _grow1(EB, ST[C_WORDS] + (N + 2) * ((inc + 63) // 64 + 1))
            # a set creates at most one child per piece (<= its start times) and two per branch
            s_need = ST[C_SETS] + inc + 2 * N + 2
            SB = _grow2(SB, s_need)
            SI = _grow2(SI, s_need)
            if 2 * s_need > HH.shape[0]:
                cap = HH.shape[0]
                while 2 * s_need > cap:
                    cap *= 2
                HH, HT = _rehash(HH, HT, cap)
            AR = _grow2(AR, ST[C_ARCS] + inc + 2 * N + 2)
            BR = _grow2(BR, ST[C_BRANCHES] + N + 1)
            FR = _grow2(FR, ST[C_PIECES] + inc + 1)
            _phase1(X, JOB, n, W, SB, SI, HH, HT, LHEAD, PT, PV, EB, AR, BR, FR, ST, TMP, BUF, MK)
            X = SI[X, I_NEXT]
    ns1 = now_ns()
    ST[C_NS1] = ns1 - ns0
    ST[C_BYTES] = _bytes(SB, SI, HH, HT, PT, PV, EB, AR, BR, FR, TMP, MK)
    # phase 2, smallest sets first
    for size in range(3, n + 1):
        X = LHEAD[size]
        while X >= 0:
            if not _phase2(X, JOB, n, SI, PT, PV, EB, BR, FR):
                return FAILED, root, SB, SI, PT, PV, EB, BR, FR
            X = SI[X, I_NEXT]
        if now_ns() > deadline_ns:
            return ABORT_TIME, root, SB, SI, PT, PV, EB, BR, FR
    ST[C_NS2] = now_ns() - ns1
    return OK, root, SB, SI, PT, PV, EB, BR, FR


@njit(cache=True)
def _bytes(SB, SI, HH, HT, PT, PV, EB, AR, BR, FR, TMP, MK):
    """Memory held by the tables."""
    words = SB.size + SI.size + HH.size + HT.size + PV.size + EB.size + AR.size + BR.size
    return 8 * (words + FR.size + TMP.size) + 4 * PT.size + MK.size


@njit(cache=True)
def _sequence(root, JOB, n, W, SB, SI, PT, PV, EB, BR, FR):
    """An optimal order (EDD positions) of the root set from start time 0."""
    P = JOB[0]
    D = JOB[1]
    out = np.empty(n, dtype=np.int64)
    pos = 0
    # stack entries: (kind, ref, t); kind 0 = solve, 1 = emit job ref
    SK = np.empty((3 * n + 8, 3), dtype=np.int64)
    top = 0
    SK[0, 0] = 0
    SK[0, 1] = root
    SK[0, 2] = 0
    top = 1
    JS = np.empty(max(n, 1), dtype=np.int64)
    RO = np.empty(max(n, 1), dtype=np.int64)
    while top > 0:
        top -= 1
        kind = SK[top, 0]
        ref = SK[top, 1]
        t = SK[top, 2]
        if kind == 1:
            out[pos] = ref
            pos += 1
            continue
        if ref < 0:
            code = -ref - 1
            a = code % (n + 1)
            b = code // (n + 1)
            if a == n:
                continue
            if b == n:
                out[pos] = a
                pos += 1
                continue
            ca = t + P[a]
            cab = ca + P[b]
            x = max(0, ca - D[a]) + max(0, cab - D[b])
            y = max(0, t + P[b] - D[b]) + max(0, cab - D[a])
            if y < x:
                a, b = b, a
            out[pos] = a
            out[pos + 1] = b
            pos += 2
            continue
        X = ref
        lo = SI[X, I_P0]
        hi = lo + SI[X, I_PN] - 1
        while lo < hi:
            mid = (lo + hi) >> 1
            if PT[mid] < t:
                lo = mid + 1
            else:
                hi = mid
        i = lo
        N = _jobs(SB, X, W, JS)
        done = False
        for f in range(SI[X, I_F0], SI[X, I_F0] + SI[X, I_FN]):
            if FR[f, F_E0] <= i < FR[f, F_E0] + FR[f, F_EN]:
                q = FR[f, F_LAST]
                m = FR[f, F_M]
                # last jobs (EDD order) go on the stack first
                for z in range(N - 1, N - q - 1, -1):
                    SK[top, 0] = 1
                    SK[top, 1] = JS[z]
                    top += 1
                SK[top, 0] = 0
                SK[top, 1] = FR[f, F_REF]
                SK[top, 2] = t + FR[f, F_SHIFT]
                top += 1
                if m > 0:
                    _rank_order(JOB, JS, N - q, RO)
                    for z in range(m):
                        out[pos] = RO[z]
                        pos += 1
                done = True
                break
        if done:
            continue
        if PV[i] == 0:
            for z in range(N):
                out[pos] = JS[z]
                pos += 1
            continue
        u = i - SI[X, I_P0]
        for b in range(SI[X, I_B0], SI[X, I_B0] + SI[X, I_BN]):
            if not (EB[BR[b, B_E0] + (u >> 6)] >> (u & 63)) & 1:
                continue
            C = BR[b, B_C]
            k = BR[b, B_K]
            v = (
                _value(BR[b, B_LEFT], t, JOB, n, SI, PT, PV)
                + max(0, t + C - D[k])
                + _value(BR[b, B_RIGHT], t + C, JOB, n, SI, PT, PV)
            )
            if v == PV[i]:
                SK[top, 0] = 0
                SK[top, 1] = BR[b, B_RIGHT]
                SK[top, 2] = t + C
                SK[top + 1, 0] = 1
                SK[top + 1, 1] = k
                SK[top + 2, 0] = 0
                SK[top + 2, 1] = BR[b, B_LEFT]
                SK[top + 2, 2] = t
                top += 3
                break
    return out[:pos]
