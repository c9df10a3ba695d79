"""Compiled (numba) kernels of the seqpar heuristics: target filling and local search.

A plan lives in flat arrays so that the kernels can change it in place:

* ``seq_group[i]``: group of sequence ``i``;
* ``g_mb[g]``: micro-batch of group ``g`` (``-1``: unused slot);
* ``g_deg[g]``: index ``j`` of its degree (``degrees[j]``);
* ``g_load[g]``: its time in ms, fixed part included;
* ``g_tok[g]``, ``g_cnt[g]``: its tokens and sequences;
* ``mb_free[k]``: GPUs of micro-batch ``k`` not in any group.

A group has a *type* ``j``: a degree ``degrees[j]`` (types are ordered by
degree) and an SP strategy. ``W[i, j]`` is the time sequence ``i`` adds to a
group of type ``j``, ``fixed[j]`` the time of an open group, ``cap[j]`` the
tokens it holds; ``dmin[i]`` is the first type that holds sequence ``i`` (all
later types do too); ``double[j]`` / ``half[j]`` the type of the same strategy
at twice / half the degree (``-1``: none); ``newtype[i]`` the type a new group
for sequence ``i`` gets in the local search (the fastest at the smallest
degree that holds it).
"""

from __future__ import annotations

import numpy as np
from numba import njit

EPS = 1e-9
#: ``fill`` returns this when it ran out of steps (its caller's share of the deadline).
OUT_OF_STEPS = -(2**62)


@njit(cache=True)
def _sift_up(heap, pos, load, at):  # pragma: no cover - compiled
    g = heap[at]
    while at > 0:
        parent = (at - 1) // 2
        h = heap[parent]
        if load[h] <= load[g]:
            break
        heap[at] = h
        pos[h] = at
        at = parent
    heap[at] = g
    pos[g] = at


@njit(cache=True)
def _sift_down(heap, size, pos, load, at):  # pragma: no cover - compiled
    g = heap[at]
    while True:
        child = 2 * at + 1
        if child >= size:
            break
        if child + 1 < size and load[heap[child + 1]] < load[heap[child]]:
            child += 1
        h = heap[child]
        if load[g] <= load[h]:
            break
        heap[at] = h
        pos[h] = at
        at = child
    heap[at] = g
    pos[g] = at


