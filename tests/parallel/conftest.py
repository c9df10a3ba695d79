"""Shared helpers of the parallel tests: tiny problems and a brute-force enumerator."""

from __future__ import annotations

import itertools
from pathlib import Path

from planner.parallel.hardware import parse_cluster
from planner.parallel.instance import Constraints, TrainingPlan, TrainingProblem, Workload
from planner.parallel.model_spec import ModelSpec
from planner.parallel.space import divisors, interleaves, space
from planner.parallel.step_time import balanced_stage_layers, quick

INSTANCES = Path(__file__).resolve().parents[2] / "instances" / "parallel"


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
