"""Rau's iterative modulo scheduling: valid schedules, never better than a proven optimum."""

from __future__ import annotations

from hypothesis import given, settings

from planner.core.result import Status
from planner.core.solve import solve
from planner.pipelining.evaluate import verify
from planner.pipelining.generate import generate
from planner.pipelining.ims import STRATEGIES, ims, modulo_schedule
from planner.pipelining.instance import Edge

from .strategies import op, tiny, tiny_instances


def test_every_returned_schedule_verifies():
    found = 0
    for inst in generate((8, 25), (3, 5), (1, 2), count=6, seed=3):
        solution, stats = ims(inst, time_limit=5)
        if solution is not None:
            found += 1
            assert verify(inst, solution) == []
            assert solution.ii >= stats["mii"]
    assert found >= 4


def test_modulo_schedule_respects_dependences_and_the_table():
    inst = tiny(
        [op("a", cycles=2, latency=3), op("b", "ALU", latency=1), op("c", cycles=1)],
        [Edge("a", "b", 3, 0), Edge("b", "c", 1, 0), Edge("c", "a", 1, 1)],
    )
    warp = STRATEGIES["together"](inst, 5)
    start = modulo_schedule(inst, 5, warp)
    assert start is not None and min(start.values()) == 0
    assert start["b"] - start["a"] >= 3 and start["c"] - start["b"] >= 1
    assert {(start["a"] + k) % 5 for k in range(2)}.isdisjoint({start["c"] % 5})


def test_assignments_keep_variable_latency_ops_on_the_producer():
    inst = tiny(
        [op("ld", "ALU", variable_latency=True), op("x"), op("y")],
        [Edge("ld", "x", 1, 0), Edge("ld", "y", 1, 0)],
        warp_groups=3,
    )
    for assign in STRATEGIES.values():
        warp = assign(inst, 4)
        assert warp["ld"] == 0 and warp["x"] != 0 and warp["y"] != 0


@settings(max_examples=25, deadline=None)
@given(tiny_instances())
def test_heuristic_never_beats_a_proven_optimum(inst):
    exact = solve(inst, "exact", time_limit=20)
    heuristic = solve(inst, "ims", time_limit=5)
    if heuristic.status is Status.FEASIBLE:
        assert heuristic.verified
        if exact.status is Status.OPTIMAL:
            assert heuristic.objective >= exact.objective
    assert heuristic.status is not Status.INFEASIBLE  # a heuristic never claims infeasibility