@njit(cache=True)
def fill(
    order,
    lengths,
    W,
    dmin,
    degrees,
    fixed,
    cap,
    gpus,
    targets,
    tight,
    seq_group,
    g_mb,
    g_deg,
    g_load,
    g_tok,
    g_cnt,
    mb_free,
    max_steps,
):  # pragma: no cover - compiled
    """Place the sequences in ``order`` into micro-batches ``0..M-1`` under time ``targets``.

    Each sequence goes to the first micro-batch where it fits: within it, to the
    option with the smallest resulting time among the existing groups that can
    hold it and a new group of the smallest degree that meets the target
    (longest-first to the least-loaded group; groups of each degree sit in a
    heap by load). With ``tight`` (memory nearly full) it goes instead to the
    existing group it fills best (fewest tokens left), a new group only when
    none holds it (best-fit decreasing). Returns the number of groups,
    ``-1 - t`` when ``order[t]`` fits nowhere, or :data:`OUT_OF_STEPS` once more
    than ``max_steps`` candidate groups were looked at (a scan of every group of
    a degree costs as many steps as it has groups: the caller's deadline, in steps).
    """
    M = targets.shape[0]
    D = degrees.shape[0]
    for k in range(M):
        mb_free[k] = gpus
    for g in range(g_mb.shape[0]):
        g_mb[g] = -1
    heap = np.empty((M, D, gpus), np.int64)
    hsize = np.zeros((M, D), np.int64)
    pos = np.zeros(g_mb.shape[0], np.int64)
    ng = 0
    steps = 0
    for t in range(order.shape[0]):
        i = order[t]
        s = lengths[i]
        dm = dmin[i]
        placed = False
        for k in range(M):
            steps += D
            if steps > max_steps:
                return OUT_OF_STEPS
            tk = targets[k] + EPS
            best = -1
            best_load = np.inf
            best_key = np.inf
            for j in range(dm, D):
                size = hsize[k, j]
                if size == 0:
                    continue
                top = heap[k, j, 0]
                if not tight and g_tok[top] + s <= cap[j]:
                    # the least-loaded group of this degree holds it
                    nl = g_load[top] + W[i, j]
                    if nl <= tk and nl < best_key:
                        best, best_key, best_load = top, nl, nl
                    continue
                steps += size
                for r in range(size):
                    g = heap[k, j, r]
                    if g_tok[g] + s > cap[j]:
                        continue
                    nl = g_load[g] + W[i, j]
                    if nl > tk:
                        continue
                    key = (cap[j] - g_tok[g]) if tight else nl
                    if key < best_key:
                        best, best_key, best_load = g, key, nl
            # new group: the fastest type of the smallest degree that meets the target
            newj = -1
            newt = np.inf
            for j in range(dm, D):
                if degrees[j] > mb_free[k] or (newj >= 0 and degrees[j] != degrees[newj]):
                    break
                t_new = fixed[j] + W[i, j]
                if t_new <= tk and t_new < newt:
                    newj = j
                    newt = t_new
            if newj >= 0 and (best < 0 or (not tight and fixed[newj] + W[i, newj] < best_load)):
                g = ng
                ng += 1
                g_mb[g] = k
                g_deg[g] = newj
                g_load[g] = fixed[newj] + W[i, newj]
                g_tok[g] = s
                g_cnt[g] = 1
                mb_free[k] -= degrees[newj]
                at = hsize[k, newj]
                heap[k, newj, at] = g
                hsize[k, newj] += 1
                _sift_up(heap[k, newj], pos, g_load, at)
                seq_group[i] = g
            elif best >= 0:
                g_load[best] = best_load
                g_tok[best] += s
                g_cnt[best] += 1
                j = g_deg[best]
                _sift_down(heap[k, j], hsize[k, j], pos, g_load, pos[best])
                seq_group[i] = best
            else:
                continue
            placed = True
            break
        if not placed:
            return -1 - t
    return ng


@njit(cache=True)
def objective(g_mb, g_load, M):  # pragma: no cover - compiled
    """Σ over micro-batches of the slowest group (ms)."""
    top = np.zeros(M)
    for g in range(g_mb.shape[0]):
        k = g_mb[g]
        if k >= 0 and g_load[g] > top[k]:
            top[k] = g_load[g]
    return top.sum()


@njit(cache=True)
def _top3(g_mb, g_load, M):  # pragma: no cover - compiled
    """Three largest loads per micro-batch and their groups (``-1`` when absent)."""
    val = np.zeros((M, 3))
    arg = np.full((M, 3), -1, np.int64)
    for g in range(g_mb.shape[0]):
        k = g_mb[g]
        if k < 0:
            continue
        x = g_load[g]
        if arg[k, 0] < 0 or x > val[k, 0]:
            val[k, 2], arg[k, 2] = val[k, 1], arg[k, 1]
            val[k, 1], arg[k, 1] = val[k, 0], arg[k, 0]
            val[k, 0], arg[k, 0] = x, g
        elif arg[k, 1] < 0 or x > val[k, 1]:
            val[k, 2], arg[k, 2] = val[k, 1], arg[k, 1]
            val[k, 1], arg[k, 1] = x, g
        elif arg[k, 2] < 0 or x > val[k, 2]:
            val[k, 2], arg[k, 2] = x, g
    return val, arg


@njit(cache=True)
def _rest(val, arg, k, a, b):  # pragma: no cover - compiled
    """Largest load of micro-batch ``k`` over groups other than ``a`` and ``b``.

    Exact whenever ``a`` or ``b`` is among the top three (the only case used).
    """
    for r in range(3):
        g = arg[k, r]
        if g < 0:
            return 0.0
        if g != a and g != b:
            return val[k, r]
    return val[k, 2]


@njit(cache=True)
def _better(dobj, dsec, best_obj, best_sec):  # pragma: no cover - compiled
    if dobj < best_obj - 1e-7:
        return True
    return dobj <= best_obj + 1e-7 and dsec < best_sec


