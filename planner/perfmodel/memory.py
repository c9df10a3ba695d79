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

Capacity (training). A stage fits when its terms plus the *headroom* are at most
the capacity the driver reports (:attr:`~planner.perfmodel.hardware.GpuSpec.usable_bytes`,
e.g. 81,559 MiB on an H100 80GB): :func:`training_capacity`. The headroom
(``--memory-headroom``, :func:`default_headroom_gib` by default) covers the CUDA
context, cuBLAS/cuDNN workspaces and NCCL buffers (``CONTEXT_HEADROOM_GIB``) and
allocator fragmentation (``FRAGMENTATION_HEADROOM`` of the capacity), so no plan
is accepted at 99.9 % of the device.

Named constants (estimates, not fitted):

``RUNTIME_RESERVED_GIB``
    Serving: CUDA context, NCCL communicator buffers, cuBLAS workspaces and
    allocator fragmentation that a serving engine cannot use for tensors.
``CONTEXT_HEADROOM_GIB``, ``FRAGMENTATION_HEADROOM``
    Training headroom: 1.5 GiB for the CUDA context (about 0.5-1 GiB with
    cuBLAS/cuDNN workspaces) and NCCL communicators, plus 3 % of the capacity
    for caching-allocator fragmentation (PyTorch's ``expandable_segments``
    keeps it at a few per cent).
``COMM_BUFFER_FRACTION``
    Gradient-bucket / all-gather staging buffers, as a fraction of the
    stage's bf16 weights (Megatron's contiguous buffers are views, only the
    bucket in flight is extra).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from planner.perfmodel.hardware import GpuSpec
from planner.perfmodel.model_spec import ModelSpec

GIB = 1024**3
WEIGHT_BYTES = 2.0
GRAD_BYTES = 4.0
OPTIMIZER_BYTES = 12.0
RUNTIME_RESERVED_GIB = 4.0
CONTEXT_HEADROOM_GIB = 1.5
FRAGMENTATION_HEADROOM = 0.03
COMM_BUFFER_FRACTION = 0.02
#: Bytes per activation element in training and inference (bf16 activations even with
#: fp8 GEMMs: Transformer Engine keeps activations in bf16 between layers).
ACT_BYTES = 2.0
#: Bytes per dropout-mask element.
MASK_BYTES = 1.0
#: Bytes per embedding / LM-head parameter of a quantized serving checkpoint: 16 bits
#: (:func:`end_weight_bytes`).
UNQUANTIZED_END_BYTES = 2.0


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
        Headroom kept free (CUDA context, NCCL, fragmentation; see :func:`training_capacity`).
    """

    weights: float = 0.0
    gradients: float = 0.0
    optimizer: float = 0.0
    activations: float = 0.0
    logits: float = 0.0
    buffers: float = 0.0
    reserved: float = 0.0

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


def default_headroom_gib(gpu: GpuSpec) -> float:
    """Default training headroom of ``gpu``: context + NCCL, plus fragmentation (GiB)."""
    return CONTEXT_HEADROOM_GIB + FRAGMENTATION_HEADROOM * gpu.usable_bytes / GIB


def headroom_bytes(gpu: GpuSpec, headroom_gib: float | None = None) -> float:
    """Bytes kept free on ``gpu`` (``headroom_gib``, or :func:`default_headroom_gib`)."""
    return (default_headroom_gib(gpu) if headroom_gib is None else headroom_gib) * GIB


def training_capacity(gpu: GpuSpec, headroom_gib: float | None = None) -> float:
    """Bytes a training process may fill on ``gpu``: the driver's capacity minus the headroom."""
    return gpu.usable_bytes - headroom_bytes(gpu, headroom_gib)


# ---------------------------------------------------------------------------
# Model states
# ---------------------------------------------------------------------------


