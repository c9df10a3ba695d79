"""The rule of thumb on clusters of several pools (s24unseen).

Its plans had no ``stage_pools``, which ``verify`` refuses on a mixed cluster: ``-m heuristic``
found nothing on any, and ``auto`` (whose search takes no incumbent there) returned UNKNOWN when
the search ran out of time (DeepSeek-V2 on H100:64,A100:64 at ``-t 20``).
"""

from __future__ import annotations

from planner.core.result import Result, Status
from planner.core.solve import solve
from planner.perfmodel.readers import load_model
from planner.train import methods
from planner.train.evaluate import verify
from planner.train.heuristics import pooled_rule_of_thumb, rule_of_thumb
from planner.train.step_time import quick

from .conftest import problem


def _mixed(**constraints):
    return problem(load_model("gpt-3.6b"), gpus="A100:8,H100:8", batch=64, seq=2048, **constraints)


def test_the_rule_places_its_stages_on_one_pool():
    prob = _mixed()
    assert rule_of_thumb(prob) is None or verify(prob, rule_of_thumb(prob))  # the old answer
    plan = pooled_rule_of_thumb(prob)
    assert plan is not None and not verify(prob, plan) and quick(prob, plan).fits
    assert len(set(plan.stage_pools)) == 1 and len(plan.stage_pools) == plan.pp
    pool = next(p for p in prob.cluster.pools if p.label == plan.stage_pools[0])
    assert plan.tp * plan.pp * plan.cp * plan.dp <= pool.count
    # the fastest of the two pools' rules: not slower than the A100 pool's alone
    a100 = problem(load_model("gpt-3.6b"), gpus="8xA100", batch=64, seq=2048)
    alone = rule_of_thumb(a100)
    assert quick(prob, plan).objective <= quick(a100, alone).objective * (1 + 1e-9)


def test_heuristic_method_answers_on_a_mixed_cluster():
    res = solve(_mixed(), "heuristic", time_limit=10)
    assert res.status == Status.FEASIBLE and res.verified
    assert res.bound is not None and res.bound <= res.objective


def test_no_rule_plan_uses_every_gpu_of_two_pools():
    assert pooled_rule_of_thumb(_mixed(use_all_gpus=True)) is None


def test_auto_falls_back_to_the_rule_when_the_search_finds_nothing(monkeypatch):
    prob = _mixed()

    def out_of_time(problem, **kwargs):  # the search ran out of time without a plan
        return Result("train", problem.name, "exact", Status.UNKNOWN, bound=0.5)

    monkeypatch.setattr(methods, "exact", out_of_time)
    res = methods.auto(prob, time_limit=10)
    assert res.status == Status.FEASIBLE and res.method == "auto" and res.bound == 0.5
    assert res.solution is not None and not verify(prob, res.solution)
    assert "fallback" in res.stats
