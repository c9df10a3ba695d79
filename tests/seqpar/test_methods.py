"""Every method through planner.solve: verified plans, baselines in stats, exact = brute force."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

import planner
from planner.core.result import Status
from planner.seqpar.methods import METHODS

from .strategies import brute_force, preset_instance, tiny_instances, tiny_tabulated


@settings(max_examples=15, deadline=None)
@given(tiny_instances(max_n=4))
def test_every_method_on_tiny_instances(inst):
    best = brute_force(inst)
    for name in METHODS:
        res = planner.solve(inst, name, time_limit=2)
        assert res.status in (Status.OPTIMAL, Status.FEASIBLE), (name, res.reason)
        assert res.verified and res.objective >= best - 1e-9
        assert res.bound is None or res.bound <= best + 1e-9
    exact = planner.solve(inst, "milp", time_limit=10)
    assert exact.status is Status.OPTIMAL and exact.objective == pytest.approx(best, rel=1e-6)


def test_auto_stats_baselines_and_never_slower_than_adaptive():
    inst = preset_instance(
        [120_000, 30_000, 9_000, *([700] * 60), *([2500] * 30)], gpus=32, max_len=131_072
    )
    res = planner.solve(inst, "auto", time_limit=3)
    st = res.stats
    assert res.status in (Status.OPTIMAL, Status.FEASIBLE) and res.verified
    assert st["static_degree"] == 32 and st["adaptive_degree"] >= 32  # 120K needs 32 GPUs here
    assert res.objective <= st["adaptive_s"] + 1e-9 <= st["static_s"] + 2e-9
    assert st["speedup_static"] == pytest.approx(st["static_s"] / res.objective)
    assert res.bound is not None and res.bound <= res.objective + 1e-9
    for name in ("static", "adaptive"):
        base = planner.solve(inst, name, time_limit=2)
        degrees = {g.degree for mb in base.solution.microbatches for g in mb}
        assert len(degrees) == 1 and res.objective <= base.objective + 1e-9


def test_too_long_sequence_is_infeasible_with_reason():
    inst = preset_instance([1000, 500_000], gpus=16)
    for name in ("auto", "milp", "ls"):
        res = planner.solve(inst, name, time_limit=1)
        assert res.status is Status.INFEASIBLE
        assert "500000 tokens" in res.reason and "MB per GPU" in res.reason


def test_hint_is_used_and_bad_hint_ignored():
    inst = preset_instance([5000, 4000, 3000, 800, 800, 600], gpus=8)
    first = planner.solve(inst, "auto", time_limit=2)
    again = planner.solve(inst, "auto", time_limit=2, hint=first.solution.to_dict())
    assert again.objective <= first.objective + 1e-9
    bad = planner.solve(
        inst,
        "auto",
        time_limit=2,
        hint={"microbatches": [{"groups": [{"degree": 3, "sequences": [0]}]}]},
    )
    assert bad.verified


@settings(max_examples=10, deadline=None)
@given(tiny_tabulated())
def test_strategies_exact_and_bounded(inst):
    best = brute_force(inst)
    exact = planner.solve(inst, "milp", time_limit=10)
    assert exact.status is Status.OPTIMAL and exact.objective == pytest.approx(best, rel=1e-6)
    for name in ("ls", "static"):
        res = planner.solve(inst, name, time_limit=2)
        assert res.verified and res.objective >= best - 1e-9
        assert res.bound is None or res.bound <= best + 1e-9


def test_static_without_a_degree_says_which_numbers():
    """One 5,000-token sequence on 8 GPUs with FlexSP's 196,608-token context (what `gen seqpar`
    writes by default): `static` has no degree. The reason was one bare sentence; it now gives
    the run's max_len and what the largest group holds, from the instance's own tables."""
    from planner.seqpar.api import make_instance

    inst = make_instance([5000], 8, "flexsp-7b", max_len=196608)
    cap = int(inst.tables.capacity[-1])
    assert cap < 196608  # the premise: no group of the 8 GPUs holds the context
    res = planner.solve(inst, "static", time_limit=1, threads=1)
    assert res.status is Status.UNKNOWN and res.solution is None
    assert "max_len 196,608 tokens" in res.reason
    assert f"a group of all 8 usable GPUs holds {cap:,} tokens per sequence" in res.reason
    held = planner.solve(make_instance([5000], 8, "flexsp-7b", max_len=cap), "static", time_limit=1)
    assert held.status in (Status.OPTIMAL, Status.FEASIBLE)  # at the capacity it holds
