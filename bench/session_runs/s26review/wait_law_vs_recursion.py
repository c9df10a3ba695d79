"""p99 of the FCFS prefill wait: wait_law's grid, the exponential shape, a Lindley recursion.

Run from the worktree: ``PYTHONPATH=. .venv/bin/python
bench/session_runs/s26review/wait_law_vs_recursion.py``. Prints, per case, the relative gap
between wait_law's two Lindley grids (h and 2h, the quantity the fallback tests), and each
law's p99 against 4,000,000 sampled arrivals (the first 10 % dropped).
"""

from __future__ import annotations

import math
import sys

import numpy as np

import planner.serve.wait_law as wl
from planner.serve.queueing import gg1_mean_wait, wait_probability

TRIPLE = (np.array([0.01, 0.05, 0.3]), np.array([0.6, 0.3, 0.1]))
_rng = np.random.default_rng(3)
LOGNORMAL = (np.sort(_rng.lognormal(math.log(0.03), 1.2, 200)), np.full(200, 1 / 200))


def grid_gap(lam: float, s: np.ndarray, w: np.ndarray, ca2: float) -> float:
    """Relative gap of the mean wait between the h and 2h Lindley grids (wait_law's reach)."""
    es, es2 = float(w @ s), float(w @ (s * s))
    rho = lam * es
    ew = lam * es2 / (2.0 * (1.0 - rho)) * (ca2 + es2 / es**2 - 1.0) / 2.0
    reach = max(ew, es) / rho * math.log(1.0 / wl.TAIL) + float(s.max())
    for _ in range(6):
        h = reach / wl.LINDLEY_GRID
        fine = wl._lindley(lam, s, w, ca2, h, wl.LINDLEY_GRID)
        if float(wl._survival(fine, h)[2][-1]) < wl.TAIL or reach > 1e6 * es:
            break
        reach *= 2.0
    coarse = wl._lindley(lam, s, w, ca2, 2.0 * h, wl.LINDLEY_GRID // 2)
    m1 = h * float(np.arange(fine.size) @ fine)
    m2 = 2.0 * h * float(np.arange(coarse.size) @ coarse)
    return abs(m1 - m2) / m1


def p99_grid(grid: tuple | None) -> float:
    if grid is None:
        return float("nan")
    sigma, edges, ex = grid
    if sigma <= 0.01:
        return 0.0
    return float(np.interp(-0.01, -sigma * ex, edges))


def p99_exponential(lam: float, s: np.ndarray, w: np.ndarray, ca2: float) -> float:
    es, es2 = float(w @ s), float(w @ (s * s))
    sigma = wait_probability(lam * es, ca2)
    mean = gg1_mean_wait(lam, es, es2, ca2) / sigma
    return mean * math.log(sigma / 0.01)


def p99_recursion(lam: float, s: np.ndarray, w: np.ndarray, ca2: float, n: int) -> float:
    rng = np.random.default_rng(1)
    k = 1.0 / ca2
    walk = np.concatenate(
        [[0.0], np.cumsum(rng.choice(s, n, p=w) - rng.gamma(k, 1 / (lam * k), n))]
    )
    waits = (walk - np.minimum.accumulate(walk))[n // 10 :]
    return float(np.quantile(waits, 0.99))


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 4_000_000
    print("case | ca2 | rho | grid gap | wait_law p99 | exponential p99 | recursion p99")
    for label, (s, w) in (("triple", TRIPLE), ("lognormal", LOGNORMAL)):
        for ca2 in (2.0, 4.0, 0.25):
            for rho in (0.6, 0.7, 0.8, 0.85, 0.9):
                lam = rho / float(w @ s)
                gap = grid_gap(lam, s, w, ca2)
                got = p99_grid(wl.wait_grid(lam, s, w, ca2, 2048))
                exp = p99_exponential(lam, s, w, ca2)
                ref = p99_recursion(lam, s, w, ca2, n)
                print(
                    f"{label} | {ca2} | {rho} | {gap:.3f} | {got:.4g} ({got / ref - 1:+.1%})"
                    f" | {exp:.4g} ({exp / ref - 1:+.1%}) | {ref:.4g}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
