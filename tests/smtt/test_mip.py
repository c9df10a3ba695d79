"""Positional MIP: model size, a feasible MIP start, both tardiness forms."""

from __future__ import annotations

import pulp

from planner.smtt import mip as MIP
from planner.smtt.instance import Instance

from .strategies import brute_force


def start_objective(inst: Instance, order: list[int]) -> float:
    prob, _ = MIP.build(inst)
    values = MIP.start_values(inst, order)
    for var in prob.variables():
        var.varValue = values.get(var.name, 0.0)
    assert prob.valid(eps=1e-6), "the MIP start must satisfy every constraint"
    return pulp.value(prob.objective)


def test_model_size():
    inst = Instance("a", p=[3, 2, 4], d=[4, 2, 9])
    prob, u = MIP.build(inst)
    assert len(u) == 9 and len(prob.variables()) == 9 + 3 + 3
    weighted = Instance("b", p=[3, 2, 4], d=[4, 2, 9], w=[1, 2, 3])
    prob, _ = MIP.build(weighted)
    assert prob.numConstraints() == 3 + 3 + 3 + 9  # big-M rows per (job, position)


def test_start_values_are_feasible_with_the_true_objective():
    inst = Instance("a", p=[3, 2, 4, 1], d=[4, 2, 9, 0])
    assert start_objective(inst, [1, 0, 2, 3]) == 0 + 1 + 0 + 10
    weighted = Instance("b", p=[3, 2, 4, 1], d=[4, 2, 9, 0], w=[2, 1, 1, 3])
    # completions 1, 3, 6, 10 -> lateness 1, 1, 2, 1 weighted by 3, 1, 2, 1
    assert start_objective(weighted, [3, 1, 0, 2]) == 3 + 1 + 4 + 1


def test_solves_both_forms_to_optimality():
    for w in (None, [3, 1, 4, 1, 5]):
        inst = Instance("c", p=[7, 3, 5, 2, 6], d=[5, 9, 4, 1, 12], w=w)
        r = MIP.solve_mip(inst, time_limit=30, threads=1, seed=0, hint=None)
        assert r.objective == brute_force(inst) == r.bound
        assert r.stats["solver_status"] == "Optimal"