@njit(cache=True)
def descent(
    lengths,
    W,
    dmin,
    degrees,
    fixed,
    cap,
    double,
    half,
    newtype,
    M,
    max_moves,
    seq_group,
    g_mb,
    g_deg,
    g_load,
    g_tok,
    g_cnt,
    mb_free,
    max_steps,
):  # pragma: no cover - compiled
    """Improve the plan in place by moves out of the slowest groups; returns moves applied.

    Moves of a sequence of a slowest group: to another group (any
    micro-batch), to a new group where GPUs are free, or a swap with a
    sequence elsewhere; and for a slowest group: doubling its degree when
    GPUs are free, or splitting it into two groups of half the degree. A move
    is taken when it lowers the step time, or keeps it and lowers Σ load²
    (so the search cannot cycle). Best move per slowest group, first
    improvement over groups; stops after ``max_moves``, at a local optimum, or
    once it has looked at more than ``max_steps`` candidates (the caller's
    deadline; moves are applied whole, so the plan stays consistent): then it
    returns ``-1 - moves``.
    """
    n = lengths.shape[0]
    G = g_mb.shape[0]
    D = degrees.shape[0]
    moves = 0
    steps = 0
    members = np.empty(n, np.int64)
    while moves < max_moves:
        val, arg = _top3(g_mb, g_load, M)
        applied = False
        for k in range(M):
            if arg[k, 0] < 0:
                continue
            ck = val[k, 0]
            for g in range(G):
                if g_mb[g] != k or g_load[g] < ck - 1e-7:
                    continue
                jg = g_deg[g]
                nm = 0
                steps += n
                for i in range(n):
                    if seq_group[i] == g:
                        members[nm] = i
                        nm += 1
                best_obj = 1e-7
                best_sec = -1e-9 * ck * ck
                kind = -1
                bi = -1
                bh = -1
                old_g2 = g_load[g] * g_load[g]
                for r in range(nm):
                    steps += G + M + n
                    if steps > max_steps:
                        return -1 - moves
                    i = members[r]
                    s = lengths[i]
                    lg = g_load[g] - W[i, jg] if g_cnt[g] > 1 else 0.0
                    # relocate to an existing group
                    for h in range(G):
                        kh = g_mb[h]
                        if kh < 0 or h == g:
                            continue
                        jh = g_deg[h]
                        if jh < dmin[i] or g_tok[h] + s > cap[jh]:
                            continue
                        lh = g_load[h] + W[i, jh]
                        if kh == k:
                            dobj = max(_rest(val, arg, k, g, h), lg, lh) - ck
                        else:
                            ch = val[kh, 0]
                            dobj = max(_rest(val, arg, k, g, -1), lg) - ck + max(ch, lh) - ch
                        dsec = lg * lg - old_g2 + lh * lh - g_load[h] * g_load[h]
                        if _better(dobj, dsec, best_obj, best_sec):
                            best_obj, best_sec, kind, bi, bh = dobj, dsec, 0, i, h
                    # relocate to a new group of the smallest degree that holds it
                    j = newtype[i]
                    for kh in range(M):
                        if (
                            mb_free[kh] + (degrees[jg] if (kh == k and g_cnt[g] == 1) else 0)
                            < degrees[j]
                        ):
                            continue
                        lh = fixed[j] + W[i, j]
                        if kh == k:
                            dobj = max(_rest(val, arg, k, g, -1), lg, lh) - ck
                        else:
                            ch = val[kh, 0]
                            dobj = max(_rest(val, arg, k, g, -1), lg) - ck + max(ch, lh) - ch
                        dsec = lg * lg - old_g2 + lh * lh
                        if _better(dobj, dsec, best_obj, best_sec):
                            best_obj, best_sec, kind, bi, bh = dobj, dsec, 1, i, kh
                    # swap with a shorter sequence of another group
                    for i2 in range(n):
                        h = seq_group[i2]
                        if h == g or lengths[i2] >= s:
                            continue
                        jh = g_deg[h]
                        if dmin[i2] > jg or dmin[i] > jh:
                            continue
                        if (
                            g_tok[g] - s + lengths[i2] > cap[jg]
                            or g_tok[h] - lengths[i2] + s > cap[jh]
                        ):
                            continue
                        lg2 = g_load[g] - W[i, jg] + W[i2, jg]
                        lh = g_load[h] - W[i2, jh] + W[i, jh]
                        kh = g_mb[h]
                        if kh == k:
                            dobj = max(_rest(val, arg, k, g, h), lg2, lh) - ck
                        else:
                            ch = val[kh, 0]
                            dobj = (
                                max(_rest(val, arg, k, g, -1), lg2)
                                - ck
                                + max(_rest(val, arg, kh, h, -1), lh)
                                - ch
                            )
                        dsec = lg2 * lg2 - old_g2 + lh * lh - g_load[h] * g_load[h]
                        if _better(dobj, dsec, best_obj, best_sec):
                            best_obj, best_sec, kind, bi, bh = dobj, dsec, 2, i, i2
                # double the degree of g (same strategy)
                jd = double[jg]
                if jd >= 0 and mb_free[k] >= degrees[jd] - degrees[jg]:
                    lg = fixed[jd]
                    for r in range(nm):
                        lg += W[members[r], jd]
                    dobj = max(_rest(val, arg, k, g, -1), lg) - ck
                    dsec = lg * lg - old_g2
                    if _better(dobj, dsec, best_obj, best_sec):
                        best_obj, best_sec, kind, bh = dobj, dsec, 3, jd
                # another strategy at the same degree
                for js in range(D):
                    if js == jg or degrees[js] != degrees[jg]:
                        continue
                    lg = fixed[js]
                    for r in range(nm):
                        lg += W[members[r], js]
                    dobj = max(_rest(val, arg, k, g, -1), lg) - ck
                    dsec = lg * lg - old_g2
                    if _better(dobj, dsec, best_obj, best_sec):
                        best_obj, best_sec, kind, bh = dobj, dsec, 3, js
                # split g into two groups of half its degree (longest first to the lighter half)
                if half[jg] >= 0 and nm >= 2:
                    j = half[jg]
                    ok = True
                    for r in range(nm):
                        if dmin[members[r]] > j:
                            ok = False
                            break
                    if ok:
                        ok, la, lb = _split(members, nm, lengths, W, fixed, cap, j, seq_group, -1)
                        if ok:
                            dobj = max(_rest(val, arg, k, g, -1), la, lb) - ck
                            dsec = la * la + lb * lb - old_g2
                            if _better(dobj, dsec, best_obj, best_sec):
                                best_obj, best_sec, kind = dobj, dsec, 4
                if kind < 0:
                    continue
                _apply(
                    kind,
                    g,
                    bi,
                    bh,
                    lengths,
                    W,
                    newtype,
                    half,
                    degrees,
                    fixed,
                    cap,
                    members,
                    nm,
                    seq_group,
                    g_mb,
                    g_deg,
                    g_load,
                    g_tok,
                    g_cnt,
                    mb_free,
                )
                moves += 1
                applied = True
                break
            if applied:
                break
        if not applied:
            break
    return moves


