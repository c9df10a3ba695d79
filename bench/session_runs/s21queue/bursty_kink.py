"""Where the model's p99 TTFT of the 8B bursty (scv 2) case bends between 60 and 80 % load.

For utilisations 0.50-0.90 in steps of 0.02, prints the model's p99 TTFT and its parts: the
TTFT law's type (chunked prefill, or with the KV-admission wait), the offset (iteration in
progress), the law's quantile without and with the KV wait, the prefill server's busy
fraction, P(wait) and the mean wait, and the KV wait's probability and rate when it
applies.

Usage::

    .venv/bin/python bench/session_runs/s21queue/bursty_kink.py [--scv 2]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import serve_simulator as bench

from planner.serve.capacity import role_model
from planner.serve.evaluate import plan_metrics
from planner.serve.kv_admission import KvWaitLaw
from planner.serve.queueing import gg1_mean_wait, wait_probability


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scv", type=float, default=2.0)
    args = ap.parse_args()
    case = replace(
        next(c for c in bench.CASES if c.name.startswith("8B chat bursty")), scv=args.scv
    )
    cap = plan_metrics(bench.problem_for(case, 99, 1.0), bench.layout(case, 1.0))["capacity_qps"]
    print(f"capacity {cap:.3f} req/s, scv {args.scv}")
    print(
        " util   p99 ms  law        offset  chunked  +kvwait  busy   P(W>0)  E[W|W>0]  kvP     kvrate"
    )
    for u in np.arange(0.50, 0.901, 0.02):
        load = u * cap
        prob = bench.problem_for(case, 99, load)
        plan = bench.layout(case, load)
        g = plan.replicas[0]
        model = role_model(prob, g)
        state = model.state_at(load)
        law = state.ttft()
        kv = isinstance(law, KvWaitLaw)
        total = law.quantile() + state.ttft_offset
        f = model._prefill(float(state.batch))
        s1, s2 = f["s1"], f["s2"]
        rho = load * s1
        sigma = wait_probability(rho, model.ca2)
        ew = gg1_mean_wait(load, s1, s2, model.ca2)
        if kv:
            inner = law._cdf
            from planner.serve.chunked_ttft import ChunkedPrefillLaw  # noqa: F401

            base = None
            # the wrapped chunked law's quantile: rebuild without the wait
            lo, hi = law.lo, law._hi
            a, b = lo, max(hi, lo + 1e-9) * 4
            for _ in range(100):
                mid = 0.5 * (a + b)
                a, b = (mid, b) if inner(mid) < 0.99 else (a, mid)
            base = b
            kvp, kvr = law.wait.probability, law.wait.rate
        else:
            base, kvp, kvr = law.quantile(), 0.0, 0.0
        print(
            f"{u:5.2f}  {1000 * total:7.1f}  {'kv-wait' if kv else 'chunked':9s} "
            f"{1000 * state.ttft_offset:6.1f}  {1000 * (base + state.ttft_offset):7.1f}  "
            f"{1000 * total:7.1f}  {rho:5.3f}  {sigma:6.3f}  {1000 * ew / max(sigma, 1e-12):7.1f}  "
            f"{kvp:6.4f}  {kvr:7.2f}"
        )


if __name__ == "__main__":
    main()
