"""DeepSeek-V3 report row (deepseekv3_2024): predicted vs measured tokens/s/GPU, with the
row's software as shipped and with fused_experts=True (s30review2)."""

from dataclasses import replace

import planner.train  # noqa: F401
from planner.perfmodel.calibration.published import DEEPSEEKV3_2024
from planner.train.calibration import row_plan, row_problem
from planner.train.step_time import estimate

row = DEEPSEEKV3_2024[0]
problem = row_problem(row)
plan = row_plan(row, problem.model.layers)
for fused in (False, True):
    p = replace(problem, software=replace(problem.software, fused_experts=fused))
    est = estimate(p, plan)
    tps = est.tokens / est.step_time / est.gpus
    print(
        f"fused_experts={fused}: step {est.step_time:.3f} s, {tps:.1f} tokens/s/GPU, "
        f"measured {row.value:.1f}, predicted/measured - 1 {(tps / row.value - 1) * 100:+.1f} %"
    )
