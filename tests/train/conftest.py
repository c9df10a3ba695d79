"""Shared helpers of the train tests: tiny problems and a brute-force enumerator."""

from __future__ import annotations

import itertools
from pathlib import Path

from planner.perfmodel.hardware import parse_cluster
from planner.perfmodel.model_spec import ModelSpec
from planner.train.instance import Constraints, TrainingPlan, TrainingProblem, Workload
from planner.train.space import divisors, interleaves, space
from planner.train.step_time import balanced_stage_layers, quick

INSTANCES = Path(__file__).resolve().parents[2] / "instances" / "train"


def tiny_spec(layers: int = 4, heads: int = 8, head_dim: int = 64, vocab: int = 4096) -> ModelSpec:
    """A small GPT-like model."""
    return ModelSpec(
        name="tiny",
        hidden=heads * head_dim,
        layers=layers,
        heads=heads,
        kv_heads=heads,
        head_dim=head_dim,
        ffn=4 * heads * head_dim,
        vocab=vocab,
        max_seq=4096,
        gated_mlp=False,
        tied_embeddings=True,
        position_embeddings=True,
        linear_bias=True,
        layernorm=True,
    )


def problem(
    model: ModelSpec | None = None,
    gpus: str = "8xA100",
    batch: int = 8,
    seq: int = 512,
    **constraints,
) -> TrainingProblem:
    """A TrainingProblem with defaults for tests."""
    return TrainingProblem(
        "t",
        model or tiny_spec(),
        parse_cluster(gpus),
        Workload(batch, seq),
        Constraints(**constraints),
        meta={"top_k": 3},
    )


def brute_force(prob: TrainingProblem) -> tuple[float, TrainingPlan | None, int]:
    """Best objective over the whole decision space by plain enumeration (no bounds)."""
    sp = space(prob)
    c = prob.constraints
    L, B = prob.model.layers, prob.workload.global_batch
    best, best_plan, count = float("inf"), None, 0
    for t, cp, ep, b, rc in itertools.product(
        sp.tps, sp.cps, sp.eps, sp.microbatches, sp.recomputes
    ):
        for seqpar in [False, True] if t > 1 else [False]:
            if c.sequence_parallel is not None and seqpar != c.sequence_parallel:
                continue
            for p in range(1, L + 1):
                if c.pp is not None and p != c.pp:
                    continue
                for d in divisors(B // b):
                    if t * cp * p * d > prob.gpu_budget or d % ep:
                        continue
                    if c.dp is not None and d != c.dp:
                        continue
                    if c.use_all_gpus and t * cp * p * d != prob.gpu_budget:
                        continue
                    m = B // (d * b)
                    for v in interleaves(prob, p, m):
                        for z in sp.zeros:
                            if p > 1 and z >= 2:
                                continue
                            plan = TrainingPlan(
                                tp=t,
                                pp=p,
                                dp=d,
                                cp=cp,
                                ep=ep,
                                microbatch=b,
                                interleave=v,
                                recompute=rc,
                                zero=z,
                                sequence_parallel=seqpar,
                                stage_layers=c.stage_layers or balanced_stage_layers(L, p),
                            )
                            if c.stage_layers is not None and len(c.stage_layers) != p:
                                continue
                            q = quick(prob, plan)
                            count += 1
                            if q.fits and q.objective < best:
                                best, best_plan = q.objective, plan
    return best, best_plan, count


def compositions(total: int, parts: int):
    """All ways to write ``total`` as ``parts`` positive integers."""
    for cuts in itertools.combinations(range(1, total), parts - 1):
        bounds = (0, *cuts, total)
        yield tuple(bounds[i + 1] - bounds[i] for i in range(parts))


def mixed_plans(prob: TrainingProblem):
    """Every pipeline spanning >= 2 pools (contiguous pool blocks), every split: (plan, cfg, d)."""
    sp = space(prob)
    c = prob.constraints
    L, B = prob.model.layers, prob.workload.global_batch
    pools = prob.cluster.pools
    for t, cp, ep, b, rc in itertools.product(
        sp.tps, sp.cps, sp.eps, sp.microbatches, sp.recomputes
    ):
        for seqpar in [False, True] if t > 1 else [False]:
            if c.sequence_parallel is not None and seqpar != c.sequence_parallel:
                continue
            for d in divisors(B // b):
                if d % ep:
                    continue
                g = t * cp * d
                limits = {p.label: min(p.count, prob.gpu_budget) // g for p in pools}
                usable = [k for k, q in limits.items() if q >= 1]
                for r in range(2, len(usable) + 1):
                    for order in itertools.permutations(usable, r):
                        for qs in itertools.product(*[range(1, limits[k] + 1) for k in order]):
                            p = sum(qs)
                            if p > L or p * g > prob.gpu_budget:
                                continue
                            labels = tuple(
                                x for k, n in zip(order, qs, strict=True) for x in [k] * n
                            )
                            for z in [z for z in sp.zeros if z <= 1]:
                                for split in compositions(L, p):
                                    plan = TrainingPlan(
                                        tp=t,
                                        pp=p,
                                        dp=d,
                                        cp=cp,
                                        ep=ep,
                                        microbatch=b,
                                        recompute=rc,
                                        zero=z,
                                        sequence_parallel=seqpar,
                                        stage_layers=split,
                                        stage_pools=labels,
                                    )
                                    yield plan, (t, cp, ep, b, rc, seqpar), d


def tiny_moe_spec(layers: int = 3, experts: int = 4, dense_layers: int = 0) -> ModelSpec:
    """A small Mixtral-like model (every layer MoE, or DeepSeek-like after ``dense_layers``)."""
    return ModelSpec(
        name="tiny-moe",
        hidden=256,
        layers=layers,
        heads=4,
        kv_heads=2,
        head_dim=64,
        ffn=512,
        vocab=2048,
        max_seq=4096,
        gated_mlp=True,
        tied_embeddings=False,
        position_embeddings=False,
        linear_bias=False,
        layernorm=False,
        num_experts=experts,
        experts_per_token=2,
        moe_ffn=512,
        dense_layers=dense_layers,
    )
