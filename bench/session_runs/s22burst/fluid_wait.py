"""How far the GI/G/1 wait of the chunked law is from the work ahead in a loop of the engine.

The loop of ``loop_check.py`` (its chunk step, iterations of ``t0 + kappa n``, up to ``C`` prompt tokens FCFS,
prompts admitted at iteration starts), recording for each arrival whether an iteration with
prompt tokens is in progress (busy) and the work ahead at the full-chunk rate, ``(f n + Q)
t_c / C`` (``f`` the in-progress iteration's remaining fraction, ``n`` its prompt tokens, ``Q``
the tokens queued, the earlier arrivals of the same iteration included): the fluid the
law's ``W`` stands for. Prints P(busy), E[W], E[W | W > 0] and W's quantiles against the
law's ``sigma`` and ``gg1_mean_wait``.

Usage::

    PYTHONPATH=. .venv/bin/python bench/session_runs/s22burst/fluid_wait.py
"""

from __future__ import annotations

import sys
from collections import deque
from pathlib import Path

import numpy as np

from planner.serve.queueing import gg1_mean_wait, wait_probability

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "tests" / "serve"))
from test_chunked_ttft import CENTRES, HALVES, WEIGHTS, fill_chunk

CHUNK, T0 = 2048, 0.007


def work_ahead(lam, ca2, t0, tc, n, seed):
    """(busy, fluid work ahead) per arrival, the first tenth dropped."""
    rng = np.random.default_rng(seed)
    kappa = (tc - t0) / CHUNK
    arrivals = np.cumsum(rng.gamma(1.0 / ca2, ca2 / lam, n))
    cls = rng.choice(CENTRES.size, n, p=WEIGHTS)
    tokens = np.maximum(1, np.rint(CENTRES[cls] + (2 * rng.random(n) - 1) * HALVES[cls]))
    busy, wait = np.zeros(n, bool), np.zeros(n)
    queue, now, nxt = deque(), 0.0, 0
    while nxt < n or queue:
        took, _ = fill_chunk(queue, CHUNK)
        end = now + t0 + kappa * took
        left = sum(it[1] for it in queue)
        while nxt < n and arrivals[nxt] <= end:
            if arrivals[nxt] > now:
                busy[nxt] = took > 0
                frac = (end - arrivals[nxt]) / (end - now)
                wait[nxt] = (frac * took + left) * tc / CHUNK
            queue.append([nxt, tokens[nxt]])
            left += tokens[nxt]
            nxt += 1
        now = end
        while queue and queue[0][1] <= 0:
            queue.popleft()
    return busy[n // 10 :], wait[n // 10 :]


def main():
    for ratio in (6.0, 9.0):
        tc = ratio * T0
        share = CENTRES * tc / CHUNK
        es, es2 = float(WEIGHTS @ share), float(WEIGHTS @ share**2)
        for ca2 in (1.0, 2.0):
            for rho in (0.3, 0.5, 0.7):
                lam = rho / es
                b, w = work_ahead(lam, ca2, T0, tc, 60000, 7)
                s, ew = wait_probability(rho, ca2), gg1_mean_wait(lam, es, es2, ca2)
                print(
                    f"ratio {ratio:.0f} ca2 {ca2:.0f} rho {rho}: P(busy) loop {b.mean():.3f} "
                    f"law {s:.3f}; E[W] loop {1000 * w.mean():.1f} law {1000 * ew:.1f} ms; "
                    f"E[W|W>0] loop {1000 * w[w > 0].mean():.1f} law {1000 * ew / s:.1f}; W p50 "
                    f"{1000 * np.quantile(w, 0.5):.1f} p90 {1000 * np.quantile(w, 0.9):.1f} "
                    f"p99 {1000 * np.quantile(w, 0.99):.1f} ms",
                    flush=True,
                )


if __name__ == "__main__":
    main()
