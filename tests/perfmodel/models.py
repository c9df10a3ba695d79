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


def layer_windows(model: ModelSpec) -> list[int | None]:
    """Each layer's window (``None``: full attention), written out layer by layer: the full
    layers spread evenly, the last of each period (gpt-oss, Llama 4's NoPE layers)."""
    full = model.full_attention_layers
    period = model.layers // full if full else 0
    return [
        None if period and i % period == period - 1 else model.sliding_window
        for i in range(model.layers)
    ]


def mixtral_offload_plan(**over) -> dict:
    """An offload plan (``planner.offload.plan/1``) for Mixtral-8x7B keeping 2 of 8 experts per
    layer on the GPU (fields overridable)."""
    from planner.perfmodel.experts import expert_bytes

    expert = expert_bytes(4096, 14336)
    data = {
        "format": "planner.offload.plan/1",
        "model": "mixtral-8x7b",
        "layers": 32,
        "experts": 8,
        "shared_experts": 0,
        "top_k": 2,
        "expert_bytes": expert,
        "resident_bytes_max": 32 * 2 * expert,
        "hit_rate": 0.4,
        "mean_bytes_moved_per_step": 4 * expert,
        "overlap": False,
        "h2d_gb_s": 32.0,
    }
    data.update(over)
    return data
