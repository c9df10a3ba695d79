"""Cheap valid lower bounds on the training objective.

Every matmul of a step takes at least ``FLOPs / (peak * E_gemm)`` seconds on
the GPU that runs it (the GEMM model's shape factors are at most 1, and all
other terms are non-negative), so the step time of any plan on ``N`` GPUs is
at least the step's model FLOPs divided by the cluster's best aggregate
large-GEMM rate. The attention core is the exception: a fused kernel skips
the masked half of a causal square (``FLASH_CAUSAL_FRACTION``) and may run
above the GEMM efficiency (``FLASH_EFFICIENCY``, the fastest attention kernel
of :mod:`planner.perfmodel.attention_kernels`), so its FLOPs count only at
that fraction and the better of the two efficiencies (found by the
calibration report: at 131K tokens the full-square count put the bound above
the optimum). For the cost objective the bound is the same work priced at
the cheapest FLOP.
"""

from __future__ import annotations

from planner.perfmodel.kernels import FLASH_CAUSAL_FRACTION, FLASH_EFFICIENCY, gemm_efficiency
from planner.train.instance import TrainingProblem


def flop_rate(problem: TrainingProblem, attention: bool = False) -> tuple[float, float]:
    """(best aggregate FLOP/s the budget can deliver, lowest USD per FLOP/s-hour among pools);
    ``attention``: for the attention core (the better of the GEMM and attention efficiencies)."""
    prec = problem.workload.precision
    rates = sorted(
        (
            (
                p.gpu.peak_flops(prec)
                * max(
                    gemm_efficiency(p.gpu, tuned_training=problem.software.tuned_kernels),
                    FLASH_EFFICIENCY if attention else 0.0,
                ),
                p.count,
                p.gpu,
            )
            for p in problem.cluster.pools
        ),
        key=lambda x: -x[0],
    )
    budget = problem.gpu_budget
    total = 0.0
    for rate, count, _gpu in rates:
        take = min(count, budget)
        total += take * rate
        budget -= take
        if budget <= 0:
            break
    price = min(gpu.price_per_gpu_hour / rate for rate, _c, gpu in rates)
    return total, price


def lower_bound(problem: TrainingProblem) -> float:
    """Valid lower bound on the objective of every plan (seconds, or USD per step)."""
    model, wl = problem.model, problem.workload
    # forward, data gradient, and the weight gradient of the trained share only (frozen / LoRA)
    passes = 2.0 + problem.software.base_trainable
    linear = passes * wl.tokens * 2.0 * model.linear_params_active()
    attention = (
        3.0 * wl.tokens * model.layers * model.attention_flops_per_token(wl.seq_len)
    ) * FLASH_CAUSAL_FRACTION
    rate, usd_per_rate_hour = flop_rate(problem)
    att_rate, usd_per_att_rate_hour = flop_rate(problem, attention=True)
    if problem.constraints.objective == "cost":
        return (linear * usd_per_rate_hour + attention * usd_per_att_rate_hour) / 3600.0
    return linear / rate + attention / att_rate
