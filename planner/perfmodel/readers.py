"""Hugging Face ``config.json`` files and the model catalog.

:func:`from_hf_config` maps a config's fields to a :class:`ModelSpec`;
:func:`load_model` resolves a catalog name, a file or a mapping.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from planner.core.errors import InputError, unknown_name
from planner.core.io import read_json
from planner.core.paths import models_dir
from planner.perfmodel.model_spec import ModelSpec

#: Architectures whose MLP is a plain two-matrix MLP (no gate projection).
UNGATED = frozenset(
    {"gpt2", "gpt_neox", "gptj", "opt", "bloom", "falcon", "gpt_bigcode", "phi", "megatron-gpt"}
)
#: Architectures with learned absolute position embeddings (``n_positions x h`` parameters).
LEARNED_POSITIONS = frozenset({"gpt2", "opt", "gpt_bigcode", "megatron-gpt"})
#: Architectures with biases on every linear layer and LayerNorm (not RMSNorm).
BIASED = frozenset({"gpt2", "gpt_neox", "gptj", "opt", "bloom", "gpt_bigcode", "megatron-gpt"})


# ---------------------------------------------------------------------------
# Hugging Face config.json
# ---------------------------------------------------------------------------


def _get(
    cfg: Mapping[str, Any], keys: tuple[str, ...], where: str, *, required: bool = True
) -> Any:
    for key in keys:
        if cfg.get(key) is not None:
            return cfg[key]
    if required:
        raise InputError(f"{where}: missing field {keys[0]!r}")
    return None


def _int(
    cfg: Mapping[str, Any], keys: tuple[str, ...], where: str, default: int | None = None
) -> int:
    value = _get(cfg, keys, where, required=default is None)
    if value is None:
        return int(default)  # type: ignore[arg-type]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise InputError(f"{where}: field {keys[0]!r} must be an integer, got {value!r}")
    if value < 0:
        raise InputError(f"{where}: field {keys[0]!r} must be non-negative, got {value!r}")
    return int(value)


def from_hf_config(cfg: Mapping[str, Any], *, name: str, source: str = "") -> ModelSpec:
    """Build a :class:`ModelSpec` from a Hugging Face ``config.json`` mapping.

    Parameters
    ----------
    cfg
        The parsed config. Nested ``text_config`` (multimodal wrappers) is used
        when present.
    name
        Name given to the model.
    source
        File name used in error messages.

    Raises
    ------
    InputError
        A required field is missing or has a bad value; the message names it.
    """
    where = source or name
    if not isinstance(cfg, Mapping):
        raise InputError(f"{where}: expected a JSON object")
    if isinstance(cfg.get("text_config"), Mapping):
        cfg = {**cfg["text_config"], **{k: v for k, v in cfg.items() if k == "_planner"}}
    meta = cfg.get("_planner") or {}
    mtype = str(cfg.get("model_type", "")).lower()
    hidden = _int(cfg, ("hidden_size", "n_embd", "d_model", "dim"), where)
    layers = _int(cfg, ("num_hidden_layers", "n_layer", "num_layers", "n_layers"), where)
    heads = _int(cfg, ("num_attention_heads", "n_head", "n_heads"), where)
    if heads == 0:
        raise InputError(f"{where}: field 'num_attention_heads' must be positive")
    kv_default = 1 if cfg.get("multi_query") is True else heads
    kv_heads = _int(cfg, ("num_key_value_heads", "n_kv_heads", "num_kv_heads"), where, kv_default)
    if cfg.get("head_dim") is None and hidden % heads:
        raise InputError(
            f"{where}: hidden_size={hidden} is not divisible by num_attention_heads={heads} "
            "(give head_dim)"
        )
    head_dim = _int(cfg, ("head_dim",), where, hidden // heads)
    ffn = _int(
        cfg, ("intermediate_size", "n_inner", "ffn_dim", "ffn_hidden_size"), where, 4 * hidden
    )
    vocab = _int(cfg, ("vocab_size", "padded_vocab_size"), where)
    max_seq = _int(
        cfg, ("max_position_embeddings", "n_positions", "seq_length", "max_seq_len"), where, 4096
    )
    act = str(cfg.get("hidden_act", cfg.get("activation_function", ""))).lower()
    gated = meta.get("gated_mlp")
    if gated is None:
        gated = mtype not in UNGATED and not (not mtype and act.startswith("gelu"))
    num_experts = _int(
        cfg, ("n_routed_experts", "num_local_experts", "num_experts", "moe_num_experts"), where, 0
    )
    top_k = _int(cfg, ("num_experts_per_tok", "num_experts_per_token", "moe_top_k"), where, 0)
    moe_ffn = _int(cfg, ("moe_intermediate_size",), where, ffn if num_experts else 0)
    shared = _int(cfg, ("n_shared_experts", "num_shared_experts"), where, 0)
    shared_ffn = shared * moe_ffn
    if cfg.get("shared_expert_intermediate_size"):
        shared_ffn = _int(cfg, ("shared_expert_intermediate_size",), where)
        shared = max(shared, 1)
    dense_layers = _int(cfg, ("first_k_dense_replace",), where, 0)
    freq = _int(cfg, ("moe_layer_freq", "decoder_sparse_step"), where, 1)
    if num_experts and top_k == 0:
        raise InputError(f"{where}: MoE config needs field 'num_experts_per_tok'")
    spec = ModelSpec(
        name=name,
        hidden=hidden,
        layers=layers,
        heads=heads,
        kv_heads=kv_heads,
        head_dim=head_dim,
        ffn=ffn if ffn else 4 * hidden,
        vocab=vocab,
        max_seq=max_seq,
        gated_mlp=bool(gated),
        tied_embeddings=bool(cfg.get("tie_word_embeddings", True)),
        position_embeddings=mtype in LEARNED_POSITIONS,
        linear_bias=mtype in BIASED,
        qkv_bias=mtype == "qwen2" or bool(cfg.get("attention_bias", False)),
        layernorm=mtype in BIASED,
        num_experts=num_experts,
        experts_per_token=top_k if num_experts else 0,
        shared_experts=shared if num_experts else 0,
        moe_ffn=moe_ffn if num_experts else 0,
        shared_ffn=shared_ffn if num_experts else 0,
        dense_layers=dense_layers if num_experts else 0,
        moe_layer_freq=freq,
        q_lora_rank=_int(cfg, ("q_lora_rank",), where, 0),
        kv_lora_rank=_int(cfg, ("kv_lora_rank",), where, 0),
        qk_rope_head_dim=_int(cfg, ("qk_rope_head_dim",), where, 0),
        qk_nope_head_dim=_int(cfg, ("qk_nope_head_dim",), where, 0),
        v_head_dim=_int(cfg, ("v_head_dim",), where, 0),
        source=source or name,
        display_name=str(meta.get("display_name", "")),
    )
    return spec


# ---------------------------------------------------------------------------
# Catalog
# ---------------------------------------------------------------------------


def catalog_dir() -> Path:
    """Folder of the bundled model configs (``models/llm``)."""
    return models_dir() / "llm"


def catalog_names() -> list[str]:
    """Names of the bundled models."""
    return sorted(p.stem for p in catalog_dir().glob("*.json"))


def _normalize(name: str) -> str:
    return "".join(c for c in name.lower() if c.isalnum() or c == ".")


@functools.lru_cache(maxsize=256)
def _load_cached(path: str, name: str) -> ModelSpec:
    return from_hf_config(read_json(path), name=name, source=path)


def load_model(model: str | Path | Mapping[str, Any] | ModelSpec) -> ModelSpec:
    """Resolve a model: a :class:`ModelSpec`, a config mapping, a file, or a catalog name.

    Catalog lookup ignores case and punctuation, and accepts a Hugging Face id
    such as ``meta-llama/Llama-3.1-70B``.

    Raises
    ------
    InputError
        Unknown name (the message lists the closest catalog names) or a
        malformed config.
    """
    if isinstance(model, ModelSpec):
        return model
    if isinstance(model, Mapping):
        return ModelSpec.from_dict(model)
    text = str(model)
    path = Path(text)
    if path.suffix.lower() == ".json" or path.is_file() or path.is_dir():
        if path.is_dir():
            path = path / "config.json"
        if not path.exists():
            raise InputError(f"{text}: no such file")
        return _load_cached(
            str(path), path.stem if path.name != "config.json" else path.parent.name
        )
    names = catalog_names()
    key = _normalize(text.rsplit("/", 1)[-1])
    for cand in names:
        if _normalize(cand) == key:
            return _load_cached(str(catalog_dir() / f"{cand}.json"), cand)
    raise unknown_name("model", text, names)


__all__ = ["catalog_names", "from_hf_config", "load_model"]
