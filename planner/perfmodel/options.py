"""Software settings of a training step: overlap, precision of each state, sharding, MoE routing.

A :class:`Software` is what a framework configuration decides beyond the
parallel layout (:class:`~planner.perfmodel.stage.Layout`). Every switch is
one term of the model, costed where the term lives (:mod:`~planner.perfmodel.layer`,
:mod:`~planner.perfmodel.memory`, :mod:`~planner.perfmodel.stage`); the defaults
describe a current Megatron-Core run (distributed optimizer with overlapped
gradient reduction and parameter gathers, fp32 master weights, gradients and
Adam moments, bf16 activations and communication, balanced dropless MoE).

Overlap
    ``tp_overlap`` tensor-parallel collectives overlapped with the GEMMs
    (Transformer Engine user buffers, torch async TP); ``tp_overlap_bwd_scatter``, under
    ``tp_overlap`` with sequence parallelism, the backward reduce-scatters of the
    column-parallel blocks' input gradients are overlapped as well (Transformer Engine's dgrad
    reduce-scatter overlap on Megatron's fused QKV and FC1 GEMMs); ``False`` for torch's async
    TP (``torch._inductor.config._micro_pipeline_tp``, torchtitan's
    ``enable_async_tensor_parallel``): its pass fuses an all-gather with the matmuls that
    consume it (forward inputs, backward output gradients) and a reduce-scatter with the one
    matmul that produces it (``fuse_matmul_reduce_scatter``: ``_find_producer_matmul``
    accepts ``mm`` / ``_scaled_mm``, optionally between reshapes, in
    ``torch/_inductor/fx_passes/micro_pipeline_tp.py``), while the input gradient of
    torchtitan's separate ``wq`` / ``wk`` / ``wv`` and ``w1`` / ``w3`` linears is the sum of
    their data-gradient matmuls: that reduce-scatter is not fused and runs exposed;
    ``tp_bwd_overlap``, short of ``tp_overlap``,
    the backward collectives of the column-parallel GEMMs run asynchronously under those
    GEMMs' data- and weight-gradient GEMMs (Megatron-LM's
    ``async_tensor_model_parallel_allreduce``, on by default from 2021-09-07, and its
    sequence-parallel backward; :func:`~planner.perfmodel.layer.column_backward_exposed`).
    On by default: Megatron-Core has no switch for it (core_v0.15.3
    ``megatron/core/tensor_parallel/layers.py`` ``LinearWithGradAccumulationAndAsyncCommunication``;
    ``--no-async-tensor-model-parallel-allreduce`` is "DEPRECATED. This flag is ignored.") and
    Transformer Engine's linear layers do the same ("Overlap dgrad-RS/AR with wgrad"), so every
    Megatron-LM / NeMo launch runs it; the DeepSpeed and torchtitan profiles
    (:mod:`planner.train.frameworks`) turn it off, their input-gradient collectives wait for
    the weight-gradient GEMM. The exposed rest stays in the step's ``tp_comm``;
    ``overlap_param_gather``
    ZeRO parameter all-gathers overlapped with the forward
    (``--overlap-param-gather``); ``pp_overlap`` pipeline sends/receives
    overlapped with the other chunk's compute (Megatron's
    ``--overlap-p2p-communication`` with interleaving, DualPipe);
    ``ep_overlap`` MoE all-to-alls overlapped with another microbatch's compute
    (``none``, ``a2a``: Megatron-Core's EP A2A overlap of 1F1B chunks, at ``pp = 1`` or
    with virtual stages, ``dualpipe``: DeepSeek's bidirectional schedule, which also changes
    the bubble and keeps two copies of each stage's weights; where a plan cannot run the
    setting, :attr:`~planner.perfmodel.stage.TrainingStep.schedule_note` says what is priced). The data-parallel
    gradient reduction switch is the step's ``overlap_grad_reduce``. ``offload_streams``
    activation offload (``recompute="offload"``) copies on their own CUDA streams, each
    direction hidden behind its pass's kernels; ``False`` for PyTorch's
    ``torch.autograd.graph.save_on_cpu(pin_memory=True)``, which torch's ``offload_wrapper``
    and so Composer's ``activation_cpu_offload`` use (composer/trainer/dist_strategy.py
    @v0.17.2): its pack hook copies each saved tensor to pinned memory with
    ``packed.copy_(tensor)`` and its unpack hook back with ``tensor.to(device,
    non_blocking=True)``, both on the current (compute) stream, so every copy runs between the
    kernels and none is hidden.
Precision
    ``weight_bytes`` working weights (2 bf16; 1 with fp8 parameters);
    ``master_bytes`` fp32 (4) or bf16 (2) master weights, 0 when the working
    weights are the master copy; ``grad_bytes`` gradient accumulation and
    reduction (4 fp32, 2 bf16); ``reduce_bytes`` the data-parallel reduction's
    element size when it differs from the accumulation's (0: ``grad_bytes``; 2:
    PyTorch FSDP's ``reduce_dtype`` bf16 with fp32 sharded gradients, as
    Composer's ``mixed_precision: PURE`` sets it); ``moment_bytes`` each Adam moment (4 or 2;
    DeepSeek-V3 keeps them in bf16); ``fp8_activations`` GEMM inputs saved for
    the backward in fp8 when the GEMMs run in fp8 or fp4 (on by default: Transformer
    Engine's linear layers keep the quantized input, which Megatron-LM, NeMo and LLM
    Foundry's fp8 runs use; no effect on bf16 GEMMs); ``fp8_comm`` fp8 tensor-parallel
    all-gathers and MoE dispatch (only where the GEMMs run in fp8 / fp4: the fp8 cast is the
    GEMM input's quantization moved before the collective); ``fused_loss`` a fused cross-entropy kernel on the bf16
    logits (flash-attention's ``CrossEntropyLoss``, LLM Foundry's default ``loss_fn``) instead of
    an fp32 copy of them: 4 bytes per logit kept instead of 6.
Saved activations
    ``dropout_masks`` the embedding, attention-output and MLP-output dropouts keep 1-byte masks
    for the backward (Korthikanti et al. 2022; Megatron-LM's default ``hidden_dropout`` 0.1);
    ``False`` where every dropout probability is 0, for which PyTorch's dropout returns its
    input and saves nothing (``aten/src/ATen/native/Dropout.cpp`` ``_dropout_impl``:
    ``if (p == 0 || !train || input.numel() == 0) return input``): LLM Foundry's MPT
    (``resid_pdrop``, ``emb_pdrop`` and ``attn_pdrop`` default to 0.0 in
    ``llmfoundry/models/mpt/configuration_mpt.py`` @5e85bd62 and no benchmark YAML sets them).
    ``unpadded_attention`` the fused attention runs on unpadded copies of q, k and v and
    scatters its output back into a new padded tensor, so the kernel's saved output and the
    output projection's saved input are two tensors: LLM Foundry's ``flash_attn_fn``
    (``llmfoundry/models/layers/attention.py`` @5e85bd62: ``bert_padding.unpad_input`` before
    ``flash_attn_varlen_func``, ``bert_padding.pad_input`` after it); its Triton path
    (``triton_flash_attn_fn``) saves the kernel's output once (``attn_output.view``), as the
    default assumes.
    ``sp_gathered_inputs`` with sequence parallelism, the column-parallel GEMMs keep their
    all-gathered, full-sequence input for the weight gradient: no backward re-gather, and the
    saved inputs of the attention projections and of the MLP / MoE block are ``t`` times
    Megatron's (:func:`~planner.perfmodel.memory.layer_activation_bytes`,
    :func:`~planner.perfmodel.layer.layer_cost`). Megatron-LM's sequence-parallel linear saves
    the sharded LayerNorm output and all-gathers it again in the backward (Korthikanti et al.
    2022, §4.2.2), the default. torchtitan's DTensor TP (``torchtitan/models/llama3/infra/
    parallelize.py`` ``apply_tp``, pytorch/torchtitan @6404b93; the MoE block's
    ``PrepareModuleInputOutput`` in ``experiments/llama4/infra/parallelize.py``) redistributes
    each block's input ``Shard(1) -> Replicate()`` (``PrepareModuleInput``) before its
    ``ColwiseParallel`` linears: autograd's matmul saves that replicated tensor, and the
    redistribution's backward (``torch/distributed/tensor/_redistribute.py``
    ``Redistribute.backward``) reduce-scatters the input gradient and saves nothing. Under
    ``torch.compile`` the min-cut partitioner recomputes only ops on its allow-list
    (``ban_recompute_not_in_allowlist``), which holds no collective, so the gathered tensor is
    still the one saved. The LM head's gathered input (``ColwiseParallel(input_layouts=
    Shard(1))``) is not charged, as Megatron's sharded one is not.
Sharding
    ``zero_hpz`` ZeRO++ hierarchical partitioning (a secondary copy of the
    ZeRO-3 weight shard inside each node: the backward all-gather stays on
    NVLink) with quantized (int8) weight all-gathers; ``trainable`` share of
    the parameters that are trained (frozen weights have no gradients, no
    optimizer states, no weight-gradient GEMMs); ``lora_rank`` LoRA adapters of
    that rank on every linear layer of the blocks (the base model frozen);
    ``recompute_gathers`` ZeRO-3 weights gathered again for a fully recomputed
    forward (DeepSpeed ZeRO-3: its module hooks fire on the recomputed
    forward); ``False`` where the backward's gathered weights serve the
    recompute (PyTorch FSDP with the checkpoint wrapper inside each FSDP unit,
    as Composer / LLM Foundry apply it); ``recompute_early_stop`` a fully
    recomputed layer stops re-running its forward once the last tensor the
    backward needs is rebuilt (PyTorch >= 2.1 non-reentrant checkpointing,
    on by default there: ``torch.utils.checkpoint.set_checkpoint_early_stop``,
    pytorch/pytorch#96866), so the block's last GEMM, the MLP's output
    projection, whose input is saved before it runs, is not recomputed;
    ``False`` for Megatron's recomputation and earlier PyTorch, which re-run
    the whole forward; ``grad_accumulation_fusion`` the weight-gradient GEMMs
    add into the fp32 ``main_grad`` buffer themselves (Megatron-Core with
    Transformer Engine, ``--gradient-accumulation-fusion``; Megatron-FSDP sets
    ``grad_added_to_main_grad`` and skips the copy), so ZeRO-2/3 pays no
    gradient copy or cast pass before its reduction, only the buffer's
    ``gradient_scaling_factor`` pass; ``unfused_grad_accumulation`` (ZeRO-0/1) every
    microbatch after the first adds its 16-bit weight gradient into the accumulated gradient
    (``grad_bytes`` wide) by a separate element-wise pass, read both and write the sum
    (:func:`~planner.perfmodel.stage.grad_accumulation_bytes`): Megatron-LM before
    ``--gradient-accumulation-fusion`` (NVIDIA/Megatron-LM 83b1e42f30, 2022-02-13), whose
    fp16 runs accumulated in the parameters' ``.grad`` by autograd's in-place
    ``AccumulateGrad`` (local DDP without contiguous buffers, the default until e8fb052f81,
    2021-08-18; torch DDP under ``no_sync``); ``False`` (the default) where the weight-gradient
    GEMM accumulates into the buffer itself (Megatron-LM from 2022-02, Megatron-Core,
    Transformer Engine); ``torch_fsdp`` ZeRO-2/3 as PyTorch FSDP (2.1) runs it:
    beyond the current and prefetched blocks' weights the model charges every ZeRO-3 run, the
    block being back-propagated holds its unsharded gradient in the parameter dtype plus a
    copy in the reduce dtype when that differs, and the root unit (embedding, final norm, tied
    head) keeps its unsharded weights (ZeRO-3) and its gradient through the whole backward
    (:func:`~planner.perfmodel.stage.torch_fsdp_buffers`; Composer / LLM Foundry).
MoE
    ``moe_load`` tokens of the busiest expert rank over the mean (1 = balanced);
    ``capacity_factor`` tokens per expert capped at this multiple of the mean
    and padded to it (0 = dropless); ``node_limit`` node-limited routing (a
    token reaches at most this many nodes; DeepSeek-V3: 4); ``eager_experts``
    the host launches every local expert's kernels each MoE layer (Megatron-Core's
    grouped MLP run eagerly, :mod:`~planner.perfmodel.host`); ``False`` where the
    expert computation is captured in a CUDA graph or runs as one fused grouped
    kernel. ``fused_experts`` the routed experts run as one fused, device-initiated grouped
    kernel (the 26.06 / 26.08 Megatron-Bridge recipes' ``cutedsl_fused_grouped_mlp``); ``False``
    (the default, Megatron-Core's ``TEGroupedMLP``): one GEMM call per local expert, whose
    serial time the expert segment pays on the GPU, eager or graphed
    (:mod:`~planner.perfmodel.expert_calls`); with it no per-expert launch is waited for
    whatever ``eager_experts`` says. Dropless routing (``capacity_factor`` 0) also makes the forward wait
    for the per-expert token counts. ``dispatcher`` Megatron-Core's token dispatcher:
    ``alltoall`` (``MoEAlltoAllTokenDispatcher``) sorts the tokens it receives by local
    expert and unsorts the expert output, two more copies of the routed tokens each way
    when a GPU holds several experts; ``flex`` (DeepEP / HybridEP) permutes once after the
    dispatch and unpermutes once before the combine, and sends a token once per destination
    rank, across nodes once per destination node, forwarding it over NVLink
    (:func:`~planner.perfmodel.comm.dispatch_all_to_all`); ``flex_backend`` its kernels
    (``--moe-flex-dispatcher-backend``: ``deepep``, Megatron-Core's default, or ``hybridep``),
    whose measured NVLink forwarding rates differ. The default assumes Megatron-Core (what
    ``--export megatron`` launches); other frameworks' expert loops are not
    modelled (the DeepSeek-V3 report's row keeps the default: its +2.5 ms of a
    15.1 s step is far below that row's error).
Kernels
    ``attention_kernel`` the fused attention implementation (``flash``: the
    current kernel of each architecture, ``fa2``, ``triton``;
    :mod:`~planner.perfmodel.attention_kernels`); ``tuned_kernels`` the GPU
    vendor's tuned training image (NVIDIA's NGC / NeMo containers, AMD's
    ``rocm/primus`` / ``rocm/megatron-lm`` images: hipBLASLt GEMM solutions
    tuned for the recipes' shapes, Primus-Turbo / AITER attention); ``False``
    for a framework built from source without the vendor's GEMM tuning (ROCm
    Megatron-LM with ``GEMM_TUNING=0``). It selects the CDNA3 GEMM efficiency
    (:func:`~planner.perfmodel.kernels.gemm_efficiency`): the one fitted on
    AMD's training-image rows, or (``False``) the one fitted on AMD's vLLM
    serving rows, the only other CDNA3 value the model has (an assumption).
    Other architectures have one training efficiency, fitted on vendor
    containers only, so the switch changes nothing there.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from planner.core.errors import InputError, check_table
from planner.core.hashing import cached_hash
from planner.perfmodel.attention_kernels import ATTENTION_KERNELS

EP_OVERLAPS = ("none", "a2a", "dualpipe")
DISPATCHERS = ("alltoall", "flex")
FLEX_BACKENDS = ("deepep", "hybridep")


@cached_hash
@dataclass(frozen=True)
class Software:
    """Software settings of a training step (see the module notes)."""

    tp_overlap: bool = False
    tp_bwd_overlap: bool = True
    tp_overlap_bwd_scatter: bool = True
    overlap_param_gather: bool = True
    pp_overlap: bool = True
    ep_overlap: str = "none"
    offload_streams: bool = True
    weight_bytes: float = 2.0
    master_bytes: float = 4.0
    grad_bytes: float = 4.0
    reduce_bytes: float = 0.0
    moment_bytes: float = 4.0
    fp8_activations: bool = True
    fp8_comm: bool = False
    fused_loss: bool = False
    dropout_masks: bool = True
    unpadded_attention: bool = False
    sp_gathered_inputs: bool = False
    torch_fsdp: bool = False
    zero_hpz: bool = False
    trainable: float = 1.0
    lora_rank: int = 0
    recompute_gathers: bool = True
    recompute_early_stop: bool = False
    grad_accumulation_fusion: bool = False
    unfused_grad_accumulation: bool = False
    moe_load: float = 1.0
    capacity_factor: float = 0.0
    node_limit: int = 0
    eager_experts: bool = True
    fused_experts: bool = False
    dispatcher: str = "alltoall"
    flex_backend: str = "deepep"
    attention_kernel: str = "flash"
    tuned_kernels: bool = True

    def __post_init__(self) -> None:
        where = "software"
        if self.ep_overlap not in EP_OVERLAPS:
            raise InputError(f"{where}: ep_overlap must be one of {', '.join(EP_OVERLAPS)}")
        if self.dispatcher not in DISPATCHERS:
            raise InputError(f"{where}: dispatcher must be one of {', '.join(DISPATCHERS)}")
        if self.flex_backend not in FLEX_BACKENDS:
            raise InputError(f"{where}: flex_backend must be one of {', '.join(FLEX_BACKENDS)}")
        for key, allowed in (
            ("weight_bytes", (1.0, 2.0, 4.0)),
            ("master_bytes", (0.0, 2.0, 4.0)),
            ("grad_bytes", (2.0, 4.0)),
            ("reduce_bytes", (0.0, 2.0, 4.0)),
            ("moment_bytes", (1.0, 2.0, 4.0)),
        ):
            if getattr(self, key) not in allowed:
                raise InputError(
                    f"{where}: {key} must be one of {', '.join(f'{x:g}' for x in allowed)}"
                )
        if not 0 < self.trainable <= 1:
            raise InputError(f"{where}: trainable must be in (0, 1]")
        if self.lora_rank < 0 or self.node_limit < 0:
            raise InputError(f"{where}: lora_rank and node_limit must be >= 0")
        if self.moe_load < 1:
            raise InputError(f"{where}: moe_load must be >= 1 (busiest rank over the mean)")
        if self.attention_kernel not in ATTENTION_KERNELS:
            raise InputError(
                f"{where}: attention_kernel must be one of {', '.join(ATTENTION_KERNELS)}"
            )
        if self.capacity_factor and self.capacity_factor < 1:
            raise InputError(f"{where}: capacity_factor must be 0 (dropless) or >= 1")
        if self.grad_accumulation_fusion and self.unfused_grad_accumulation:
            # both were accepted: the GEMM accumulating into main_grad itself and a separate
            # accumulation pass describe two different frameworks' backward
            raise InputError(
                f"{where}: grad_accumulation_fusion and unfused_grad_accumulation contradict "
                "each other (the weight-gradient GEMM accumulates into the buffer itself, or a "
                "separate pass adds each microbatch's gradient): set at most one"
            )

    @property
    def expert_load(self) -> float:
        """Load of the busiest expert rank over the mean: padded to capacity when dropping."""
        if self.capacity_factor:
            return self.capacity_factor
        return self.moe_load

    @property
    def base_trainable(self) -> float:
        """Share of the model's own parameters that are trained (0 under LoRA)."""
        return 0.0 if self.lora_rank else self.trainable

    @property
    def reduction_bytes(self) -> float:
        """Bytes per gradient element on the wire of the data-parallel reduction."""
        return self.reduce_bytes or self.grad_bytes

    @property
    def optimizer_bytes(self) -> float:
        """Optimizer bytes per trained parameter: master copy and two Adam moments."""
        return self.master_bytes + 2 * self.moment_bytes

    @property
    def optimizer_traffic(self) -> float:
        """HBM bytes a fused Adam step moves per parameter: read master, grad, m, v; write
        master, m, v and the working copy."""
        master = self.master_bytes or self.weight_bytes
        return 2 * master + self.grad_bytes + 4 * self.moment_bytes + self.weight_bytes

    def to_dict(self) -> dict[str, Any]:
        """Fields that differ from the defaults."""
        default = Software()
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if getattr(self, f.name) != getattr(default, f.name)
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None, *, where: str = "software") -> Software:
        """Build from a mapping (unknown keys rejected, the rest defaults)."""
        if not data:
            return cls()
        raw = check_table(data, where, [f.name for f in fields(cls)])
        out = {}
        for f in fields(cls):
            if f.name not in raw:
                continue
            value = raw[f.name]
            kind = type(getattr(cls(), f.name))
            if kind is bool and not isinstance(value, bool):
                raise InputError(f"{where}: {f.name} must be true or false")
            if kind in (int, float) and (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not math.isfinite(value)  # TOML and 1e400 give nan / inf
            ):
                raise InputError(f"{where}: {f.name} must be a finite number, got {value!r}")
            if kind is int and value != int(value):  # int() would drop the fraction
                raise InputError(f"{where}: {f.name} must be an integer, got {value!r}")
            if kind is str and not isinstance(value, str):
                raise InputError(f"{where}: {f.name} must be a string")
            out[f.name] = kind(value)
        try:
            return cls(**out)
        except InputError as exc:  # name the file or flag the values came from
            text = str(exc)
            if where != "software" and text.startswith("software: "):
                text = f"{where}: {text.removeprefix('software: ')}"
            raise InputError(text) from None

    def with_(self, **changes: Any) -> Software:
        """A copy with some fields changed."""
        return replace(self, **changes)


