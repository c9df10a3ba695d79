"""Per-stage decomposition of the Korthikanti Table 5 rows and their Narayanan Table 1 twins.

For each row: the middle and the last stage's per-microbatch parts (ms), the schedule terms
(s) and what a uniform scale of the per-microbatch time would need to meet the measurement.

Usage: PYTHONPATH=. python bench/session_runs/s22kort/decompose.py
"""

from __future__ import annotations

import planner.train  # noqa: F401  registers the predictor
from planner.perfmodel.calibration.published import ROWS
from planner.perfmodel.stage import stage_parts
from planner.train.calibration import row_estimate, row_plan, row_problem
from planner.train.step_time import training_step

IDS = [r.id for r in ROWS if r.id.startswith("korthikanti2022")] + [
    "narayanan2021/gpt-529.6b",
    "narayanan2021/gpt-1008b",
]


def measured_time(row, est) -> float:
    """The row's measured step time (TF/GPU rows: the model's hardware FLOPs over it)."""
    if row.metric == "step_time_s":
        return row.value
    return est.hardware_flops / est.gpus / (row.value * 1e12)


def main() -> None:
    for row in ROWS:
        if row.id not in IDS:
            continue
        est = row_estimate(row)
        problem = row_problem(row)
        plan = row_plan(row, problem.model.layers)
        step = training_step(problem, plan)
        pool = problem.cluster.pools[0]
        meas = measured_time(row, est)
        pred = est.step_time
        print(f"{row.id}: meas {meas:.3f} s pred {pred:.3f} s ({(pred / meas - 1) * 100:+.1f} %)")
        print(
            f"  m {est.microbatches} p {row.pp} v {row.interleave} pipe {est.pipeline_time:.3f}"
            f" bubble {est.bubble_time:.3f} tail {est.tail_time:.3f}"
        )
        layers = [s.layers for s in est.stages]
        mid = len(layers) // 2
        for name, j in (("middle", mid), ("last", len(layers) - 1)):
            n = layers[j]
            parts = stage_parts(step, pool, n, 0, j == 0, j == len(layers) - 1)
            st = est.stages[j]
            txt = " ".join(f"{k} {v * 1e3:.2f}" for k, v in parts.items() if abs(v) > 1e-9)
            # what stage_cost adds beyond stage_parts and p2p (the unfused gradient accumulation)
            known = sum(parts[k] for k in ("fwd_kernels", "bwd_kernels", "recompute", "tp_comm"))
            acc = st.micro_time - st.p2p - known
            print(
                f"  {name} stage ({n} layers): U {st.micro_time * 1e3:.2f} ms p2p "
                f"{st.p2p * 1e3:.2f} grad-accumulation {acc * 1e3:.2f} | {txt}"
            )
        umax = max(s.micro_time for s in est.stages)
        # uniform scale of every stage's per-microbatch time that meets the measurement
        k = (meas - est.tail_time) / est.pipeline_time
        print(f"  umax {umax * 1e3:.2f} ms; scale needed on the pipeline {k:.4f}")


if __name__ == "__main__":
    main()