def model_state_bytes(
    params: float,
    *,
    zero: int,
    shards: float,
    weight_bytes: float = WEIGHT_BYTES,
    grad_bytes: float = GRAD_BYTES,
    optimizer_bytes: float = OPTIMIZER_BYTES,
    trainable: float = 1.0,
    working_shard: bool = True,
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
        Size of the group the states are sharded over (data parallel x context
        parallel, or the FSDP hybrid-sharding group).
    weight_bytes, grad_bytes, optimizer_bytes
        Bytes per working weight, per gradient, and of optimizer state per
        trained parameter (master copy + Adam moments; 12 in fp32).
    trainable
        Share of the parameters that are trained (frozen ones have no gradient
        and no optimizer state).
    working_shard
        ZeRO-3 keeps a sharded copy of the working weights between steps (Megatron's
        distributed optimizer, DeepSpeed). ``False``: the weights exist only while gathered
        (charged as buffers) and the sharded master copy is the one kept, as PyTorch FSDP's
        mixed precision runs it: each all-gather casts the fp32 shard to a low-precision shard
        and frees it once gathered (``FlatParamHandle._free_low_precision_sharded_param``,
        torch 2.1 ``flat_param.py``); frozen weights keep their shard at ``weight_bytes``.
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
    if not working_shard:  # the trained weights' shard is their master copy (optimizer term)
        frozen = w * (1.0 - trainable)
        w = (
            np.where(zero >= 3, frozen, w)
            if isinstance(zero, np.ndarray)
            else (w if zero < 3 else frozen)
        )
    g = params * trainable * grad_bytes / over(2)
    o = params * trainable * optimizer_bytes / over(1)
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
    fp8_inputs: bool = False,
    expert_tp: int | None = None,
    moe_load: float = 1.0,
    dropout_masks: bool = True,
    attention_out_copy: bool = False,
    gathered_inputs: bool = False,
) -> float:
    """Bytes one layer stores for the backward pass, per microbatch, per GPU.

    ``flash=True`` (fused attention) never materializes the ``s x s`` scores:
    the ``5 a s / h`` term is dropped whatever the recompute mode.

    With ``recompute="full"`` this is only the checkpointed layer input; the
    transient working set of the layer being recomputed is
    :func:`layer_activation_bytes` with ``recompute="none"``. ``selective``
    drops the attention core (Korthikanti et al.) or, with fused attention,
    what Megatron-Core's recompute modules re-create (the LayerNorm outputs,
    the activation function's output and MLA's up-projections).
    ``fp8_inputs`` stores the GEMM inputs kept for the weight gradients in fp8
    (1 byte, Transformer Engine). ``expert_tp`` and ``moe_load`` shape the
    routed tokens as in :func:`planner.perfmodel.layer.layer_cost`.
    ``dropout_masks=False``: dropout probability 0, no 1-byte masks after the attention and
    the MLP (:attr:`~planner.perfmodel.options.Software.dropout_masks`).
    ``attention_out_copy``: the fused attention's output and the output projection's
    input are two saved tensors (:attr:`~planner.perfmodel.options.Software.unpadded_attention`).
    ``gathered_inputs``: with sequence parallelism, the inputs of the attention projections
    and of the MLP (or MoE) block are kept as all-gathered, full-sequence tensors, ``t`` times
    Megatron's sharded LayerNorm outputs
    (:attr:`~planner.perfmodel.options.Software.sp_gathered_inputs`).
    """
    s = seq / cp
    b = micro_batch
    N = b * s
    h = model.hidden
    rep = 1.0 / tp if sp else 1.0
    if recompute == "full":
        return ACT_BYTES * N * h * rep
    if recompute not in ("none", "selective", "offload"):
        raise ValueError(f"unknown recompute {recompute!r}")
    modules = recompute == "selective" and flash  # Megatron-Core recompute modules
    G = 1.0 if fp8_inputs else ACT_BYTES  # bytes of a GEMM input kept for the backward
    # softmax out, mask, dropout out of the s x span scores
    span = model.attention_span(seq)
    core = (2 * ACT_BYTES + MASK_BYTES) * b * model.heads * s * span / tp
    if model.is_mla:
        q = G * N * (model.q_lora_rank + 0.0)  # latent query (replicated)
        kv = G * N * (model.kv_lora_rank + model.qk_rope_head_dim)
        if not modules:  # up-projected q, k, v (recomputed from the latents otherwise)
            q += (
                ACT_BYTES * N * model.heads * (model.qk_nope_head_dim + model.qk_rope_head_dim) / tp
            )
            kv += (
                ACT_BYTES * N * model.heads * (model.qk_nope_head_dim + model.qk_rope_head_dim) / tp
            )
            kv += ACT_BYTES * N * model.heads * model.v_head_dim / tp
        qkv = q + kv
    else:
        qkv = ACT_BYTES * N * (model.q_dim + 2 * model.kv_dim) / tp
    mask = MASK_BYTES * N * h * rep if dropout_masks else 0.0  # one per residual branch
    attn = ACT_BYTES * N * h * rep + qkv + G * N * model.attn_out_dim / tp + mask
    if attention_out_copy and flash:
        attn += ACT_BYTES * N * model.attn_out_dim / tp
    if recompute in ("none", "offload") and not flash:
        attn += core
    gate = 2 if model.gated_mlp else 1  # fc1 output tensors kept for the activation backward
    act_out = 0 if modules else 1  # the activation's output (input of fc2), unless recomputed
    if moe:
        etp = tp if expert_tp is None else expert_tp
        routed = (N / tp * etp if etp < tp else N) * model.experts_per_token * moe_load
        mlp = ACT_BYTES * N * h * rep + G * routed * h / etp  # input, permuted copy
        mlp += routed * model.moe_ffn * (ACT_BYTES * gate + G * act_out) / etp
        if model.shared_ffn:
            mlp += N * model.shared_ffn * (ACT_BYTES * gate + G * act_out) / tp
        mlp += mask
    else:
        mlp = ACT_BYTES * N * h * rep + N * model.ffn * (ACT_BYTES * gate + G * act_out) / tp + mask
    # the two LayerNorm outputs, the inputs of the attention projections and of the MLP:
    # sharded with Megatron's sequence parallelism, gathered with DTensor's
    saved = 1.0 if gathered_inputs else rep
    norms = 0.0 if modules else 2 * G * N * h * saved
    return attn + mlp + norms


