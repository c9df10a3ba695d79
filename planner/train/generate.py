"""Seeded generator of training-plan problems (random catalog model, cluster, workload)."""

from __future__ import annotations

import random

from planner.core.validate import MAX_COUNT
from planner.core.validate import count as check_count
from planner.perfmodel.hardware import parse_cluster
from planner.perfmodel.model_spec import ModelSpec
from planner.perfmodel.readers import catalog_names, load_model
from planner.train.instance import Constraints, TrainingProblem, Workload


def tiny_model(rng: random.Random, name: str = "tiny") -> ModelSpec:
    """A small random GPT/Llama-like model (for tests and brute force)."""
    heads = rng.choice([4, 8, 16])
    head_dim = rng.choice([32, 64, 128])
    kv = rng.choice([k for k in (1, 2, 4, 8, 16) if heads % k == 0 and k <= heads])
    gated = rng.random() < 0.5
    return ModelSpec(
        name=name,
        hidden=heads * head_dim,
        layers=rng.choice([2, 3, 4, 6, 8]),
        heads=heads,
        kv_heads=kv,
        head_dim=head_dim,
        ffn=heads * head_dim * (4 if not gated else 3),
        vocab=rng.choice([1024, 8192, 32000]),
        max_seq=8192,
        gated_mlp=gated,
        tied_embeddings=not gated,
        position_embeddings=not gated,
        linear_bias=not gated,
        layernorm=not gated,
    )


def generate(
    count: int = 1,
    *,
    seed: int = 0,
    model: str | None = None,
    gpus: str | None = None,
    tiny: bool = False,
) -> list[TrainingProblem]:
    """``count`` random problems.

    Parameters
    ----------
    count
        Number of problems.
    seed
        Random seed.
    model
        Catalog model (random when ``None``; a tiny synthetic one with ``tiny=True``).
    gpus
        Cluster string (random 8-256 GPUs of a random catalog type when ``None``).
    tiny
        Small models and clusters whose whole plan space can be brute-forced.
    """
    check_count(count, "--count", high=MAX_COUNT)
    rng = random.Random(seed)
    out = []
    for i in range(count):
        if tiny:
            spec = tiny_model(rng, f"tiny-{seed}-{i}")
            n = rng.choice([1, 2, 4, 8, 16])
            cluster = parse_cluster(
                gpus or f"{n}x{rng.choice(['A100', 'H100'])}",
                gpus_per_node=min(n, 8) if gpus is None else None,
            )
            batch = rng.choice([1, 2, 4, 8, 12, 16])
            seq = rng.choice([256, 512, 1024])
        else:
            small = [
                x
                for x in catalog_names()
                if x.startswith(("gpt-1.7", "gpt-3.6", "gpt-7.5", "llama-3.1-8b", "gpt-18"))
            ]
            spec = load_model(model or rng.choice(small))
            n = rng.choice([8, 16, 32, 64, 128, 256])
            cluster = parse_cluster(gpus or f"{n}x{rng.choice(['A100', 'H100', 'H200'])}")
            batch = rng.choice([64, 128, 256, 512])
            seq = rng.choice([1024, 2048, 4096])
        out.append(
            TrainingProblem(
                name=f"gen-{seed}-{i}",
                model=spec,
                cluster=cluster,
                workload=Workload(batch, seq),
                constraints=Constraints(),
                meta={"seed": seed},
            )
        )
    return out
