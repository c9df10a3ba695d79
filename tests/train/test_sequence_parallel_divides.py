"""Sequence parallelism splits a rank's ``seq / cp`` tokens over the TP ranks (Megatron-Core
asserts it divides): plans with SP on a sequence that does not divide cannot launch."""

from __future__ import annotations

from dataclasses import replace

import planner
from planner.train.evaluate import verify
from tests.train.conftest import brute_force, problem, tiny_moe_spec, tiny_spec


def test_dense_plan_turns_sequence_parallelism_off_when_tp_does_not_divide_the_sequence():
    """A 4,097-token sequence on a pinned tp=8: the old search returned an SP plan that
    Megatron-Core's scatter to the sequence-parallel region refuses."""
    prob = problem(tiny_spec(layers=4), gpus="8xA100", batch=8, seq=4097, tp=8)
    res = planner.solve(prob, method="auto", time_limit=10)
    assert res.solution is not None
    assert res.solution.sequence_parallel is False
    assert not verify(prob, res.solution)


def test_verify_rejects_sequence_parallelism_on_an_indivisible_sequence():
    prob = problem(tiny_spec(layers=4), gpus="8xA100", batch=8, seq=4100, tp=4, cp=2)
    res = planner.solve(prob, method="auto", time_limit=10)
    assert res.solution is not None and res.solution.cp == 2
    # 4100 / 2 = 2050 tokens per CP rank: not a multiple of 4
    bad = replace(res.solution, sequence_parallel=True)
    assert any("sequence_parallel" in v and "2050" in v for v in verify(prob, bad))
    ok = problem(tiny_spec(layers=4), gpus="8xA100", batch=8, seq=4104, tp=4, cp=2)
    assert not [v for v in verify(ok, bad) if "sequence_parallel" in v]


def test_moe_with_tp_needs_a_divisible_sequence_and_says_why():
    """MoE layers need SP under TP; an odd sequence leaves tp=1 only, and a pinned tp=2 is
    INFEASIBLE naming sequence parallelism (it was a plan Megatron-Core cannot run)."""
    free = problem(tiny_moe_spec(layers=2), gpus="4xA100", batch=4, seq=1023)
    res = planner.solve(free, method="auto", time_limit=10)
    assert res.solution is not None and res.solution.tp == 1
    assert not verify(free, res.solution)
    pinned = replace(free, constraints=replace(free.constraints, tp=2))
    res = planner.solve(pinned, method="auto", time_limit=10)
    assert res.status.value == "INFEASIBLE"
    assert "sequence parallelism" in res.reason


def test_search_matches_the_brute_force_on_an_indivisible_sequence():
    prob = problem(tiny_spec(layers=4), gpus="4xA100", batch=4, seq=1026)
    best, _plan, _count = brute_force(prob)
    res = planner.solve(prob, method="exact", time_limit=20)
    assert res.status.value == "OPTIMAL"
    assert abs(res.objective - best) <= 1e-9 * best
