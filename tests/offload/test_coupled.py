"""Global budget by Lagrangian relaxation: a valid bound, a feasible plan, apportioned caps."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings

from planner.core.result import Status
from planner.offload import mip
from planner.offload.coupled import apportion, maximize_dual, solve_global
from planner.offload.evaluate import verify
from planner.offload.generate import generate
from planner.offload.instance import Solution
from planner.offload.policy import plan_times

from .strategies import brute_force, tiny_instances


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


@settings(max_examples=12, deadline=None)
@given(inst=tiny_instances(max_steps=3, max_layers=2, max_experts=3))
def test_lagrangian_bound_never_above_brute_force(inst):
    if inst.per_layer or inst.hardware.overlap:
        return  # the Lagrangian layer only serves a global budget without overlap
    _, _, bound, _ = solve_global(inst, time_limit=10, threads=1, seed=0, start=None)
    assert bound is None or bound <= brute_force(inst)  # safe layer bounds: no tolerance


def test_dual_ascent_reaches_the_maximum_of_a_concave_piecewise_linear_function():
    # f(lam) = min_k (a_k + b_k . lam) over lam >= 0, known maximum by brute force on a grid
    rng = np.random.default_rng(3)
    a = rng.uniform(0, 10, 6)
    b = rng.uniform(-3, 3, (6, 2))
    b[0] = [-1.0, -1.0]  # bounded above

    def evaluate(lam):
        values = a + b @ lam
        k = int(np.argmin(values))
        return float(values[k]), b[k].copy(), lam.copy()

    from planner.core.timing import Deadline

    best, _, iterations = maximize_dual(evaluate, np.zeros(2), Deadline(30), target=10.0)
    grid = np.stack(np.meshgrid(np.linspace(0, 12, 241), np.linspace(0, 12, 241)), -1)
    brute = (a + grid.reshape(-1, 2) @ b.T).min(axis=1).max()
    assert best >= brute - 1e-6  # at least the grid's best (the grid may miss the peak)
    assert iterations >= 1


def test_without_a_bound_in_time_the_plan_still_comes_back(monkeypatch):
    from planner.offload import coupled

    inst = generate("llada2-mini", steps=4, layers=2, seed=1, global_budget=2 * 129 - 40)
    monkeypatch.setattr(coupled.LayerLP, "solve", lambda self, lam, limit: None)
    calls = []
    real = mip.run_model

    def flaky(*args, **kwargs):  # the first layer plan misses its time limit
        calls.append(1)
        run = real(*args, **kwargs)
        return run if len(calls) > 1 else mip.MipRun(Status.UNKNOWN, None, None, None, "time")

    monkeypatch.setattr(mip, "run_model", flaky)
    status, mask, bound, stats = solve_global(inst, time_limit=30, threads=1, seed=0, start=None)
    assert status is Status.FEASIBLE and bound is None
    assert stats["plan"] == "even split, second try"
    assert verify(inst, Solution.from_mask(mask)) == []


def test_combine_swaps_in_faster_layers_only_within_the_global_budget():
    from planner.offload.coupled import combine

    inst = generate("llada2-mini", steps=12, layers=2, seed=4, global_budget=2 * 129)
    base = np.zeros(inst.counts.shape, dtype=bool)  # everything on the CPU
    # the experts busy at every step stay resident: each saves far more than its one copy
    busy = np.broadcast_to((inst.counts > 0).all(axis=0), inst.counts.shape).copy()
    assert busy[:, 0].any()
    runs = [
        mip.MipRun(Status.FEASIBLE, busy[:, [0], :], None, None, "test"),
        mip.MipRun(Status.FEASIBLE, None, None, None, "test"),  # missed its limit
    ]
    mask, swapped = combine(inst, base, runs, budget=int(busy[:, 0, :].sum(axis=1).max()))
    assert swapped == 1 and np.array_equal(mask[:, 0], busy[:, 0]) and not mask[:, 1].any()
    assert plan_times(inst, mask).sum() < plan_times(inst, base).sum()
    # a budget one slot short of that layer's plan: nothing changes
    tight = int(busy[:, 0, :].sum(axis=1).max()) - 1
    mask, swapped = combine(inst, base, runs, budget=tight)
    assert swapped == 0 and not mask.any()