DEFAULT = Software()

#: DeepSeek-V3's published memory and communication choices (technical report §3.2-3.3):
#: bf16 Adam moments, fp32 master weights and gradients, fp8 GEMM inputs cached for the
#: backward, fp8 dispatch, node-limited routing to 4 nodes, DualPipe; its own all-to-all
#: kernels (§3.2.2, open-sourced as DeepEP) dispatch to the experts' ranks directly, without
#: Megatron-Core's sort by local expert (``dispatcher`` ``flex``). Its experts run as grouped
#: GEMMs, one kernel for all local experts (DeepGEMM, the FP8 GEMM library of DeepSeek-V3:
#: "Grouped GEMMs (contiguous layout) ... For training forward passes ... we concatenate these
#: tokens into a single tensor", deepseek-ai/DeepGEMM @0274ad7b ``README.md``), not Transformer
#: Engine's per-expert GEMM calls (``fused_experts``; s30review2).
DEEPSEEK_V3 = Software(
    moment_bytes=2.0,
    fp8_activations=True,
    fp8_comm=True,
    node_limit=4,
    ep_overlap="dualpipe",
    dispatcher="flex",
    fused_experts=True,
)

#: Named settings (``--software NAME``).
PRESETS = {"default": DEFAULT, "deepseek-v3": DEEPSEEK_V3}

__all__ = [
    "DEEPSEEK_V3",
    "DEFAULT",
    "DISPATCHERS",
    "EP_OVERLAPS",
    "FLEX_BACKENDS",
    "PRESETS",
    "Software",
]