def in_flight_microbatches(
    stage: int, pp: int, microbatches: int, interleave: int = 1, schedule: str = "1f1b"
) -> float:
    """Microbatches whose activations stage ``stage`` holds at its peak (in units of full stages).

    1F1B: ``min(pp - stage, m)``. Interleaved with ``v`` equal chunks:
    Megatron's warm-up of ``2 (pp - stage - 1) + (v - 1) pp`` chunk-microbatches
    plus one, each a ``1/v`` share of the stage. DualPipe: the same ``pp - stage``
    as 1F1B, for the copy of the stage on either of the two ranks that hold it
    (:func:`dualpipe_partner`); a rank's peak is the sum over its two stages,
    ``(pp - r) + (r + 1) = pp + 1`` (DeepSeek-V3 report, Table 2). From
    deepseek-ai/DualPipe ``dualpipe/dualpipe.py`` (``step``): rank ``r < pp/2`` runs
    ``2 (pp/2 - r - 1)`` forwards of its stage-``r`` chunk (step 1, line 359), then
    ``r + 1`` forwards of each chunk (step 2, line 364); step 3 (line 374) frees one
    backward per forward of the stage-``pp-1-r`` chunk, and the first forward of step 4
    (line 382) brings stage ``r`` to ``pp - r``, stage ``pp - 1 - r`` staying at
    ``r + 1``; the second-half ranks mirror it (``phase ^= is_in_second_half``, line 68).
    DualPipe needs ``m >= 2 pp`` (line 333), where ``pp - stage <= m / 2`` per direction;
    below it the 1F1B count is kept.
    """
    if pp <= 1:
        return 1.0
    if interleave <= 1:
        return float(min(pp - stage, microbatches))
    return sum(in_flight_chunks(stage, pp, microbatches, interleave)) / interleave


def dualpipe_partner(stage: int, pp: int) -> int:
    """The stage that shares a rank with ``stage`` under DualPipe: ``pp - 1 - stage``.

    deepseek-ai/DualPipe ``examples/example_dualpipe.py`` line 138 builds rank ``r``'s
    modules as ``(full_modules[r], full_modules[pp_size - 1 - r])``; ``dualpipe.py`` runs
    module 0 in the forward direction and module 1 in the reverse one (lines 75, 233: the
    first rank holds the reverse direction's last stage), so ranks ``r`` and
    ``pp - 1 - r`` hold the same two stages.
    """
    return pp - 1 - stage


def paired_memory(a: StageMemory, flight_a: float, b: StageMemory, flight_b: float) -> StageMemory:
    """Memory of a DualPipe rank holding stages ``a`` and ``b`` (``flight_*`` microbatches each),
    with the in-flight counts folded in: read it with ``total(1.0)`` / ``breakdown(1.0)``.

    Both stages' model states are kept whole (the DualPipe README's "2x parameters per device";
    the optimizer states of both chunks, each sharded over the data-parallel group as
    configured), their activations at their own in-flight counts, and the larger of the two
    working sets (one backward runs at a time).
    """
    return StageMemory(
        weights=a.weights + b.weights,
        gradients=a.gradients + b.gradients,
        optimizer=a.optimizer + b.optimizer,
        activations=a.activations * flight_a + b.activations * flight_b,
        work=max(a.work, b.work),
        logits_fixed=a.logits_fixed + b.logits_fixed,
        logits=a.logits * flight_a + b.logits * flight_b,
        buffers=a.buffers + b.buffers,
    )


