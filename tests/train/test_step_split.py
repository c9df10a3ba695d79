"""The split the search claims optimal for mixed-layer plans without interleaving (1F1B) and
for DualPipe plans, against a brute force over every composition priced by the step model."""

from __future__ import annotations

import math
import random
from dataclasses import replace

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from planner.perfmodel.stage import stage_cost
from planner.train.evaluate import verify
from planner.train.layer_split import split_and_proof
from planner.train.step_time import estimate, moe_flags, quick, training_step

from .conftest import compositions, mixed_case
from .test_dualpipe_split import _case as dualpipe_case


def _rank_bottleneck(prob, plan, layers):
    """Slowest rank time of ``layers`` under DualPipe, inf if a rank is over memory (own loop:
    rank j holds stages j and p - 1 - j; stage j keeps min(p - j, m) microbatches in flight;
    one working set per rank, the larger)."""
    pool = prob.cluster.pools[0]
    step = training_step(prob, plan)
    flags = moe_flags(prob.model)
    m = plan.microbatches(prob.workload.global_batch)
    p = len(layers)
    starts = [sum(layers[:j]) for j in range(p)]
    costs = []
    for j, n in enumerate(layers):
        n_moe = sum(flags[starts[j] : starts[j] + n])
        costs.append(stage_cost(step, pool, n - n_moe, n_moe, j == 0, j == p - 1))
    worst = 0.0
    for j in range(p // 2):
        a, b = costs[j], costs[p - 1 - j]
        mem = a.memory.total(min(p - j, m)) + b.memory.total(min(j + 1, m))
        mem -= min(a.memory.work, b.memory.work)
        if mem > prob.capacity(pool.gpu):
            return math.inf
        worst = max(worst, (a.micro + b.micro) / 2)
    return worst


def _brute(prob, plan) -> float:
    """Least step time over every split with ``least`` layers per stage (own loop)."""
    L, pp = prob.model.layers, plan.pp
    least = plan.recompute_layers if plan.recompute == "full" and plan.recompute_layers else 1
    best = math.inf
    for layers in compositions(L, pp):
        if min(layers) < least:
            continue
        q = quick(prob, replace(plan, stage_layers=layers))
        if q.fits:
            best = min(best, q.step_time)
    return best


def _check(prob, plan) -> None:
    brute = _brute(prob, plan)
    chosen, q, proven = split_and_proof(prob, plan)
    assert proven
    if brute == math.inf:
        assert not q.fits
        return
    assert q.fits and sum(chosen.stage_layers) == prob.model.layers
    assert q.step_time <= brute * (1 + 1e-9)


def _zero(prob, plan, zero: int):
    """``plan`` with ZeRO stage ``zero`` (2/3: per-microbatch collectives overlapped with the
    stage's compute, a stage time that is not affine in its layers)."""
    if zero >= 2 and plan.dp > 1:
        return replace(plan, zero=zero)
    return plan


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    pp=st.sampled_from([2, 3, 4]),
    mem_gib=st.sampled_from([None, 1, 2]),
    mtp=st.sampled_from([0, 1]),
    zero=st.sampled_from([0, 0, 2, 3]),
    one_microbatch=st.sampled_from([False, False, True]),
)
# main 8a80c95 claimed (4, 1, 1) optimal at 4.949 ms; (2, 3, 1) takes 4.913 ms
@example(seed=0, pp=3, mem_gib=None, mtp=1, zero=0, one_microbatch=False)
# partial recompute, MoE last layer: the last stage of 2 layers (a dense layer recomputed) is
# faster than of 1 (the MoE layer recomputed); the table stopped at 1 and claimed (3, 3)
@example(seed=448, pp=2, mem_gib=None, mtp=0, zero=0, one_microbatch=False)
def test_mixed_1f1b_split_is_step_optimal(seed, pp, mem_gib, mtp, zero, one_microbatch):
    prob, plan = mixed_case(seed, pp, mem_gib, mtp)
    plan = _zero(prob, plan, zero)
    if one_microbatch:  # no (m - 1) max U term: the sum and the tail decide
        prob = replace(prob, workload=replace(prob.workload, global_batch=plan.dp))
    if random.Random(seed).random() < 0.3 and plan.recompute == "full":
        plan = replace(plan, recompute_layers=1)  # partial recompute: U not affine in n
    assert training_step(prob, plan).schedule == "1f1b"
    _check(prob, plan)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    pp=st.sampled_from([2, 4, 6]),
    mem_gib=st.sampled_from([None, 1, 2]),
    mtp=st.sampled_from([0, 1]),
    k=st.sampled_from([0, 0, 2]),
    zero=st.sampled_from([0, 0, 2, 3]),
)
# main 8a80c95 claimed (2, 2) optimal at 2.6213 ms; (3, 1) takes 2.6173 ms
@example(seed=252, pp=2, mem_gib=None, mtp=0, k=0, zero=0)
def test_dualpipe_split_is_step_optimal(seed, pp, mem_gib, mtp, k, zero):
    prob, plan = dualpipe_case(seed, pp, mem_gib, mtp, k)
    plan = _zero(prob, plan, zero)
    assert training_step(prob, plan).schedule == "dualpipe"
    _check(prob, plan)
    # the step model prices the chosen split as the own loop's ranks: slowest rank, memory
    split, q, _proven = split_and_proof(prob, plan)
    own = _rank_bottleneck(prob, split, split.stage_layers)
    assert q.fits == (own < math.inf)
    if q.fits:
        est = estimate(prob, split)
        assert max(s.micro_time for s in est.stages) == pytest.approx(own, rel=1e-9)
        assert est.step_time == pytest.approx(q.step_time, rel=1e-12)
        if plan.zero < 2:  # verify: ZeRO-2/3 do not combine with pipelines
            assert not any("needs" in v for v in verify(prob, split))
