"""Cheap valid lower bounds on the training objective.

Every matmul of a step takes at least ``FLOPs / (peak * E_gemm)`` seconds on
the GPU that runs it (the GEMM model's shape factors are at most 1, and all
other terms are non-negative), so the step time of any plan on ``N`` GPUs is
at least the step's model FLOPs divided by the cluster's best aggregate
large-GEMM rate. For the cost objective the bound is the same work priced at
the cheapest FLOP.
"""

from __future__ import annotations

from planner.perfmodel.kernels import gemm_efficiency
from planner.train.instance import TrainingProblem


def flop_rate(problem: TrainingProblem) -> tuple[float, float]:
    """(best aggregate FLOP/s the budget can deliver, lowest USD per FLOP/s-hour among pools)."""
    prec = problem.workload.precision
    rates = sorted(
        (
            (p.gpu.peak_flops(prec) * gemm_efficiency(p.gpu), p.count, p.gpu)
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
    flops = 3.0 * wl.tokens * model.forward_flops_per_token(wl.seq_len)
    rate, usd_per_rate_hour = flop_rate(problem)
    if problem.constraints.objective == "cost":
        return flops * usd_per_rate_hour / 3600.0
    return flops / rate
