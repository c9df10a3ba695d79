"""Time limits: the deadline reaches the kernels, and a cut-short run still answers correctly.

No timed assertions: the step budgets are forced small (``MIN_STEPS``, a zero deadline)
so that the cut-short paths run deterministically on small batches.
"""

from __future__ import annotations

import types

import numpy as np
import pytest
from hypothesis import given, settings

from planner.core.result import Status
from planner.core.solve import solve
from planner.core.timing import Deadline
from planner.seqpar import heuristics as H
from planner.seqpar import kernels as compiled
from planner.seqpar import methods as M
from planner.seqpar.evaluate import evaluate, verify
from planner.seqpar.generate import synthetic

from .strategies import tiny_instances


def medium():
    return synthetic("commoncrawl", batch=1024, max_len=196608, gpus=128, seed=3)[0]


def new_types_by_loop(engine: H.Engine) -> list[int]:
    """Reference: per sequence, the fastest type among those of its smallest feasible degree."""
    out = []
    D = len(engine.degrees)
    for i in range(engine.n):
        j0 = int(engine.dmin[i])
        if j0 >= D:
            out.append(-1)
            continue
        same = [j for j in range(j0, D) if engine.degrees[j] == engine.degrees[j0]]
        out.append(min(same, key=lambda j: engine.fixed[j] + engine.W[i, j]))
    return out


def test_engine_arrays_match_a_loop_and_a_fresh_single_type_engine():
    inst = medium()
    e = H.Engine(inst.array, inst.tables)
    assert e.newtype.tolist() == new_types_by_loop(e)
    for j in range(len(e.degrees)):
        shared, fresh = e.single_type(j), H.Engine(inst.array, inst.tables.subset([j]))
        for name in ("W", "dmin", "newtype", "order", "degrees", "fixed", "cap"):
            assert np.array_equal(getattr(shared, name), getattr(fresh, name)), name


@settings(max_examples=20, deadline=None)
@given(tiny_instances())
def test_quick_plan_is_verified_and_its_objective_is_the_evaluated_one(inst):
    e = H.Engine(inst.array, inst.tables)
    plan = H.quick_plan(e)
    if plan is None:
        assert not e.feasible
        return
    sol = e.solution(plan)
    assert verify(inst, sol) == []
    assert abs(evaluate(inst, sol) * 1000 - plan.objective_ms()) < 1e-6


def test_fill_and_descent_get_a_step_budget_from_the_deadline(monkeypatch):
    inst = medium()
    e = H.Engine(inst.array, inst.tables)
    monkeypatch.setattr(H, "MIN_STEPS", 1)
    with pytest.raises(H.OutOfTime):
        e.fill(np.full(e.min_microbatches() + 1, 1e12), deadline=Deadline(0.0))
    seen = []
    real = compiled.descent

    def spy(*args):
        seen.append(args[-1])
        return real(*args)

    monkeypatch.setattr(compiled, "descent", spy)
    plan = H.quick_plan(e)
    e.descent(plan, Deadline(0.05))
    assert seen and all(1 <= s <= H.STEP_RATE["descent"] * 0.05 for s in seen)
    assert verify(inst, e.solution(plan)) == []


def test_a_fill_cut_short_learns_the_step_rate_however_short_it_took(monkeypatch):
    # With the default rate far too low every fill was cut in under 10 ms, which the rate
    # update required: it was never learned and a large batch's construction found no plan.
    inst = medium()
    e = H.Engine(inst.array, inst.tables)
    monkeypatch.setitem(H.STEP_RATE, "fill", 1.0)
    monkeypatch.setattr(H, "MIN_STEPS", 1)
    readings = iter(np.arange(0.0, 1.0, 0.005))  # an injected clock: 5 ms between readings
    monkeypatch.setattr(H, "time", types.SimpleNamespace(perf_counter=lambda: next(readings)))
    with pytest.raises(H.OutOfTime):
        e.fill(np.full(e.min_microbatches() + 1, 1e12), deadline=Deadline(0.0))
    assert H.STEP_RATE["fill"] == pytest.approx(1 / 0.005)  # a 1-step budget spent in 5 ms


def test_greedy_with_no_time_falls_back_to_a_verified_quick_plan(monkeypatch):
    inst = medium()
    e = H.Engine(inst.array, inst.tables)
    monkeypatch.setattr(H, "MIN_STEPS", 1)
    found = H.greedy(e, Deadline(0.0), search=False)
    assert found is not None
    assert verify(inst, e.solution(found[1])) == []
    assert abs(evaluate(inst, e.solution(found[1])) * 1000 - found[0]) < 1e-6


