"""Shared helpers of the train tests: tiny problems and a brute-force enumerator."""

from __future__ import annotations

import itertools
import random
from dataclasses import replace
from pathlib import Path

from planner.perfmodel.hardware import parse_cluster
from planner.perfmodel.model_spec import ModelSpec
from planner.train.generate import tiny_model
from planner.train.instance import Constraints, TrainingPlan, TrainingProblem, Workload
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


def _divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def _layer_choices(prob: TrainingProblem):
    """Every per-layer decision (tp, cp, ep, microbatch, recompute, sp) of the documented
    decision space, enumerated here from the model and the constraints (not from
    ``planner.train.space``)."""
    c, m = prob.constraints, prob.model
    seq, B, budget = prob.workload.seq_len, prob.workload.global_batch, prob.gpu_budget
    nodes = [pool.gpus_per_node for pool in prob.cluster.pools]
    for t in range(1, budget + 1):
        if m.heads % t or (not m.is_mla and m.kv_heads % t) or m.ffn % t:
            continue
        if (m.is_moe and m.moe_ffn % t) or any(G % t and t % G for G in nodes):
            continue
        if (c.tp is not None and t != c.tp) or (c.max_tp is not None and t > c.max_tp):
            continue
        for cp in (1, 2, 4, 8, 16, 32):
            if cp > budget or (cp > 1 and (seq % (2 * cp) or seq // cp < 256)):
                continue
            if c.cp is not None and cp != c.cp:
                continue
            for ep in _divisors(m.num_experts) if m.is_moe else [1]:
                if c.ep is not None and ep != c.ep:
                    continue
                for b in _divisors(B):
                    if c.microbatch is not None and b != c.microbatch:
                        continue
                    for rc in ("none", "selective", "full", "offload"):
                        if c.recompute is not None and rc != c.recompute:
                            continue
                        for sp in (False, True):
                            if (sp and t == 1) or (
                                c.sequence_parallel is not None and sp != c.sequence_parallel
                            ):
                                continue
                            if m.is_moe and t > 1 and not sp:
                                continue  # Megatron-Core: MoE with TP trains only with SP
                            if sp and (seq // cp) % t:
                                continue  # SP splits a rank's seq / cp tokens over tp
                            yield t, cp, ep, b, rc, sp


def _expert_tp_choices(prob: TrainingProblem, t: int, sp: bool) -> list[int]:
    """Expert TP sizes of the documented space (0 = ``t``): with ``search_expert_tp`` on an MoE
    model also every divisor of ``t`` below it, with sequence parallelism only; a fixed
    ``expert_tp`` only itself (as 0 when it is ``t``)."""
    c, m = prob.constraints, prob.model
    below = [e for e in range(1, t) if t % e == 0] if m.is_moe and sp else []
    if c.expert_tp is not None:
        return [0] if c.expert_tp == t else [e for e in below if e == c.expert_tp]
    return [0] + (below if c.search_expert_tp else [])


def _experts_fit(t: int, cp: int, d: int, ep: int, etp: int) -> bool:
    """EP placement: data-parallel ranks (``ep | dp``), or with experts folded over ``etp < t``
    TP ranks Megatron-Core's ``etp * ep | tp * cp * dp``."""
    return d % ep == 0 if etp in (0, t) else (t * cp * d) % (etp * ep) == 0


def _interleaves(prob: TrainingProblem, p: int, m: int) -> list[int]:
    """The documented interleaving rule: v > 1 needs p >= 2, m % p == 0, at least v layers on
    every stage, and v dividing floor(L / p) or ceil(L / p) (uneven chunks otherwise)."""
    c, L = prob.constraints, prob.model.layers
    stages = c.stage_layers or _balanced(L, p)
    vs = [1]
    if p >= 2 and m % p == 0:
        lo, hi = L // p, (L + p - 1) // p
        vs += [v for v in range(2, L + 1) if v <= min(stages) and (lo % v == 0 or hi % v == 0)]
    if c.even_stages:
        vs = [v for v in vs if L % (p * v) == 0]
    return [v for v in vs if c.interleave is None or v == c.interleave]


def _splits(prob: TrainingProblem, p: int, v: int, least: int = 1):
    """Layers per stage the planner may choose: every composition with at least ``v`` (and
    ``least``) layers per stage, unless the stages are fixed, must be even, or the layers are
    of mixed types (then the balanced rule, documented in planner.train.layer_split)."""
    c, model = prob.constraints, prob.model
    if c.stage_layers is not None:
        return [tuple(c.stage_layers)]
    types = {model.is_moe_layer(i) for i in range(model.layers)}
    if c.even_stages or len(types) > 1 or p == 1:
        return [_balanced(model.layers, p)]
    return [s for s in compositions(model.layers, p) if min(s) >= max(v, least)]


def _sharding_choice(prob: TrainingProblem, layout: TrainingPlan, rc: str):
    """``(recompute_layers, shard_group)`` pairs of the documented space: hybrid-sharding
    groups (every proper divisor of ``dp * cp`` with ZeRO >= 1 and ``hsdp``; a fixed group
    only itself) without partial recompute."""
    c = prob.constraints
    n = layout.dp * layout.cp
    if c.shard_group is not None:
        g = c.shard_group
        groups = [g] if g == 0 or (layout.zero >= 1 and n % g == 0) else []
    elif c.hsdp and layout.zero >= 1:
        groups = [0] + [g for g in range(1, n) if n % g == 0]
    else:
        groups = [0]
    out = []
    for k in _partial_choice(prob, layout, rc):
        out += [(k, g) for g in groups if g == 0 or k == 0]
    return out


def _fits_some_split(prob: TrainingProblem, plan: TrainingPlan, least: int) -> bool:
    return any(
        quick(prob, replace(plan, stage_layers=s)).fits
        for s in _splits(prob, plan.pp, plan.interleave, least)
    )


def _partial_choice(prob: TrainingProblem, layout: TrainingPlan, rc: str) -> list[int]:
    """``recompute_layers`` of the documented space for ``layout``: 0; with full recompute
    also the least ``k`` with which the layout fits, when it does not fit without
    recomputation (a fixed ``recompute_layers`` is taken as it is)."""
    c = prob.constraints
    ks = _recompute_layers(prob, layout.pp, rc)
    if rc != "full" or c.recompute_layers is not None:
        return ks
    if _fits_some_split(prob, replace(layout, recompute="none"), 1):
        return [0]
    for k in ks[1:]:
        if _fits_some_split(prob, replace(layout, recompute="full", recompute_layers=k), k):
            return [0, k]
    return [0]


def _recompute_layers(prob: TrainingProblem, p: int, rc: str) -> list[int]:
    """``recompute_layers`` values of the documented space: 0, and with full recompute every
    ``k >= 1`` below the largest stage that every stage can hold (``k * p <= L``,
    ``k < ceil(L / p)``; fixed stages: ``k <= min`` and ``k < max``)."""
    c, L = prob.constraints, prob.model.layers
    if rc != "full":
        return [0] if not c.recompute_layers else []
    if not c.partial_recompute and c.recompute_layers is None:
        return [0]
    if c.stage_layers is not None:
        ks = [k for k in range(1, L) if k <= min(c.stage_layers) and k < max(c.stage_layers)]
    else:
        ks = [k for k in range(1, L) if k * p <= L and k < -(-L // p)]
    out = [0, *ks]
    return [k for k in out if c.recompute_layers is None or k == c.recompute_layers]


def _balanced(L: int, p: int) -> tuple[int, ...]:
    """Balanced stages as the planner lays them out (extra layers on middle stages first)."""
    return balanced_stage_layers(L, p)


def brute_force(prob: TrainingProblem) -> tuple[float, TrainingPlan | None, int]:
    """Best objective over the whole decision space by plain enumeration (no bounds)."""
    c = prob.constraints
    L, B = prob.model.layers, prob.workload.global_batch
    zeros = [0, 1, 2, 3] if c.zero is None else [c.zero]
    best, best_plan, count = float("inf"), None, 0
    layer_choices = [
        (*x, e) for x in _layer_choices(prob) for e in _expert_tp_choices(prob, x[0], x[5])
    ]
    for t, cp, ep, b, rc, seqpar, etp in layer_choices:
        for p in range(1, L + 1):
            if c.even_stages and L % p:
                continue
            if (c.pp is not None and p != c.pp) or (
                c.stage_layers is not None and len(c.stage_layers) != p
            ):
                continue
            for d in _divisors(B // b):
                g = t * cp * p * d
                if g > prob.gpu_budget or (c.dp is not None and d != c.dp):
                    continue
                if not _experts_fit(t, cp, d, ep, etp):
                    continue
                if c.use_all_gpus and g != prob.gpu_budget:
                    continue
                m = B // (d * b)
                for v, z in itertools.product(_interleaves(prob, p, m), zeros):
                    if p > 1 and z >= 2:
                        continue
                    layout = TrainingPlan(
                        tp=t,
                        pp=p,
                        dp=d,
                        cp=cp,
                        ep=ep,
                        microbatch=b,
                        interleave=v,
                        zero=z,
                        sequence_parallel=seqpar,
                        expert_tp=etp,
                    )
                    for k, g in _sharding_choice(prob, layout, rc):
                        for stages in _splits(prob, p, v, k):
                            plan = replace(
                                layout,
                                recompute=rc,
                                stage_layers=stages,
                                recompute_layers=k,
                                shard_group=g,
                            )
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
    c = prob.constraints
    L, B = prob.model.layers, prob.workload.global_batch
    pools = prob.cluster.pools
    for t, cp, ep, b, rc, seqpar in _layer_choices(prob):
        for d in _divisors(B // b):
            if d % ep or (c.dp is not None and d != c.dp):
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
                        labels = tuple(x for k, n in zip(order, qs, strict=True) for x in [k] * n)
                        for z in (0, 1) if c.zero is None else [c.zero]:
                            if z > 1:
                                continue
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


def check_search_against_brute_force(prob: TrainingProblem, top_k: int = 2) -> None:
    """The exact search's best objective equals the brute force's, and its plans verify."""
    from planner.train.evaluate import verify
    from planner.train.search import exact_search

    best, _plan, _count = brute_force(prob)
    out = exact_search(prob, top_k=top_k)
    assert out.complete
    got = out.ranked[0][1].objective if out.ranked else float("inf")
    if best == float("inf"):
        assert got == float("inf")
        return
    assert abs(got - best) <= 1e-9 * best, (got, best)
    for plan, _q in out.ranked:
        assert verify(prob, plan) == []


def mixed_model(base: ModelSpec, layers: int, dense: int, mtp: int) -> ModelSpec:
    """``base`` with ``layers`` layers, the first ``dense`` dense and MoE after them (8
    experts, 2 per token), and ``mtp`` multi-token-prediction blocks."""
    return replace(
        base,
        layers=layers,
        num_experts=8,
        experts_per_token=2,
        moe_ffn=base.hidden,
        dense_layers=dense,
        mtp_layers=mtp,
    )


def random_pool_problem(
    rng: random.Random,
    name: str,
    model: ModelSpec,
    pp: int,
    mem_gib: float | None,
    batches: tuple[int, ...] = (1, 2, 4),
) -> tuple[TrainingProblem, int]:
    """``model`` on ``8 pp`` A100 (``mem_gib``: their memory, so that it binds) with a random
    batch for ``pp`` stages and ``dp`` of 1 or 2; the problem and ``dp``."""
    gpu = "A100" if mem_gib is None else {"base": "A100", "memory_gib": mem_gib}
    cluster = parse_cluster({"pool": [{"gpu": gpu, "count": 8 * pp}]})
    dp = rng.choice([1, 2])
    batch = pp * dp * rng.choice(batches)
    prob = TrainingProblem(
        name, model, cluster, Workload(batch, rng.choice([512, 2048])), Constraints(), meta={}
    )
    return prob, dp


def mixed_case(seed: int, pp: int, mem_gib: int | None, mtp: int):
    """A random tiny model of dense first layers then MoE ones (``mtp``: a multi-token
    prediction block on the last stage) and a 1F1B plan of ``pp`` stages for it, its split
    open; ``mem_gib`` shrinks the GPU so that memory binds."""
    rng = random.Random(seed)
    base = tiny_model(rng)
    layers = pp + rng.randint(0, 5)
    model = mixed_model(base, layers, rng.randint(1, layers - 1), mtp)
    prob, dp = random_pool_problem(rng, "mixed", model, pp, mem_gib)
    plan = TrainingPlan(
        tp=1,
        pp=pp,
        dp=dp,
        microbatch=1,
        recompute=rng.choice(["none", "selective", "full"]),
        zero=rng.choice([0, 1]),
        stage_layers=(),
    )
    return prob, plan
