"""Transformer architectures: shapes, parameter counts and FLOPs.

:class:`ModelSpec` is the planner's view of a decoder-only transformer: the
shapes that decide parameter counts, FLOPs, activation memory and KV-cache
size (dense or MoE with shared experts, MHA/GQA/MQA/MLA). It is built from a
Hugging Face ``config.json`` by :mod:`planner.perfmodel.readers`, which also
looks models up by name in the catalog ``models/llm/*.json``.

Parameter counts follow the checkpoint layout exactly (biases and norms
included), so the GPT models of Narayanan et al. give Megatron's
``P = 12lh^2 (1 + 13/(12h) + (V + s)/(12lh))`` plus the final norm.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from planner.core.errors import InputError, check_table
from planner.core.hashing import cached_hash


def window_held(context: np.ndarray | float, window: float, chunked: bool = False) -> np.ndarray:
    """Keys the query at position ``context`` (1-based: the token whose KV is written last)
    attends on a windowed layer, elementwise: ``min(c, window)`` for a sliding window;
    ``(c - 1) mod window + 1`` for chunked attention (Llama 4's ``attention_chunk_size``: the
    keys of its own chunk so far). Also the KV an engine that frees the rest keeps (vLLM's
    ``SlidingWindowManager`` / ``ChunkedLocalAttentionManager``); 0 at ``c <= 0``."""
    c = np.maximum(np.asarray(context, dtype=float), 0.0)
    if chunked:
        return c - window * np.floor(np.maximum(c - 1.0, 0.0) / window)
    return np.minimum(c, float(window))


def window_sums(
    start: np.ndarray | float, end: np.ndarray | float, window: float, chunked: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sums over the positions ``c = start + 1 .. end`` of ``m`` = :func:`window_held`
    ``(c)``, ``c m`` and ``m^2`` (closed forms; ``end <= start`` gives 0): the keys a windowed
    layer attends or keeps at each position, and the products the KV-cache variance needs.
    The one definition of a causal window's band (sliding or chunked): prefill attention,
    decode attention, KV held and the training layer's causal share all sum it."""
    a = np.asarray(start, dtype=float)
    b = np.maximum(np.asarray(end, dtype=float), a)
    w = float(window)

    def first(n):
        return n * (n + 1) / 2

    def second(n):
        return n * (n + 1) * (2 * n + 1) / 6

    if chunked:
        # positions 1 .. n: q whole chunks of 1 .. w, then 1 .. r; c = j w + i in chunk j
        def prefix(n):
            q = np.floor(n / w)
            r = n - q * w
            s1 = q * first(w) + first(r)
            s2 = q * second(w) + second(r)
            cm = w * first(w) * q * (q - 1) / 2 + q * second(w) + q * w * first(r) + second(r)
            return s1, cm, s2

        (s1a, cma, s2a), (s1b, cmb, s2b) = prefix(a), prefix(b)
        return s1b - s1a, cmb - cma, s2b - s2a
    s = np.clip(window, a, b)  # positions up to s hold all their keys, later ones the window
    short1, short2 = first(s) - first(a), second(s) - second(a)
    long0, long1 = b - s, first(b) - first(s)
    return short1 + w * long0, short2 + w * long1, short2 + w * w * long0


#: Largest shape the planner takes, per field: far above every published model (126 layers,
#: hidden 25,600, vocabulary 256k, context 10M tokens), small enough that the searches that
#: walk layers or sizes end. A config with ``num_hidden_layers`` 1e30 was read and
#: ``plan train`` then ran past its time limit without end (s27bad).
SHAPE_MAX = {
    "hidden": 1 << 20,
    "layers": 1 << 16,
    "heads": 1 << 16,
    "kv_heads": 1 << 16,
    "head_dim": 1 << 16,
    "ffn": 1 << 24,
    "vocab": 1 << 24,
    "max_seq": 1 << 34,
}


