"""What-if (not in the law): the EAGLE 20 % shortest class with each integer D and its exact
step count N(D) mixed over the chain's law after N iterations, against the simulator's share
above its p99. Usage: .venv/bin/python bench/session_runs/s12eagle/step_mixture.py (after instrument.py
has cached the simulation)."""

import math
import os
import sys
from statistics import NormalDist

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
sys.argv = ["instrument.py", "EAGLE", "0.2", "10000"]
import io  # noqa: E402
from contextlib import redirect_stdout  # noqa: E402

import instrument  # noqa: E402

import planner.serve.queueing as qmod  # noqa: E402

buf = io.StringIO()
with redirect_stdout(buf):
    instrument.main()
text = buf.getvalue()
seen = instrument.SEEN
p99 = float(text.split("sim p99 TPOT ")[1].split(" ms")[0]) / 1e3
tau0, pieces, pw, rate, limit, start, steps, most, scale = seen["args"]
laws = seen["out"][3]
k, a = 3, 0.7
kk = instrument.role_model
per_step = sum(a**m for m in range(k + 1))  # E[n] = 1 + a + a^2 + a^3
t0 = tau0 * per_step  # the decode step (law units times tokens per step)
step = limit / qmod.CHAIN_BINS_PER_CHUNK
grid = np.arange(laws.shape[1]) * step * per_step  # extra per iteration, seconds
pn = np.array([a ** (m - 1) * (1 - a) for m in range(1, k + 1)] + [a**k])  # tokens per step


def step_pmf(d: int) -> np.ndarray:
    """P(N(d) = s), s = 0..d, by the recursion N(D) = 1 + N(D - n)."""
    out = {0: np.array([1.0])}
    for t in range(1, d + 1):
        acc = np.zeros(t + 1)
        for m, p in enumerate(pn, start=1):
            prev = out[max(0, t - m)]
            acc[1 : prev.size + 1] += p * prev
        out[t] = acc
    return out[d]


xs, xw = np.asarray(pieces), np.asarray(pw) / np.sum(pw)
nd = NormalDist()
noise = 0.10e-3  # the simulated decode-only step's sd (batch fluctuation)
for d in (1, 2, 3):
    pmf = step_pmf(d)
    above = 0.0
    for s in range(1, d + 1):
        if pmf[s] <= 0:
            continue
        law = laws[s].copy()
        none = qmod.no_piece_probability(start, xs, xw, rate * tau0, np.array([s]))[0]
        none = min(none, law[0])
        law[0] -= none
        m0, s0 = qmod.split_remainder_moments(xs, xw, step)
        centre = (s * t0 + grid) / d
        sd = np.hypot(noise, step * per_step / math.sqrt(12) / d) * np.ones_like(grid)
        centre[0] += m0 * per_step / d
        sd[0] = math.hypot(noise, s0 * per_step / d)
        tail = sum(
            w * (1 - nd.cdf((p99 - c) / x)) for w, c, x in zip(law, centre, sd, strict=False)
        )
        tail += none * (1 - nd.cdf((p99 - s * t0 / d) / noise))
        above += pmf[s] * tail
    print(f"D={d}: model with exact N(D) P(TPOT > sim p99 {p99 * 1e3:.3f} ms) {above:.4f}")
print(text.split("\n  class 0")[1].split("\n")[0])