@njit(cache=True)
def _split(members, nm, lengths, W, fixed, cap, j, seq_group, slot):  # pragma: no cover - compiled
    """Deal a group's sequences, longest first, to the lighter of two groups of type ``j``.

    Returns (fits, time of the first, time of the second). With ``slot >= 0``
    the sequences dealt to the second group are moved to group ``slot``.
    """
    order = np.argsort(-lengths[members[:nm]])
    la = fixed[j]
    lb = fixed[j]
    ta = 0
    tb = 0
    for r in order:
        i = members[r]
        s = lengths[i]
        if (la <= lb and ta + s <= cap[j]) or tb + s > cap[j]:
            if ta + s > cap[j]:
                return False, la, lb
            la += W[i, j]
            ta += s
        else:
            lb += W[i, j]
            tb += s
            if slot >= 0:
                seq_group[i] = slot
    return True, la, lb


@njit(cache=True)
def _free_slot(g_mb):  # pragma: no cover - compiled
    for g in range(g_mb.shape[0]):
        if g_mb[g] < 0:
            return g
    return -1


@njit(cache=True)
def _remove(
    i, g, lengths, W, seq_group, g_mb, g_deg, g_load, g_tok, g_cnt, mb_free, degrees
):  # pragma: no cover - compiled
    g_cnt[g] -= 1
    g_tok[g] -= lengths[i]
    g_load[g] -= W[i, g_deg[g]]
    seq_group[i] = -1
    if g_cnt[g] == 0:
        mb_free[g_mb[g]] += degrees[g_deg[g]]
        g_mb[g] = -1
        g_load[g] = 0.0
        g_tok[g] = 0