@cached_hash
@dataclass(frozen=True)
class ModelSpec:
    """A decoder-only transformer (dense or mixture-of-experts).

    Attributes
    ----------
    name
        Catalog name or file stem.
    hidden, layers, heads
        ``h``, ``l``, ``a``.
    kv_heads
        Key/value heads (``a`` for MHA, fewer for GQA, 1 for MQA).
    head_dim
        Per-head width (``h / a`` unless the config says otherwise).
    ffn
        Intermediate width of a dense MLP layer.
    vocab
        Vocabulary size ``V``.
    max_seq
        Longest sequence the model supports (``max_position_embeddings``).
    gated_mlp
        SwiGLU-style MLP with three matrices instead of two.
    tied_embeddings
        Input embedding and LM head share one matrix.
    position_embeddings
        Learned absolute position embeddings (GPT-2 style).
    linear_bias, qkv_bias, mlp_bias
        Biases on every linear layer / only on the q, k, v projections / only
        on the MLP (GPT-J).
    layernorm
        LayerNorm (weight + bias) rather than RMSNorm (weight only).
    norms_per_layer
        Normalization layers per transformer layer (2; 1 for the parallel
        attention + MLP blocks of GPT-J and Falcon-7B).
    embedding_norm
        A normalization right after the input embedding (BLOOM).
    sliding_window
        Keys a query attends at most (Mistral's sliding-window attention); 0
        for full causal attention.
    full_attention_layers
        Layers that attend the whole context although ``sliding_window`` is set
        (gpt-oss alternates a 128-token window and full attention: ``layer_types``
        in its config); 0: every layer is windowed. The windowed and full layers
        are spread evenly (gpt-oss and Gemma interleave them), so every cost that
        is linear in the attended keys (attention FLOPs, stored scores, KV cache
        reads) takes the layers' mean span (:meth:`attention_span`); a pipeline
        stage's own share may differ from the mean by one layer's.
    attention_chunked
        The window is Llama 4's chunked attention (``attention_chunk_size``: the query at
        position ``c`` attends the ``(c - 1) mod w + 1`` keys of its own chunk) rather than a
        sliding one: prefill, decode and the training layer's causal share count those keys
        exactly (:func:`window_held`, :func:`window_sums`); the full-square count
        (:meth:`attention_span`) takes the chunk as a window. Which engines free the earlier
        chunks' KV: :func:`~planner.perfmodel.engines.frees_windowed_kv`.
    num_experts, experts_per_token, shared_experts, moe_ffn
        Routed experts, top-k, always-active shared experts and their
        intermediate width (0 for dense models).
    router_groups, router_group_topk
        Group-limited routing (DeepSeek-V2/V3's ``n_group`` / ``topk_group``, Megatron-Core's
        ``moe_router_num_groups`` / ``moe_router_group_topk``): the routed experts form
        ``router_groups`` groups of consecutive experts and a token picks its top-k experts
        inside the ``router_group_topk`` groups it scores highest; 0 for none. It caps the
        ranks and nodes a token reaches (:func:`~planner.perfmodel.comm.destinations_hit`).
    shared_ffn
        Intermediate width of the shared expert block (``shared_experts *
        moe_ffn`` in DeepSeek style).
    dense_layers
        Leading layers with a dense MLP in an MoE model (DeepSeek's
        ``first_k_dense_replace``).
    moe_layer_freq
        Every ``moe_layer_freq``-th layer (after ``dense_layers``) is MoE.
    q_lora_rank, kv_lora_rank, qk_rope_head_dim, qk_nope_head_dim, v_head_dim
        Multi-head latent attention (DeepSeek-V2/V3); 0 when absent.
    mtp_layers
        Multi-token-prediction modules trained with the model (DeepSeek-V3's
        ``num_nextn_predict_layers``): each is one more block of the last
        layer's type, a ``2h x h`` projection and another pass through the
        shared LM head and loss, on the last pipeline stage. Not counted in
        the parameter totals (the 671B of DeepSeek-V3 exclude them).
    source
        Where the spec came from (file or catalog entry).
    model_type
        The config's ``model_type`` (``gpt_oss``, ``kimi_k2``, ...; empty when the spec was
        not read from a config): what a serving engine's model registry is keyed by.
    approximations
        Features of the config the reader read but the cost model does not price (Gemma 2's
        attention and final-logit soft-capping): ``plan train`` and ``plan serve`` print each
        as a warning.
    remote_code
        The checkpoint carries the code of its config class and ``transformers`` registers
        none for its ``model_type`` (the config's ``auto_map`` names an ``AutoConfig``: InternLM2,
        EXAONE 3.x, DeepSeek-MoE v1, Arctic): loading it needs the engines' trust-remote-code
        flag (:func:`planner.perfmodel.readers.needs_remote_code`).
    """

    name: str
    hidden: int
    layers: int
    heads: int
    kv_heads: int
    head_dim: int
    ffn: int
    vocab: int
    max_seq: int = 4096
    gated_mlp: bool = True
    tied_embeddings: bool = False
    position_embeddings: bool = False
    linear_bias: bool = False
    qkv_bias: bool = False
    layernorm: bool = False
    mlp_bias: bool = False
    norms_per_layer: int = 2
    embedding_norm: bool = False
    sliding_window: int = 0
    full_attention_layers: int = 0
    attention_chunked: bool = False
    num_experts: int = 0
    experts_per_token: int = 0
    shared_experts: int = 0
    moe_ffn: int = 0
    shared_ffn: int = 0
    router_groups: int = 0
    router_group_topk: int = 0
    dense_layers: int = 0
    moe_layer_freq: int = 1
    q_lora_rank: int = 0
    kv_lora_rank: int = 0
    qk_rope_head_dim: int = 0
    qk_nope_head_dim: int = 0
    v_head_dim: int = 0
    mtp_layers: int = 0
    source: str = ""
    display_name: str = field(default="", compare=False)
    model_type: str = field(default="", compare=False)
    approximations: tuple[str, ...] = field(default=(), compare=False)
    remote_code: bool = field(default=False, compare=False)

    def __post_init__(self) -> None:
        where = self.source or self.name
        # a list from to_dict / a problem file: kept as a tuple (the spec is frozen); anything
        # but a list of strings is bad input naming the field (a string was split into one
        # warning per character, a number was a TypeError)
        notes = self.approximations
        if not isinstance(notes, (list, tuple)) or not all(isinstance(a, str) for a in notes):
            raise InputError(f"{where}: field 'approximations' must be a list of strings")
        object.__setattr__(self, "approximations", tuple(notes))
        if not isinstance(self.remote_code, bool):  # a problem file's model table
            raise InputError(f"{where}: field 'remote_code' must be true or false")
        for key in ("hidden", "layers", "heads", "kv_heads", "head_dim", "ffn", "vocab", "max_seq"):
            value = getattr(self, key)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise InputError(
                    f"{where}: field {key!r} must be a positive integer, got {value!r}"
                )
        if self.heads % self.kv_heads:
            raise InputError(
                f"{where}: num_key_value_heads={self.kv_heads} must divide "
                f"num_attention_heads={self.heads}"
            )
        if self.num_experts:
            if not 1 <= self.experts_per_token <= self.num_experts:
                raise InputError(
                    f"{where}: num_experts_per_tok={self.experts_per_token} must be in "
                    f"1..{self.num_experts}"
                )
            if self.moe_ffn <= 0:
                raise InputError(f"{where}: field 'moe_intermediate_size' must be positive")
            if not 0 <= self.dense_layers <= self.layers:
                raise InputError(f"{where}: first_k_dense_replace must be in 0..{self.layers}")
            if self.moe_layer_freq < 1:
                raise InputError(f"{where}: moe_layer_freq must be >= 1")
            g, gk = self.router_groups, self.router_group_topk
            if g and (self.num_experts % g or not 1 <= gk <= g):
                raise InputError(
                    f"{where}: n_group={g} must divide the {self.num_experts} experts and "
                    f"topk_group={gk} be in 1..{g}"
                )
        if self.norms_per_layer not in (1, 2):
            raise InputError(f"{where}: norms_per_layer must be 1 or 2, got {self.norms_per_layer}")
        if self.sliding_window < 0:
            raise InputError(f"{where}: sliding_window must be >= 0, got {self.sliding_window}")
        if not 0 <= self.full_attention_layers <= self.layers or (
            self.full_attention_layers and not self.sliding_window
        ):
            raise InputError(
                f"{where}: full_attention_layers must be in 0..{self.layers} and needs a "
                f"sliding_window, got {self.full_attention_layers}"
            )
        if self.kv_lora_rank and (self.qk_rope_head_dim <= 0 or self.v_head_dim <= 0):
            raise InputError(f"{where}: MLA needs qk_rope_head_dim and v_head_dim > 0")

    # ------------------------------------------------------------------ shape
    @property
    def is_moe(self) -> bool:
        """True for a mixture-of-experts model."""
        return self.num_experts > 0

    @property
    def is_mla(self) -> bool:
        """True for multi-head latent attention."""
        return self.kv_lora_rank > 0

    @functools.cached_property
    def moe_layers(self) -> int:
        """Number of layers whose MLP is a routed-expert block."""
        if not self.is_moe:
            return 0
        # closed form of the layers is_moe_layer selects: a loop over the layers never
        # returned for a config with num_hidden_layers = 1e30 (s17audit)
        # (and len(range(...)) overflows past 2**63)
        return max(0, -(-(self.layers - self.dense_layers) // self.moe_layer_freq))

    def is_moe_layer(self, index: int) -> bool:
        """Whether layer ``index`` (0-based) is an MoE layer."""
        return (
            self.is_moe
            and index >= self.dense_layers
            and (index - self.dense_layers) % self.moe_layer_freq == 0
        )

    @property
    def q_dim(self) -> int:
        """Width of the concatenated query heads."""
        if self.is_mla:
            return self.heads * (self.qk_nope_head_dim + self.qk_rope_head_dim)
        return self.heads * self.head_dim

    @property
    def kv_dim(self) -> int:
        """Width of the concatenated key heads (equal to the value width for MHA/GQA)."""
        return self.kv_heads * self.head_dim

    @property
    def k_dim(self) -> int:
        """Width of the keys the attention core reads per token: :attr:`kv_dim`, or for MLA
        every head's up-projected ``qk_nope_head_dim + qk_rope_head_dim`` (``kv_dim`` is
        ``kv_heads x head_dim``, a width MLA does not have)."""
        if self.is_mla:
            return self.heads * (self.qk_nope_head_dim + self.qk_rope_head_dim)
        return self.kv_dim

    @property
    def v_dim(self) -> int:
        """Width of the values the attention core reads per token: :attr:`kv_dim`, or for MLA
        every head's ``v_head_dim``."""
        if self.is_mla:
            return self.heads * self.v_head_dim
        return self.kv_dim

    @property
    def attn_out_dim(self) -> int:
        """Width entering the output projection."""
        return self.heads * (self.v_head_dim if self.is_mla else self.head_dim)

    # ------------------------------------------------------------ parameters
    def norm_params(self) -> int:
        """Parameters of one normalization layer."""
        return 2 * self.hidden if self.layernorm else self.hidden

    def attention_params(self) -> int:
        """Parameters of one attention block (projections, biases, MLA norms)."""
        h = self.hidden
        if self.is_mla:
            qk = self.qk_nope_head_dim + self.qk_rope_head_dim
            if self.q_lora_rank:
                q = h * self.q_lora_rank + self.q_lora_rank + self.q_lora_rank * self.heads * qk
            else:
                q = h * self.heads * qk
            kv = h * (self.kv_lora_rank + self.qk_rope_head_dim) + self.kv_lora_rank
            kv += self.kv_lora_rank * self.heads * (self.qk_nope_head_dim + self.v_head_dim)
            return q + kv + self.attn_out_dim * h
        params = h * (self.q_dim + 2 * self.kv_dim) + self.attn_out_dim * h
        if self.linear_bias or self.qkv_bias:
            params += self.q_dim + 2 * self.kv_dim
        if self.linear_bias:
            params += h
        return params

    def mlp_params(self, width: int) -> int:
        """Parameters of one MLP (or one expert) of intermediate ``width``."""
        mats = 3 if self.gated_mlp else 2
        params = mats * self.hidden * width
        if self.linear_bias or self.mlp_bias:
            params += (mats - 1) * width + self.hidden
        return params

    def dense_layer_params(self) -> int:
        """Parameters of one dense transformer layer."""
        return self._layer_params[0]

    def expert_params(self) -> int:
        """Parameters of one routed expert."""
        return self.mlp_params(self.moe_ffn)

    def moe_layer_params(self) -> tuple[int, int]:
        """(non-expert, routed-expert) parameters of one MoE layer."""
        return self._layer_params[1]

    @functools.cached_property
    def _layer_params(self) -> tuple[int, tuple[int, int]]:
        """(dense layer, (MoE non-expert, MoE routed-expert)) parameters, computed once."""
        attention, norms = self.attention_params(), self.norms_per_layer * self.norm_params()
        shared = self.mlp_params(self.shared_ffn) if self.shared_ffn else 0
        router = self.hidden * self.num_experts
        base = attention + norms + shared + router
        dense = attention + self.mlp_params(self.ffn) + norms
        return dense, (base, self.num_experts * self.expert_params())

    def embedding_params(self) -> int:
        """Input embedding (+ learned positions, + the embedding norm)."""
        positions = self.max_seq * self.hidden if self.position_embeddings else 0
        norm = self.norm_params() if self.embedding_norm else 0
        return self.vocab * self.hidden + positions + norm

    def head_params(self) -> int:
        """Final norm + LM head (0 for the head when tied)."""
        return self.norm_params() + (0 if self.tied_embeddings else self.vocab * self.hidden)

    @functools.cached_property
    def params_total(self) -> int:
        """All parameters of the checkpoint."""
        dense = (self.layers - self.moe_layers) * self.dense_layer_params()
        base, experts = self.moe_layer_params() if self.is_moe else (0, 0)
        return (
            dense
            + self.moe_layers * (base + experts)
            + self.embedding_params()
            + self.head_params()
        )

    @functools.cached_property
    def params_active(self) -> int:
        """Parameters touched per token (top-k routed experts only)."""
        if not self.is_moe:
            return self.params_total
        base, _ = self.moe_layer_params()
        per_token_experts = self.experts_per_token * self.expert_params()
        dense = (self.layers - self.moe_layers) * self.dense_layer_params()
        return (
            dense
            + self.moe_layers * (base + per_token_experts)
            + self.embedding_params()
            + self.head_params()
        )

    # ----------------------------------------------------------------- FLOPs
    def attention_span(self, context: np.ndarray | float) -> np.ndarray | float:
        """Keys one query attends out of ``context`` in the full-square count (training's
        ``s x s_kv`` scores), averaged over the layers: the window caps it on the windowed
        layers, ``full_attention_layers`` attend it all; elementwise for an array of contexts.
        A chunk of ``c`` keys counts as a ``c``-key window (exact for a sequence of whole
        chunks); the keys of one query at a position are :meth:`attention_keys`."""
        if not self.sliding_window:
            return context
        if isinstance(context, np.ndarray):
            windowed = np.minimum(context, self.sliding_window)
        else:
            windowed = min(context, self.sliding_window)
        full = self.full_attention_layers
        return windowed + (context - windowed) * full / self.layers

    def attention_keys(self, context: np.ndarray | float) -> np.ndarray | float:
        """Keys the query at position ``context`` attends (a decode step), averaged over the
        layers: :func:`window_held` on the windowed layers (a sliding window's
        ``min(c, w)``, a chunk's ``(c - 1) mod w + 1``), ``c`` on the full ones;
        elementwise for an array. Equals :meth:`attention_span` for a sliding window."""
        if not self.attention_chunked:
            return self.attention_span(context)
        windowed = window_held(context, self.sliding_window, chunked=True)
        share = self.full_attention_layers / self.layers
        keys = share * np.asarray(context, dtype=float) + (1.0 - share) * windowed
        return keys if isinstance(context, np.ndarray) else float(keys)

    def windowed_keys(self, start: np.ndarray | float, end: np.ndarray | float) -> np.ndarray:
        """Keys one windowed layer's query positions ``start + 1 .. end`` attend together
        (:func:`window_sums` of the model's window, sliding or chunked)."""
        return window_sums(start, end, self.sliding_window, self.attention_chunked)[0]

    def causal_attention_keys(
        self, start: np.ndarray | float, end: np.ndarray | float
    ) -> np.ndarray:
        """Keys the query positions ``start + 1 .. end`` attend together, averaged over the
        layers (:meth:`attention_keys` summed): ``end (end + 1) / 2 - start (start + 1) / 2``
        without a window, each windowed layer's query its :meth:`windowed_keys`."""
        a, b = np.asarray(start, dtype=float), np.asarray(end, dtype=float)
        full = (b * (b + 1) - a * (a + 1)) / 2
        if not self.sliding_window:
            return full
        share = self.full_attention_layers / self.layers
        return share * full + (1.0 - share) * self.windowed_keys(a, b)

    def causal_window_share(self, context: float) -> float:
        """Keys a query attends under the causal mask over ``context / 2`` (the FlashAttention
        count of a full causal layer), averaged over the layers (1 without a window): a
        windowed layer's exact mean, :meth:`windowed_keys` over the ``context`` positions
        divided by ``context``, ``w - w (w - 1) / (2 context)`` for a sliding window (126.02
        keys at window 128 and 4,096, not the 64 that half of the mean span counts) and
        ``(w + 1) / 2`` for chunked attention over whole chunks."""
        w = min(context, self.sliding_window)
        if not w or w >= context:  # one window or chunk holds the sequence: full attention
            return 1.0
        band = float(self.windowed_keys(0.0, context)) / context / (context / 2.0)
        full = self.full_attention_layers
        return (band * (self.layers - full) + full) / self.layers

    def attention_flops_per_token(self, context: float) -> float:
        """Forward FLOPs of the score and value matmuls for one query token.

        ``context`` is the number of keys attended (``s`` for full training
        attention as in Megatron's formula, which counts the full ``s x s``
        product; use ``s/2`` for causal-aware kernels).
        """
        qk = self.qk_nope_head_dim + self.qk_rope_head_dim if self.is_mla else self.head_dim
        v = self.v_head_dim if self.is_mla else self.head_dim
        return 2.0 * self.heads * self.attention_span(context) * (qk + v)

    def forward_flops_per_token(self, context: float) -> float:
        """Forward FLOPs per token of the whole model (matmuls only, active experts).

        Equals ``2 * active non-embedding parameters + attention + 2 V h``; for
        GPT this reproduces Megatron's ``24 l h^2 (1 + s/(6h)) + 2 V h``.
        """
        linear = 2.0 * self.linear_params_active()
        return linear + self.layers * self.attention_flops_per_token(context)

    def linear_params_active(self) -> int:
        """Matrix parameters a token multiplies through (layers + LM head, no embedding/norm/bias)."""
        h = self.hidden
        if self.is_mla:
            attn = self.attention_params() - self.kv_lora_rank - (self.q_lora_rank or 0)
        else:
            attn = h * (self.q_dim + 2 * self.kv_dim) + self.attn_out_dim * h
        mats = 3 if self.gated_mlp else 2
        dense_mlp = mats * h * self.ffn
        moe_mlp = mats * h * (self.experts_per_token * self.moe_ffn + self.shared_ffn)
        moe_mlp += h * self.num_experts  # router
        per_layer = (self.layers - self.moe_layers) * (attn + dense_mlp) + self.moe_layers * (
            attn + moe_mlp
        )
        return per_layer + self.vocab * h

    def in_range(self) -> ModelSpec:
        """This spec, or :class:`InputError` naming the first shape above :data:`SHAPE_MAX`.

        Checked where a file is read (a problem's model table, a Hugging Face config), not on
        construction: a spec built in code may hold an absurd depth for a closed-form count
        (``tests/perfmodel/test_model_spec.py``), but a file's 1e30 layers reach the
        searches, which walk layers.
        """
        where = self.source or self.name
        for key, most in SHAPE_MAX.items():
            value = getattr(self, key)
            if value > most:
                raise InputError(
                    f"{where}: field {key!r} = {value} is above {most:,}, the most the "
                    "planner takes"
                )
        return self

    # ------------------------------------------------------------------- I/O
    def to_dict(self) -> dict[str, Any]:
        """All fields as plain data."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelSpec:
        """Inverse of :meth:`to_dict` (also accepts a Hugging Face config)."""
        name = data.get("name") if isinstance(data, Mapping) else None
        if isinstance(name, str) and not name.strip():  # a blank title and JSON model.name
            raise InputError("model: field 'name' is empty: give a name or leave the field out")
        if "hidden" in data and "layers" in data:
            return cls(**check_table(data, "model", cls.__dataclass_fields__)).in_range()
        from planner.perfmodel.readers import from_hf_config

        return from_hf_config(data, name=str(data.get("name", "model")))

    def summary(self) -> str:
        """One line: name, parameters, shape."""
        kind = f"MoE {self.num_experts}x top-{self.experts_per_token}" if self.is_moe else "dense"
        return (
            f"{self.display_name or self.name}: {self.params_total / 1e9:.1f}B params "
            f"({self.params_active / 1e9:.1f}B active, {kind}), h={self.hidden}, l={self.layers}, "
            f"a={self.heads}, kv={self.kv_heads}, V={self.vocab}"
        )
