"""Defects found walking the serve docs as a new user (twenty-second session, s22walk)."""

from __future__ import annotations

import planner.serve
from planner.serve.candidates import candidates


def test_a_layout_dismissed_at_a_zero_bound_says_it_meets_its_slos_at_no_rate():
    # the README's example: A100 tp1 pp8 was dismissed "(this layout at most 0 req/s)"
    problem = planner.serve.make_problem(
        "llama-3.1-70b",
        "H100:16,A100:32",
        qps=10,
        prompt_tokens="exp:1024",
        output_tokens="exp:256",
        ttft="1s",
        tpot="50ms",
    )
    reasons = {c.label(): c.reason for c in candidates(problem) if not c.usable}
    assert not [r for r in reasons.values() if "at most 0 req/s" in r]
    assert any("meets its SLOs at no rate" in r for r in reasons.values())
