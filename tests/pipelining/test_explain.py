"""``--explain``: the binding resource, recurrence, or constraint family found by relaxation."""

from __future__ import annotations

from planner.pipelining.evaluate import verify
from planner.pipelining.explain import explain, explain_lines
from planner.pipelining.instance import Edge, Solution

from .strategies import full_smem_copies, op, tiny


def test_names_the_binding_unit(fa3):
    from planner.core.solve import solve

    result = solve(fa3, "exact", time_limit=60, threads=2)
    report = explain(fa3, result.solution)
    assert any(b.startswith("resource TC") for b in report["binding"])
    # in time units of 29 GPU cycles, and said so: "96 of the 96 cycles" read as GPU cycles
    assert "resource TC: its occupations need 96 of the 96 time units" in " ".join(
        report["binding"]
    )
    assert result.solution.ii == 96 and fa3.cycles_per_unit == 29
    assert report["utilization"]["TC"] == 1.0
    assert report["ii_cycles"] == result.solution.ii * fa3.cycles_per_unit
    assert any("binding: resource TC" in line for line in explain_lines(report))


def test_names_the_binding_recurrence():
    inst = tiny(
        [op("a", latency=4), op("b", "ALU", latency=3)],
        [Edge("a", "b", 4, 0), Edge("b", "a", 3, 1)],
    )
    sol = Solution(7, {"a": 0, "b": 4}, {"a": 0, "b": 0}, 7)
    assert verify(inst, sol) == []
    report = explain(inst, sol)
    assert any("recurrence" in b and "a" in b for b in report["binding"])


def test_relaxation_finds_the_binding_family():
    # registers (2 x 30 > 50 on one group) force the two ops apart; with a single group
    # ii grows until their lifetimes no longer overlap
    inst = tiny(
        [op("a", registers=30, latency=3), op("b", "ALU", registers=30, latency=3)],
        [],
        register_limit=50,
        warp_groups=1,
    )
    sol = Solution(6, {"a": 0, "b": 3}, {"a": 0, "b": 0}, 6)
    assert verify(inst, sol) == []
    report = explain(inst, sol, time_limit=10)
    assert report["relaxations_at_ii_minus_1"]["registers"] == "feasible"
    assert any("register" in b for b in report["binding"])


def test_names_an_impossible_packing_of_a_full_unit():
    from planner.core.solve import solve

    inst = full_smem_copies()
    result = solve(inst, "exact", time_limit=30, threads=1)
    assert result.solution.ii == 11  # every bound says 10
    report = explain(inst, result.solution)
    assert any(b.startswith("resource packing: S full at ii = 10") for b in report["binding"])
