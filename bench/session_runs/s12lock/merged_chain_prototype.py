"""Prototype (not wired): a chunk-count chain whose chunks merge and persist, by its own mean.

Session-12 scratch (helper s12lock). The model's chain (:mod:`planner.serve.lockstep`) gives a
group one prompt piece per iteration; the simulator's group takes every admitted prompt up to
its chunk budget (several prompts merge into one chunk, capped at a full chunk) and a prompt
longer than a chunk continues in the next iteration. This chain has both: integer pieces (full
chunks, then the remainder), a chunk-carrying group continuing with probability ``r`` (a piece
has a successor), new prompts at the group's rate merged into its chunk up to a full chunk's
extra; each state keeps the mean length of its iterations (a closure over the predecessor
state). It prints its mean iteration at the simulated rates beside the simulated ones (from
``lockstep_probe.py``). Slow (a damped fixed point of nested loops): a check, not a model.

Usage::

    .venv/bin/python bench/session_runs/s12lock/merged_chain_prototype.py
"""

from __future__ import annotations

import sys
from math import lgamma
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # bench/

import serve_simulator as grid

import planner.serve.capacity as capacity
from planner.serve.capacity import role_model

BINS = 64
#: (case, req/s, rate per group, simulated mean iteration ms, simulated batch per group):
#: lockstep_probe.py runs (lockstep_probe.txt: 10,000 requests; 3,000 for DeepSeek at 6.49 and
#: 9.27, 6,000 for Mixtral)
POINTS = [
    ("DeepSeek", 6.491, 0.8113, 44.9, 9.30),
    ("DeepSeek", 9.273, 1.159, 65.5, 19.09),
    ("DeepSeek", 12.982, 1.6227, 108.4, 45.67),
    ("DeepSeek", 20.0, 2.5, 202.5, 125.1),
    ("DeepSeek", 26.28, 3.285, 259.4, 196.6),
    ("Mixtral tp2 ep2", 22.7, 11.35, 15.8, 22.57),
    ("Mixtral tp2 ep2", 31.8, 15.9, 21.5, 43.15),
    ("Mixtral tp2 ep2", 43.2, 21.6, 39.6, 107.05),
]


def _choose(m: int) -> np.ndarray:
    return np.array([lgamma(m + 1) - lgamma(x + 1) - lgamma(m - x + 1) for x in range(m + 1)])


def _binomial(m: int, p: float) -> np.ndarray:
    p = min(max(p, 1e-300), 1.0 - 1e-16)
    x = np.arange(m + 1)
    return np.exp(_choose(m) + x * np.log(p) + (m - x) * np.log1p(-p))


def _stationary(P: np.ndarray) -> np.ndarray:
    a = P.T - np.eye(P.shape[0])
    a[-1, :] = 1.0
    rhs = np.zeros(P.shape[0])
    rhs[-1] = 1.0
    pi = np.maximum(np.linalg.solve(a, rhs), 0.0)
    return pi / pi.sum()


