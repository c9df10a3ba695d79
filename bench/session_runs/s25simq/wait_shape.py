"""The M/G/1 FCFS wait of a prefill server (Lindley recursion) against the law's exponential.

Service of a prompt of p tokens: p t_c / C (full chunks, the law's fluid); prompts sampled as
the simulator samples them (the traffic's histogram). Prints the wait's p99 exactly (by the
recursion over ``N`` arrivals) and as the law approximates it: no wait with probability
1 - rho, else exponential with the GI/G/1 (Pollaczek-Khinchine) mean.

Usage: PYTHONPATH=. python bench/session_runs/s25simq/wait_shape.py LENGTHS QPS TC_MS CHUNK
"""

from __future__ import annotations

import math
import sys

import numpy as np

from planner.serve.simulate import sample_lengths
from planner.serve.traffic import parse_lengths

lengths, qps, tc, chunk = (
    sys.argv[1],
    float(sys.argv[2]),
    float(sys.argv[3]) / 1e3,
    int(sys.argv[4]),
)
N = 2_000_000
rng = np.random.default_rng(0)
p = sample_lengths(parse_lengths(lengths, what="prompt"), N, rng).astype(float)
s = p * tc / chunk
a = rng.exponential(1.0 / qps, N)
w = np.empty(N)
w[0] = 0.0
x = s[:-1] - a[1:]
acc = 0.0
for i in range(1, N):  # Lindley: W_{n+1} = max(W_n + S_n - A_{n+1}, 0)
    acc = max(acc + x[i - 1], 0.0)
    w[i] = acc
rho = qps * s.mean()
ew = qps * np.mean(s * s) / (2 * (1 - rho))  # Pollaczek-Khinchine
# the law's shape: P(W > t) = rho exp(-t rho / E[W])
exp99 = ew / rho * math.log(rho / 0.01) if rho > 0.01 else 0.0
print(
    f"{lengths} {qps} req/s t_c {tc * 1e3:.2f} ms C {chunk}: rho {rho:.3f} cs2 "
    f"{s.var() / s.mean() ** 2:.2f} E[W] P-K {ew * 1e3:.1f} ms, recursion {w.mean() * 1e3:.1f} ms"
)
print(
    f"wait p99: recursion {np.percentile(w, 99) * 1e3:.0f} ms, exponential shape {exp99 * 1e3:.0f} ms"
)
r = w + s
print(f"wait + own service p99: recursion {np.percentile(r, 99) * 1e3:.0f} ms")
