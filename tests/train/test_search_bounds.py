"""Every pruning bound of the homogeneous search is below the objective of every plan it prunes.

For random tiny problems (dense, all-MoE and dense-then-MoE models; default, no-overlap,
DeepSeek-style, frozen-weight and LoRA software; time and cost) each candidate ``(layer configuration, pp,
dp, v, zero)`` is split every possible way by plain enumeration, and the configuration
bound, the per-``pp`` bound, the candidate bound and the per-stage floor
(:func:`planner.train.search.stage_floor`) must all stay below the best of those splits,
and a configuration's work must be at least that of the same configuration without
recomputation or offload (the bound of configurations not built yet).
"""

from __future__ import annotations

import math
import random
from dataclasses import replace

from hypothesis import example, given, settings
from hypothesis import strategies as st

from planner.perfmodel.hardware import parse_cluster
from planner.perfmodel.options import DEEPSEEK_V3, Software
from planner.train.generate import tiny_model
from planner.train.instance import Constraints, TrainingProblem, Workload
from planner.train.search import (
    _candidates,
    _config_bound,
    layer_config,
    layer_configs,
    stage_floor,
)
from planner.train.space import recompute_layer_counts, space
from planner.train.step_time import quick

from .conftest import compositions

SOFTWARE = {
    "default": Software(),
    "no-overlap": Software(overlap_param_gather=False, pp_overlap=False),
    "deepseek": DEEPSEEK_V3,
    "frozen": Software(trainable=0.5, zero_hpz=True),
    "lora": Software(lora_rank=8, tp_overlap=True),
}


def _model(rng: random.Random, kind: str):
    base = tiny_model(rng)
    layers = rng.choice([3, 4, 5])
    if kind == "dense":
        return replace(base, layers=layers)
    return replace(
        base,
        layers=layers,
        num_experts=4,
        experts_per_token=2,
        moe_ffn=base.hidden,
        dense_layers=0 if kind == "moe" else rng.randint(1, layers - 1),
    )


def _best_split(prob: TrainingProblem, plan) -> float:
    """Least objective of ``plan`` over every split with at least ``v`` layers per stage (and
    ``k`` with partial recompute of ``k`` layers per stage)."""
    L, v = prob.model.layers, max(plan.interleave, plan.recompute_layers)
    best = math.inf
    for split in compositions(L, plan.pp):
        if min(split) >= v:
            best = min(best, quick(prob, replace(plan, stage_layers=split)).objective)
    return best


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    kind=st.sampled_from(["dense", "moe", "mixed"]),
    software=st.sampled_from(sorted(SOFTWARE)),
    objective=st.sampled_from(["time", "cost"]),
    gpus=st.sampled_from([4, 8]),
    overlap=st.booleans(),
)
# DeepSeek software with activation offload: a DualPipe rank's slower kernels hide more of
# the copies, so the one-stage work overstated the sum of its stage times (0.02 % above)
@example(seed=128, kind="moe", software="deepseek", objective="time", gpus=4, overlap=False)
def test_bounds_are_below_every_split(seed, kind, software, objective, gpus, overlap):
    rng = random.Random(seed)
    prob = TrainingProblem(
        "b",
        _model(rng, kind),
        parse_cluster(f"{gpus}x{rng.choice(['A100', 'H100'])}", gpus_per_node=4),
        Workload(4, rng.choice([256, 1024])),
        # expert TP below TP searched too (MoE parallel folding)
        Constraints(objective=objective, overlap_grad_reduce=overlap, search_expert_tp=True),
        software=SOFTWARE[software],
    )
    zeros = space(prob).zeros
    checked = 0
    configs = layer_configs(prob)
    plain = {
        (x.tp, x.cp, x.ep, x.microbatch, x.sp, x.etp): x.work
        for x in configs
        if x.recompute == "none"
    }
    # partial recompute (k layers per stage): its configuration carries the plain work
    configs += [
        layer_config(prob, x.tp, x.cp, x.ep, x.microbatch, "full", x.sp, partial=True, etp=x.etp)
        for x in configs
        if x.recompute == "full"
    ]
    folded = 0
    for lc in configs:
        # recompute and offload only add work (search.config_seeds bounds them by it)
        assert lc.work >= plain[lc.tp, lc.cp, lc.ep, lc.microbatch, lc.sp, lc.etp] * (1 - 1e-12)
        per_pp = _config_bound(prob, lc, zeros, math.inf)
        for _b, pp, d, v, z, m, usum in _candidates(prob, lc, zeros, sorted(per_pp)):
            ks = recompute_layer_counts(prob, pp) if lc.partial else [0]
            # hybrid sharding (kept under the candidate's bound, refined by the stage floor)
            groups = [g for g in range(1, d * lc.cp) if (d * lc.cp) % g == 0 and z >= 1]
            for k, g in [(k, 0) for k in ks] + [(0, g) for g in groups if not lc.partial]:
                plan = lc.plan(pp, d, v, z, (), k, g)
                best = _best_split(prob, plan) * (1 + 1e-9)
                assert lc.bound(prob) <= best
                assert per_pp[pp] <= best, (plan, per_pp[pp], best)
                assert _b <= best, (plan, _b, best)
                # the search keys partial and hybrid-sharding plans by the stage floor at every pp
                if pp > 1 or lc.partial or g:
                    assert stage_floor(prob, plan, usum, m) <= best, (plan, best)
                checked += 1
                folded += bool(lc.etp)
    assert checked > 0
    # the folded candidates are covered whenever the model has experts and TP can exceed 1
    if kind != "dense" and any(x.tp > 1 for x in configs):
        assert folded > 0
