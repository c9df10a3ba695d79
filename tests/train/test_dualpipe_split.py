"""The step model's pricing of DualPipe plans (stage r and its mirror p - 1 - r on one rank) and
the search under DualPipe against a brute force (the split: ``test_step_split.py``)."""

from __future__ import annotations

import random
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from planner.perfmodel.hardware import parse_cluster
from planner.perfmodel.options import DEEPSEEK_V3
from planner.perfmodel.stage import pipeline_time
from planner.train.instance import Constraints, TrainingProblem, Workload
from planner.train.step_time import estimate, quick

from .conftest import check_search_against_brute_force, mixed_case, tiny_moe_spec


def _case(seed: int, pp: int, mem_gib: int | None, mtp: int, k: int):
    """conftest.mixed_case's random dense-then-MoE case, trained with DeepSeek-V3's software
    (DualPipe) and, with ``k``, partial recompute of ``k`` layers per stage."""
    prob, plan = mixed_case(seed, pp, mem_gib, mtp)
    # DualPipe runs an even number of microbatches, at least 2 pp
    batch = plan.dp * 2 * pp * random.Random(seed).choice([1, 2])
    prob = replace(prob, software=DEEPSEEK_V3, workload=replace(prob.workload, global_batch=batch))
    if k and pp * k <= prob.model.layers:
        plan = replace(plan, recompute="full", recompute_layers=k)
    return prob, plan


def test_estimate_prices_dualpipe_with_its_bubble_and_ranks():
    prob, plan = _case(7, 4, None, 1, 0)
    split = replace(plan, stage_layers=(1,) + (1,) * 2 + (prob.model.layers - 3,))
    est = estimate(prob, split)
    m = split.microbatches(prob.workload.global_batch)
    ranks = [s.micro_time for s in est.stages]
    assert ranks == ranks[::-1]  # rank j and its mirror p - 1 - j are the same rank
    assert est.pipeline_time == pipeline_time(max(ranks), sum(ranks), m, 4, 1, "dualpipe")
    assert quick(prob, split).step_time == est.step_time
    # without DualPipe the same split runs 1F1B over the stages
    plain = replace(prob, software=replace(DEEPSEEK_V3, ep_overlap="a2a"))
    one = estimate(plain, split)
    stages = [s.micro_time for s in one.stages]
    assert one.pipeline_time == pipeline_time(max(stages), sum(stages), m, 4, 1)


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    gpus=st.sampled_from([4, 8]),
    pp=st.sampled_from([2, 4]),
    mem_gib=st.sampled_from([None, 3.5]),
    objective=st.sampled_from(["time", "cost"]),
)
def test_search_with_dualpipe_equals_brute_force(seed, gpus, pp, mem_gib, objective):
    # the search's bounds and memory floors stay valid under DualPipe's ranks and bubble (the
    # pipeline size is fixed: tiny models would otherwise run on one stage; all layers MoE, so
    # that the brute force tries every composition; 240 cases by hand, 234 won by DualPipe)
    rng = random.Random(seed)
    gpu = "H100" if mem_gib is None else {"base": "H100", "memory_gib": mem_gib}
    prob = TrainingProblem(
        "dualpipe-search",
        tiny_moe_spec(layers=rng.choice([4, 5])),
        parse_cluster({"pool": [{"gpu": gpu, "count": gpus}]}),
        Workload(rng.choice([16, 32]), rng.choice([256, 512])),
        Constraints(objective=objective, pp=pp),
        software=DEEPSEEK_V3,
        meta={"top_k": 2},
    )
    check_search_against_brute_force(prob)
