"""Model configs (Hugging Face ``config.json``, DeepSeek's inference configs) and the catalog.

:func:`from_hf_config` reads a config the way its architecture names its
fields and builds a :class:`ModelSpec`; :func:`load_model` resolves a catalog
name, a file or a mapping.

Architectures (``model_type``) and their fields:

* Llama family — ``llama``, ``mistral``, ``qwen2``, ``qwen3``, ``gemma``,
  ``phi3`` and the MoE ``mixtral``, ``qwen2_moe``, ``qwen3_moe``,
  ``deepseek_v2``, ``deepseek_v3``, ``glm4_moe`` (GLM-4.5; ``use_qk_norm`` read and
  left out, as Qwen3's QK norm): ``hidden_size``, ``num_hidden_layers``,
  ``num_attention_heads``, ``num_key_value_heads``, ``head_dim``,
  ``intermediate_size``; experts ``num_local_experts`` / ``num_experts`` /
  ``n_routed_experts``, ``num_experts_per_tok``, ``moe_intermediate_size``,
  shared experts ``n_shared_experts`` / ``shared_expert_intermediate_size``,
  dense first layers ``first_k_dense_replace``, ``moe_layer_freq`` /
  ``decoder_sparse_step``; MLA ranks ``q_lora_rank``, ``kv_lora_rank``,
  ``qk_rope_head_dim``, ``qk_nope_head_dim``, ``v_head_dim``; sliding
  window ``sliding_window`` (with ``use_sliding_window``).
  ``deepseek_v3`` also covers Moonshot's ``kimi_k2`` (the same architecture).
  ``layer_types`` (``sliding_attention`` / ``full_attention`` per layer) sets
  which layers the sliding window applies to.
* Gemma 2 / Gemma 3 (``gemma2``, ``gemma3_text``, a ``gemma3`` file's ``text_config``): as the
  Llama family, with transformers' defaults for what the files omit (vocabulary, window,
  tied embeddings) and ``sliding_window_pattern`` (Gemma 3: five local layers to one global;
  Gemma 2 alternates) unless ``layer_types`` lists them.
* OLMo 2 / OLMoE (``olmo2``, ``olmoe``) and Cohere Command-R / R+ (``cohere``: one
  LayerNorm per layer, parallel attention and MLP, tied embeddings by default; ``cohere2``,
  Command R7B / A, adds a 4,096-token window on 3 layers of 4, ``layer_types`` or
  ``sliding_window_pattern``): as the Llama family; their q / k norms, ``clip_qkv`` and
  ``logit_scale`` are read and left out.
* Fields a Llama-family file omits take its ``transformers`` class's default where that is
  not the Llama reading (``_TRANSFORMERS_DEFAULTS``: Mistral's and Mixtral's 8 KV heads,
  Qwen3's ``head_dim`` 128, ...); Qwen's ``use_sliding_window`` windows the layers from
  ``max_window_layers`` on (Qwen2-MoE: the even layers below it).
* s24readers: Phi-3.5-MoE (``phimoe``: LayerNorms with bias), Granite / Granite MoE
  (``granite``, ``granitemoe``, ``granitemoeshared``: scalar multipliers read and left out),
  Ministral (``ministral``) and a ``mistral3`` file's ``text_config``, GLM-4 / GLM-4-0414
  (``glm``, ``glm4``), InternLM2 (``internlm2``), EXAONE 3.x (``exaone``: ``num_layers``),
  DeepSeek-MoE v1 (``deepseek``), DBRX (``dbrx``: ``d_model``, ``n_heads``, ``n_layers``,
  ``attn_config``, ``ffn_config``) and Snowflake Arctic (``arctic``: the dense residual MLP
  priced as a shared expert). The ``model_type``s of :data:`UNPRICED_LAYERS` (state-space,
  recurrent, linear-attention and hybrid models) are refused, naming the layer kind.
* gpt-oss (``gpt_oss``): as the Llama family, experts ``num_local_experts`` of
  width ``intermediate_size`` on every layer, biases on attention and experts,
  ``layer_types`` alternating a ``sliding_window`` with full attention.
* Llama 4 (``llama4`` / ``llama4_text``): ``intermediate_size`` (experts and the
  shared expert), ``intermediate_size_mlp`` (dense layers),
  ``interleave_moe_layer_step`` / ``moe_layers``, ``attention_chunk_size`` with
  ``no_rope_layers`` (chunked attention on the RoPE layers, full on the others).
* Nemotron-4 (``nemotron``): ``hidden_size``, ``num_hidden_layers``,
  ``num_attention_heads``, ``num_key_value_heads``, ``intermediate_size``
  (squared-ReLU MLP, LayerNorm1P with bias).
* GPT-2 (``gpt2``, ``gpt_bigcode``): ``n_embd``, ``n_layer``, ``n_head``,
  ``n_inner``, ``n_positions``, ``multi_query``.
* GPT-J (``gptj``): ``n_embd``, ``n_layer``, ``n_head``, ``n_inner`` (one
  LayerNorm per layer, biases on the MLP only).
* GPT-NeoX (``gpt_neox``): ``hidden_size``, ``num_hidden_layers``,
  ``num_attention_heads``, ``intermediate_size``.
* OPT (``opt``): ``hidden_size``, ``num_hidden_layers``,
  ``num_attention_heads``, ``ffn_dim``, ``word_embed_proj_dim`` (must equal
  the hidden size: the projected variants are not modelled).
* BLOOM (``bloom``): ``hidden_size`` / ``n_embed``, ``n_layer``,
  ``n_head`` (ALiBi, a LayerNorm after the embedding).
* Falcon (``falcon``, ``RefinedWebModel``, ``RefinedWeb``): ``hidden_size``,
  ``num_hidden_layers`` / ``n_layer``, ``num_attention_heads`` / ``n_head``,
  ``multi_query``, ``num_kv_heads`` / ``n_head_kv``, ``parallel_attn``,
  ``new_decoder_architecture``, ``bias``.
* MPT (``mpt``): ``d_model``, ``n_layers``, ``n_heads``, ``expansion_ratio``,
  ``max_seq_len``, ``no_bias``, ``learned_pos_emb``, ``attn_config``.
* DeepSeek's own inference configs (no ``model_type``; ``dim``,
  ``n_layers``, ``n_heads``, ``inter_dim``, ``moe_inter_dim``,
  ``n_routed_experts``, ``n_shared_experts``, ``n_activated_experts``,
  ``n_dense_layers``, MLA ranks).

Fields that do not change the model's size or cost (token ids, dropout,
initialization, norm epsilons, rotary-embedding settings, router loss
coefficients, library versions, ...) are accepted and ignored. One is
ignored on purpose although it touches the weights: ``quantization_config``
(the storage format of a checkpoint; the planner's precision is chosen per
plan). ``num_nextn_predict_layers`` (DeepSeek-V3's multi-token-prediction
modules, not part of the 671B model) becomes ``mtp_layers``: training costs
them, parameter totals leave them out. Any other field fails with an
``InputError`` naming the field and the architecture: a field the reader
cannot map may change the model's size or cost, so it never gets a silent
default. Fields a config omits take the defaults of the architecture's
``transformers`` configuration class (e.g. Gemma ties its embeddings).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from planner.core.errors import InputError, unknown_name
from planner.core.io import read_json
from planner.core.paths import models_dir
from planner.perfmodel.model_spec import ModelSpec

#: Fields of any architecture that change neither the parameter count nor the cost.
NEUTRAL = frozenset(
    {
        "_name_or_path",
        "_commit_hash",
        "_planner",
        "name",
        "architectures",
        "model_type",
        "auto_map",
        "transformers_version",
        "torch_dtype",
        "dtype",
        "use_cache",
        "is_decoder",
        "bos_token_id",
        "eos_token_id",
        "pad_token_id",
        "unk_token_id",
        "sep_token_id",
        "decoder_start_token_id",
        "tokenizer_class",
        "tokenizer_name",
        "task_specific_params",
        "prefix",
        "id2label",
        "label2id",
        "initializer_range",
        "init_std",
        "init_config",
        "init_device",
        "verbose",
        "gradient_checkpointing",
        "rms_norm_eps",
        "layer_norm_eps",
        "layer_norm_epsilon",
        "attention_dropout",
        "hidden_dropout",
        "attn_pdrop",
        "resid_pdrop",
        "embd_pdrop",
        "emb_pdrop",
        "dropout",
        "activation_dropout",
        "classifier_dropout",
        "layerdrop",
        "summary_type",
        "summary_use_proj",
        "summary_activation",
        "summary_proj_to_labels",
        "summary_first_dropout",
        "hidden_act",
        "hidden_activation",
        "activation_function",
        "rope_theta",
        "rope_scaling",
        # transformers 5 keeps rope_theta / rope_type / scaling under one table
        "rope_parameters",
        # Qwen2 / Qwen2.5 files state "use_mrope": false (Qwen/Qwen2.5-0.5B config.json,
        # transformers 4.40.1): the multimodal rotary split of the position ids, no weights
        "use_mrope",
        "rotary_emb_base",
        "rotary_pct",
        "partial_rotary_factor",
        "rotary",
        "rotary_dim",
        "original_max_position_embeddings",
        "scale_attn_weights",
        "pretraining_tp",
        "quantization_config",
        "output_router_logits",
        "router_aux_loss_coef",
        "aux_loss_alpha",
        "seq_aux",
        "norm_topk_prob",
        "routed_scaling_factor",
        "scoring_func",
        "topk_method",
        "ep_size",
        "max_window_layers",
        "apply_residual_connection_post_layernorm",
    }
)

_MISSING = object()


class _Fields:
    """A config being read: values by name, which fields were used, errors that name both."""

    def __init__(self, cfg: Mapping[str, Any], where: str, arch: str) -> None:
        self.cfg = cfg
        self.where = where
        self.arch = arch
        self.used: set[str] = set()

    def error(self, text: str) -> InputError:
        return InputError(f"{self.where}: {text} ({self.arch} config)")

    def raw(self, *keys: str) -> Any:
        """The first of ``keys`` present with a value (all of them count as read), or ``None``."""
        self.used.update(keys)
        for key in keys:
            if self.cfg.get(key) is not None:
                return self.cfg[key]
        return None

    def int(self, *keys: str, default: Any = _MISSING) -> int:
        """A non-negative integer field (``InputError`` naming it when absent or malformed)."""
        value = self.raw(*keys)
        if value is None:
            if default is _MISSING:
                raise self.error(f"missing field {keys[0]!r}")
            return default
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)  # JSON reads NaN and Infinity
            or value != int(value)
        ):
            raise self.error(f"field {keys[0]!r} must be an integer, got {value!r}")
        if value < 0:
            raise self.error(f"field {keys[0]!r} must be non-negative, got {value!r}")
        return int(value)

    def flag(self, key: str, default: bool) -> bool:
        """A boolean field."""
        value = self.raw(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.error(f"field {key!r} must be true or false, got {value!r}")
        return value

    def require(self, key: str, allowed: Iterable[Any], why: str) -> None:
        """Reject a field whose value the model does not cover."""
        value = self.raw(key)
        if value is not None and value not in tuple(allowed):
            raise self.error(f"field {key!r} = {value!r} is not modelled: {why}")

    def finish(self, extra_neutral: Iterable[str] = ()) -> None:
        """``InputError`` for the first field nobody read (it may change size or cost)."""
        known = self.used | NEUTRAL | set(extra_neutral)
        unknown = sorted(k for k in self.cfg if k not in known)
        if unknown:
            raise self.error(
                f"field {unknown[0]!r} is not understood by the planner (it may change the "
                "model's size or cost; remove it if it does not)"
            )


def _sliding_window(f: _Fields, max_seq: int) -> int:
    """Keys attended per query when a sliding window is active, else 0."""
    window = f.raw("sliding_window")
    if f.flag("use_sliding_window", True) is False or window is None:
        return 0
    if isinstance(window, bool) or not isinstance(window, int) or window < 1:
        raise f.error(f"field 'sliding_window' must be a positive integer, got {window!r}")
    return 0 if window >= max_seq else window


#: ``layer_types`` entries (transformers' ``layer_type_validation``) the planner models.
_LAYER_TYPES = ("sliding_attention", "full_attention")


def _attention_layers(f: _Fields, layers: int, window: int) -> tuple[int, int]:
    """(sliding window, layers attending the full context) from ``layer_types``.

    Without ``layer_types`` every layer is windowed when a window is set. With it, the
    ``full_attention`` entries attend the whole context (gpt-oss alternates them with
    ``sliding_attention``); a config whose layers are all full has no window.
    """
    kinds = f.raw("layer_types")
    if kinds is None:
        return window, 0
    if not isinstance(kinds, list) or len(kinds) != layers:
        raise f.error(f"field 'layer_types' must list the {layers} layers' attention types")
    # a list, not a set: an entry may be unhashable (a list or an object was a TypeError)
    unknown = sorted((k for k in kinds if not (isinstance(k, str) and k in _LAYER_TYPES)), key=str)
    if unknown:
        raise f.error(
            f"field 'layer_types' entry {unknown[0]!r} is not modelled (only "
            f"{' and '.join(_LAYER_TYPES)})"
        )
    sliding = kinds.count("sliding_attention")
    if not window or not sliding:
        return 0, 0
    return window, layers - sliding


def _router_groups(f: _Fields, experts: int) -> dict[str, int]:
    """Group-limited routing (DeepSeek-V2/V3 ``n_group`` groups, ``topk_group`` chosen per
    token; Megatron-Bridge maps them to ``moe_router_num_groups`` / ``moe_router_group_topk``,
    ``model_bridge.py``); none for one group (Kimi-K2's ``n_group = 1``) or a dense model."""
    groups = f.int("n_group", default=1)
    topk = f.int("topk_group", default=groups)
    if not experts or groups <= 1 or topk >= groups:
        return {"router_groups": 0, "router_group_topk": 0}
    return {"router_groups": groups, "router_group_topk": topk}


#: Defaults of transformers' configuration classes that differ from the Llama reading (a field
#: absent from the file takes the class's value when transformers builds the model), from
#: huggingface/transformers @008e5743 ``configuration_<type>.py`` (MistralConfig also @001f85b3):
#: MistralConfig ``num_key_value_heads`` 8 and ``sliding_window`` 4096, MixtralConfig 8 KV
#: heads, Qwen2Config / Qwen3Config 32 KV heads, Qwen2MoeConfig 16, Qwen3Config ``head_dim``
#: 128, GemmaConfig 16 KV heads and ``head_dim`` 256, and the Qwen classes'
#: ``use_sliding_window`` False (their ``sliding_window`` 4096 applies only when it is set).
#: An explicit ``null`` keeps transformers' fallback (KV heads = attention heads, no window).
_TRANSFORMERS_DEFAULTS: dict[str, dict[str, Any]] = {
    "mistral": {"num_key_value_heads": 8, "sliding_window": 4096},
    # s24readers: the MoE classes' experts too (@008e5743), which the Llama reading took as
    # none (a dense model): MixtralConfig 8 experts, top-2; Qwen2MoeConfig 60 of width 1408,
    # top-4, a 5,632-wide shared expert; OlmoeConfig 64, top-8 (of intermediate_size)
    "mixtral": {"num_key_value_heads": 8, "num_local_experts": 8, "num_experts_per_tok": 2},
    "qwen2": {"num_key_value_heads": 32, "use_sliding_window": False},
    "qwen3": {"num_key_value_heads": 32, "head_dim": 128, "use_sliding_window": False},
    "qwen2_moe": {
        "num_key_value_heads": 16,
        "use_sliding_window": False,
        "num_experts": 60,
        "num_experts_per_tok": 4,
        "moe_intermediate_size": 1408,
        "shared_expert_intermediate_size": 5632,
    },
    "olmoe": {"num_experts": 64, "num_experts_per_tok": 8},
    "gemma": {"num_key_value_heads": 16, "head_dim": 256},
    "cohere2": {"sliding_window": 4096},
    # s24readers, transformers @008e5743 configuration_qwen3_moe.py: Qwen3MoeConfig's 4 KV
    # heads, 128 experts of width 768, top-8, 32,768 positions, no window unless
    # use_sliding_window (then on every layer: Qwen3MoeAttention @00eb1166 takes
    # config.sliding_window, there is no max_window_layers)
    "qwen3_moe": {
        "num_key_value_heads": 4,
        "max_position_embeddings": 32768,
        "use_sliding_window": False,
        "num_experts": 128,
        "num_experts_per_tok": 8,
        "moe_intermediate_size": 768,
    },
    # @040e1a7e configuration_phimoe.py: PhimoeConfig 8 KV heads, 16 experts, top-2, no window
    "phimoe": {"num_key_value_heads": 8, "num_local_experts": 16, "num_experts_per_tok": 2},
    # @052b1dcd configuration_ministral.py: MinistralConfig as Mistral (8 KV heads, window
    # 4096 on every layer unless layer_types says otherwise)
    "ministral": {"num_key_value_heads": 8, "sliding_window": 4096},
    # @040e1a7e configuration_granitemoe.py: 8 experts, top-2 (KV heads default to the heads)
    "granitemoe": {"num_local_experts": 8, "num_experts_per_tok": 2},
}


def _qwen_full_layers(f: _Fields, mtype: str, layers: int) -> int:
    """Layers of a Qwen config with ``use_sliding_window`` that keep full attention
    (transformers @008e5743, when the file has no ``layer_types``): Qwen2 / Qwen3 window the
    layers from ``max_window_layers`` on; Qwen2-MoE windows the even layers below it."""
    bound = min(f.int("max_window_layers", default=28), layers)
    if mtype == "qwen2_moe":
        return layers - (bound + 1) // 2
    return bound


def _moe_placement(f: _Fields, mtype: str, experts: int) -> dict[str, int]:
    """Which layers are MoE, as ``ModelSpec.dense_layers`` / ``moe_layer_freq`` (MoE layers:
    ``i >= dense_layers`` with ``(i - dense_layers) % moe_layer_freq == 0``).

    Qwen-MoE's ``decoder_sparse_step`` k makes layer ``i`` sparse when ``(i + 1) % k == 0``
    (transformers' ``Qwen2MoeDecoderLayer`` / ``Qwen3MoeDecoderLayer``: the last of each k,
    ``floor(l / k)`` layers), so ``dense_layers = k - 1``. DeepSeek's ``moe_layer_freq`` f
    makes layer ``i`` sparse when ``i >= first_k_dense_replace`` and ``i % f == 0``
    (``DeepseekV2DecoderLayer``), so the first MoE layer is the first multiple of f from
    ``first_k_dense_replace`` on. Every released config has k = f = 1, where both readings
    are the leading dense block."""
    if not experts:
        f.raw("decoder_sparse_step", "moe_layer_freq")  # placement of experts it has none of
        return {"dense_layers": 0, "moe_layer_freq": 1}
    if mtype in ("qwen2_moe", "qwen3_moe"):
        step = f.int("decoder_sparse_step", default=1)
        if step < 1:
            raise f.error("field 'decoder_sparse_step' must be >= 1")
        return {"dense_layers": step - 1, "moe_layer_freq": step}
    first = f.int("first_k_dense_replace", default=0)
    freq = f.int("moe_layer_freq", default=1)
    if freq < 1:
        raise f.error("field 'moe_layer_freq' must be >= 1")
    return {"dense_layers": -(-first // freq) * freq, "moe_layer_freq": freq}


def _llama_family(f: _Fields, mtype: str) -> dict[str, Any]:
    """Llama, Mistral, Qwen2/3, Gemma, Phi-3, Mixtral, Qwen-MoE, DeepSeek-V2/V3, OLMo 2,
    OLMoE, Command-R; fields the file omits take :data:`_TRANSFORMERS_DEFAULTS`."""
    f.cfg = {**_TRANSFORMERS_DEFAULTS.get(mtype, {}), **f.cfg}
    hidden = f.int("hidden_size")
    layers = f.int("num_hidden_layers")
    heads = f.int("num_attention_heads")
    if heads == 0:
        raise f.error("field 'num_attention_heads' must be positive")
    kv_heads = f.int("num_key_value_heads", default=heads)
    max_seq = f.int("max_position_embeddings", default=4096)
    # LLaMA 1 conversions (huggyllama/llama-7b config.json) state the context a second time
    # as "max_sequence_length" (2048, as max_position_embeddings): no weights; a second value
    # that differs is refused
    alias = f.int("max_sequence_length", default=None)
    if alias is not None and alias != max_seq:
        raise f.error(
            f"field 'max_sequence_length' = {alias} differs from max_position_embeddings = "
            f"{max_seq}"
        )
    experts = f.int("num_local_experts", "num_experts", "n_routed_experts", default=0)
    top_k = f.int("num_experts_per_tok", default=0)
    if experts and top_k == 0:
        raise f.error("an MoE config needs field 'num_experts_per_tok'")
    ffn = f.int("intermediate_size")
    moe_ffn = f.int("moe_intermediate_size", default=ffn if experts else 0)
    shared = f.int("n_shared_experts", default=0)
    shared_ffn = shared * moe_ffn
    if f.raw("shared_expert_intermediate_size"):
        shared_ffn = f.int("shared_expert_intermediate_size")
        shared = max(shared, 1)
    dense_only = f.raw("mlp_only_layers")
    if dense_only:
        raise f.error(
            f"field 'mlp_only_layers' = {dense_only!r} is not modelled (dense layers "
            "are supported only as a leading block, first_k_dense_replace)"
        )
    f.require("mlp_bias", (False,), "MLP biases")
    if mtype == "glm4_moe":
        # transformers' Glm4MoeConfig defaults for these moved between releases (the first
        # had no shared expert and no dense layers): a GLM config must state them
        for key in ("n_routed_experts", "n_shared_experts", "first_k_dense_replace"):
            f.int(key)
        # per-head RMSNorm of q and k (Qwen3 has the same without a field): 2 x head_dim
        # weights per layer and an element-wise pass, left out as Qwen3's are
        f.raw("use_qk_norm")
    # Gemma's and Cohere's configuration classes tie the embeddings unless the file says not
    tie_default = mtype in ("gemma", "cohere", "cohere2")
    window, full_layers = _attention_layers(f, layers, _sliding_window(f, max_seq))
    if window and mtype in ("qwen2", "qwen3", "qwen2_moe") and f.cfg.get("layer_types") is None:
        full_layers = _qwen_full_layers(f, mtype, layers)
        if full_layers >= layers:
            window, full_layers = 0, 0
    return {
        "hidden": hidden,
        "layers": layers,
        "heads": heads,
        "kv_heads": kv_heads,
        "head_dim": f.int("head_dim", default=hidden // heads if hidden % heads == 0 else 0),
        "ffn": ffn,
        "vocab": f.int("vocab_size"),
        "max_seq": max_seq,
        "gated_mlp": True,
        "tied_embeddings": f.flag("tie_word_embeddings", tie_default),
        # Qwen2MoeConfig (@008e5743) names the q / k / v biases "qkv_bias", default true
        "qkv_bias": mtype == "qwen2"
        or (mtype == "qwen2_moe" and f.flag("qkv_bias", True))
        or f.flag("attention_bias", False),
        "num_experts": experts,
        "experts_per_token": top_k if experts else 0,
        "shared_experts": shared if experts else 0,
        "moe_ffn": moe_ffn if experts else 0,
        "shared_ffn": shared_ffn if experts else 0,
        **_router_groups(f, experts),
        **_moe_placement(f, mtype, experts),
        "q_lora_rank": f.int("q_lora_rank", default=0),
        "kv_lora_rank": f.int("kv_lora_rank", default=0),
        "qk_rope_head_dim": f.int("qk_rope_head_dim", default=0),
        "qk_nope_head_dim": f.int("qk_nope_head_dim", default=0),
        "v_head_dim": f.int("v_head_dim", default=0),
        "mtp_layers": f.int("num_nextn_predict_layers", default=0),
        "sliding_window": window,
        "full_attention_layers": full_layers,
    }


#: Fields Gemma 2 / Gemma 3 configs omit, with the defaults of transformers' ``Gemma2Config``
#: and ``Gemma3TextConfig`` (huggingface/transformers 008f5c8c, ``configuration_gemma3.py``:
#: vocab 262,208, 131,072 positions, tied embeddings, ``sliding_window_pattern`` 6, window
#: 4,096; Gemma 2: vocab 256,000, 8,192 positions, window 4,096). google/gemma-3-27b-it's
#: ``text_config`` gives neither the vocabulary nor the pattern.
_GEMMA_DEFAULTS: dict[str, dict[str, Any]] = {
    "gemma2": {
        "vocab_size": 256000,
        "max_position_embeddings": 8192,
        "sliding_window": 4096,
        "tie_word_embeddings": True,
        # s24readers, Gemma2Config @008e5743: 8 heads, 4 KV heads of 256, and soft-capping
        # on (attention 50, logits 30) unless the file says null
        "num_attention_heads": 8,
        "num_key_value_heads": 4,
        "head_dim": 256,
        "attn_logit_softcapping": 50.0,
        "final_logit_softcapping": 30.0,
    },
    "gemma3_text": {
        "vocab_size": 262208,
        "max_position_embeddings": 131072,
        "sliding_window": 4096,
        "tie_word_embeddings": True,
        # s24readers, Gemma3TextConfig @008f5c8c: 8 heads, 4 KV heads of 256 (what
        # google/gemma-3-4b-it's text_config leaves to the class)
        "num_attention_heads": 8,
        "num_key_value_heads": 4,
        "head_dim": 256,
    },
}


def _gemma2_3(f: _Fields, mtype: str) -> dict[str, Any]:
    """Gemma 2 and Gemma 3 (the text model; a ``gemma3`` file's ``text_config``): the Llama
    family's fields with a query width ``heads x head_dim`` apart from the hidden size, GeGLU,
    tied embeddings, and local sliding-window layers among global ones: without
    ``layer_types``, layer ``i`` is global when ``(i + 1) % P == 0`` (transformers'
    ``Gemma3DecoderLayer``: ``sliding_window_pattern`` P = 6, five local to one global; Gemma 2
    alternates, P = 2). Read and left out (element-wise, no GEMM): the query scale
    ``query_pre_attn_scalar``, attention and final-logit soft-capping (each named in
    ``approximations``, which ``plan train`` / ``plan serve`` print as warnings), the local RoPE
    base, and the two extra
    RMSNorms per layer (after attention and after the MLP, 2h weights) with Gemma 3's
    per-head q / k norms."""
    f.cfg = {**_GEMMA_DEFAULTS[mtype], **f.cfg}
    # google/gemma-2-9b's config.json states the window twice, "sliding_window" and
    # "sliding_window_size" (both 4096); a second value that differs is not modelled
    alias = f.int("sliding_window_size", default=None)
    if alias is not None and alias != f.cfg.get("sliding_window"):
        raise f.error(
            f"field 'sliding_window_size' = {alias} differs from sliding_window = "
            f"{f.cfg.get('sliding_window')!r}"
        )
    period = 2 if mtype == "gemma2" else f.int("sliding_window_pattern", default=6)
    if period < 1:
        raise f.error("field 'sliding_window_pattern' must be >= 1")
    f.raw("query_pre_attn_scalar")
    f.raw("rope_local_base_freq", "cache_implementation")
    softcap = f.raw("attn_logit_softcapping")
    final_cap = f.raw("final_logit_softcapping")
    values = _llama_family(f, mtype)
    if f.cfg.get("layer_types") is None and values["sliding_window"]:
        values["full_attention_layers"] = values["layers"] // period
    notes = []
    if softcap is not None:
        # Gemma 2's attention takes tanh of every score (FlashAttention >= 2.6's "softcap"
        # argument); the planner prices the attention core as plain FlashAttention
        notes.append(
            f"attention logit soft-capping (attn_logit_softcapping = {softcap}) is not "
            "priced: the attention core is costed as FlashAttention without the tanh per "
            "score, and an engine without a soft-capping kernel runs it slower"
        )
    if final_cap is not None:
        # Gemma2ForCausalLM divides the logits by the cap, takes tanh and multiplies back
        # (modeling_gemma2.py): element-wise passes over the tokens x vocabulary logits,
        # which no kernel of the planner's LM head or loss counts
        notes.append(
            f"final logit soft-capping (final_logit_softcapping = {final_cap}) is not priced: "
            "the element-wise tanh over the tokens x vocabulary logits (forward and backward "
            "in training) is left out of the LM head's time"
        )
    if notes:
        values["approximations"] = tuple(notes)
    return values


def _olmo(f: _Fields, mtype: str) -> dict[str, Any]:
    """OLMo 2 (``olmo2``) and OLMoE (``olmoe``): the Llama family's fields (OLMoE's experts
    ``num_experts`` of width ``intermediate_size``, no shared expert). Read and left out
    (element-wise, transformers @000c33fd ``modeling_olmo2.py``): the RMSNorms on the whole
    query and key widths (``q_norm`` / ``k_norm``, ``(heads + kv_heads) x head_dim`` weights per
    layer, 0.004 % of OLMo-2-7B) and OLMoE's ``clip_qkv`` clamp. OLMo 2 normalises after the
    attention and the MLP instead of before them: the same two norms per layer."""
    f.raw("clip_qkv")
    return _llama_family(f, mtype)


def _cohere(f: _Fields, mtype: str) -> dict[str, Any]:
    """Cohere Command-R / R+ (``cohere``, transformers @008e5743 ``configuration_cohere.py``):
    the Llama family's fields with one LayerNorm (weight, no bias) per layer feeding the
    attention and the MLP in parallel, and tied embeddings by default. Read and left out:
    ``logit_scale`` (one multiply of the logits) and ``use_qk_norm`` (per-head LayerNorms of
    q and k, ``(heads + kv_heads) x head_dim`` weights per layer, 0.05 % of Command-R+)."""
    f.raw("logit_scale", "use_qk_norm")
    period = 0
    if mtype == "cohere2":
        # Cohere2Config (@008e5743): without layer_types, layer i is global when
        # (i + 1) % P == 0, P the legacy "sliding_window_pattern" (4); head_dim is always
        # hidden / heads, whatever the file says
        period = f.int("sliding_window_pattern", "_sliding_window_pattern", default=4)
        if period < 1:
            raise f.error("field 'sliding_window_pattern' must be >= 1")
        heads = f.int("num_attention_heads")
        stated = f.int("head_dim", default=None)
        if heads and stated is not None and stated * heads != f.int("hidden_size"):
            raise f.error(
                f"field 'head_dim' = {stated} is not hidden_size / num_attention_heads, which "
                "Cohere2 always uses"
            )
    values = _llama_family(f, mtype)
    values["norms_per_layer"] = 1  # input_layernorm only: attention and MLP run in parallel
    if period and f.cfg.get("layer_types") is None and values["sliding_window"]:
        values["full_attention_layers"] = values["layers"] // period
    return values


def _phimoe(f: _Fields, mtype: str) -> dict[str, Any]:
    """Phi-3.5-MoE (``phimoe``, transformers @0233e509 ``modular_phimoe.py``): Mixtral's
    layout (experts ``num_local_experts`` of width ``intermediate_size`` on every layer) with
    LayerNorms that carry a bias (``nn.LayerNorm``, input, post-attention and final) and
    ``attention_bias`` on q / k / v. Read and left out (under 2e-5 of the 41.9B): the output
    projection's bias (``LlamaAttention`` gives o_proj the same flag; h per layer) and
    ``lm_head_bias`` (one per vocabulary entry). The sparsemixer router picks the top-2 as a
    top-k router does; ``input_jitter_noise`` scales the input in training (element-wise)."""
    f.raw("lm_head_bias", "input_jitter_noise", "router_jitter_noise")
    values = _llama_family(f, mtype)
    values["layernorm"] = True  # weight and bias, 2h per norm
    return values


def _granite(f: _Fields, mtype: str) -> dict[str, Any]:
    """IBM Granite (``granite``), Granite MoE (``granitemoe``: experts ``num_local_experts`` of
    width ``intermediate_size`` on every layer) and Granite MoE with a shared expert
    (``granitemoeshared``: ``shared_intermediate_size``, 0 for none; transformers @040e1a7e
    ``configuration_granitemoe*.py``): the Llama family's fields. Read and left out (a scalar
    multiply each, no weights): ``embedding_multiplier``, ``residual_multiplier``,
    ``attention_multiplier`` (the score scale) and ``logits_scaling``."""
    f.raw("embedding_multiplier", "residual_multiplier", "attention_multiplier")
    f.raw("logits_scaling")
    shared = f.int("shared_intermediate_size", default=0) if mtype == "granitemoeshared" else 0
    values = _llama_family(f, mtype)
    if shared and values["num_experts"]:
        values["shared_experts"], values["shared_ffn"] = 1, shared
    return values


def _glm(f: _Fields, mtype: str) -> dict[str, Any]:
    """GLM-4 (``glm``, THUDM/glm-4-9b-chat-hf) and GLM-4-0414 (``glm4``): the Llama family's
    fields with GlmConfig's and Glm4Config's defaults (transformers @008e5743
    ``configuration_glm.py`` / ``configuration_glm4.py``: 2 KV heads of 128, q / k / v biases
    on, 131,072 positions, untied). ``partial_rotary_factor`` (RoPE on half of each head) changes no
    size. Read and left out: GLM-4-0414's two extra RMSNorms per layer (after attention and
    after the MLP, 2h weights per layer, 0.002 % of GLM-4-32B-0414)."""
    f.cfg = {
        "num_key_value_heads": 2,
        "head_dim": 128,
        "attention_bias": True,
        "max_position_embeddings": 131072,
        **f.cfg,
    }
    return _llama_family(f, mtype)


def _internlm2(f: _Fields, mtype: str) -> dict[str, Any]:
    """InternLM2 / 2.5 (``internlm2``, remote code ``configuration_internlm2.py`` of
    internlm/internlm2_5-7b-chat): the Llama family's fields with a fused ``wqkv``; ``bias``
    (on ``wqkv`` and ``wo``) must be false, as in every released config;
    ``attn_implementation`` picks a kernel."""
    f.require("bias", (False,), "biases on the attention projections")
    f.raw("attn_implementation")
    return _llama_family(f, mtype)


def _exaone(f: _Fields, mtype: str) -> dict[str, Any]:
    """LG EXAONE 3.0 / 3.5 (``exaone``, remote code ``configuration_exaone.py`` of
    LGAI-EXAONE/EXAONE-3.5-7.8B-Instruct): Llama's architecture under GPT-2-style names
    (``num_layers``, ``activation_function``, ``layer_norm_epsilon``)."""
    f.raw("embed_dropout")
    layers = f.int("num_layers", "num_hidden_layers")
    f.cfg = {**f.cfg, "num_hidden_layers": layers}
    return _llama_family(f, mtype)


def _deepseek_v1(f: _Fields, mtype: str) -> dict[str, Any]:
    """DeepSeek-MoE / DeepSeek LLM v1 (``deepseek``, remote code ``configuration_deepseek.py``
    of deepseek-ai/deepseek-moe-16b-base): the Llama family's fields with DeepSeek's MoE
    layout (``n_routed_experts``, ``n_shared_experts`` of ``moe_intermediate_size``,
    ``first_k_dense_replace`` dense layers, ``moe_layer_freq``); no MLA. An MoE config must
    state its experts (the remote class's default is none)."""
    return _llama_family(f, mtype)


def _dbrx(f: _Fields, mtype: str) -> dict[str, Any]:
    """Databricks DBRX (``dbrx``, transformers @032b32ab ``configuration_dbrx.py``): ``d_model``,
    ``n_heads``, ``n_layers``, ``max_seq_len``, ``attn_config`` (``kv_n_heads``, default 1;
    ``clip_qkv`` clamps q / k / v, element-wise) and ``ffn_config`` (``moe_num_experts``
    GLU experts of ``ffn_hidden_size``, top ``moe_top_k``; defaults 4, 1, 3584) on every
    layer; LayerNorms without bias (h weights each), untied embeddings (DbrxConfig refuses
    tied ones)."""
    attn = f.raw("attn_config") or {}
    ffn = f.raw("ffn_config") or {}
    for key, value, known in (
        ("attn_config", attn, {"kv_n_heads", "clip_qkv", "rope_theta", "attn_pdrop"}),
        (
            "ffn_config",
            ffn,
            {
                "ffn_hidden_size",
                "moe_num_experts",
                "moe_top_k",
                "ffn_act_fn",
                "moe_jitter_eps",
                "moe_loss_weight",
                "moe_normalize_expert_weights",
                "uniform_expert_assignment",
            },
        ),
    ):
        if not isinstance(value, Mapping):
            raise f.error(f"field {key!r} must be an object")
        unknown = sorted(k for k in value if k not in known | NEUTRAL)
        if unknown:
            raise f.error(f"field '{key}.{unknown[0]}' is not understood by the planner")
    act = ffn.get("ffn_act_fn") or {"name": "silu"}
    if not isinstance(act, Mapping) or act.get("name", "silu") != "silu":
        raise f.error(f"field 'ffn_config.ffn_act_fn' = {act!r} is not modelled (SiLU GLU only)")
    if f.flag("tie_word_embeddings", False):
        raise f.error("field 'tie_word_embeddings' = true: DBRX has untied embeddings")
    sub = _Fields({**attn, **ffn}, f"{f.where}: dbrx sub-config", f.arch)
    heads = f.int("n_heads")
    top_k = sub.int("moe_top_k", default=1)
    return {
        "hidden": f.int("d_model"),
        "layers": f.int("n_layers"),
        "heads": heads,
        "kv_heads": sub.int("kv_n_heads", default=1),
        "ffn": sub.int("ffn_hidden_size", default=3584),
        "vocab": f.int("vocab_size"),
        "max_seq": f.int("max_seq_len", default=2048),
        "gated_mlp": True,
        "tied_embeddings": False,
        "num_experts": sub.int("moe_num_experts", default=4),
        "experts_per_token": top_k,
        "moe_ffn": sub.int("ffn_hidden_size", default=3584),
    }


def _arctic(f: _Fields, mtype: str) -> dict[str, Any]:
    """Snowflake Arctic (``arctic``, remote code ``configuration_arctic.py`` of
    Snowflake/snowflake-arctic-instruct): on every ``moe_layer_frequency``-th layer a routed
    MoE (``num_local_experts`` of ``intermediate_size``, top ``num_experts_per_tok``) runs in
    parallel with a dense residual MLP of the same width (``parallel_attn_mlp_res``): priced
    as one always-active shared expert of ``intermediate_size``. Capacity factors, token
    dropping and expert tensor parallelism are training-framework settings (DeepSpeed),
    read and left out."""
    f.raw("moe_train_capacity_factor", "moe_eval_capacity_factor", "moe_min_capacity")
    f.raw("moe_token_dropping", "enable_expert_tensor_parallelism", "quantization")
    f.require("parallel_attn_mlp_res", (True,), "Arctic without its dense residual MLP")
    freq = f.int("moe_layer_frequency", default=2)
    if freq != 1:
        raise f.error(
            f"field 'moe_layer_frequency' = {freq} is not modelled (every released Arctic "
            "config has an MoE on every layer)"
        )
    values = _llama_family(f, mtype)
    if values["num_experts"]:
        values["shared_experts"], values["shared_ffn"] = 1, values["ffn"]
    return values


#: ``model_type``s whose layers are not attention + MLP blocks the planner can price, with
#: the layer kind named in the refusal (state-space, recurrent and linear-attention models).
UNPRICED_LAYERS: dict[str, str] = {
    "mamba": "Mamba selective state-space layers",
    "mamba2": "Mamba-2 state-space layers",
    "falcon_mamba": "Mamba selective state-space layers",
    "jamba": "Mamba state-space layers interleaved with attention (hybrid)",
    "zamba": "Mamba state-space layers with shared attention blocks (hybrid)",
    "zamba2": "Mamba-2 state-space layers with shared attention blocks (hybrid)",
    "bamba": "Mamba-2 state-space layers interleaved with attention (hybrid)",
    "granitemoehybrid": "Mamba-2 state-space layers interleaved with attention (hybrid)",
    "nemotron_h": "Mamba-2 state-space layers interleaved with attention (hybrid)",
    "falcon_h1": "Mamba-2 state-space heads in parallel with attention (hybrid)",
    "recurrent_gemma": "RG-LRU recurrent blocks (Griffin)",
    "rwkv": "RWKV time-mixing recurrent layers",
    "xlstm": "xLSTM recurrent blocks",
    "lfm2": "gated short-convolution blocks interleaved with attention (hybrid)",
    "qwen3_next": "Gated DeltaNet linear-attention layers interleaved with attention (hybrid)",
    "minimax": "lightning (linear) attention layers interleaved with softmax attention",
}


def _gpt_oss(f: _Fields, mtype: str) -> dict[str, Any]:
    """OpenAI gpt-oss: every layer MoE (SwiGLU experts of width ``intermediate_size`` with
    biases), biases on q / k / v / o, ``layer_types`` alternating a sliding window and full
    attention. Not counted (under 1e-5 of the parameters, no GEMM): the router's bias (one
    per expert and layer) and the attention sinks (one learned logit per head and layer,
    one more term in each softmax row); ``swiglu_limit`` clamps the activation (elementwise)."""
    hidden = f.int("hidden_size")
    layers = f.int("num_hidden_layers")
    heads = f.int("num_attention_heads")
    experts = f.int("num_local_experts", "num_experts")
    top_k = f.int("num_experts_per_tok")
    if f.int("experts_per_token", default=top_k) != top_k:
        raise f.error("fields 'experts_per_token' and 'num_experts_per_tok' differ")
    ffn = f.int("intermediate_size")
    max_seq = f.int("max_position_embeddings", default=131072)
    f.require("attention_bias", (True,), "gpt-oss without attention biases")
    f.raw("swiglu_limit", "initial_context_length")
    window = f.int("sliding_window", default=128)
    window, full_layers = _attention_layers(f, layers, 0 if window >= max_seq else window)
    if f.cfg.get("layer_types") is None and window:
        # transformers' GptOssConfig default: even layers windowed, odd layers full
        full_layers = layers // 2
    return {
        "hidden": hidden,
        "layers": layers,
        "heads": heads,
        "kv_heads": f.int("num_key_value_heads", default=heads),
        "head_dim": f.int("head_dim", default=64),
        "ffn": ffn,
        "vocab": f.int("vocab_size"),
        "max_seq": max_seq,
        "gated_mlp": True,
        "tied_embeddings": f.flag("tie_word_embeddings", False),
        "linear_bias": True,
        "num_experts": experts,
        "experts_per_token": top_k,
        "moe_ffn": ffn,
        "sliding_window": window,
        "full_attention_layers": full_layers,
    }


def _llama4(f: _Fields, mtype: str) -> dict[str, Any]:
    """Llama 4 (the ``text_config`` of ``llama4``): MoE layers every ``interleave_moe_layer_step``
    layers (the last of each step), one shared expert of the experts' width, dense layers of
    ``intermediate_size_mlp``; ``attention_chunk_size`` chunked attention on the RoPE layers
    (``no_rope_layers`` 1), full attention on the NoPE ones: ``sliding_window`` is the chunk,
    ``attention_chunked`` set (a query attends its own chunk's keys,
    :func:`~planner.perfmodel.model_spec.window_held`)."""
    layers = f.int("num_hidden_layers")
    heads = f.int("num_attention_heads")
    hidden = f.int("hidden_size")
    step = f.int("interleave_moe_layer_step", default=1)
    if step < 1:
        raise f.error("field 'interleave_moe_layer_step' must be >= 1")
    moe = f.raw("moe_layers")
    if moe is not None and (
        not isinstance(moe, (list, tuple)) or list(moe) != list(range(step - 1, layers, step))
    ):
        raise f.error(
            f"field 'moe_layers' = {moe!r} is not modelled (MoE layers every "
            "interleave_moe_layer_step layers, the last of each step)"
        )
    f.require("attention_bias", (False,), "attention biases")
    f.raw("use_qk_norm", "attn_scale", "attn_temperature_tuning", "floor_scale")
    f.raw("router_jitter_noise", "for_llm_compressor", "cache_implementation")
    chunk = f.int("attention_chunk_size", default=0)
    interval = f.int("no_rope_layer_interval", default=4)
    rope = f.raw("no_rope_layers")
    if not rope:
        if interval < 1:  # was a ZeroDivisionError
            raise f.error("field 'no_rope_layer_interval' must be >= 1")
        rope = [int((i + 1) % interval != 0) for i in range(layers)]
    if (
        not isinstance(rope, (list, tuple))
        or len(rope) != layers
        or any(v not in (0, 1) for v in rope)
    ):
        raise f.error(f"field 'no_rope_layers' must hold 0 or 1 for each of the {layers} layers")
    max_seq = f.int("max_position_embeddings", default=4096 * 32)
    window = chunk if chunk and chunk < max_seq and sum(rope) else 0
    ffn = f.int("intermediate_size")
    return {
        "hidden": hidden,
        "layers": layers,
        "heads": heads,
        "kv_heads": f.int("num_key_value_heads", default=heads),
        "head_dim": f.int("head_dim", default=hidden // heads if hidden % heads == 0 else 0),
        "ffn": f.int("intermediate_size_mlp"),
        "vocab": f.int("vocab_size"),
        "max_seq": max_seq,
        "gated_mlp": True,
        "tied_embeddings": f.flag("tie_word_embeddings", False),
        "num_experts": f.int("num_local_experts"),
        "experts_per_token": f.int("num_experts_per_tok"),
        "shared_experts": 1,
        "moe_ffn": ffn,
        "shared_ffn": ffn,
        "dense_layers": step - 1,
        "moe_layer_freq": step,
        "sliding_window": window,
        "full_attention_layers": layers - sum(rope) if window else 0,
        "attention_chunked": bool(window),
    }


def _nemotron(f: _Fields, mtype: str) -> dict[str, Any]:
    """NVIDIA Nemotron(-4): squared-ReLU MLP (two matrices), LayerNorm1P (weight and bias),
    GQA, partial rotary embeddings, no biases on the linear layers."""
    f.require("hidden_act", ("relu2",), "MLP activations other than squared ReLU")
    f.require("attention_bias", (False,), "attention biases")
    f.require("mlp_bias", (False,), "MLP biases")
    f.raw("norm_eps")
    hidden = f.int("hidden_size")
    heads = f.int("num_attention_heads")
    return {
        "hidden": hidden,
        "layers": f.int("num_hidden_layers"),
        "heads": heads,
        "kv_heads": f.int("num_key_value_heads", default=heads),
        "head_dim": f.int("head_dim", "kv_channels", default=0),
        "ffn": f.int("intermediate_size"),
        "vocab": f.int("vocab_size"),
        "max_seq": f.int("max_position_embeddings", default=4096),
        "gated_mlp": False,
        "tied_embeddings": f.flag("tie_word_embeddings", False),
        "layernorm": True,
    }


def _gpt2(f: _Fields, mtype: str) -> dict[str, Any]:
    """GPT-2 and StarCoder (``gpt_bigcode``): learned positions, biases, LayerNorm."""
    hidden = f.int("n_embd", "hidden_size")
    heads = f.int("n_head", "num_attention_heads")
    f.raw("n_ctx")  # the context length, same as n_positions
    return {
        "hidden": hidden,
        "layers": f.int("n_layer", "num_hidden_layers"),
        "heads": heads,
        "kv_heads": 1 if f.flag("multi_query", False) else heads,
        "ffn": f.int("n_inner", default=4 * hidden),
        "vocab": f.int("vocab_size"),
        "max_seq": f.int("n_positions", "max_position_embeddings", default=1024),
        "gated_mlp": False,
        "tied_embeddings": f.flag("tie_word_embeddings", True),
        "position_embeddings": True,
        "linear_bias": True,
        "layernorm": True,
    }


def _gptj(f: _Fields, mtype: str) -> dict[str, Any]:
    """GPT-J: rotary, parallel attention + MLP under one LayerNorm, biases on the MLP only."""
    hidden = f.int("n_embd")
    return {
        "hidden": hidden,
        "layers": f.int("n_layer"),
        "heads": f.int("n_head"),
        "ffn": f.int("n_inner", default=4 * hidden),
        "vocab": f.int("vocab_size"),
        "max_seq": f.int("n_positions", default=2048),
        "gated_mlp": False,
        "tied_embeddings": f.flag("tie_word_embeddings", False),
        "mlp_bias": True,
        "layernorm": True,
        "norms_per_layer": 1,
    }


def _gpt_neox(f: _Fields, mtype: str) -> dict[str, Any]:
    """GPT-NeoX / Pythia: rotary, biases, two LayerNorms per layer (parallel residual)."""
    f.raw("use_parallel_residual")  # ordering of the blocks, not their size
    f.require("attention_bias", (True,), "attention without biases")
    return {
        "hidden": f.int("hidden_size"),
        "layers": f.int("num_hidden_layers"),
        "heads": f.int("num_attention_heads"),
        "ffn": f.int("intermediate_size"),
        "vocab": f.int("vocab_size"),
        "max_seq": f.int("max_position_embeddings", default=2048),
        "gated_mlp": False,
        "tied_embeddings": f.flag("tie_word_embeddings", False),
        "linear_bias": True,
        "layernorm": True,
    }


def _opt(f: _Fields, mtype: str) -> dict[str, Any]:
    """OPT: learned positions, biases, LayerNorm, ReLU MLP of width ``ffn_dim``."""
    hidden = f.int("hidden_size")
    proj = f.int("word_embed_proj_dim", default=hidden)
    if proj != hidden:
        raise f.error(
            f"field 'word_embed_proj_dim' = {proj} differs from hidden_size {hidden}: the "
            "projected embedding is not modelled"
        )
    f.raw("do_layer_norm_before", "_remove_final_layer_norm", "layer_norm_elementwise_affine")
    return {
        "hidden": hidden,
        "layers": f.int("num_hidden_layers"),
        "heads": f.int("num_attention_heads"),
        "ffn": f.int("ffn_dim"),
        "vocab": f.int("vocab_size"),
        "max_seq": f.int("max_position_embeddings", default=2048),
        "gated_mlp": False,
        "tied_embeddings": f.flag("tie_word_embeddings", True),
        "position_embeddings": True,
        "linear_bias": f.flag("enable_bias", True),
        "layernorm": True,
    }


def _bloom(f: _Fields, mtype: str) -> dict[str, Any]:
    """BLOOM: ALiBi (no position embeddings), biases, LayerNorm, a norm after the embedding."""
    hidden = f.int("hidden_size", "n_embed")
    f.raw(
        "attention_softmax_in_fp32",
        "bias_dropout_fusion",
        "masked_softmax_fusion",
        "offset_alibi",
        "skip_bias_add",
        "skip_bias_add_qkv",
        "slow_but_exact",
        "seq_length",
    )
    return {
        "hidden": hidden,
        "layers": f.int("n_layer", "num_hidden_layers"),
        "heads": f.int("n_head", "num_attention_heads"),
        "ffn": f.int("n_inner", default=4 * hidden),
        "vocab": f.int("vocab_size"),
        "max_seq": f.int("seq_length", default=2048),
        "gated_mlp": False,
        "tied_embeddings": f.flag("tie_word_embeddings", True),
        "linear_bias": True,
        "layernorm": True,
        "embedding_norm": True,
    }


def _falcon(f: _Fields, mtype: str) -> dict[str, Any]:
    """Falcon (and its original ``RefinedWebModel`` release): MQA/GQA, parallel attention."""
    hidden = f.int("hidden_size")
    heads = f.int("num_attention_heads", "n_head")
    new_arch = f.flag("new_decoder_architecture", False)
    multi_query = f.flag("multi_query", True)
    kv_default = heads if not (multi_query or new_arch) else 1
    kv = f.int("num_kv_heads", "n_head_kv", default=kv_default)
    parallel = f.flag("parallel_attn", True)
    f.require("alibi", (False,), "ALiBi Falcon variants")
    return {
        "hidden": hidden,
        "layers": f.int("num_hidden_layers", "n_layer"),
        "heads": heads,
        "kv_heads": kv,
        "ffn": f.int("ffn_hidden_size", default=4 * hidden),
        "vocab": f.int("vocab_size"),
        "max_seq": f.int("max_position_embeddings", default=2048),
        "gated_mlp": False,
        "tied_embeddings": f.flag("tie_word_embeddings", True),
        "linear_bias": f.flag("bias", False),
        "layernorm": True,
        # one LayerNorm feeds both blocks of the 7B's parallel layout; 40B/180B use two
        "norms_per_layer": 1 if parallel and not new_arch else 2,
    }


_MPT_ATTN_NEUTRAL = frozenset(
    {
        "alibi",
        "alibi_bias_max",
        "attn_impl",
        "attn_pdrop",
        "attn_uses_sequence_id",
        "clip_qkv",
        "prefix_lm",
        "qk_ln",
        "softmax_scale",
    }
)


def _mpt(f: _Fields, mtype: str) -> dict[str, Any]:
    """MPT: ``d_model``, ``expansion_ratio``; ``attn_config`` read field by field."""
    heads = f.int("n_heads")
    kv = heads
    attn = f.raw("attn_config") or {}
    if not isinstance(attn, Mapping):
        raise f.error("field 'attn_config' must be an object")
    for key, value in attn.items():
        if key == "attn_type":
            if value == "multiquery_attention":
                kv = 1
            elif value == "grouped_query_attention":
                kv = attn.get("kv_n_heads") or heads
            elif value != "multihead_attention":
                raise f.error(f"field 'attn_config.attn_type' = {value!r} is not modelled")
        elif key not in _MPT_ATTN_NEUTRAL and key != "kv_n_heads":
            raise f.error(f"field 'attn_config.{key}' is not understood by the planner")
    f.raw("embedding_fraction", "logit_scale", "norm_type")
    hidden = f.int("d_model")
    return {
        "hidden": hidden,
        "layers": f.int("n_layers"),
        "heads": heads,
        "kv_heads": kv,
        "ffn": f.int("expansion_ratio", default=4) * hidden,
        "vocab": f.int("vocab_size"),
        "max_seq": f.int("max_seq_len", default=2048),
        "gated_mlp": False,
        "tied_embeddings": True,
        "position_embeddings": f.flag("learned_pos_emb", True),
        "linear_bias": not f.flag("no_bias", False),
        # low-precision LayerNorm, without bias when no_bias
        "layernorm": not f.flag("no_bias", False),
    }


def _deepseek_native(f: _Fields, mtype: str) -> dict[str, Any]:
    """DeepSeek's own inference configs (``inference/configs/config_*.json``)."""
    f.raw("n_expert_groups", "n_limited_groups", "route_scale", "score_func", "mscale")
    heads = f.int("n_heads")
    experts = f.int("n_routed_experts", default=0)
    moe_ffn = f.int("moe_inter_dim", default=0)
    return {
        "hidden": f.int("dim"),
        "layers": f.int("n_layers"),
        "heads": heads,
        "kv_heads": heads,
        "head_dim": f.int("v_head_dim"),
        "ffn": f.int("inter_dim"),
        "vocab": f.int("vocab_size"),
        "max_seq": f.int("max_seq_len", default=4096),
        "gated_mlp": True,
        "tied_embeddings": False,
        "num_experts": experts,
        "experts_per_token": f.int("n_activated_experts", default=0) if experts else 0,
        "shared_experts": f.int("n_shared_experts", default=0) if experts else 0,
        "moe_ffn": moe_ffn if experts else 0,
        "shared_ffn": f.int("n_shared_experts", default=0) * moe_ffn if experts else 0,
        "dense_layers": f.int("n_dense_layers", default=0) if experts else 0,
        "q_lora_rank": f.int("q_lora_rank", default=0),
        "kv_lora_rank": f.int("kv_lora_rank", default=0),
        "qk_rope_head_dim": f.int("qk_rope_head_dim", default=0),
        "qk_nope_head_dim": f.int("qk_nope_head_dim", default=0),
        "v_head_dim": f.int("v_head_dim", default=0),
    }


#: Readers by ``model_type`` (and the architecture name used in messages).
ARCHITECTURES: dict[str, tuple[str, Callable[[_Fields, str], dict[str, Any]]]] = {
    "llama": ("Llama", _llama_family),
    "mistral": ("Mistral", _llama_family),
    "qwen2": ("Qwen2", _llama_family),
    "qwen3": ("Qwen3", _llama_family),
    "gemma": ("Gemma", _llama_family),
    "gemma2": ("Gemma 2", _gemma2_3),
    "gemma3_text": ("Gemma 3", _gemma2_3),
    "phi3": ("Phi-3", _llama_family),
    "mixtral": ("Mixtral", _llama_family),
    "qwen2_moe": ("Qwen-MoE", _llama_family),
    "qwen3_moe": ("Qwen3-MoE", _llama_family),
    "deepseek_v2": ("DeepSeek-V2", _llama_family),
    "deepseek_v3": ("DeepSeek-V3", _llama_family),
    # Moonshot's Kimi-K2 ships DeepSeek-V3's architecture under its own model_type
    "kimi_k2": ("Kimi-K2", _llama_family),
    # Zhipu's GLM-4.5 / 4.5-Air / 4.6 (transformers' Glm4MoeConfig): DeepSeek-V3's MoE layout
    # (dense first layers, shared expert, MTP) on GQA attention with q/k/v biases and QK norm
    "glm4_moe": ("GLM-4.5", _llama_family),
    # AI2's OLMo 2 and OLMoE, Cohere's Command-R / R+ (s24unseen; were "unknown model_type")
    "olmo2": ("OLMo 2", _olmo),
    "olmoe": ("OLMoE", _olmo),
    "cohere": ("Cohere", _cohere),
    # Command R7B / Command A: Cohere with 3 sliding-window layers to 1 global
    "cohere2": ("Cohere 2", _cohere),
    # s24readers (were "unknown model_type"): Phi-3.5-MoE, Granite / Granite MoE, Ministral,
    # GLM-4 / GLM-4-0414, InternLM2, EXAONE 3.x, DeepSeek-MoE v1, DBRX, Snowflake Arctic
    "phimoe": ("Phi-3.5-MoE", _phimoe),
    "granite": ("Granite", _granite),
    "granitemoe": ("Granite MoE", _granite),
    "granitemoeshared": ("Granite MoE", _granite),
    "ministral": ("Ministral", _llama_family),
    "glm": ("GLM-4", _glm),
    "glm4": ("GLM-4-0414", _glm),
    "internlm2": ("InternLM2", _internlm2),
    "exaone": ("EXAONE", _exaone),
    "deepseek": ("DeepSeek-MoE", _deepseek_v1),
    "dbrx": ("DBRX", _dbrx),
    "arctic": ("Arctic", _arctic),
    "gpt_oss": ("gpt-oss", _gpt_oss),
    "nemotron": ("Nemotron", _nemotron),
    "llama4_text": ("Llama 4", _llama4),
    "llama4": ("Llama 4", _llama4),
    "gpt2": ("GPT-2", _gpt2),
    "gpt_bigcode": ("GPT-BigCode", _gpt2),
    "gptj": ("GPT-J", _gptj),
    "gpt_neox": ("GPT-NeoX", _gpt_neox),
    "opt": ("OPT", _opt),
    "bloom": ("BLOOM", _bloom),
    "falcon": ("Falcon", _falcon),
    "refinedwebmodel": ("Falcon", _falcon),
    "refinedweb": ("Falcon", _falcon),
    "mpt": ("MPT", _mpt),
    "deepseek-native": ("DeepSeek inference", _deepseek_native),
}

#: Text-model type of a multimodal wrapper whose ``text_config`` has no ``model_type``.
#: Mistral3Config (transformers @0db25542) builds a ``text_config`` without one as ``mistral``.
_TEXT_TYPES = {"gemma3": "gemma3_text", "llama4": "llama4_text", "mistral3": "mistral"}

#: ``architectures`` class names of configs without a ``model_type``.
_CLASS_TYPES = {
    "LlamaForCausalLM": "llama",
    "MistralForCausalLM": "mistral",
    "MixtralForCausalLM": "mixtral",
    "Qwen2ForCausalLM": "qwen2",
    "GPT2LMHeadModel": "gpt2",
    "RWForCausalLM": "refinedwebmodel",
}


#: ``model_type``s read here that transformers' ``AutoConfig`` does not register (no entry in
#: ``CONFIG_MAPPING_NAMES``, huggingface/transformers @001002320f
#: ``src/transformers/models/auto/configuration_auto.py``): their checkpoints ship the config
#: class as code (InternLM2, EXAONE 3.x, DeepSeek-MoE v1, Arctic, Kimi-K2, the original
#: Falcon ``RefinedWeb*`` releases). ``exaone4``, ``dbrx``, ``phimoe``, ``glm`` and the other
#: types read here are registered.
UNREGISTERED_TYPES = frozenset(
    {"internlm2", "exaone", "deepseek", "arctic", "kimi_k2", "refinedwebmodel", "refinedweb"}
)


def needs_remote_code(cfg: Mapping[str, Any]) -> bool:
    """Whether loading ``cfg``'s checkpoint runs its own code (an engine's trust-remote-code).

    transformers' ``AutoConfig.from_pretrained`` (@001002320f) reads ``has_remote_code =
    "auto_map" in config_dict and "AutoConfig" in config_dict["auto_map"]`` and ``has_local_code
    = config_dict["model_type"] in CONFIG_MAPPING``; without ``trust_remote_code`` it builds the
    registered class when there is one and raises ("does not recognize this architecture")
    when there is none. vLLM, SGLang and TensorRT-LLM load a Hugging Face checkpoint's config
    through ``AutoConfig`` with their ``--trust-remote-code`` / ``--trust_remote_code`` flag as
    ``trust_remote_code``. So the flag is needed when the file's ``auto_map`` names an
    ``AutoConfig`` and its ``model_type`` is one of :data:`UNREGISTERED_TYPES`.

    Parameters
    ----------
    cfg
        The parsed ``config.json`` (the top level: ``AutoConfig`` dispatches on its type).

    Returns
    -------
    bool
        True when the checkpoint's own config code is needed.
    """
    auto_map = cfg.get("auto_map")
    if not isinstance(auto_map, Mapping) or "AutoConfig" not in auto_map:
        return False
    return str(cfg.get("model_type", "")).lower() in UNREGISTERED_TYPES


def _model_type(cfg: Mapping[str, Any], where: str) -> str:
    mtype = cfg.get("model_type")
    if mtype:
        key = str(mtype).lower()
        if key in UNPRICED_LAYERS:
            raise InputError(
                f"{where}: model_type {mtype!r} is not modelled: its {UNPRICED_LAYERS[key]} "
                "have no cost model in the planner (only attention + MLP / MoE layers)"
            )
        if key not in ARCHITECTURES:
            err = unknown_name("model_type", str(mtype), [k for k in ARCHITECTURES if "-" not in k])
            raise InputError(f"{where}: {err}") from None
        return key
    classes = cfg.get("architectures") or []
    for cls in classes if isinstance(classes, list) else []:
        if cls in _CLASS_TYPES:
            return _CLASS_TYPES[cls]
    if "dim" in cfg and "n_layers" in cfg:
        return "deepseek-native"
    # no model_type and no known class: Llama's field names (the common case)
    return "llama"


def from_hf_config(cfg: Mapping[str, Any], *, name: str, source: str = "") -> ModelSpec:
    """Build a :class:`ModelSpec` from a model config mapping (see the module notes).

    Parameters
    ----------
    cfg
        The parsed ``config.json``. A nested ``text_config`` (multimodal
        wrappers) is read instead when present.
    name
        Name given to the model.
    source
        File name used in error messages.

    Raises
    ------
    InputError
        A required field is missing or malformed, or a field cannot be
        mapped; the message names the field and the architecture.
    """
    where = source or name
    if not isinstance(cfg, Mapping):
        raise InputError(f"{where}: expected a JSON object")
    remote_code = needs_remote_code(cfg)  # the top level's type and auto_map (AutoConfig's)
    if isinstance(cfg.get("text_config"), Mapping):
        # the text model of a multimodal file (Llama 4, Gemma 3); its vision encoder is not
        # planned. A text_config without a model_type takes the wrapper's text type.
        outer = str(cfg.get("model_type", "")).lower()
        inner = dict(cfg["text_config"])
        if not inner.get("model_type") and outer in _TEXT_TYPES:
            inner["model_type"] = _TEXT_TYPES[outer]
        cfg = {**inner, **{k: v for k, v in cfg.items() if k == "_planner"}}
    meta = cfg.get("_planner") or {}
    if not isinstance(meta, Mapping):
        raise InputError(f"{where}: field '_planner' must be an object")
    mtype = _model_type(cfg, where)
    arch, reader = ARCHITECTURES[mtype]
    fields = _Fields(cfg, where, arch)
    values = reader(fields, mtype)
    fields.finish()
    heads, hidden = values["heads"], values["hidden"]
    values.setdefault("kv_heads", heads)
    if not values.get("head_dim"):
        if heads == 0 or hidden % heads:
            raise fields.error(
                f"hidden size {hidden} is not divisible by the {heads} attention heads "
                "(give head_dim)"
            )
        values["head_dim"] = hidden // heads
    if "gated_mlp" in meta:
        values["gated_mlp"] = bool(meta["gated_mlp"])
    try:
        return ModelSpec(
            name=name,
            source=source or name,
            display_name=str(meta.get("display_name", "")),
            model_type=mtype,
            remote_code=remote_code,
            **values,
        ).in_range()
    except InputError as exc:
        raise InputError(f"{exc} ({arch} config)") from None


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
def _load_cached(path: str, name: str, stamp: tuple[int, int] = (0, 0)) -> ModelSpec:
    # ``stamp`` (mtime, size) is part of the key only so that a file edited between two
    # calls in one process is read again (s27bad: the first version was returned for ever)
    return from_hf_config(read_json(path), name=name, source=path)


def _stamp(path: Path) -> tuple[int, int]:
    """(mtime in ns, size) of a file, the cache key's part that changes when it is edited."""
    try:
        st = path.stat()
    except OSError:  # read_json names the file and the reason
        return (0, 0)
    return (st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=1)
def catalog_types() -> frozenset[str]:
    """The ``model_type``s of the bundled models: the architectures the exports were written
    for; a user's config may bring others (:func:`architecture_note`)."""
    return frozenset(load_model(name).model_type for name in catalog_names())


def architecture_note(model: ModelSpec, tool: str) -> str | None:
    """What an export to ``tool`` says of a model whose architecture is outside the catalog's.

    The exports (``plan train --export``, ``plan serve --export``) write the plan's parallel
    layout and engine settings, never the model's definition; they were written for the
    catalog's architectures (:func:`catalog_types`; the serving registries are checked against
    them in :data:`planner.serve.export.FIRST_RELEASES`). For another ``model_type`` the export
    says the tool was not checked rather than imply it runs the model.

    Parameters
    ----------
    model
        The planned model.
    tool
        The export target as shown to the user (``"Megatron-LM core_v0.15.3"``).

    Returns
    -------
    str or None
        The note, or None for a catalog architecture or a spec not read from a config.
    """
    mtype = model.model_type
    if not mtype or mtype in catalog_types() or mtype == "deepseek-native":
        return None
    arch = ARCHITECTURES[mtype][0] if mtype in ARCHITECTURES else mtype
    return (
        f"{model.name} ({arch}, model_type {mtype}) is outside the catalog's "
        f"architectures: whether {tool} runs {arch} was not checked; these settings give the "
        "plan's layout only"
    )


def _file_model_name(path: Path) -> str:
    """The name of a model read from a file: its stem, or its folder's name for a config.json
    (the repository's name for a snapshot of the Hugging Face cache).

    The folder is taken from the absolute path: ``config.json`` given from its own folder has
    the parent ``.``, whose name is empty (the plan's title and JSON ``model.name`` were blank).
    """
    if path.name != "config.json":
        return path.stem
    folder = path.absolute().parent
    # the Hugging Face cache keeps a checkpoint in models--ORG--NAME/snapshots/<commit>/: the
    # commit hash is no name
    repo = folder.parent.parent.name
    if folder.parent.name == "snapshots" and repo.startswith("models--"):
        return repo.split("--", 2)[-1]
    return folder.name or "config"


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
            if not (path / "config.json").is_file():  # was "DIR: no such file" of a folder
                raise InputError(f"{text}: a folder without a config.json")
            path = path / "config.json"
        if not path.exists():
            raise InputError(f"{text}: no such file")
        return _load_cached(str(path), _file_model_name(path), _stamp(path))
    names = catalog_names()
    key = _normalize(text.rsplit("/", 1)[-1])
    for cand in names:
        if _normalize(cand) == key:
            return _load_cached(str(catalog_dir() / f"{cand}.json"), cand)
    raise unknown_name("model", text, names)


__all__ = [
    "UNPRICED_LAYERS",
    "UNREGISTERED_TYPES",
    "architecture_note",
    "catalog_names",
    "catalog_types",
    "from_hf_config",
    "load_model",
    "needs_remote_code",
]