@njit(cache=True)
def _add(i, h, lengths, W, seq_group, g_load, g_tok, g_cnt, g_deg):  # pragma: no cover - compiled
    g_cnt[h] += 1
    g_tok[h] += lengths[i]
    g_load[h] += W[i, g_deg[h]]
    seq_group[i] = h


@njit(cache=True)
def _recompute(
    g, fixed, W, seq_group, g_deg, g_load, g_tok, g_cnt, lengths
):  # pragma: no cover - compiled
    load = fixed[g_deg[g]]
    tok = 0
    cnt = 0
    for i in range(seq_group.shape[0]):
        if seq_group[i] == g:
            load += W[i, g_deg[g]]
            tok += lengths[i]
            cnt += 1
    g_load[g] = load
    g_tok[g] = tok
    g_cnt[g] = cnt


@njit(cache=True)
def _apply(
    kind,
    g,
    i,
    h,
    lengths,
    W,
    newtype,
    half,
    degrees,
    fixed,
    cap,
    members,
    nm,
    seq_group,
    g_mb,
    g_deg,
    g_load,
    g_tok,
    g_cnt,
    mb_free,
):  # pragma: no cover - compiled
    if kind == 0:  # relocate i to existing group h
        _remove(i, g, lengths, W, seq_group, g_mb, g_deg, g_load, g_tok, g_cnt, mb_free, degrees)
        _add(i, h, lengths, W, seq_group, g_load, g_tok, g_cnt, g_deg)
    elif kind == 1:  # relocate i to a new group in micro-batch h
        _remove(i, g, lengths, W, seq_group, g_mb, g_deg, g_load, g_tok, g_cnt, mb_free, degrees)
        slot = _free_slot(g_mb)
        j = newtype[i]
        g_mb[slot] = h
        g_deg[slot] = j
        g_load[slot] = fixed[j]
        g_tok[slot] = 0
        g_cnt[slot] = 0
        mb_free[h] -= degrees[j]
        _add(i, slot, lengths, W, seq_group, g_load, g_tok, g_cnt, g_deg)
    elif kind == 2:  # swap i (in g) with h (a sequence index here)
        i2 = h
        gh = seq_group[i2]
        seq_group[i] = gh
        seq_group[i2] = g
        _recompute(g, fixed, W, seq_group, g_deg, g_load, g_tok, g_cnt, lengths)
        _recompute(gh, fixed, W, seq_group, g_deg, g_load, g_tok, g_cnt, lengths)
    elif kind == 3:  # change the type of g to h (twice the degree, or another strategy)
        mb_free[g_mb[g]] -= degrees[h] - degrees[g_deg[g]]
        g_deg[g] = h
        _recompute(g, fixed, W, seq_group, g_deg, g_load, g_tok, g_cnt, lengths)
    else:  # split g into two groups of half its degree (same rule as the evaluation)
        j = half[g_deg[g]]
        slot = _free_slot(g_mb)
        g_deg[g] = j
        g_mb[slot] = g_mb[g]
        g_deg[slot] = j
        _split(members, nm, lengths, W, fixed, cap, j, seq_group, slot)
        _recompute(g, fixed, W, seq_group, g_deg, g_load, g_tok, g_cnt, lengths)
        _recompute(slot, fixed, W, seq_group, g_deg, g_load, g_tok, g_cnt, lengths)
