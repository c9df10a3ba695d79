"""Every method through planner.solve: certified results, exact methods = brute force,
heuristics never below the optimum, auto's portfolio logic."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

import planner
from planner.core.result import Status
from planner.smtt import methods as M
from planner.smtt.evaluate import evaluate, verify
from planner.smtt.instance import Instance, Solution
from planner.smtt.readers import read

from .strategies import INSTANCES, brute_force, small_instances

FAST = [name for name, m in M.METHODS.items() if m.kind == "heuristic" and name != "ils"]


def test_table_has_the_issue_methods():
    for name in (
        "edd",
        "spt",
        "mdd",
        "atc",
        "psk",
        "eddc",
        "mddc",
        "aug-mdd",
        "aug-mddc",
        "ls",
        "ils",
        "mip",
        "cpsat",
        "exact",
        "auto",
    ):
        assert name in M.METHODS
    assert M.METHODS["auto"].kind == "portfolio"


@settings(max_examples=40, deadline=None)
@given(small_instances(max_n=7))
def test_heuristics_are_verified_and_never_beat_the_optimum(inst: Instance):
    opt = brute_force(inst)
    for name in [*FAST, "ils"]:
        r = planner.solve(inst, name, time_limit=0.05)
        assert r.verified and r.status in (Status.FEASIBLE, Status.OPTIMAL), name
        assert verify(inst, r.solution) == []
        assert r.objective == evaluate(inst, r.solution) >= opt
        assert r.bound is not None and r.bound <= opt


@settings(max_examples=40, deadline=None)
@given(small_instances(max_n=7))
def test_exact_methods_agree_with_brute_force(inst: Instance):
    opt = brute_force(inst)
    for name in ("exact", "cpsat", "mip", "auto"):
        r = planner.solve(inst, name, time_limit=20)
        assert r.status is Status.OPTIMAL, (name, r.reason, r.stats)
        assert r.objective == opt == r.bound, name
        assert verify(inst, r.solution) == []


def test_example_is_solved_to_its_published_optimum(example):
    r = planner.solve(example, "auto", time_limit=10)
    assert r.status is Status.OPTIMAL and r.objective == example.meta["optimum"]
    ls = planner.solve(example, "ls", time_limit=10)
    assert ls.objective >= example.meta["optimum"]


def test_hints_are_used_when_valid_and_ignored_when_not(example):
    good = planner.solve(example, "exact", time_limit=10).solution
    assert M.hint_order(example, good) == good.order
    assert M.hint_order(example, {"order": good.order}) == good.order
    assert M.hint_order(example, [0, 0, 1]) is None
    assert M.hint_order(example, "nonsense") is None
    start, origin = M.incumbent(example, good)
    assert origin == "hint" and start == good.order
    r = planner.solve(example, "ls", time_limit=5, hint=Solution([0, 0]))
    assert r.verified  # a bad hint never breaks a method


def test_auto_on_a_weighted_instance_reports_a_valid_bound():
    inst = read(INSTANCES / "wt40_first3.txt", "2")[0]
    r = planner.solve(inst, "auto", time_limit=3)
    assert r.verified and r.bound <= r.objective
    assert r.objective >= 537  # OR-Library optimum of wt40 #3


@pytest.mark.parametrize("name", ["mip", "cpsat"])
def test_time_limited_models_keep_the_start(example, name):
    r = planner.solve(example, name, time_limit=0.01)
    assert r.verified and r.objective >= example.meta["optimum"]
    assert r.bound is None or r.bound <= example.meta["optimum"]
