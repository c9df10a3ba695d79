"""The percentile of a workload served by several replica groups: the mixture of their
laws (issue 19: the solver's A100 + H100 plans reported the worse group's p99, +45-65 %
against the simulated p99 of all requests)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.serve import ReplicaGroup, ServingPlan, make_problem
from planner.serve.capacity import role_model
from planner.serve.evaluate import plan_metrics
from planner.serve.kv_admission import AdmissionWait, KvWaitLaw
from planner.serve.mixture import mixture_quantile, state_cdf
from planner.serve.queueing import BatchedPrefillLaw


def exponential(rate: float):
    return lambda t: 0.0 if t < 0 else -math.expm1(-rate * t)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0.05, 1.0), st.floats(0.5, 50.0)), min_size=1, max_size=4),
    st.sampled_from([0.5, 0.9, 0.99]),
)
def test_mixture_quantile_of_exponentials_matches_a_grid_scan(parts, q):
    """Exponential groups (closed-form quantiles): the bisection lands where a dense scan of
    the weighted CDF first reaches q, between the smallest and the largest group quantile."""
    laws = [(w, exponential(r), -math.log(1.0 - q) / r) for w, r in parts]
    got = mixture_quantile(laws, q)
    lo, hi = min(x for *_, x in laws), max(x for *_, x in laws)
    assert lo * (1 - 1e-9) <= got <= hi * (1 + 1e-9)
    grid = np.linspace(0.0, hi * 1.01, 400001)
    total = sum(w for w, _, _ in laws)
    mixed = sum(w * -np.expm1(-r * grid) for w, r in parts) / total
    scan = float(grid[int(np.argmax(mixed >= q))])
    assert got == pytest.approx(scan, rel=1e-4, abs=hi * 1e-5)


def test_a_saturated_group_makes_the_mixture_infinite_and_no_parts_zero():
    assert (
        mixture_quantile([(1.0, exponential(1.0), 4.6), (0.1, lambda t: 0.0, math.inf)], 0.99)
        == math.inf
    )
    assert mixture_quantile(
        [(0.0, lambda t: 0.0, math.inf), (1.0, exponential(1.0), 4.6)], 0.99
    ) == pytest.approx(4.6)
    assert mixture_quantile([], 0.99) == 0.0


def problem(**kw):
    base = dict(
        qps=30.0, prompt_tokens="exp:1024", output_tokens="exp:256", ttft="500ms", tpot="30ms"
    )
    base.update(kw)
    return make_problem("llama-3.1-8b", "H100:8,A100:8", disaggregation="allow", **base)


#: The solver's plan for the 8B bench case at 500 ms / 30 ms (bench/serve_simulator.py).
A100 = ReplicaGroup("A100-80GB", 1, 1, 1, 1, "both", 8192, 3.1570974666945895)
H100 = ReplicaGroup("H100-SXM", 2, 1, 1, 1, "both", 2048, 26.842902533305406)


def laws_of(prob, group, per_engine):
    """(TTFT law, its offset, TPOT law) of one engine of ``group`` at ``per_engine`` req/s."""
    state = role_model(prob, group).state_at(per_engine)
    return (
        None if state.ttft is None else state.ttft(),
        float(state.ttft_offset),
        None if state.tpot is None else state.tpot(),
    )


def assert_cdf_meets_quantile(law, q):
    x = law.quantile()
    assert law.at_most(x) >= q - 1e-6
    assert law.at_most(x * (1 - 1e-3)) < q
    assert law.at_most(x * 1.5) >= law.at_most(x)


@pytest.mark.parametrize(
    ("role", "output", "rate"),
    [
        ("both", "exp:256", 6.0),
        ("prefill", "exp:256", 6.0),
        ("decode", "exp:256", 4.0),
        ("both", "1", 8.0),
    ],
)
def test_each_law_reads_its_quantile_back_from_its_cdf(role, output, rate):
    """The CDF a mixture reads (``at_most``) crosses q at the law's own quantile: chunked
    TTFT and TPOT (colocated), the batching prefill law, the decode TPOT law, and the FCFS
    response of a colocated engine whose requests do not decode (output 1)."""
    prob = problem(output_tokens=output, ttft=None, tpot=None)
    chunk = {"both": 2048, "prefill": 16384, "decode": 0}[role]
    group = ReplicaGroup("H100-SXM", 1, 1, 1, 1, role, chunk, rate)
    ttft, _, tpot = laws_of(prob, group, rate)
    checked = [law for law in (ttft, tpot) if law is not None]
    assert checked
    for law in checked:
        assert_cdf_meets_quantile(law, prob.slo.percentile)


def test_batched_and_kv_wait_laws_read_their_quantile_back():
    pieces = np.linspace(0.002, 0.05, 25)
    weights = np.exp(-pieces / 0.015)
    assert_cdf_meets_quantile(
        BatchedPrefillLaw(20.0, 0.005, pieces, weights / weights.sum(), 0.99, 0.001), 0.99
    )
    law = KvWaitLaw(
        lambda t: min(1.0, max(0.0, (t - 0.1) / 0.2)), 0.1, 0.3, AdmissionWait(0.2, 5.0), 0.99
    )
    assert_cdf_meets_quantile(law, 0.99)
    # past the quantile's grid: one more step of the recursion, still a CDF
    assert law.at_most(law.quantile() * 4) <= 1.0 + 1e-12
    assert law.at_most(law.quantile() * 4) > law.at_most(law.quantile())


def test_a_plan_of_two_replica_types_reports_the_p99_of_all_its_requests():
    """The 8B plan of an A100 tp1 and an H100 tp2 replica: the plan's p99 TTFT / TPOT is
    the 99th percentile of the load-weighted mixture of the two groups' laws (here found by
    a dense scan, apart from the bisection), not the A100's p99 (the old value: 448 ms
    against a simulated 272 ms for all requests)."""
    prob = problem()
    plan = ServingPlan((A100, H100))
    m = plan_metrics(prob, plan)
    q = prob.slo.percentile
    per_group = {g["label"]: g for g in m["groups"]}
    worst_ttft = max(g["ttft_s"] for g in per_group.values())
    assert m["worst_ttft_s"] == worst_ttft
    for metric, key in (("ttft", "ttft_s"), ("tpot", "tpot_s")):
        cdfs = [
            (g.load_qps, state_cdf(role_model(prob, g).state_at(g.load_qps), metric))
            for g in plan.replicas
        ]
        values = [per_group[g.label()][key] for g in plan.replicas]
        grid = np.linspace(min(values), max(values), 4001)
        total = sum(w for w, _ in cdfs)
        mixed = np.array([sum(w * cdf(t) for w, cdf in cdfs) / total for t in grid])
        scan = float(grid[int(np.argmax(mixed >= q))])
        step = grid[1] - grid[0]
        assert m[key] == pytest.approx(scan, abs=step)
        assert min(values) <= m[key] <= max(values)
    # the A100 carries a tenth of the requests: the plan's p99 sits far below its p99
    assert m["ttft_s"] < 0.7 * worst_ttft
    assert m["ttft_s"] < m["worst_ttft_s"]


def test_one_layout_at_one_load_keeps_its_own_percentile():
    """Two groups of one layout at the same per-engine load (or one group) are one law:
    the plan's percentile is that group's, bit for bit."""
    prob = problem()
    one = plan_metrics(prob, ServingPlan((H100,)))
    twice = ReplicaGroup("H100-SXM", 2, 1, 1, 2, "both", 2048, 2 * H100.load_qps)
    two = plan_metrics(prob, ServingPlan((twice,)))
    assert one["ttft_s"] == one["groups"][0]["ttft_s"] == one["worst_ttft_s"]
    assert two["ttft_s"] == pytest.approx(one["ttft_s"], rel=1e-12)
    assert one["tpot_s"] == one["groups"][0]["tpot_s"]
