"""Print the model's breakdown of the DeepSeek-V3 anchor (published layout and planner's split)."""

import sys
from dataclasses import fields
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from train_anchors import deepseek_v3

from planner.train.step_time import estimate

prob, plan, measured, _ = deepseek_v3()
est = estimate(prob, plan)
print("plan", plan.short(), "split", plan.stage_layers)
print(
    f"measured {measured:.3f}  step {est.step_time:.3f}  pipeline {est.pipeline_time:.3f} "
    f"bubble {est.bubble_time:.3f} tail {est.tail_time:.3f} m {est.microbatches}"
)
for k, v in est.breakdown.items():
    print(f"  {k:40s} {v:8.4f}")
for i, s in enumerate(est.stages):
    d = {
        f.name: getattr(s, f.name)
        for f in fields(s)
        if isinstance(getattr(s, f.name), (int, float))
    }
    print(i, {k: round(v * 1e3, 2) if isinstance(v, float) else v for k, v in d.items()})
