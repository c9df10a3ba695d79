"""The chunked-prefill TTFT law against a loop of the engine it models, Poisson and bursty.

The loop is ``tests/serve/test_chunked_ttft.py``'s ``simulate`` (arrivals Poisson, or Gamma
renewal of squared coefficient of variation ``ca2``): every iteration lasts ``t0 + kappa n``
and takes up to ``C`` = 2048 prompt tokens from the FCFS queue; the decode batch never empties.
The law gets the test's inputs (``laws``: offset ``t0 + lam t0 / (1 - lam xbar) xbar``, idle
``t0 / 2``); ``--extra X`` passes ``queued_extra = X offset`` (unset: the law's default).
Prints law vs loop at p50 / p90 / p99, rho 0.30-0.75 (0.64 / 0.66 / 0.68 / 0.70: where the
old law's p99 stepped), full chunk 6 / 9 / 14 decode steps, scv 1 and 2 (60,000 requests,
the first tenth dropped, seed 7).

Usage::

    PYTHONPATH=. .venv/bin/python bench/session_runs/s22burst/loop_check.py [--out NAME]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from planner.serve.chunked_ttft import ChunkedPrefillLaw

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2] / "tests" / "serve"))
from test_chunked_ttft import CENTRES, HALVES, WEIGHTS, simulate  # noqa: E402

CHUNK, T0 = 2048, 0.007


def law(lam, ca2, t0, tc, q, extra=None):
    kappa = (tc - t0) / CHUNK
    share = CENTRES * (t0 / CHUNK + kappa)
    es, es2 = float(WEIGHTS @ share), float(WEIGHTS @ (share * share))
    xbar = kappa * float(WEIGHTS @ CENTRES)
    offset = t0 + lam * t0 / (1 - lam * xbar) * xbar
    lo, hi, zero = CENTRES - HALVES, CENTRES + HALVES, np.zeros(CENTRES.size)
    args = (lam, es, es2, ca2, offset, CHUNK, t0, tc, lo, hi, zero, WEIGHTS, CENTRES, q)
    more = {} if extra is None else {"queued_extra": extra * offset}
    return ChunkedPrefillLaw(*args, idle=0.5 * t0, **more).quantile() + offset


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="loop_check")
    ap.add_argument("--n", type=int, default=60000)
    ap.add_argument(
        "--extra",
        type=float,
        default=None,
        help="queued_extra as a multiple of the offset (default: the law's own default)",
    )
    ap.add_argument("--sims", type=Path, default=Path("/tmp/s22burst_loop2"))
    args = ap.parse_args()
    args.sims.mkdir(parents=True, exist_ok=True)
    rows = []
    for ratio in (6.0, 9.0, 14.0):
        tc = ratio * T0
        es = float(WEIGHTS @ (CENTRES * tc / CHUNK))
        for ca2 in (1.0, 2.0):
            for rho in (0.3, 0.5, 0.6, 0.64, 0.66, 0.68, 0.7, 0.75):
                lam = rho / es
                f = args.sims / f"r{ratio}_c{ca2}_rho{rho}_n{args.n}.npy"
                if f.exists():
                    sample = np.load(f)
                else:
                    sample = simulate(lam, T0, tc, CHUNK, args.n, 7, ca2)
                    np.save(f, sample)
                row = {"ratio": ratio, "ca2": ca2, "rho": rho}
                for q in (0.5, 0.9, 0.99):
                    loop, model = (
                        float(np.quantile(sample, q)),
                        law(lam, ca2, T0, tc, q, args.extra),
                    )
                    row[f"loop_p{round(100 * q)}"] = loop
                    row[f"law_p{round(100 * q)}"] = model
                    row[f"err_p{round(100 * q)}"] = model / loop - 1
                rows.append(row)
                print(
                    f"ratio {ratio:4.1f} ca2 {ca2:.0f} rho {rho:.2f}: "
                    + "  ".join(
                        f"p{k} {1000 * row[f'law_p{k}']:7.1f}/{1000 * row[f'loop_p{k}']:7.1f} "
                        f"({100 * row[f'err_p{k}']:+5.1f} %)"
                        for k in (50, 90, 99)
                    ),
                    flush=True,
                )
    for k in (50, 90, 99):
        errs = [abs(r[f"err_p{k}"]) for r in rows]
        print(f"p{k}: mean |err| {100 * np.mean(errs):.2f} %, largest {100 * max(errs):.1f} %")
    (HERE / f"{args.out}.json").write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
