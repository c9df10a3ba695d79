"""A small dense model for the perfmodel tests."""

from __future__ import annotations

from planner.perfmodel.model_spec import ModelSpec


def small_model(**changes) -> ModelSpec:
    """A 1024-wide, 16-head dense model (fields overridable)."""
    fields = dict(
        name="m",
        hidden=1024,
        layers=8,
        heads=16,
        kv_heads=16,
        head_dim=64,
        ffn=4096,
        vocab=32000,
        max_seq=8192,
        gated_mlp=True,
        tied_embeddings=False,
    )
    fields.update(changes)
    return ModelSpec(**fields)
