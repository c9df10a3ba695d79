"""Global budget by Lagrangian relaxation: a valid bound, a feasible plan, apportioned caps."""

from __future__ import annotations

import numpy as np

from planner.core.result import Status
from planner.offload import mip
from planner.offload.coupled import apportion, solve_global
from planner.offload.evaluate import verify
from planner.offload.generate import generate
from planner.offload.instance import Solution
from planner.offload.policy import plan_times


def test_apportion_sums_and_caps():
    out = apportion(np.array([3.0, 1.0, 0.0]), 5, 3)
    assert out.sum() == 5 and (out <= 3).all() and out[0] >= out[1] >= out[2]
    assert apportion(np.zeros(2), 3, 5).sum() == 3


def test_bound_below_the_optimum_and_plan_feasible():
    inst = generate("llada2-mini", steps=4, layers=3, seed=2, global_budget=3 * 129 - 60)
    optimum = mip.run_model(
        inst,
        [0, 1, 2],
        capacity=inst.capacity,
        global_budget=True,
        overlap=False,
        time_limit=60,
        start=None,
    )
    assert optimum.status is Status.OPTIMAL
    status, mask, bound, stats = solve_global(inst, time_limit=30, threads=2, seed=0, start=None)
    assert status is Status.FEASIBLE and stats["iterations"] >= 1
    assert verify(inst, Solution.from_mask(mask)) == []
    value = plan_times(inst, mask).sum()
    assert bound <= optimum.objective * (1 + 1e-9) <= value * (1 + 1e-9)
    assert (value - bound) / value < 0.05
