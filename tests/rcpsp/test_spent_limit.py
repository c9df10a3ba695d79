"""What the GA and ``lns`` still compute once the time limit is spent.

At 3,000 jobs and ``-t 1`` the set-up of ``lns`` uses the whole limit; the GA then computed all
four rules' values (``mts`` builds the n x n ``related`` matrix), sampled 16 lists and decoded
every rule list, and the LNS built distances and windows only to stop at the model's first
check: 1 CPU s past the limit. Past the deadline only what gives a schedule is left.
"""

from __future__ import annotations

import pytest

from planner.rcpsp import generate as G
from planner.rcpsp.evaluate import verify
from planner.rcpsp.heuristics import RULES, ga
from planner.rcpsp.heuristics.data import SgsData
from planner.rcpsp.heuristics.ga import GaParams, genetic_algorithm, order_of
from planner.rcpsp.heuristics.sgs import lft_schedule
from planner.rcpsp.instance import Solution


def _counting(monkeypatch, module, name):
    calls: list[object] = []
    real = getattr(module, name)

    def counted(*a, **k):
        calls.append(a[1] if len(a) > 1 else None)
        return real(*a, **k)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_a_spent_limit_decodes_the_first_rule_list_only(monkeypatch):
    """One rule's values, one list, one decode (plus its FBI passes); no ``related`` matrix."""
    values = _counting(monkeypatch, ga, "rule_values")
    samples = _counting(monkeypatch, ga, "sample_list")
    data = SgsData.of(G.generate(40, seed=3))
    out = genetic_algorithm(data, time_limit=0.0, seed=0)
    assert values == [RULES[0]]
    assert samples == []
    assert out.schedules == 1 + 2 * GaParams().fbi_rounds
    assert "related" not in vars(data)  # the cached property was never read
    assert verify(data.instance, Solution(tuple(int(s) for s in out.start))) == []
    assert out.ended_by == "time" and out.generations == 0


def test_a_spent_limit_with_an_incumbent_decodes_the_incumbent_only(monkeypatch):
    inst = G.generate(40, seed=4)
    data = SgsData.of(inst)
    hint = lft_schedule(inst)
    values = _counting(monkeypatch, ga, "rule_values")
    out = genetic_algorithm(data, time_limit=0.0, seed=0, initial=[order_of(data, hint.start)])
    assert values == []
    assert out.schedules == 1 + 2 * GaParams().fbi_rounds
    assert out.makespan <= max(s + d for s, d in zip(hint.start, inst.durations, strict=True))


def test_with_time_left_every_rule_list_seeds_the_population(monkeypatch):
    """The lazy values change nothing before the deadline: each rule once, in ``RULES`` order."""
    lists = _counting(monkeypatch, ga, "activity_list")
    values = _counting(monkeypatch, ga, "rule_values")
    data = SgsData.of(G.generate(30, seed=5))
    genetic_algorithm(data, time_limit=1e6, seed=1, max_schedules=200)
    assert len(lists) == len(RULES)
    assert values == list(RULES)


def test_lns_past_its_limit_returns_the_ga_schedule_without_building_the_model(monkeypatch):
    from planner.rcpsp.heuristics import lns as lns_module
    from planner.rcpsp.methods import METHODS

    def never(*a, **k):
        pytest.fail("LNS started past the limit")

    monkeypatch.setattr(lns_module, "large_neighbourhood_search", never)
    inst = G.generate(30, seed=6)
    res = METHODS["lns"].func(inst, time_limit=1e-9, threads=1, seed=0)
    assert res.status.name == "FEASIBLE" and verify(inst, res.solution) == []
    assert res.reason == "time limit reached before LNS started; the schedule before LNS"
    assert res.stats["model_not_built"] == "time limit reached before LNS started"
    assert res.stats["ga_schedules"] == 1 + 2 * GaParams().fbi_rounds


def test_cpsat_past_its_limit_returns_the_hint_without_the_distance_matrix(monkeypatch):
    """The checks, the bound and the LFT hint still run (they give the answer); no model."""
    from planner.rcpsp import cpsat

    def never(*a, **k):
        pytest.fail("distances copied past the limit")

    monkeypatch.setattr(cpsat, "distances", never)
    inst = G.generate(30, seed=8)
    res = cpsat.solve_cpsat(inst, time_limit=1e-9, threads=1, seed=0)
    assert res.status.name == "FEASIBLE" and res.solution == lft_schedule(inst)
    why = "time limit reached while building the CP-SAT model (distances)"
    assert res.stats["model_not_built"] == why
    assert res.reason == f"{why}; the heuristic schedule"
