"""Layouts dismissed before their capacity search: the bound is valid and the optimum stays."""

from __future__ import annotations

import math

import pytest

from planner.core.result import Status
from planner.serve import candidates as cand_mod
from planner.serve import make_problem, solve
from planner.serve.candidates import capacity_upper_bound, evaluate, layouts, roles

CASES = [
    dict(qps=20, prompt_tokens="exp:1000", output_tokens="exp:200", ttft="1s", tpot="40ms"),
    dict(qps=5, prompt_tokens=3000, output_tokens=100, ttft="3s", tpot="80ms"),
    dict(qps=10, prompt_tokens=500, output_tokens=500, tpot="15ms", percentile=90),
]


@pytest.mark.parametrize("case", CASES)
def test_upper_bound_holds_for_every_layout(case):
    p = make_problem("llama-3.1-8b", "H100:8,L40S:4", max_pp=2, disaggregation="allow", **case)
    checked = 0
    for lay in layouts(p):
        for role in roles(p):
            bound = capacity_upper_bound(p, lay, role, False)
            c = evaluate(p, lay, role, False)
            if bound is None:
                continue
            assert c.capacity <= bound * (1 + 1e-9), (lay.config.label(), role)
            checked += 1
    assert checked > 10


@pytest.mark.parametrize("case", CASES)
def test_same_optimum_without_early_dismissal(case, monkeypatch):
    def problem():
        return make_problem(
            "llama-3.1-8b", "H100:8,L40S:4", max_pp=2, disaggregation="allow", **case
        )

    with_pruning = solve(problem(), "mip", time_limit=60)
    cand_mod.role_capacity.cache_clear()
    monkeypatch.setattr(cand_mod, "dominated_early", lambda *a: None)
    without = solve(problem(), "mip", time_limit=60)
    assert with_pruning.status is without.status
    if without.status is Status.OPTIMAL:
        assert math.isclose(with_pruning.objective, without.objective, rel_tol=1e-9)


def test_dominance_reasons_give_this_layouts_capacity_in_req_s():
    """ "why cheaper layouts fail" reads "(this layout 0.29 req/s)", "(this layout at most
    0.5 req/s)" or, at a zero bound, "(this layout meets its SLOs at no rate)": the early
    dismissal printed a bare "(this layout at most 0)" (s20user), then "(this layout at most 0
    req/s)" (s22walk)."""
    from planner.serve.candidates import candidates

    p = make_problem(
        "llama-3.1-70b",
        "H100:16,A100:32",
        qps=10,
        prompt_tokens="exp:1024",
        output_tokens="exp:256",
        ttft="1s",
        tpot="50ms",
    )
    reasons = [c.reason for c in candidates(p) if "on the same GPUs" in c.reason]
    assert any("(this layout meets its SLOs at no rate)" in r for r in reasons)  # early
    assert not [r for r in reasons if "at most 0 req/s" in r]
    words = ("misses its SLOs at that rate)", "meets its SLOs at no rate)")
    numbers = [r for r in reasons if not r.endswith(words)]
    assert all(r.endswith(" req/s)") for r in numbers), numbers
