"""Memory per GPU: model states by ZeRO stage, activations, KV cache.

Model states (mixed precision with Adam, as in Megatron-LM): ``WEIGHT_BYTES``
(bf16 weights) + ``GRAD_BYTES`` (fp32 gradient accumulation buffer) +
``OPTIMIZER_BYTES`` (fp32 master weights, Adam m and v) per parameter. ZeRO
stage 1 shards the optimizer states over the data-parallel group (Megatron's
distributed optimizer), stage 2 also the gradients, stage 3 also the weights.

Activations per layer and microbatch follow Korthikanti et al. (2022),
generalized tensor by tensor to GQA, gated MLPs, MLA and MoE (for GPT they
reduce exactly to the paper's formulas, in bytes with 16-bit activations and
1-byte dropout masks):

* no parallelism: ``s b h (34 + 5 a s / h)``;
* tensor parallel: ``s b h (10 + 24/t + 5 a s / (h t))``;
* tensor + sequence parallel: ``s b h / t (34 + 5 a s / h)``;
* selective recompute drops the ``5 a s / h`` attention-core term;
* full recompute keeps only the layer input ``2 s b h`` (``/ t`` with SP).

Pipeline schedules hold several microbatches in flight: with 1F1B, stage
``i`` of ``p`` keeps ``min(p - i, m)`` microbatches, so the first stage holds
``L`` layers' worth; the interleaved schedule with ``v`` chunks keeps
``L (1 + (p - 1)/(p v))`` on the first stage. :class:`StageMemory` holds a
stage's terms and is the one place where they are scaled by the in-flight
microbatches and summed.

Named constants (estimates, not fitted):

``RUNTIME_RESERVED_GIB``
    CUDA context, NCCL communicator buffers, cuBLAS workspaces and allocator
    fragmentation: memory a training or serving process cannot use for
    tensors (1-2 GB context + NCCL + ~5 % fragmentation on 80 GB parts).
``COMM_BUFFER_FRACTION``
    Gradient-bucket / all-gather staging buffers, as a fraction of the
    stage's bf16 weights (Megatron's contiguous buffers are views, only the
    bucket in flight is extra).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from planner.perfmodel.model_spec import ModelSpec

GIB = 1024**3
WEIGHT_BYTES = 2.0
GRAD_BYTES = 4.0
OPTIMIZER_BYTES = 12.0
RUNTIME_RESERVED_GIB = 4.0
COMM_BUFFER_FRACTION = 0.02
#: Bytes per activation element in training and inference (bf16 activations even with
#: fp8 GEMMs: Transformer Engine keeps activations in bf16 between layers).
ACT_BYTES = 2.0
#: Bytes per dropout-mask element.
MASK_BYTES = 1.0


@dataclass(frozen=True)
class MemoryBreakdown:
    """Bytes per GPU by component (the most loaded stage of a plan).

    Attributes
    ----------
    weights, gradients, optimizer
        Model states after ZeRO sharding.
    activations
        Stored activations of the in-flight microbatches plus the working set
        of the layer being recomputed / back-propagated.
    logits
        Output-layer activations (fp32 logits for the loss) or embedding masks.
    buffers
        Communication buffers (gradient buckets, ZeRO-3 gathers).
    reserved
        Runtime overhead (``RUNTIME_RESERVED_GIB``).
    """

    weights: float = 0.0
    gradients: float = 0.0
    optimizer: float = 0.0
    activations: float = 0.0
    logits: float = 0.0
    buffers: float = 0.0
    reserved: float = RUNTIME_RESERVED_GIB * GIB

    @property
    def total(self) -> float:
        """Sum of all components, bytes."""
        return sum(getattr(self, f.name) for f in fields(self))

    @property
    def total_gib(self) -> float:
        """Sum of all components, GiB."""
        return self.total / GIB

    def dominant(self) -> str:
        """Name of the largest component."""
        return max((f.name for f in fields(self)), key=lambda n: getattr(self, n))

    def to_dict(self) -> dict[str, float]:
        """Components and total in GiB (rounded to 0.01)."""
        out = {f.name: round(getattr(self, f.name) / GIB, 3) for f in fields(self)}
        out["total"] = round(self.total_gib, 3)
        return out


# ---------------------------------------------------------------------------
# Model states
# ---------------------------------------------------------------------------


def model_state_bytes(
    params: float, *, zero: int, shards: float, weight_bytes: float = WEIGHT_BYTES
) -> tuple[float, float, float]:
    """(weights, gradients, optimizer) bytes for ``params`` local parameters.

    Parameters
    ----------
    params
        Parameters held by this GPU before ZeRO sharding (after TP/PP/EP).
    zero
        ZeRO stage 0-3 (a numpy array of stages is accepted, with arrays of
        the same shape for the other arguments, for vectorized bounds).
    shards
        Size of the group the states are sharded over (data parallel x context parallel).
    weight_bytes
        Bytes per working weight.
    """
    if isinstance(zero, np.ndarray):
        shards = np.maximum(1, shards)

        def over(stage: int):
            return np.where(zero >= stage, shards, 1.0)

    else:
        if zero not in (0, 1, 2, 3):
            raise ValueError(f"ZeRO stage must be 0..3, got {zero}")
        shards = max(1, shards)

        def over(stage: int):
            return shards if zero >= stage else 1

    w = params * weight_bytes / over(3)
    g = params * GRAD_BYTES / over(2)
    o = params * OPTIMIZER_BYTES / over(1)
    return w, g, o


# ---------------------------------------------------------------------------
# Activations (Korthikanti et al. 2022, generalized)
# ---------------------------------------------------------------------------


def layer_activation_bytes(
    model: ModelSpec,
    *,
    micro_batch: int,
    seq: int,
    tp: int,
    cp: int = 1,
    sp: bool = False,
    recompute: str = "none",
    moe: bool = False,
    flash: bool = False,
) -> float:
    """Bytes one layer stores for the backward pass, per microbatch, per GPU.

    ``flash=True`` (fused attention) never materializes the ``s x s`` scores:
    the ``5 a s / h`` term is dropped whatever the recompute mode.

    With ``recompute="full"`` this is only the checkpointed layer input; the
    transient working set of the layer being recomputed is
    :func:`layer_activation_bytes` with ``recompute="none"``.
    """
    s = seq / cp
    b = micro_batch
    N = b * s
    h = model.hidden
    rep = 1.0 / tp if sp else 1.0
    if recompute == "full":
        return ACT_BYTES * N * h * rep
    # softmax out, mask, dropout out of the s x span scores
    span = model.attention_span(seq)
    core = (2 * ACT_BYTES + MASK_BYTES) * b * model.heads * s * span / tp
    if model.is_mla:
        q = ACT_BYTES * N * (model.q_lora_rank + 0.0)  # latent query (replicated)
        q += ACT_BYTES * N * model.heads * (model.qk_nope_head_dim + model.qk_rope_head_dim) / tp
        kv = ACT_BYTES * N * (model.kv_lora_rank + model.qk_rope_head_dim)
        kv += ACT_BYTES * N * model.heads * (model.qk_nope_head_dim + model.qk_rope_head_dim) / tp
        kv += ACT_BYTES * N * model.heads * model.v_head_dim / tp
        qkv = q + kv
    else:
        qkv = ACT_BYTES * N * (model.q_dim + 2 * model.kv_dim) / tp
    attn = (
        ACT_BYTES * N * h * rep
        + qkv
        + ACT_BYTES * N * model.attn_out_dim / tp
        + MASK_BYTES * N * h * rep
    )
    if recompute not in ("none", "selective"):
        raise ValueError(f"unknown recompute {recompute!r}")
    if recompute == "none" and not flash:
        attn += core
    gate = 2 if model.gated_mlp else 1  # fc1 output tensors kept for the activation backward
    if moe:
        routed = N * model.experts_per_token
        mlp = ACT_BYTES * N * h * rep + ACT_BYTES * routed * h / tp  # input, permuted copy
        mlp += ACT_BYTES * routed * model.moe_ffn * (gate + 1) / tp
        if model.shared_ffn:
            mlp += ACT_BYTES * N * model.shared_ffn * (gate + 1) / tp
        mlp += MASK_BYTES * N * h * rep
    else:
        mlp = (
            ACT_BYTES * N * h * rep
            + ACT_BYTES * N * model.ffn * (gate + 1) / tp
            + MASK_BYTES * N * h * rep
        )
    norms = 2 * ACT_BYTES * N * h * rep
    return attn + mlp + norms


def in_flight_microbatches(stage: int, pp: int, microbatches: int, interleave: int = 1) -> float:
    """Microbatches whose activations stage ``stage`` holds at its peak (in units of full stages).

    1F1B: ``min(pp - stage, m)``. Interleaved with ``v`` chunks: Megatron's
    warm-up of ``2 (pp - stage - 1) + (v - 1) pp`` chunk-microbatches plus
    one, each a ``1/v`` share of the stage.
    """
    if pp <= 1:
        return 1.0
    if interleave <= 1:
        return float(min(pp - stage, microbatches))
    warm = min(2 * (pp - stage - 1) + (interleave - 1) * pp, microbatches * interleave - 1)
    return (warm + 1) / interleave


def head_activation_bytes(
    model: ModelSpec, *, micro_batch: int, seq: int, tp: int, cp: int = 1
) -> float:
    """Output layer of one microbatch: bf16 logits + fp32 copy for the loss (``6 s b V / t``)."""
    N = micro_batch * seq / cp
    return (ACT_BYTES + 4.0) * N * model.vocab / tp


@dataclass(frozen=True)
class StageMemory:
    """Memory terms of one pipeline stage on one GPU, bytes, before in-flight scaling.

    Attributes
    ----------
    weights, gradients, optimizer
        Model states after ZeRO sharding.
    activations
        Stored activations of one microbatch (all the stage's layers).
    work
        Transient working set of the layer being recomputed / back-propagated.
    logits_fixed
        Output layer of one microbatch (last stage).
    logits
        Per microbatch in flight: embedding dropout masks (first stage).
    buffers
        Communication buffers.
    """

    weights: float
    gradients: float
    optimizer: float
    activations: float
    work: float
    logits_fixed: float
    logits: float
    buffers: float

    def total(self, in_flight: float) -> float:
        """Bytes per GPU with ``in_flight`` microbatches in flight (runtime reserve included)."""
        return (
            self.weights
            + self.gradients
            + self.optimizer
            + self.activations * in_flight
            + self.work
            + self.logits_fixed
            + self.logits * in_flight
            + self.buffers
            + RUNTIME_RESERVED_GIB * GIB
        )

    def breakdown(self, in_flight: float) -> MemoryBreakdown:
        """The same by component."""
        return MemoryBreakdown(
            weights=self.weights,
            gradients=self.gradients,
            optimizer=self.optimizer,
            activations=self.activations * in_flight + self.work,
            logits=self.logits_fixed + self.logits * in_flight,
            buffers=self.buffers,
        )


# ---------------------------------------------------------------------------
# Serving
# ---------------------------------------------------------------------------


def kv_cache_bytes_per_token(
    model: ModelSpec, *, tp: int = 1, pp: int = 1, kv_bytes: float = 2.0
) -> float:
    """KV-cache bytes per token on one GPU of a ``tp x pp`` replica.

    K/V heads are split over ``tp`` (a head is replicated when ``tp`` exceeds
    the KV heads, as vLLM does for GQA); MLA's latent cache is replicated on
    every TP rank. Layers are split over ``pp``.
    """
    layers = model.layers / pp
    if model.is_mla:
        return layers * (model.kv_lora_rank + model.qk_rope_head_dim) * kv_bytes
    heads = max(1.0, model.kv_heads / tp)
    return layers * 2 * heads * model.head_dim * kv_bytes


def weight_bytes_per_gpu(
    model: ModelSpec, *, tp: int = 1, pp: int = 1, ep: int = 1, weight_bytes: float = 2.0
) -> float:
    """Inference weights on one GPU of a ``tp x pp x ep`` replica (embeddings on the end stages).

    Dense parameters are split over ``tp`` and ``pp``; routed experts also
    over ``ep``. The embedding and LM head sit on the first/last stage; the
    larger of the two end stages is reported.
    """
    dense_layers = model.layers - model.moe_layers
    per_dense = model.dense_layer_params()
    if model.is_moe:
        base, experts = model.moe_layer_params()
    else:
        base, experts = 0, 0
    body = (dense_layers * per_dense + model.moe_layers * (base + experts / ep)) / (tp * pp)
    ends = max(model.embedding_params(), model.head_params()) / tp
    if pp == 1:
        ends = (model.embedding_params() + model.head_params()) / tp
    return (body + ends) * weight_bytes
