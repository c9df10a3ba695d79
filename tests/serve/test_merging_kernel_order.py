"""The compiled merging-chain solver (:func:`planner.serve.kernels.merging_top`) adds every
sum in the order of its first version, kept below as plain Python: its restructured loops
(bins innermost, binomial weights once per state) must give the same bits."""

from __future__ import annotations

import math

import numpy as np
import pytest

import planner.serve.lockstep as lockstep
from planner.serve.lockstep import MergingChain
from planner.serve.queueing import LOG_FACTORIAL


def _stationary_gth(P, pi):
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


def _reference(
    t0, piece, h, r, moe, n, per_iter, moe_iter, mean_piece, rtol, tail_sd, log_factorial, out
):
    """The loops of the first compiled version (session 15), run by Python."""
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
        while have < J + 1:  # the next sum's law below the cap: a truncated convolution
            for i in range(M):
                v = 0.0
                for b in range(i + 1):
                    v += piece[i - b] * sums[have - 1, b]
                sums[have, i] = v
            have += 1
        for s in range(n + 1):
            a = lam * T[s]
            loga = math.log(max(a, 1e-300))
            pois = np.empty(J)
            tot = 0.0
            for j in range(J):
                pois[j] = math.exp(j * loga - a - log_factorial[j])
                tot += pois[j]
            mean_j = 0.0
            for j in range(J):
                pois[j] /= tot
                mean_j += j * pois[j]
            some = max(1.0 - pois[0], 1e-300)
            acc_new, acc_cont = 0.0, 0.0
            for b in range(M):
                vn, vc = 0.0, 0.0
                for j in range(J):
                    vc += pois[j] * sums[j + 1, b]
                    if j > 0:
                        vn += pois[j] * sums[j, b]
                acc_new += vn / some
                acc_cont += vc
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
            for c in range(s + 1):
                bc = math.exp(
                    log_factorial[s] - log_factorial[c] - log_factorial[s - c]
                    + c * math.log(pa) + (s - c) * math.log1p(-pa)
                )  # fmt: skip
                for m in range(n - s + 1):
                    bm = math.exp(
                        log_factorial[n - s] - log_factorial[m] - log_factorial[n - s - m]
                        + m * math.log(ph) + (n - s - m) * math.log1p(-ph)
                    )  # fmt: skip
                    acc = 0.0
                    for b in range(M):
                        acc += pw_mix[s, c, b] * pw_new[s, m, b]
                    tp = h * (M - acc)
                    prob = bc * bm
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


@pytest.mark.parametrize(("n", "per_iter"), [(2, 0.1), (2, 0.8), (4, 0.3), (8, 0.05), (8, 0.6)])
def test_compiled_merging_top_equals_its_first_loops_bit_for_bit(n, per_iter):
    kernels = pytest.importorskip("planner.serve.kernels")
    tok, w = np.array([300.0, 1500.0, 5000.0]), np.array([0.5, 0.35, 0.15])
    own_tok = np.array([4e-5, 5e-5, 7e-5])
    chain = MergingChain(0.02, own_tok, tok, w, 2048.0, 1e-5, n)
    moe_iter = n * per_iter * 1e-5 * float(w @ tok)
    args = (
        chain.t0,
        chain.piece,
        chain.h,
        chain.r,
        chain.moe,
        n,
        per_iter,
        moe_iter,
        chain.mean_piece,
        lockstep.MERGE_RTOL,
        lockstep.MERGE_TAIL_SD,
        LOG_FACTORIAL,
    )
    want_out, got_out = np.empty(n + 2), np.empty(n + 2)
    want = _reference(*args, want_out)
    got = kernels.merging_top(*args, got_out)
    assert got == want
    assert got_out.tobytes() == want_out.tobytes()
