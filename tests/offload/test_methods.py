"""Every method through planner.solve: verified plans, honest statuses, plan statistics."""

from __future__ import annotations

import pytest

import planner
from planner.offload.methods import METHODS, changed_steps, hint_mask

ONLINE = ("static", "lru", "lfu", "d2moe", "tide", "auto")


@pytest.mark.parametrize("name", sorted(METHODS))
def test_every_method_returns_a_verified_plan(small, name):
    r = planner.solve(small, name, time_limit=30, threads=2)
    assert r.verified and r.solution is not None
    assert r.bound is not None and r.bound <= r.objective * (1 + 1e-9)
    plan = r.stats["plan"]
    assert plan["steps"] == small.steps and len(plan["time_per_step_s"]) == small.steps
    assert sum(plan["time_per_step_s"]) == pytest.approx(r.objective)
    assert r.stats["bytes_copied"] == r.stats["loads"] * small.model.expert_bytes
    assert r.status.value == ("OPTIMAL" if name == "exact" else "FEASIBLE")


def test_exact_is_best_and_tide_reports_its_sweep(small):
    exact = planner.solve(small, "exact", time_limit=30, threads=2)
    for name in (*ONLINE, "belady"):
        assert planner.solve(small, name).objective >= exact.objective * (1 - 1e-9)
    tide = planner.solve(small, "tide")
    taus = [row["tau"] for row in tide.stats["tau_sweep"]]
    assert taus == [1, 2, 3, 4]  # blocks of 4 steps
    best = min(tide.stats["tau_sweep"], key=lambda row: (row["time_s"], row["tau"]))
    assert tide.stats["tau"] == best["tau"] == tide.solution.info["tau"]
    assert tide.objective == pytest.approx(best["time_s"])


def test_hint_is_checked_before_use(small):
    lru = planner.solve(small, "lru")
    assert hint_mask(small, lru.solution) is not None
    assert hint_mask(small, {"resident": [[[0, 0]]]}) is None  # bad shape: ignored
    exact = planner.solve(small, "exact", time_limit=30, hint=lru.solution)
    assert exact.objective <= lru.objective


def test_changed_steps(small):
    r = planner.solve(small, "static")
    assert changed_steps(small, r.solution.mask(small.layers, small.experts)) == [0]
    assert r.solution.info["refresh_steps"] == [0]