def in_flight_chunks(stage: int, pp: int, microbatches: int, interleave: int) -> list[float]:
    """Microbatches in flight on each of the ``v`` chunks of ``stage`` at its peak (interleaved).

    Megatron's interleaved schedule runs the forward of groups of ``pp``
    microbatches chunk after chunk (chunk 0 for microbatches 0..p-1, chunk 1
    for the same, ...); the warm-up of ``2 (pp - stage - 1) + (v - 1) pp``
    forwards plus the first steady one are in flight at the peak. With uneven
    chunks the stage's activations are the sum over chunks of these counts
    times the chunk's layers.
    """
    v = interleave
    warm = min(2 * (pp - stage - 1) + (v - 1) * pp, microbatches * v - 1) + 1
    counts = [0.0] * v
    done = 0
    group = 0
    while done < warm:
        size = min(pp, microbatches - group * pp) if microbatches > group * pp else pp
        for k in range(v):
            take = min(size, warm - done)
            counts[k] += take
            done += take
            if done >= warm:
                break
        group += 1
    return counts


def embedding_mask_bytes(
    model: ModelSpec,
    *,
    micro_batch: int,
    seq: int,
    tp: int,
    cp: int = 1,
    sp: bool = False,
    dropout_masks: bool = True,
) -> float:
    """The embedding dropout's mask of one microbatch (first stage), 0 without dropout."""
    if not dropout_masks:
        return 0.0
    rep = 1.0 / tp if sp else 1.0
    return MASK_BYTES * micro_batch * (seq / cp) * model.hidden * rep


def head_activation_bytes(
    model: ModelSpec,
    *,
    micro_batch: int,
    seq: int,
    tp: int,
    cp: int = 1,
    fused_loss: bool = False,
) -> float:
    """Output layer of one microbatch: bf16 logits + fp32 copy for the loss (``6 s b V / t``).

    ``fused_loss``: a fused cross-entropy kernel reads the bf16 logits directly and saves them
    for its backward, which writes a bf16 gradient (``4 s b V / t``; flash-attention's
    ``CrossEntropyLoss``: ``save_for_backward(logits, lse, labels)``, the gradient
    ``empty_like(logits)``).
    """
    N = micro_batch * seq / cp
    loss_copy = ACT_BYTES if fused_loss else 4.0
    return (ACT_BYTES + loss_copy) * N * model.vocab / tp


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
        """Bytes per GPU with ``in_flight`` microbatches in flight (headroom not included)."""
        return (
            self.weights
            + self.gradients
            + self.optimizer
            + self.activations * in_flight
            + self.work
            + self.logits_fixed
            + self.logits * in_flight
            + self.buffers
        )

    def breakdown(self, in_flight: float, reserved: float = 0.0) -> MemoryBreakdown:
        """The same by component, with ``reserved`` bytes of headroom."""
        return MemoryBreakdown(
            weights=self.weights,
            gradients=self.gradients,
            optimizer=self.optimizer,
            activations=self.activations * in_flight + self.work,
            logits=self.logits_fixed + self.logits * in_flight,
            buffers=self.buffers,
            reserved=reserved,
        )


# ---------------------------------------------------------------------------
# Serving
# ---------------------------------------------------------------------------


def kv_cache_bytes_per_token(
    model: ModelSpec,
    *,
    tp: int = 1,
    pp: int = 1,
    kv_bytes: float = 2.0,
    mla_entry: float | None = None,
) -> float:
    """KV-cache bytes per token on one GPU of a ``tp x pp`` replica.

    K/V heads are split over ``tp`` (a head is replicated when ``tp`` exceeds
    the KV heads, as vLLM does for GQA); MLA's latent cache is replicated on
    every TP rank, ``mla_entry`` elements a layer when the engine pads the entry
    (:func:`~planner.perfmodel.engines.kv_entry_elements`; default the latent's
    ``kv_lora_rank + qk_rope_head_dim``). Layers are split over ``pp``.
    """
    layers = model.layers / pp
    if model.is_mla:
        entry = mla_entry or (model.kv_lora_rank + model.qk_rope_head_dim)
        return layers * entry * kv_bytes
    heads = max(1.0, model.kv_heads / tp)
    return layers * 2 * heads * model.head_dim * kv_bytes


