"""Serving features: no pipeline split when a replica fits, speculative decoding, prefix cache."""

import re

import numpy as np
import pytest

from planner.core.result import Status
from planner.serve import ReplicaGroup, make_problem, plan, solve, verify
from planner.serve.candidates import candidates
from planner.serve.capacity import role_model


@pytest.mark.parametrize(
    ("qps", "prompt", "output", "tpot"),
    [(5, 512, 128, "60ms"), (40, 1024, 256, "40ms"), (6, 2000, 500, "30ms")],
)
def test_8b_that_fits_one_gpu_is_never_split_by_pipeline(qps, prompt, output, tpot):
    # loads at which one GPU's KV cache holds the working set (pipeline stages would only
    # add bubbles and hand-offs); when the cache binds, splitting the weights may pay
    r = plan(
        "llama-3.1-8b",
        "H100:8",
        qps=qps,
        prompt_tokens=prompt,
        output_tokens=output,
        ttft="2s" if qps else None,
        tpot=tpot,
        time_limit=20,
    )
    assert r.status is Status.OPTIMAL
    assert all(g.pp == 1 for g in r.solution.replicas)


def test_equal_cost_pipeline_loses_the_tie_to_replicas():
    # the simulator grid's 8B solver case: one H100 tp1 pp2 replica and two tp1 replicas cost
    # the same and carry the same to 0.03 % (the pipeline's one queue pools the load); the
    # tie-break keeps replicas (it picked pp2 before the pipeline stage of the tie-break)
    kw = dict(qps=30, prompt_tokens="exp:1024", output_tokens="exp:256", ttft="3s")
    r = plan(
        "llama-3.1-8b",
        "H100:8,A100:8",
        tpot="100ms",
        disaggregation="allow",
        time_limit=30,
        **kw,
    )
    assert r.status is Status.OPTIMAL
    assert all(g.pp == 1 for g in r.solution.replicas)
    # the tie-break never buys simplicity with cost: the optimum over pp = 1 layouts only
    only_pp1 = plan(
        "llama-3.1-8b",
        "H100:8,A100:8",
        tpot="100ms",
        disaggregation="allow",
        pp=1,
        time_limit=30,
        **kw,
    )
    assert r.objective == pytest.approx(only_pp1.objective, rel=1e-9)


def test_pipeline_layouts_are_dominated_with_a_reason():
    problem = make_problem(
        "llama-3.1-8b", "H100:8", qps=10, prompt_tokens=512, output_tokens=128, tpot="60ms"
    )
    piped = [c for c in candidates(problem) if c.config.pp > 1 and c.config.gpus <= 8]
    assert piped and all(not c.usable for c in piped)
    assert all(" x H100-SXM tp1" in c.reason and " carry " in c.reason for c in piped)


def test_speculative_decoding_is_used_where_it_pays_and_verifies():
    kw = dict(qps=2, prompt_tokens=256, output_tokens=256, tpot="4ms", ttft="1s")
    without = plan("llama-3.1-8b", "H100:8", time_limit=20, **kw)
    with_spec = plan(
        "llama-3.1-8b",
        "H100:8",
        time_limit=20,
        speculative={"method": "eagle", "tokens": 3, "acceptance": 0.8},
        **kw,
    )
    assert with_spec.status is Status.OPTIMAL
    assert any(g.speculative for g in with_spec.solution.replicas)
    # a tight TPOT is cheaper (or only feasible) with speculation
    assert without.status is Status.INFEASIBLE or with_spec.objective < without.objective
    from rich.console import Console

    from planner.serve.report import print_report

    spec = {"method": "eagle", "tokens": 3, "acceptance": 0.8}
    problem = make_problem("llama-3.1-8b", "H100:8", speculative=spec, **kw)
    console = Console(record=True, width=240)
    print_report(problem, with_spec, console=console)
    assert re.search(r"(both|decode) +\+spec", console.export_text())  # the plan table's role


def test_prefix_cache_hit_rate_lowers_ttft():
    kw = dict(qps=4, prompt_tokens=4000, output_tokens=64, tp=1, chunk_tokens=2048)
    cold = solve(make_problem("llama-3.1-8b", "H100:1", **kw))
    warm_problem = make_problem("llama-3.1-8b", "H100:1", prefix_hit_rate=0.75, **kw)
    warm = solve(warm_problem)
    assert verify(warm_problem, warm.solution) == []
    assert warm.stats["metrics"]["ttft_s"] < 0.5 * cold.stats["metrics"]["ttft_s"]


