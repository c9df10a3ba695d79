"""The prefill chunk menu is the plan space: ``verify`` accepts the chunks the search chooses
from, so OPTIMAL and the bounds hold over every plan ``verify`` accepts (s25cert: one H100 tp4
replica with a 1,024-token chunk carried the README's 70B load for $11.96/h while the search,
over 512 / 2048 / 8192, certified $15.54/h OPTIMAL)."""

from __future__ import annotations

import itertools

import pytest

import planner
from planner.serve import make_problem
from planner.serve.capacity import CHUNK_OPTIONS, PREFILL_CHUNK_TOKENS, chunk_choices
from planner.serve.instance import ReplicaGroup, ServingPlan

ARGS = dict(prompt_tokens=1024, output_tokens=256, ttft="1s", tpot="50ms")


def test_verify_takes_the_menu_and_names_it():
    problem = make_problem("llama-3.1-8b", "H100:2", qps=1, **ARGS)
    family = planner.get_family("serve")
    for chunk in CHUNK_OPTIONS:
        plan = ServingPlan((ReplicaGroup("H100-SXM", 1, 1, 1, 1, "both", chunk, 1.0),))
        assert family.verify(problem, plan) == []
    plan = ServingPlan((ReplicaGroup("H100-SXM", 1, 1, 1, 1, "both", 1000, 1.0),))
    (why,) = family.verify(problem, plan)
    assert "chunk of 1000 prompt tokens is not one the planner chooses from" in why
    assert "512, 1024, 2048, 4096, 8192" in why and "--chunk-tokens" in why
    fixed = make_problem("llama-3.1-8b", "H100:2", qps=1, chunk_tokens=1000, **ARGS)
    assert chunk_choices(fixed, "both") == (1000,)
    assert family.verify(fixed, plan) == []
    assert chunk_choices(problem, "prefill") == (PREFILL_CHUNK_TOKENS,)
    assert chunk_choices(problem, "decode") == (0,)


def test_a_prefill_replica_read_without_a_chunk_takes_the_prefill_menu():
    group = ReplicaGroup.from_dict({"gpu": "H100-SXM", "tp": 1, "count": 1, "role": "prefill"})
    assert group.chunk_tokens == PREFILL_CHUNK_TOKENS


@pytest.mark.parametrize("qps", [5.0, 6.2])
def test_the_cheapest_single_layout_over_the_menu_is_what_auto_certifies(qps):
    """Own loop: every H100 / A100 layout x chunk x replica count up to 4, one group; any
    chunk verify accepts counts (not only the menu)."""
    problem = make_problem("llama-3.1-70b", "H100:16,A100:32", qps=qps, **ARGS)
    family = planner.get_family("serve")
    result = planner.solve(problem, "auto", time_limit=60, threads=1)
    assert str(result.status) in ("OPTIMAL", "Status.OPTIMAL")
    best = None
    for gpu, tp, chunk, count in itertools.product(
        ("H100-SXM", "A100-80GB"),
        (2, 4, 8),
        (256, 512, 1024, 2048, 4096, 8192, 16384),
        (1, 2, 3, 4),
    ):
        group = ReplicaGroup(gpu, tp, 1, 1, count, "both", chunk, qps / count)
        plan = ServingPlan((group,))
        if not family.verify(problem, plan):
            cost = family.evaluate(problem, plan)
            best = cost if best is None else min(best, cost)
    assert best is not None
    # a single group is one plan among all: the certified optimum is no dearer
    assert result.objective <= best + 1e-9
    assert result.bound <= best + 1e-9