def test_baselines_receive_shares_of_the_deadline(monkeypatch):
    inst = medium()
    e = H.Engine(inst.array, inst.tables)
    given_limits = []
    real = H.fixed_degree

    def spy(engine, j, deadline):
        given_limits.append(deadline.limit)
        return real(engine, j, deadline)

    monkeypatch.setattr(H, "fixed_degree", spy)
    M.baseline_stats(inst, e, Deadline(0.3))
    assert given_limits and all(limit <= 0.3 for limit in given_limits)


def test_the_static_type_is_searched_first_with_half_the_baselines_time(monkeypatch):
    inst = medium()
    e = H.Engine(inst.array, inst.tables)
    calls = []
    real = H.fixed_degree

    def spy(engine, j, deadline):
        calls.append((j, deadline.limit))
        return real(engine, j, deadline)

    monkeypatch.setattr(H, "fixed_degree", spy)
    stats, _ = M.baseline_stats(inst, e, Deadline(3.0))
    feasible = [j for j in range(len(e.degrees)) if np.all(e.dmin <= j)]
    assert len(feasible) > 2  # an equal share would be a third at most
    assert calls[0][0] == H.static_degree_index(inst)
    assert calls[0][1] >= M.STATIC_SHARE * 3.0 * 0.9  # the deals before it take milliseconds
    assert stats["static_degree"] == int(e.degrees[calls[0][0]])


@pytest.mark.parametrize("method", ["static", "greedy", "ls", "adaptive", "flexsp", "auto"])
def test_tiny_limit_gives_a_verified_answer_or_unknown_with_a_reason(monkeypatch, method):
    monkeypatch.setattr(H, "MIN_STEPS", 1)  # every kernel call is cut at the deadline
    inst = medium()
    res = solve(inst, method, time_limit=0.01)
    if res.status is Status.UNKNOWN:
        assert res.solution is None and res.reason
    else:
        assert res.status is Status.FEASIBLE
        assert verify(inst, res.solution) == []
        assert abs(res.objective - evaluate(inst, res.solution)) < 1e-9


def test_flexsp_keeps_the_warm_start_when_no_model_can_be_built(monkeypatch):
    import planner.seqpar.mip as mip

    def never(*args, **kwargs):
        raise AssertionError("a model was built although it could not be built in time")

    monkeypatch.setattr(M, "MILP_COLUMNS_PER_S", 1e-9)
    monkeypatch.setattr(mip, "solve_milp", never)
    inst = synthetic("commoncrawl", batch=256, max_len=196608, gpus=32, seed=1)[0]
    res = solve(inst, "flexsp", time_limit=2.0)
    assert res.status is Status.FEASIBLE and verify(inst, res.solution) == []
    assert "milp_skipped" in res.stats


def single_degree_deals(inst) -> dict[int, float]:
    """The quick deal's time (ms) of every group type that holds the whole batch."""
    e = H.Engine(inst.array, inst.tables)
    feasible = [j for j in range(len(e.degrees)) if np.all(e.dmin <= j)]
    return {j: H.single_type_deal(e, j).objective_ms() for j in feasible}


@pytest.mark.parametrize("method", ["auto", "milp", "ls", "greedy"])
def test_expired_deadline_still_answers_with_the_best_single_degree(monkeypatch, method):
    # A batch whose best single degree (8) is neither the static one (64) nor the first that
    # holds every sequence (2): with the deadline gone at the start (an injected budget, every
    # kernel cut at its first step), the old baselines planned the static type only and the
    # fallback deal the first type only, 1.27x slower than batch-adaptive SP with a deal per type.
    inst = synthetic("commoncrawl", batch=48, max_len=196608, gpus=64, seed=0)[0]
    deals = single_degree_deals(inst)
    e = H.Engine(inst.array, inst.tables)
    best = min(deals, key=deals.get)
    assert best not in (H.static_degree_index(inst), int(e.dmin.max()))
    assert deals[best] < 0.9 * min(deals[H.static_degree_index(inst)], deals[int(e.dmin.max())])
    monkeypatch.setattr(M, "budget", lambda instance, time_limit: Deadline(0.0))
    monkeypatch.setattr(H, "MIN_STEPS", 1)
    res = solve(inst, method, time_limit=1.0)
    assert res.status is Status.FEASIBLE and verify(inst, res.solution) == []
    assert res.objective * 1000 <= deals[best] + 1e-6
    assert res.stats["adaptive_s"] * 1000 == pytest.approx(deals[best])
    assert res.stats["adaptive_degree"] == int(e.degrees[best])
    adaptive = solve(inst, "adaptive", time_limit=1.0)  # the same expired budget
    assert res.objective <= adaptive.objective + 1e-9
