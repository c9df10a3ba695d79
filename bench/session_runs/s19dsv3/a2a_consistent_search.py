"""Experiment (not a model change): price Megatron-Core's EP A2A overlap with the flex
dispatcher like DualPipe (compute on the SMs DeepEP leaves, ``stage.sm_share``) and rerun the
DeepSeek-V3 anchor's exact search; prints the search's best plan with and without.

Usage::

    PYTHONPATH=. nice -n 10 .venv/bin/python bench/session_runs/s19dsv3/a2a_consistent_search.py \
        [--consistent] [--time-limit 120]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from train_anchors import deepseek_v3

import planner.perfmodel.stage as stage
from planner.perfmodel import comm
from planner.train.api import solve
from planner.train.step_time import estimate


def consistent_sm_share(step, gpu) -> float:
    """``stage.sm_share`` extended to every EP-overlapped schedule (DualPipe or A2A overlap)."""
    sw = step.software
    if not step.ep_overlapped or step.ep <= 1 or sw.dispatcher != "flex":
        return 1.0
    held = comm.FLEX_SMS[sw.flex_backend]
    return max(0.0, gpu.sms - held) / gpu.sms if gpu.sms > held else 1.0


def price(consistent: bool):
    """Install the pricing (``consistent``: :func:`consistent_sm_share`), print the anchor's
    published layout under it and return the anchor's problem."""
    if consistent:
        stage.sm_share = consistent_sm_share
    prob, plan, measured, _ = deepseek_v3()
    est = estimate(prob, plan)
    print(
        f"pricing {'consistent' if consistent else 'main'}; published {plan.short()}: "
        f"{est.step_time:.3f} s ({100 * (est.step_time / measured - 1):+.1f} %)"
    )
    return prob


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--consistent", action="store_true")
    ap.add_argument("--time-limit", type=float, default=120.0)
    args = ap.parse_args()
    prob = price(args.consistent)
    load = os.getloadavg()[0]
    t0, c0 = time.perf_counter(), time.process_time()
    res = solve(prob, "auto", time_limit=args.time_limit)
    print(
        f"search: {res.status.name} best {res.solution.short()} {res.objective:.3f} s, "
        f"bound {res.bound:.3f}, wall {time.perf_counter() - t0:.1f} s, "
        f"CPU {time.process_time() - c0:.1f} s, load {load:.1f}"
    )


if __name__ == "__main__":
    main()