def weight_bytes_per_gpu(
    model: ModelSpec,
    *,
    tp: int = 1,
    pp: int = 1,
    ep: int = 1,
    weight_bytes: float = 2.0,
    end_bytes: float | None = None,
) -> float:
    """Inference weights on one GPU of a ``tp x pp x ep`` replica (embeddings on the end stages).

    Dense parameters are split over ``tp`` and ``pp``; routed experts also
    over ``ep``. The embedding and LM head sit on the first/last stage; the
    larger of the two end stages is reported. ``end_bytes``: bytes per embedding and LM-head
    parameter when they are stored wider than the layers (:func:`end_weight_bytes`; default
    ``weight_bytes``).
    """
    dense_layers = model.layers - model.moe_layers
    per_dense = model.dense_layer_params()
    if model.is_moe:
        base, experts = model.moe_layer_params()
    else:
        base, experts = 0, 0
    body = (dense_layers * per_dense + model.moe_layers * (base + experts / ep)) / (tp * pp)
    if model.is_mla:  # the down-projections are replicated on every TP rank (layer_shapes)
        body += model.layers * mla_down_params(model) * (1.0 - 1.0 / tp) / pp
    ends = max(model.embedding_params(), model.head_params()) / tp
    if pp == 1:
        ends = (model.embedding_params() + model.head_params()) / tp
    return body * weight_bytes + ends * (weight_bytes if end_bytes is None else end_bytes)


def end_weight_bytes(weight_bytes: float) -> float:
    """Bytes per embedding and LM-head parameter of a serving checkpoint whose layers take
    ``weight_bytes``: never fewer than :data:`UNQUANTIZED_END_BYTES`.

    The engines' quantization configs give a quantized method only to linear layers and fused
    experts; the vocabulary embedding and the LM head (``ParallelLMHead`` subclasses
    ``VocabParallelEmbedding``, not ``LinearBase``) fall back to ``UnquantizedEmbeddingMethod``
    in the model's 16-bit dtype. SGLang 0.4.3.post2 / 0.4.6 wheels,
    ``layers/quantization/fp8.py`` ``Fp8Config.get_quant_method`` (0.4.6 lines 153-164:
    ``LinearBase`` -> ``Fp8LinearMethod``, ``FusedMoE`` -> ``Fp8MoEMethod``, else ``None``),
    ``w8a8_int8.py`` (lines 51-63, the same for INT8), ``modelopt_quant.py`` (lines 96-109 FP8,
    288-301 FP4: ``LinearBase`` only, and the checkpoint's ``exclude_modules`` skip
    ``lm_head``), ``layers/vocab_parallel_embedding.py`` (0.4.6 lines 264-268: ``None`` ->
    ``UnquantizedEmbeddingMethod()``); vLLM the same (vllm-project/vllm@00db0119
    ``vocab_parallel_embedding.py``: ``quant_config.get_quant_method(self)`` or the
    unquantized method). A 70B at tp1 in FP8: 2 x 128,256 x 8,192 parameters, 1.96 GiB more
    than at one byte.
    """
    return max(weight_bytes, UNQUANTIZED_END_BYTES)


def mla_down_params(model: ModelSpec) -> float:
    """Parameters of one layer's MLA down-projections (``q_a_proj`` and
    ``kv_a_proj_with_mqa``), which vLLM and SGLang replicate on every TP rank
    (``ReplicatedLinear`` in vLLM 0.7's ``deepseek_v2.py``); 0 without MLA."""
    if not model.is_mla:
        return 0.0
    return model.hidden * ((model.q_lora_rank or 0) + model.kv_lora_rank + model.qk_rope_head_dim)


def mla_absorbed_weight_bytes(
    model: ModelSpec, *, tp: int = 1, pp: int = 1, weight_bytes: float = 2.0, act_bytes: float = 2.0
) -> float:
    """Bytes per GPU of the materialized absorbed MLA decode weights vLLM 0.7.1-0.7.x keeps
    beside the checkpoint's (:func:`~planner.perfmodel.engines.mla_absorbed_weights`):
    ``W_Q_UK`` and ``W_UV_O`` at the weights' width (requantized to FP8 when the weights
    are), ``W_QR`` at the activations' width, and, for weights narrower than the
    activations, the dequantized ``kv_b_proj`` that ``W_UK`` / ``W_UV`` view. ``heads / tp``
    heads a rank, layers over ``pp``; 0 without MLA."""
    if not model.is_mla:
        return 0.0
    heads = model.heads / tp
    q_in = model.q_lora_rank or model.hidden  # W_Q is q_proj's when there is no q LoRA
    absorbed = heads * model.kv_lora_rank * (q_in + model.hidden) * weight_bytes
    rope = q_in * heads * model.qk_rope_head_dim * act_bytes
    dequant = 0.0
    if weight_bytes < act_bytes:
        width = model.qk_nope_head_dim + model.v_head_dim
        dequant = model.kv_lora_rank * heads * width * act_bytes
    return model.layers / pp * (absorbed + rope + dequant)