@pytest.mark.parametrize("gpu", ["L4", "L40S", "A10G", "RTX-PRO-6000"])
def test_inference_gpus_are_in_the_catalog_and_plannable(gpu):
    from planner.perfmodel.hardware import get_gpu
    from planner.serve import make_problem, solve

    spec = get_gpu(gpu)
    assert spec.price_per_gpu_hour > 0 and spec.memory_gib > 20
    problem = make_problem(
        "llama-3.1-8b", f"{gpu}:4", qps=1, prompt_tokens=256, output_tokens=64, tpot="100ms"
    )
    res = solve(problem, time_limit=30)
    assert res.solution is not None and res.solution.gpus_by_pool().keys() <= {spec.name}


def test_verify_counts_the_draft_models_weights():
    """A speculative group's drafter takes memory from the KV cache: a plan that fits without
    it must be rejected when the group claims speculative decoding and the drafter leaves no room
    (verify used to size the KV cache without the drafter)."""
    from dataclasses import replace

    from planner.serve.instance import ServingPlan

    kw = dict(qps=1, prompt_tokens=512, output_tokens=128, tpot="50ms", ttft="2s")
    base = make_problem("llama-3.1-8b", "L4:4", **kw)
    plain = solve(base, time_limit=20)
    assert plain.solution is not None and not verify(base, plain.solution)
    spec = {"method": "draft", "tokens": 3, "acceptance": 0.7, "draft_model": "llama-3.1-70b"}
    problem = make_problem("llama-3.1-8b", "L4:4", speculative=spec, **kw)
    no_spec = ServingPlan(tuple(replace(g, speculative=False) for g in plain.solution.replicas))
    assert not verify(problem, no_spec)
    claims = ServingPlan(tuple(replace(g, speculative=True) for g in plain.solution.replicas))
    assert any("fit" in v or "KV cache" in v for v in verify(problem, claims))
    # and a group may not claim speculation the problem does not have
    assert any("speculative" in v for v in verify(base, claims))


def test_speculative_tpot_sd_matches_sampled_step_counts():
    """The TPOT sd from speculative acceptance (renewal count of the steps that emit a
    request's decode tokens) against steps drawn as the simulator draws them."""
    prob = make_problem(
        "llama-3.1-8b",
        "H100:8",
        qps=1.0,
        prompt_tokens="512",
        output_tokens="61",
        speculative={"method": "eagle", "tokens": 3, "acceptance": 0.7},
    )
    rm = role_model(prob, ReplicaGroup("H100-SXM", 1, 1, 1, 1, "both", 2048, 1.0, True))
    rng = np.random.default_rng(0)
    d, step = 60, 0.01
    counts = []
    for _ in range(20000):
        left, n = d, 0
        while left > 0:
            emitted = 1
            while emitted <= 3 and rng.random() < 0.7:
                emitted += 1
            left -= emitted
            n += 1
        counts.append(n)
    sampled = float(np.std(np.array(counts) * step / d))
    model = float(rm._acceptance_sd(step)[0])
    assert abs(model / sampled - 1) < 0.1
    no_spec = role_model(prob, ReplicaGroup("H100-SXM", 1, 1, 1, 1, "both", 2048, 1.0))
    assert not np.any(no_spec._acceptance_sd(step))


def test_speculative_single_token_requests_take_a_whole_step():
    """A request with one decode token runs one whole verification step (its TPOT is the
    step, not the step over the mean tokens per step): the model's TPOT percentile is at
    least the decode step, and the acceptance spread of ``N(1) = 1`` is 0."""
    prob = make_problem(
        "llama-3.1-8b",
        "H100:8",
        qps=1.0,
        prompt_tokens="512",
        output_tokens="2",
        tpot="1s",
        ttft="10s",
        # k = 2: a draft longer than the 2-token outputs is refused since s29bad
        speculative={"method": "eagle", "tokens": 2, "acceptance": 0.7},
    )
    for role in ("both", "decode"):
        rm = role_model(prob, ReplicaGroup("H100-SXM", 1, 1, 1, 1, role, 2048, 1.0, True))
        op = rm.at_batch(0.2)  # a light load: the prompts keep up
        step = float(rm.engine.base_time(np.array([0.2]), 0.2, rm.ctx)[0])
        assert op.tpot_s >= step * (1 - 1e-9)
        assert not np.any(rm._acceptance_sd(step))