def merged_chain_mean(t0, vals, wts, moe, n, r, lam, cap):
    """Mean iteration of the merging, persisting chain (module notes) at rate ``lam``."""
    w = np.asarray(wts, float) / np.sum(wts)
    h = cap / BINS
    piece = np.bincount(np.minimum(np.rint(np.asarray(vals) / h).astype(int), BINS), w, BINS + 1)
    sums = [np.eye(1, BINS + 1)[0]]  # law of j pieces' extra, capped at a full chunk's
    for _ in range(1, 40):
        full = np.convolve(sums[-1], piece)
        row = full[: BINS + 1].copy()
        row[BINS] += full[BINS + 1 :].sum()
        sums.append(row)
    sums = np.array(sums)
    cont_sums = np.vstack([sums[1:], sums[-1:]])  # a continuing piece plus j new ones
    values = np.arange(BINS + 1) * h
    j = np.arange(sums.shape[0])
    log_fact = np.array([lgamma(x + 1) for x in j])
    k = np.arange(n + 1.0)
    T = t0 + k * float(w @ vals) + k * moe
    for _ in range(400):
        a = lam * T
        pois = np.exp(-a[:, None] + j[None, :] * np.log(np.maximum(a, 1e-300))[:, None] - log_fact)
        pois /= pois.sum(1, keepdims=True)
        new = pois.copy()
        new[:, 0] = 0.0
        new /= np.maximum(new.sum(1, keepdims=True), 1e-300)
        f_new, f_cont = np.cumsum(new @ sums, 1), np.cumsum(pois @ cont_sums, 1)
        pieces_new, pieces_cont = new @ j, 1.0 + pois @ j
        hit = -np.expm1(-a)
        again = 1.0 - (1.0 - r) * (1.0 - hit)
        P, L = np.zeros((n + 1, n + 1)), np.zeros((n + 1, n + 1))
        for s in range(n + 1):
            q = r / again[s] if again[s] > 0 else 0.0  # a chunking group continues a prompt
            f_mix = q * f_cont[s] + (1 - q) * f_new[s]
            pieces_mix = q * pieces_cont[s] + (1 - q) * pieces_new[s]
            bc, bm = _binomial(s, again[s]), _binomial(n - s, hit[s])
            for c in range(s + 1):
                for m in range(n - s + 1):
                    p = bc[c] * bm[m]
                    if p < 1e-15:
                        continue
                    cdf = f_mix**c * f_new[s] ** m
                    top = float(np.diff(np.concatenate([[0.0], cdf])) @ values) if c + m else 0.0
                    length = t0 + top + moe * (c * pieces_mix + m * pieces_new[s])
                    P[s, c + m] += p
                    L[s, c + m] += p * length
        L = np.where(P > 0, L / np.maximum(P, 1e-300), t0)
        P /= P.sum(1, keepdims=True)
        pi = _stationary(P)
        joint = pi[:, None] * P
        mass = joint.sum(0)
        new_T = np.where(mass > 1e-300, (joint * L).sum(0) / np.maximum(mass, 1e-300), t0)
        if np.max(np.abs(new_T - T)) < 1e-9:
            break
        T = 0.5 * T + 0.5 * new_T
    return float(pi @ T)


def main() -> None:
    for name, qps, lam, sim_T, sim_B in POINTS:
        case = next(c for c in grid.CASES if c.name.startswith(name))
        prob, plan = grid.problem_for(case, 99, qps), grid.layout(case, qps)
        rm = role_model(prob, plan.replicas[0])
        seen = {}
        share = capacity.balanced_share

        def spy(*args, seen=seen, share=share):
            seen["args"] = args
            return share(*args)

        capacity.balanced_share = spy
        try:
            rm._prefill(sim_B)
        finally:
            capacity.balanced_share = share
        t0, own, _, _, _, n, _, _, moe_mean = seen["args"]
        # integer pieces: full chunks then the remainder, each an own extra per token
        C = rm.split
        per_tok = own * np.maximum(1.0, rm.pc / C) / rm.pc
        full = np.floor(rm.pc / C)
        rem = rm.pc - full * C
        vals = np.concatenate([per_tok * C, per_tok * rem])
        wts = np.concatenate([rm.wp * full, rm.wp * (rem > 0)])
        pieces = float(np.dot(rm.wp, full + (rem > 0)))
        keep = wts > 0
        got = merged_chain_mean(
            t0, vals[keep], wts[keep], moe_mean / pieces, n, (pieces - 1) / pieces, lam,
            float(vals[keep].max()),
        )  # fmt: skip
        print(
            f"{case.name} at {qps:g} req/s: simulated mean iteration {sim_T:.1f} ms, "
            f"merging chain {got * 1e3:.1f} ms ({got * 1e3 / sim_T - 1:+.1%})"
        )


if __name__ == "__main__":
    main()
