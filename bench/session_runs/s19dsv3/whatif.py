"""What each unpublished term would have to be: the DeepSeek-V3 anchor (published layout,
balanced split, and the planner's split) with the busiest EP rank's load (``moe_load``) raised,
and the step the trace's per-microbatch scale implies.

Usage::

    PYTHONPATH=. .venv/bin/python bench/session_runs/s19dsv3/whatif.py
"""

import json
import sys
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(HERE))
from train_anchors import deepseek_v3, deepseek_v3_split  # noqa: E402

from planner.train.step_time import estimate  # noqa: E402

trace = json.loads((HERE / "data" / "deepseek_v3_profile_train.json").read_text())
span = trace["gpu_span_ms"]
for make in (deepseek_v3, deepseek_v3_split):
    prob, plan, measured, _ = make()
    base = estimate(prob, plan)
    mid = base.stages[len(base.stages) // 2 - 1]
    pair = (mid.fwd + mid.bwd) * 1e3
    rmax = max(s.micro_time for s in base.stages)
    print(
        f"{make.__name__}: split {plan.stage_layers}; step {base.step_time:.3f} s "
        f"({100 * (base.step_time / measured - 1):+.1f} %), bottleneck rank {rmax * 1e3:.1f} ms, "
        f"middle pair {pair:.1f} ms vs trace {span} ms"
    )
    scaled = base.step_time * span / pair
    print(
        f"  every stage scaled by trace / model middle pair ({span / pair:.3f}): {scaled:.3f} s "
        f"({100 * (scaled / measured - 1):+.1f} %)"
    )
    need = (measured - (base.step_time - base.microbatches * rmax)) / base.microbatches
    print(
        f"  bottleneck rank time the measured step needs (bubble + tail as modeled): "
        f"{need * 1e3:.1f} ms (+{100 * (need / rmax - 1):.1f} %)"
    )
    for load in (1.013, 1.1, 1.2, 1.3):
        e = estimate(replace(prob, software=replace(prob.software, moe_load=load)), plan)
        print(
            f"  moe_load {load}: {e.step_time:.3f} s ({100 * (e.step_time / measured - 1):+.1f} %)"
        )
