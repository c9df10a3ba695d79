"""Time and memory of one pipeline stage (training) and of one serving step, written once.

Every consumer calls this module: the training step-time model, its search
and bounds, the heterogeneous split terms, ``verify`` (memory) and the
serving planner. A bound may relax a term, but says which one.

Training (:func:`stage_cost`). A stage holds ``n_dense + n_moe`` layers of
one training step (:class:`TrainingStep`: layout and software settings) on
one GPU pool. Per microbatch it spends ``fwd`` and ``bwd`` (the layers of
:mod:`planner.perfmodel.layer`, the embedding on the first stage, LM head +
loss on the last) and ``p2p``: ``2 v`` point-to-point transfers when
``p > 1``. ZeRO-2 reduce-scatters and ZeRO-3 all-gathers/reduce-scatters run
every microbatch, layer by layer: the forward's gathers hide behind the forward,
the backward's gathers and reduce-scatters behind the backward, the first gather
and the last reduce-scatter wait (:func:`sharded_exposed`); the unsharded
gradient's element-wise passes before each reduction are HBM traffic
(:func:`sharded_grad_bytes`). Per step it
adds the data-parallel gradient synchronization (all-reduce for ZeRO-0;
reduce-scatter + parameter all-gather for ZeRO-1; with
``overlap_grad_reduce`` the reduction hides behind the last microbatch's
backward, :func:`exposed_after`), the tied-embedding all-reduce between the
first and last stage, and the Adam step. Its memory terms are a
:class:`~planner.perfmodel.memory.StageMemory`.

Pipeline (:func:`pipeline_time`), with ``m`` microbatches and per-microbatch
stage times ``U_j``:

* 1F1B (``v = 1``): ``T_pipe = (m - 1) max_j U_j + sum_j U_j`` — for equal
  stages ``(m + p - 1) U``, i.e. the bubble fraction ``(p - 1) / m``;
* interleaved (``v > 1``, balanced stages): ``T_pipe = (m + (p - 1)/v) max_j U_j``;
* DualPipe (``software.ep_overlap = "dualpipe"``, even ``p``, ``v = 1``): rank ``r`` holds
  stage ``r`` and its mirror ``p - 1 - r`` (:func:`rank_cost`: mean time, both stages'
  memory), ``T_pipe = (m + (p/2 - 1) 2/3) max_r (U_r + U_{p-1-r}) / 2``; with the flex
  dispatcher the rank's compute-bound kernels run on the SMs DeepEP leaves (:func:`sm_share`).

Serving (:class:`EngineModel`): one engine of a ``tp x pp x ep`` replica
(:class:`ReplicaConfig`). Its ``pp * ep`` engines are independent request
streams: a pipeline of ``pp`` stages keeps ``pp`` micro-batches in flight
(vLLM's virtual engines), and ``ep > 1`` runs attention data-parallel over
``ep`` groups of ``tp`` GPUs while the routed experts are sharded over all
``tp * ep`` GPUs (DeepSeek / SGLang "DP attention + EP"). An iteration
processes ``b`` decode sequences (one token each) plus ``c`` prefill tokens
of chunked prompts; its latency is the sum over pipeline stages. Per layer
and GPU each kernel is a roofline: GEMMs stream their weights every
iteration (this is what makes decode memory-bound) at
``weight_stream_efficiency`` (CDNA3: ``weight_stream_efficiency_cdna3``); MoE layers touch only the experts the batch
hits (``E (1 - (1 - k/E)^N)`` of ``E``); decode attention reads the KV cache
of every sequence (MLA: the absorbed form over the latent cache); prefill
attention is FlashAttention FLOPs of the causal prompt at
``FLASH_ATTENTION_EFFICIENCY`` of the bf16 peak; two tensor-parallel
one-shot all-reduces per layer; with ``ep > 1`` two all-to-alls per MoE
layer; the LM head for the sequences that emit a token; one point-to-point
send per pipeline boundary; the engine's host time per iteration
(:mod:`planner.perfmodel.engines`: per engine, multi-step scheduling, eager launches, SGLang's
overlap scheduler, a part per running sequence for vLLM and SGLang) and a floor on each
layer's element-wise kernels. Memory per GPU: weights at the weight precision (Meta's
``fp8-mixed``: FP8 feed-forward weights of the inner layers only, attention GEMMs and LM head
in BF16), the runtime reserve (vLLM: the 10 % its ``--gpu-memory-utilization`` 0.9 leaves
unused), an activation workspace for one prefill chunk (the tensors alive at once per token:
residual stream, its normed copy and the larger of the attention and MLP intermediates; an
engine that names its tokens per iteration profiles that many; vLLM 0.7.x adds its Triton
fused MoE's intermediate caches for one chunk), and the KV cache in what is left
(TensorRT-LLM: 90 % of it, ``kv_cache_free_gpu_mem_fraction``). MLA models: the
down-projections are replicated on every TP rank; vLLM 0.7.x also keeps materialized absorbed
decode weights (its decode steps run them instead of the up- and output projections) and pads
each latent KV entry to 256 bytes (:mod:`planner.perfmodel.engines`).

Constants (the fitted ones are marked *fitted*; see the calibration report):

``GRAD_COMM_BYTES``
    Megatron reduces fp32 main gradients (4 bytes per element).
``PARAM_COMM_BYTES``
    ZeRO parameter all-gathers move bf16 weights.
``OVERLAP_SLOWDOWN`` (:mod:`planner.perfmodel.overlap`)
    Slowdown of work overlapped with communication (an assumption).
``weight_stream_efficiency`` (in ``calibration/constants.json``)
    *fitted*: fraction of the datasheet HBM bandwidth reached when decode
    GEMMs and attention stream weights and KV cache. Fitted on the saturated
    TensorRT-LLM rows alone it sat at the upper bound of its range (0.95);
    with the low-batch vLLM / SGLang TPOT rows among the fit rows it lands
    near 0.85 (well-tuned decode kernels measure about 0.8-0.9 of the
    datasheet). CDNA3 GPUs (MI300X, MI325X) have their own,
    ``weight_stream_efficiency_cdna3`` (:func:`~planner.perfmodel.kernels.stream_efficiency`),
    fitted with ``gemm_efficiency_cdna3`` on AMD's MI300X vLLM latency table
    (source ``rocm_vllm066``): about 0.70 of 5.3 TB/s, which the 405B batch-1
    decode steps (25 ms for 51 GB of weights per GPU) show.
``FLASH_ATTENTION_EFFICIENCY``
    Fraction of the bf16 dense peak reached by FlashAttention-2/3 forward on
    long prompts (FA2 on A100: about 0.6-0.7; FA3 on H100: 0.6-0.75). An
    estimate, not fitted.
``iteration_overhead_s``, ``host_overhead_vllm_s``, ``host_overhead_sglang_s``,
``host_per_sequence_vllm_s``, ``host_per_sequence_sglang_s`` (in ``calibration/constants.json``)
    *fitted*: host time per iteration outside the GPU kernels (scheduling, sampling,
    host synchronization) of TensorRT-LLM / NIM, vLLM and SGLang, and per running sequence
    of the last two (:mod:`planner.perfmodel.engines`).
``layer_latency_s`` (in ``calibration/constants.json``)
    *fitted*: fixed GPU seconds per decoder layer and iteration beyond the rooflines (kernel
    ramp and tail, gaps between a layer's kernels), the same for every engine; it is what
    separates a batch-1 decode step from its weight reads.
``PREFILL_WORKSPACE_TOKENS``
    Tokens of one prefill chunk whose activations are reserved (a choice).
"""

from __future__ import annotations

import copy
import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np

from planner.core.errors import InputError
from planner.perfmodel import comm, constants
from planner.perfmodel.block_fp8 import block_fp8_gemm_floor_s
from planner.perfmodel.engine_memory import MIB, sglang_kv_pool_bytes, sglang_mem_fraction_static
from planner.perfmodel.engines import (
    Engine,
    block_fp8_dense_gemms,
    default_engine,
    eager_quant_kernels,
    frees_windowed_kv,
    fused_moe_workspace_tokens,
    host_overhead_s,
    kv_entry_elements,
    launch_overhead_s,
    mla_absorbed_weights,
    moe_gemm_efficiency,
    moe_layer_latency_s,
    pipeline_host_s,
    quant_kernels,
    replays_graph,
    small_kernel_floor_s,
)
from planner.perfmodel.graph_padding import padded_batch
from planner.perfmodel.hardware import GpuSpec, Pool
from planner.perfmodel.kernels import (
    flash_attention_time,
    gemm_time,
    gemm_time_sum,
    memory_time,
    scaled_gemms,
    stream_efficiency,
)
from planner.perfmodel.layer import (
    LayerCost,
    Shape,
    embedding_cost,
    head_cost,
    held_sms_extra,
    layer_cost,
    layer_params,
    layer_shapes,
    linear,
)
from planner.perfmodel.memory import (
    ACT_BYTES,
    COMM_BUFFER_FRACTION,
    GIB,
    RUNTIME_RESERVED_GIB,
    UNQUANTIZED_END_BYTES,
    StageMemory,
    embedding_mask_bytes,
    end_weight_bytes,
    head_activation_bytes,
    kv_cache_bytes_per_token,
    layer_activation_bytes,
    mla_absorbed_weight_bytes,
    model_state_bytes,
    paired_memory,
    weight_bytes_per_gpu,
)
from planner.perfmodel.model_spec import ModelSpec
from planner.perfmodel.moe_traffic import routed_elementwise_bytes
from planner.perfmodel.offload_serving import OffloadPlan, offload_layer_time
from planner.perfmodel.options import DEFAULT as DEFAULT_SOFTWARE
from planner.perfmodel.options import Software
from planner.perfmodel.overlap import OVERLAP_SLOWDOWN, exposed, exposed_after
from planner.perfmodel.precision import Precision, get_precision
from planner.perfmodel.readers import load_model
from planner.perfmodel.serving_features import Speculative, pipeline_round
from planner.perfmodel.trtllm_memory import trtllm_runtime_reserve_gib
from planner.perfmodel.vllm_memory import vllm_non_torch_gib

#: Bytes per gradient element in data-parallel reductions (Megatron reduces fp32 main grads).
GRAD_COMM_BYTES = 4.0
#: Bytes per weight element in ZeRO parameter all-gathers.
PARAM_COMM_BYTES = 2.0
FLASH_ATTENTION_EFFICIENCY = 0.60
PREFILL_WORKSPACE_TOKENS = 8192


# ---------------------------------------------------------------------------
# Overlap and the pipeline schedule
# ---------------------------------------------------------------------------


def pipeline_time(
    umax: float,
    usum: float,
    microbatches: int,
    pp: int,
    interleave: int,
    schedule: str = "1f1b",
) -> float:
    """Pipeline makespan from the largest and the summed per-microbatch stage times.

    1F1B: ``(m - 1) max U + sum U``; interleaved: ``(m + (p - 1)/v) max U``;
    DualPipe (``schedule="dualpipe"``): ``(m + (p/2 - 1) 2/3) max R`` — DeepSeek-V3's
    bubble ``(p/2 - 1)(F&B + B - 3W)`` (DualPipe README's table) with the overlapped
    ``F&B = F + B``, ``B = 2F`` and ``W = F`` (weight gradients half of the backward).
    For DualPipe ``umax`` is the largest *rank* time ``R_r = (U_r + U_{p-1-r}) / 2``
    (:func:`rank_cost`): rank ``r`` runs ``m/2`` microbatches through each of its two
    stages (``dualpipe.py`` line 345 scatters the inputs into ``num_chunks // 2`` per
    direction), i.e. ``m R_r`` of work per step.
    """
    if schedule == "dualpipe" and pp > 1:
        return (microbatches + max(0.0, pp / 2 - 1) * 2.0 / 3.0) * umax
    if interleave > 1:
        return (microbatches + (pp - 1) / interleave) * umax
    return (microbatches - 1) * umax + usum


def sharded_grad_bytes(software: Software) -> float:
    """HBM bytes per trained parameter that ZeRO-2/3 moves every microbatch outside the GEMMs
    and the collectives: the unsharded gradient's element-wise passes before its reduction.

    PyTorch FSDP (``_runtime_utils._post_backward_hook`` / ``_reduce_grad``, torch 2.1-2.3):
    autograd writes the unit's gradient into its flat parameter's ``.grad`` (the backward of
    the views' split: a copy, read + write of the 16-bit gradient), casts it to
    ``reduce_dtype`` when that differs (read 16-bit, write the reduction's element), divides
    it in place by ``gradient_predivide_factor`` (read + write the reduction's element; the
    factor is above 1 for 4 or more ranks) and only then reduce-scatters it. DeepSpeed
    ZeRO-2/3 copies the gradients into its reduction bucket and divides them in place: the
    same passes. Fp32 reductions of 16-bit gradients: 4 + 6 + 8 = 18 bytes; bf16 ones
    (Composer's ``PURE``): 4 + 0 + 4 = 8. With ``software.grad_accumulation_fusion``
    (Megatron-Core + Transformer Engine) the weight-gradient GEMM writes the reduction's
    buffer itself: only the ``gradient_scaling_factor`` pass remains (Megatron's
    ``start_grad_sync``: ``bucket.grad_data *= gradient_scaling_factor``), ``2 r`` bytes.
    """
    w, r = PARAM_COMM_BYTES, software.reduction_bytes
    if software.grad_accumulation_fusion:
        return 2 * r
    return 2 * w + (w + r if r != w else 0.0) + 2 * r


def grad_accumulation_bytes(software: Software, microbatches: int) -> float:
    """HBM bytes per trained parameter and microbatch of gradient accumulation outside the
    weight-gradient GEMM (``software.unfused_grad_accumulation``, ZeRO-0/1), 0 without it.

    Every microbatch after the first reads its 16-bit weight gradient and the accumulated one
    and writes the sum (PyTorch's ``AccumulateGrad``: ``variable_grad += new_grad`` in place;
    the first microbatch's gradient is kept as it is): ``2 + 2 g`` bytes with accumulation in
    ``g = grad_bytes`` (fp16 ``.grad``: 6), averaged over the step's ``microbatches``.
    """
    if not software.unfused_grad_accumulation or microbatches <= 1:
        return 0.0
    per_pass = PARAM_COMM_BYTES + 2 * software.grad_bytes
    return per_pass * (microbatches - 1) / microbatches


def sharded_exposed(
    fwd: float,
    bwd: float,
    fwd_comm: float,
    bwd_comm: float,
    first_gather: float,
    last_reduce: float,
) -> float:
    """Exposed seconds of one microbatch's ZeRO-2/3 collectives, unit by unit.

    PyTorch FSDP ``FULL_SHARD`` (forward prefetch, ``BACKWARD_PRE``, ``limit_all_gathers``)
    and DeepSpeed ZeRO-3 gather the weights of one unit (a layer) ahead of its compute on
    their own stream: the forward's gathers (``fwd_comm``) hide behind the forward kernels
    only, the backward's re-gathers and gradient reduce-scatters (``bwd_comm``, sharing the
    network) behind the backward (with recomputation) only. Nothing computes while the
    first unit's weights arrive (``first_gather``) nor after the last unit's gradients
    leave (``last_reduce``, awaited before the step goes on), so those two are exposed in
    full; the rest costs :func:`~planner.perfmodel.overlap.exposed_after` in each pass.
    """
    return (
        first_gather
        + exposed_after(max(0.0, fwd_comm - first_gather), fwd)
        + exposed_after(max(0.0, bwd_comm - last_reduce), bwd)
        + last_reduce
    )


# ---------------------------------------------------------------------------
# Training stages
# ---------------------------------------------------------------------------

RECOMPUTE_MODES = ("none", "selective", "full", "offload")


@dataclass(frozen=True)
class Layout:
    """The parallel layout of a training step (the decisions a training plan makes, but the
    layer-to-stage assignment).

    Attributes
    ----------
    tp, pp, dp, cp, ep
        Tensor, pipeline, data, context and expert parallel sizes (``ep`` is
        carved out of ``tp * cp * dp`` / ``expert_tp``: Megatron-Core's MoE
        parallel folding; with ``expert_tp = tp`` out of ``dp``).
    microbatch, interleave
        Sequences per microbatch and virtual stages per GPU.
    recompute, zero, sequence_parallel
        Activation recomputation (``none``, ``selective``, ``full``, or
        ``offload`` to host memory), ZeRO stage, Megatron sequence parallelism.
    recompute_layers
        With ``recompute="full"``: layers fully recomputed on each pipeline stage
        (Megatron's ``--recompute-method block --recompute-num-layers``); 0 = all.
    expert_tp
        Tensor-parallel size of the routed experts; 0 = ``tp``.
    shard_group
        ZeRO / FSDP sharding group (hybrid sharding: states sharded inside
        groups of this many data-parallel ranks, replicated across them); 0 =
        the whole ``dp * cp`` group.
    """

    tp: int
    pp: int
    dp: int
    cp: int = 1
    ep: int = 1
    microbatch: int = 1
    interleave: int = 1
    recompute: str = "none"
    zero: int = 0
    sequence_parallel: bool = False
    recompute_layers: int = 0
    expert_tp: int = 0
    shard_group: int = 0

    @property
    def etp(self) -> int:
        """Tensor-parallel size of the routed experts."""
        return self.expert_tp or self.tp

    @property
    def shards(self) -> int:
        """Ranks the dense model states are sharded over (ZeRO >= 1)."""
        return self.shard_group or self.dp * self.cp


def layout_of(layout: Layout) -> dict[str, Any]:
    """The :class:`Layout` fields of ``layout`` (or of a subclass instance) as keywords."""
    return {f.name: getattr(layout, f.name) for f in fields(Layout)}


@dataclass(frozen=True, kw_only=True)
class TrainingStep(Layout):
    """Layout and software of a training step: what a stage's cost depends on beyond its own
    layers, pool and position (keyword-only beyond the :class:`Layout` fields).

    Attributes
    ----------
    model
        The architecture.
    seq, precision
        Sequence length and GEMM precision.
    flash_attention
        Fused attention core (else Megatron-2022's materialized scores).
    overlap_grad_reduce
        The DP gradient reduction overlaps the last backward pass.
    software
        Overlap, precision, sharding and MoE settings (:class:`~planner.perfmodel.options.Software`).
    microbatches
        Microbatches per step (0: not known; only the schedule's choice reads it).
    """

    model: ModelSpec
    seq: int
    precision: str
    flash_attention: bool = True
    overlap_grad_reduce: bool = True
    software: Software = DEFAULT_SOFTWARE
    microbatches: int = 0

    @property
    def schedule(self) -> str:
        """Pipeline schedule: ``1f1b``, ``interleaved`` or ``dualpipe``.

        DualPipe needs an even ``pp`` (``dualpipe.py`` line 332: ``num_ranks % 2 == 0``), an
        even number of microbatches, at least ``2 pp`` (line 333, when :attr:`microbatches`
        is known), and holds exactly two chunks per rank, its own pairing
        (:func:`~planner.perfmodel.memory.dualpipe_partner`): otherwise the plan runs the
        interleaved / 1F1B schedule, the ``dualpipe`` setting then only overlapping the MoE
        all-to-alls.
        """
        return pipeline_schedule(
            self.software.ep_overlap, self.pp, self.interleave, self.microbatches
        )

    @property
    def ep_overlapped(self) -> bool:
        """Whether the MoE all-to-alls overlap another microbatch's compute: DualPipe's
        schedule, or Megatron-Core's EP A2A overlap (``--overlap-moe-expert-parallel-comm``),
        which merges one microbatch's forward with another's backward inside a rank and so
        runs at ``pp = 1``, but at ``pp > 1`` only with virtual stages
        (``TransformerConfig.__post_init__``: "virtual_pipeline_model_parallel_size must be
        specified when pipeline_model_parallel_size > 1")."""
        if self.software.ep_overlap == "none":
            return False
        return self.schedule == "dualpipe" or self.pp == 1 or self.interleave > 1

    @property
    def schedule_note(self) -> str:
        """What a plan whose ``ep_overlap`` setting cannot run as asked is priced as (empty
        when it runs as asked): DualPipe needs an even ``pp >= 2``, ``v = 1`` and its
        microbatches (:attr:`schedule`), else the all-to-alls are priced as Megatron-Core's EP
        A2A overlap where that runs, and not overlapped where it does not (:attr:`ep_overlapped`).
        """
        asked = self.software.ep_overlap
        if asked == "none" or self.schedule == "dualpipe":
            return ""
        if asked == "a2a":
            if self.ep_overlapped:
                return ""
            return (
                f"ep_overlap=a2a cannot run at pp = {self.pp} without virtual stages "
                "(Megatron-Core's --overlap-moe-expert-parallel-comm needs them at pp > 1): the "
                "all-to-alls are priced without overlap"
            )
        m = self.microbatches
        if self.pp == 1:
            why = "pp = 1 (DualPipe needs an even pp >= 2: deepseek-ai/DualPipe dualpipe.py)"
        elif self.pp % 2:
            why = f"pp = {self.pp} is odd (dualpipe.py: num_ranks % 2 == 0)"
        elif self.interleave > 1:
            why = f"v = {self.interleave} (DualPipe holds exactly two chunks per rank)"
        else:
            why = f"{m} microbatches (dualpipe.py: an even number, at least 2 pp = {2 * self.pp})"
        priced = (
            "priced as Megatron-Core's EP A2A overlap (ep_overlap=a2a, "
            "--overlap-moe-expert-parallel-comm)"
            if self.ep_overlapped
            else "priced without overlap (Megatron-Core's EP A2A overlap needs virtual stages "
            "at pp > 1)"
        )
        return (
            f"ep_overlap=dualpipe cannot run here, {why}: the plan runs the {self.schedule} "
            f"schedule with the all-to-alls {priced}"
        )


def pipeline_schedule(ep_overlap: str, pp: int, interleave: int, microbatches: int = 0) -> str:
    """Pipeline schedule of a step (:attr:`TrainingStep.schedule`) from the four fields it
    reads: ``dualpipe`` when asked for (``ep_overlap``) and DualPipe can run it, else
    ``interleaved`` with virtual stages, else ``1f1b``.

    A plain function so that searches over many ``(pp, v, m)`` need not build a step each.

    Parameters
    ----------
    ep_overlap
        The software's ``ep_overlap`` setting.
    pp, interleave
        Pipeline stages and virtual stages per GPU.
    microbatches
        Microbatches per step (0: not known).

    Returns
    -------
    str
        ``1f1b``, ``interleaved`` or ``dualpipe``.
    """
    m = microbatches
    runs = not m or (m % 2 == 0 and m >= 2 * pp)
    dual = ep_overlap == "dualpipe" and interleave == 1 and runs
    if dual and pp > 1 and pp % 2 == 0:
        return "dualpipe"
    return "interleaved" if interleave > 1 else "1f1b"


def ep_ranks_per_node(step: Layout, gpus_per_node: int) -> int:
    """Expert-parallel ranks sharing a node: ``ep`` ranks ``expert_tp`` apart when the experts
    fold over the tensor-parallel ranks, ``tp * cp`` apart otherwise."""
    stride = step.etp if step.etp < step.tp else step.tp * step.cp
    return comm.per_node(step.ep, stride, gpus_per_node)


def layer_time(step: TrainingStep, gpu: GpuSpec, moe: bool) -> LayerCost:
    """One layer of ``step`` on ``gpu``: the per-layer slope of :func:`stage_cost`'s times."""
    G = gpu.gpus_per_node
    sw = step.software
    return layer_cost(
        step.model,
        gpu,
        micro_batch=step.microbatch,
        seq=step.seq,
        tp=step.tp,
        cp=step.cp,
        ep=step.ep if moe else 1,
        sp=step.sequence_parallel,
        recompute="none" if step.recompute == "offload" else step.recompute,
        moe=moe,
        precision=step.precision,
        tp_per_node=min(step.tp, G),
        cp_per_node=comm.per_node(step.cp, step.tp, G),
        ep_per_node=ep_ranks_per_node(step, G),
        flash=step.flash_attention,
        tp_overlap=sw.tp_overlap,
        tp_bwd_overlap=sw.tp_bwd_overlap,
        ep_overlap=step.ep_overlapped,
        fp8_comm=sw.fp8_comm and scaled_gemms(step.precision),  # fp8 casts need fp8 GEMMs
        expert_tp=step.etp,
        moe_load=sw.expert_load,
        node_limit=sw.node_limit,
        wgrad=sw.base_trainable,
        attention_kernel=sw.attention_kernel,
        early_stop=sw.recompute_early_stop,
        tuned_kernels=sw.tuned_kernels,
        eager_experts=sw.eager_experts,
        fused_experts=sw.fused_experts,
        dropless=not sw.capacity_factor,
        sort_by_expert=sw.dispatcher == "alltoall",
        flex_backend=sw.flex_backend if sw.dispatcher == "flex" else "",
        sm_share=sm_share(step, gpu),
        gathered_inputs=gathered_inputs(step),
        bwd_scatter_overlap=sw.tp_overlap_bwd_scatter,
    )


def gathered_inputs(step: TrainingStep) -> bool:
    """Whether ``step``'s column-parallel GEMMs keep their all-gathered input
    (:attr:`~planner.perfmodel.options.Software.sp_gathered_inputs` with sequence parallelism
    over ``tp > 1``; without it the input is not sharded and nothing is gathered)."""
    return step.software.sp_gathered_inputs and step.sequence_parallel and step.tp > 1


def sm_share(step: TrainingStep, gpu: GpuSpec) -> float:
    """Share of ``gpu``'s SMs a rank's compute-bound kernels run on (1: all of them).

    Below 1 on a DualPipe rank of an expert-parallel MoE model with the flex dispatcher: the
    schedule keeps one chunk's dispatch / combine in flight beside the other chunk's compute
    through the whole step, and DeepSeek's framework launches its GEMMs on the SMs the
    DeepEP kernels leave (``deepseek-ai/profile-data`` ``train.json``: 112-CTA fp8 GEMMs,
    20-CTA dispatch / combine kernels, resident 113 of the 129 ms the forward + backward
    chunk pair spans), so every layer of the rank, dense ones and the LM head included,
    computes on ``(sms - held) / sms`` of the GPU (:data:`~planner.perfmodel.comm.FLEX_SMS`;
    :func:`~planner.perfmodel.layer.held_sms_extra`). Other schedules keep the generic price
    of overlapped communication (:data:`~planner.perfmodel.overlap.OVERLAP_SLOWDOWN` of its
    time), which the DualPipe price never undercuts (:func:`~planner.perfmodel.layer.layer_cost`
    takes the larger), so a one-stage stub's layer times stay a lower bound of a DualPipe
    plan's; its stage times need not (slower kernels hide more of the activation copies of
    ``recompute = "offload"``), so the plan search bounds those by a DualPipe stub as well
    (:func:`planner.train.search.layer_config`).
    """
    sw = step.software
    if step.schedule != "dualpipe" or step.ep <= 1 or sw.dispatcher != "flex":
        return 1.0
    held = comm.FLEX_SMS[sw.flex_backend]
    return max(0.0, gpu.sms - held) / gpu.sms if gpu.sms > held else 1.0


def torch_fsdp_buffers(unit: float, root: float, zero: int, software: Software) -> float:
    """Bytes PyTorch FSDP (2.1) holds at the start of the backward beyond the model states and
    :data:`COMM_BUFFER_FRACTION` (``software.torch_fsdp``), for ``unit`` parameters in the
    largest wrapped block and ``root`` in the root unit (embedding, final norm, LM head).

    * The block being back-propagated: autograd produces its gradient unsharded in the
      parameter dtype, and ``_post_backward_hook`` casts it to the reduce dtype when that
      differs (``flat_param.grad.to(handle._reduce_dtype)``) before the reduce-scatter,
      both alive until the reduce-scatter is done.
    * ZeRO-3: the root unit is not resharded after the forward (``_post_forward_reshard``:
      ``free_unsharded_flat_param = not state._is_root and ...``), so its unsharded
      weights stay through the backward.
    * The root unit's gradient: the embedding is used first in the forward and (tied) by
      the LM head last, so its flat parameter's gradient is accumulated from the start of the
      backward to its end, unsharded in the parameter dtype.

    torch/distributed/fsdp/_runtime_utils.py @v2.1.0 (``_post_forward_reshard``,
    ``_post_backward_hook``); LLM Foundry's benchmark pins ``torch>=2.1,<2.1.1``.
    """
    w = software.weight_bytes
    r = software.reduction_bytes
    grads = unit * (w + (r if r != w else 0.0))
    root_weights = root * w if zero == 3 else 0.0  # ZeRO-2 counts unsharded weights already
    return grads + root_weights + root * w


def layer_memory(
    step: TrainingStep, moe: bool, recompute: str | None = None
) -> tuple[float, float]:
    """(stored activations per microbatch, recompute working set) of one layer, bytes.

    ``recompute`` overrides the step's mode (partial recompute mixes ``full`` and ``none``).
    """
    mode = step.recompute if recompute is None else recompute
    kw = dict(
        micro_batch=step.microbatch,
        seq=step.seq,
        tp=step.tp,
        cp=step.cp,
        sp=step.sequence_parallel,
        moe=moe,
        flash=step.flash_attention,
        fp8_inputs=step.software.fp8_activations and scaled_gemms(step.precision),
        expert_tp=step.etp,
        moe_load=step.software.expert_load,
        dropout_masks=step.software.dropout_masks,
        attention_out_copy=step.software.unpadded_attention,
        gathered_inputs=gathered_inputs(step),
    )
    kept = layer_activation_bytes(step.model, recompute=mode, **kw)
    if mode in ("none", "offload"):
        return kept, 0.0
    full = layer_activation_bytes(step.model, recompute="none", **kw)
    return kept, full - (kept if mode == "selective" else 0.0)


def end_costs(step: TrainingStep, pool: Pool) -> tuple[float, LayerCost]:
    """(embedding forward + backward seconds, LM head + loss cost) of one microbatch."""
    emb = embedding_cost(
        step.model, pool.gpu, micro_batch=step.microbatch, seq=step.seq, tp=step.tp, cp=step.cp
    )
    head = head_cost(
        step.model,
        pool.gpu,
        micro_batch=step.microbatch,
        seq=step.seq,
        tp=step.tp,
        cp=step.cp,
        sp=step.sequence_parallel,
        precision=step.precision,
        tp_per_node=min(step.tp, pool.gpus_per_node),
        tuned_kernels=step.software.tuned_kernels,
        fused_loss=step.software.fused_loss,
        wgrad=step.software.base_trainable,
        sm_share=sm_share(step, pool.gpu),
    )
    return emb, head


def optimizer_time(gpu: GpuSpec, params: float, bytes_per_param: float = 30.0) -> float:
    """Seconds for a fused Adam step over ``params`` local trained parameters.

    Default: reads fp32 master weight, grad, m, v (16 B), writes master, m, v
    (12 B) and the bf16 working copy (2 B): 30 bytes per parameter
    (:attr:`~planner.perfmodel.options.Software.optimizer_traffic` in general).
    """
    return memory_time(gpu, bytes_per_param * params)


def pp_overlapped(step: TrainingStep) -> bool:
    """Whether ``step``'s pipeline sends overlap the other chunk's compute (interleaved or
    DualPipe schedules with ``software.pp_overlap``)."""
    return step.software.pp_overlap and (step.interleave > 1 or step.schedule == "dualpipe")


def p2p_exposed_floor(step: TrainingStep) -> float:
    """Least share of its point-to-point time a stage of ``step`` exposes (for lower bounds):
    ``OVERLAP_SLOWDOWN`` when the sends are overlapped (:func:`exposed_after` >= k c), else 1."""
    return OVERLAP_SLOWDOWN if pp_overlapped(step) else 1.0


def p2p_transfer(step: TrainingStep, pool: Pool, inter_pool_bw: float | None) -> float:
    """Seconds to pass one microbatch's activations to the next stage (scatter/gather over TP).

    ``inter_pool_bw`` (bytes/s per GPU) when the neighbour sits on another pool.
    """
    t, cp, G = step.tp, step.cp, pool.gpus_per_node
    fab = comm.fabric_of(pool.gpu)
    nbytes = step.microbatch * (step.seq / cp) * step.model.hidden * ACT_BYTES / t
    if inter_pool_bw is not None:
        one = nbytes / (inter_pool_bw * fab.nic_efficiency) + comm.NIC_LATENCY_S
    else:
        one = comm.p2p(nbytes, fab, same_node=t * cp * step.dp < G)
    if t > 1 and not step.sequence_parallel:
        one += comm.all_gather(nbytes * t, t, min(t, G), fab)
    return one


#: Names of the per-microbatch parts of a stage's time (:attr:`StageCost.parts`).
MICRO_PARTS = (
    "compute",
    "recompute",
    "tp_comm",
    "cp_comm",
    "ep_comm",
    "host",
    "pp_comm",
    "offload",
    "dp_comm",
)
#: Names of the per-step parts (:attr:`StageCost.tail_parts`).
TAIL_PARTS = ("dp_comm", "optimizer", "embedding_sync")


@dataclass(frozen=True)
class StageCost:
    """Times and memory terms of one pipeline stage.

    Times are per microbatch (``fwd``, ``bwd``, ``p2p``, ``micro``) or per step
    (``sync``, ``exposed``, ``grad_sync``, ``param_gather``, ``optimizer``,
    ``embedding_sync``), in seconds.

    Attributes
    ----------
    fwd, bwd, p2p
        Forward, backward (with recomputation) and exposed point-to-point time.
    micro
        Per-microbatch stage time ``U`` (ZeRO-2/3 communication overlapped).
    sync
        Per-step DP communication left after the pipeline (0 for ZeRO-2/3).
    exposed
        The part of ``sync`` not hidden behind compute.
    grad_sync, param_gather
        Gradient reduction and parameter gather volumes' times, before overlap.
    optimizer, embedding_sync
        Adam step and tied-embedding all-reduce.
    params
        Parameters on one GPU.
    memory
        Memory terms (:class:`~planner.perfmodel.memory.StageMemory`).
    parts
        ``micro`` by component (:data:`MICRO_PARTS`: kernels, recomputation,
        exposed TP / CP / EP / PP communication, exposed activation offload
        copies, ZeRO-2/3 communication left after overlap with the unsharded gradient's
        element-wise passes); they add up to ``micro``.
    """

    fwd: float
    bwd: float
    p2p: float
    micro: float
    sync: float
    exposed: float
    grad_sync: float
    param_gather: float
    optimizer: float
    embedding_sync: float
    params: float
    memory: StageMemory
    parts: tuple[tuple[str, float], ...] = ()

    @property
    def tail(self) -> float:
        """Per-step work after the pipeline drains (exposed DP sync + optimizer + embedding sync)."""
        return self.exposed + self.optimizer + self.embedding_sync

    @property
    def tail_parts(self) -> dict[str, float]:
        """``tail`` by component (:data:`TAIL_PARTS`)."""
        return {
            "dp_comm": self.exposed,
            "optimizer": self.optimizer,
            "embedding_sync": self.embedding_sync,
        }


def recomputed_layers(step: TrainingStep, n: int) -> int:
    """Layers of a stage of ``n`` layers that are fully recomputed."""
    if step.recompute != "full":
        return 0
    return n if not step.recompute_layers else min(n, step.recompute_layers)


def stage_parts(
    step: TrainingStep, pool: Pool, n_dense: int, n_moe: int, first: bool, last: bool
) -> dict[str, float]:
    """One microbatch through a stage's layers and ends, by component (no p2p, no ZeRO terms).

    ``compute`` holds the kernels (``fwd_kernels`` / ``bwd_kernels`` separate the
    directions), ``recompute`` the recomputation, ``tp_comm`` / ``cp_comm`` /
    ``ep_comm`` the exposed collectives, ``host`` the wait for the host's per-expert
    launches, ``offload`` the exposed host copies. With partial recompute (``recompute_layers = k``) the first ``k`` layers of
    the stage are recomputed (dense layers first: Megatron's block method).
    """
    out = dict.fromkeys(
        (
            "fwd_kernels",
            "bwd_kernels",
            "recompute",
            "tp_comm",
            "cp_comm",
            "ep_comm",
            "host",
            "offload",
            "fwd_comm",
            "bwd_comm",
        ),
        0.0,
    )
    k_left = recomputed_layers(step, n_dense + n_moe)
    partial = step.recompute == "full" and k_left < n_dense + n_moe
    costs: dict[bool, LayerCost] = {}
    for is_moe, n in ((False, n_dense), (True, n_moe)):
        if not n:
            continue
        cost = costs[is_moe] = layer_time(step, pool.gpu, is_moe)
        k = min(n, k_left) if step.recompute == "full" else 0
        k_left -= k
        if partial:
            plain = layer_time(replace(step, recompute="none"), pool.gpu, is_moe)
            recompute = k * cost.recompute
        else:
            plain = cost
            recompute = n * cost.recompute
        out["fwd_kernels"] += n * plain.fwd
        out["bwd_kernels"] += n * plain.bwd
        out["recompute"] += recompute
        out["tp_comm"] += n * plain.tp
        out["cp_comm"] += n * plain.cp
        out["ep_comm"] += n * plain.ep
        out["host"] += n * plain.host
        out["fwd_comm"] += n * plain.comm_fwd
        out["bwd_comm"] += n * plain.comm_bwd
        if step.recompute == "offload":
            # stored activations leave over the host link during the forward and come back
            # before the backward: on side streams each direction is hidden behind that
            # pass's kernels; on the compute stream (PyTorch's save_on_cpu) all of it shows
            kept, _ = layer_memory(step, is_moe)
            copy = n * kept / pool.gpu.host_bw
            if step.software.offload_streams:
                out["offload"] += exposed_after(copy, n * plain.fwd) + exposed_after(
                    copy, n * plain.bwd
                )
            else:
                out["offload"] += 2 * copy
    if first or last:
        emb, hc = end_costs(step, pool)
        if first:
            out["fwd_kernels"] += emb / 2
            out["bwd_kernels"] += emb / 2
        if last:
            out["fwd_kernels"] += hc.fwd
            out["bwd_kernels"] += hc.bwd
            out["tp_comm"] += hc.comm_fwd + hc.comm_bwd
            out["fwd_comm"] += hc.comm_fwd
            out["bwd_comm"] += hc.comm_bwd
            if step.model.mtp_layers:
                _add_mtp(out, step, pool, hc, costs)
    return out


def _add_mtp(
    out: dict[str, float],
    step: TrainingStep,
    pool: Pool,
    hc: LayerCost,
    costs: dict[bool, LayerCost],
) -> None:
    """Multi-token-prediction modules on the last stage (DeepSeek-V3 section 2.2): per module
    one block of the last layer's type, the ``2h -> h`` projection and the shared LM head
    (``costs``: the stage's layer costs by type, reused when the block's type is among them)."""
    model = step.model
    k = model.mtp_layers
    moe = model.is_moe_layer(model.layers - 1)
    block = costs.get(moe) or layer_time(step, pool.gpu, moe)
    proj = mtp_projection(
        pool.gpu,
        step.precision,
        step.microbatch * step.seq / step.cp,
        model.hidden,
        step.tp,
        step.software.tuned_kernels,
    )
    held = sm_share(step, pool.gpu)
    proj = replace(
        proj,
        gemm=proj.gemm + held_sms_extra(proj.gemm, held),
        gemm_bwd=proj.gemm_bwd + held_sms_extra(proj.gemm_bwd, held),
    )
    out["fwd_kernels"] += k * (block.fwd + proj.gemm + hc.fwd)
    out["bwd_kernels"] += k * (block.bwd + proj.gemm_bwd + hc.bwd)
    out["recompute"] += k * block.recompute
    out["tp_comm"] += k * (block.tp + hc.comm_fwd + hc.comm_bwd)
    out["cp_comm"] += k * block.cp
    out["ep_comm"] += k * block.ep
    out["host"] += k * block.host
    out["fwd_comm"] += k * (block.comm_fwd + hc.comm_fwd)
    out["bwd_comm"] += k * (block.comm_bwd + hc.comm_bwd)


@constants.on_change
@functools.lru_cache(maxsize=4096)
def mtp_projection(
    gpu: GpuSpec, precision: str, tokens: float, hidden: int, tp: int, tuned: bool = True
):
    """The ``[tokens, 2h] x [2h, h / tp]`` projection of a multi-token-prediction module
    (``tuned``: the vendor's tuned training GEMMs, ``Software.tuned_kernels``)."""
    return linear(gpu, get_precision(precision), tokens, ((hidden / tp, 2 * hidden),), tuned=tuned)


def mtp_params(step: Layout, model: ModelSpec) -> tuple[float, float]:
    """(non-expert, expert) parameters of the multi-token-prediction modules on one GPU of the
    last stage: the blocks and their projections (embedding and head are shared)."""
    k = model.mtp_layers
    if not k:
        return 0.0, 0.0
    a, e = layer_params(model, model.is_moe_layer(model.layers - 1), step.tp, step.ep, step.etp)
    return k * (a + 2 * model.hidden * model.hidden / step.tp), k * e


def stage_times(
    step: TrainingStep, pool: Pool, n_dense: int, n_moe: int, first: bool, last: bool
) -> tuple[float, float]:
    """(forward, backward) seconds of one microbatch through a stage's layers and ends.

    The compute part of :func:`stage_cost` (no point-to-point, no per-step terms);
    the backward includes recomputation and exposed activation copies.
    """
    x = stage_parts(step, pool, n_dense, n_moe, first, last)
    fwd = x["fwd_kernels"] + x["fwd_comm"]
    bwd = x["bwd_kernels"] + x["bwd_comm"] + x["recompute"] + x["offload"]
    return fwd, bwd


def stage_cost(
    step: TrainingStep,
    pool: Pool,
    n_dense: int,
    n_moe: int,
    first: bool,
    last: bool,
    inter_pool_bw: float | None = None,
) -> StageCost:
    """Time and memory of a stage holding ``n_dense`` dense and ``n_moe`` MoE layers.

    Parameters
    ----------
    step
        Layout and software of the training step.
    pool
        The GPU pool the stage runs on.
    n_dense, n_moe
        Layers of each type on the stage.
    first, last
        Position: the embedding sits on the first stage, LM head and loss on the last.
    inter_pool_bw
        Bytes/s per GPU to a neighbour on another pool (``None``: same pool).
    """
    model = step.model
    sw = step.software
    s, b, t, cp, ep, pp, v = (
        step.seq,
        step.microbatch,
        step.tp,
        step.cp,
        step.ep,
        step.pp,
        step.interleave,
    )
    gpu = pool.gpu
    G = pool.gpus_per_node
    fab = comm.fabric_of(gpu)
    x = stage_parts(step, pool, n_dense, n_moe, first, last)
    fwd = x["fwd_kernels"] + x["fwd_comm"]
    bwd = x["bwd_kernels"] + x["bwd_comm"] + x["recompute"] + x["offload"]
    dense_p = exp_p = 0.0
    act = work = 0.0
    k_left = recomputed_layers(step, n_dense + n_moe)
    for is_moe, n in ((False, n_dense), (True, n_moe)):
        if not n:
            continue
        a, e = layer_params(model, is_moe, t, ep, step.etp)
        dense_p += n * a
        exp_p += n * e
        if step.recompute == "full":
            k = min(n, k_left)
            k_left -= k
            kept_full, working = layer_memory(step, is_moe)
            kept_none, _ = layer_memory(step, is_moe, "none")
            act += k * kept_full + (n - k) * kept_none
            work = max(work, working if k else 0.0)
        elif step.recompute == "offload":
            # two layers' activations in flight on the GPU (the copy and the compute)
            kept, _ = layer_memory(step, is_moe)
            work = max(work, 2 * kept)
        else:
            kept, working = layer_memory(step, is_moe)
            act += n * kept
            work = max(work, working)
    if first:
        dense_p += model.embedding_params() / t
    if last:
        dense_p += model.head_params() / t
        mtp_dense, mtp_exp = mtp_params(step, model)
        dense_p += mtp_dense
        exp_p += mtp_exp
        if model.mtp_layers:
            kept, working = layer_memory(step, model.is_moe_layer(model.layers - 1))
            act += model.mtp_layers * kept
            work = max(work, working)
        if model.tied_embeddings and pp > 1:
            dense_p += model.vocab * model.hidden / t  # Megatron keeps a copy on the last stage
    lora_p = 0.0
    if sw.lora_rank:
        lora_p = (n_dense + n_moe) * sw.lora_rank * lora_width(model) / t
    # gradient accumulation outside the weight-gradient GEMMs (ZeRO-2/3 reduce every
    # microbatch instead: sharded_grad_bytes)
    accumulate = 0.0
    if step.zero < 2:
        accumulate = memory_time(
            gpu,
            grad_accumulation_bytes(sw, step.microbatches)
            * ((dense_p + exp_p) * sw.base_trainable + lora_p),
        )
        bwd += accumulate
    # point-to-point activations (scatter/gather: each TP rank sends 1/t), overlapped with the
    # other chunk's compute by interleaved / DualPipe schedules
    p2p_raw = 2 * v * p2p_transfer(step, pool, inter_pool_bw) if pp > 1 else 0.0
    p2p = exposed(p2p_raw, fwd + bwd, pp_overlapped(step))
    micro = fwd + bwd + p2p

    shards = step.shards
    replicas = max(1, (step.dp * cp) // shards)
    # expert states: sharded over the expert data-parallel ranks of each sharding group,
    # tp * shards / (ep * etp) of them (Megatron-Core: world / (etp * ep * pp) expert-DP
    # ranks, parallel_state.initialize_model_parallel); ep * etp below tp gives more
    exp_shards = max(1, shards * t // (ep * step.etp))
    frozen = sw.base_trainable
    state = dict(
        weight_bytes=sw.weight_bytes,
        grad_bytes=sw.grad_bytes,
        optimizer_bytes=sw.optimizer_bytes,
        working_shard=not sw.torch_fsdp,
    )
    w1, g1, o1 = model_state_bytes(
        dense_p, zero=step.zero, shards=shards, trainable=frozen, **state
    )
    w2, g2, o2 = model_state_bytes(
        exp_p, zero=step.zero, shards=exp_shards, trainable=frozen, **state
    )
    w3, g3, o3 = model_state_bytes(lora_p, zero=step.zero, shards=shards, **state)
    dp_k = comm.per_node(shards, t, G)
    ep_k = comm.per_node(exp_shards, step.etp * ep, G)  # expert-DP ranks etp * ep apart
    grad_b = sw.reduction_bytes
    # ZeRO++ quantizes ZeRO-3's weight all-gathers to int8 (DeepSpeed's zero_quantized_weights
    # acts in stage 3's parameter fetch only): a ZeRO-1/2 plan's post-step gather stays 16-bit
    hpz = sw.zero_hpz and step.zero == 3
    param_b = PARAM_COMM_BYTES / 2 if hpz else PARAM_COMM_BYTES  # ZeRO++ int8 gathers

    def collectives(dense: float, expert: float, lora: float) -> tuple[float, float]:
        """(gradient reduction, parameter gather) seconds of these parameters' data-parallel
        collectives (the gather is 0 for ZeRO-0)."""
        dg, eg = dense * frozen + lora, expert * frozen
        if step.zero == 0:
            red = comm.all_reduce(dg * grad_b, shards, dp_k, fab)
            red += comm.all_reduce(eg * grad_b, exp_shards, ep_k, fab)
            gat = 0.0
        else:
            red = comm.reduce_scatter(dg * grad_b, shards, dp_k, fab)
            red += comm.reduce_scatter(eg * grad_b, exp_shards, ep_k, fab)
            gat = comm.all_gather(dense * param_b, shards, dp_k, fab)
            gat += comm.all_gather(expert * param_b, exp_shards, ep_k, fab)
        if replicas > 1:
            # hybrid sharding: the reduced shard is all-reduced across the replicas
            rep_k = comm.per_node(replicas, t * shards, G)
            red += comm.all_reduce((dg / shards + eg / exp_shards) * grad_b, replicas, rep_k, fab)
        return red, gat

    dense_g, exp_g = dense_p * frozen + lora_p, exp_p * frozen
    sync, gather = collectives(dense_p, exp_p, lora_p)
    grad_sync, param_gather = sync, gather
    dp_micro = 0.0
    if step.zero >= 2:
        # gradients are reduce-scattered every microbatch (no unsharded accumulation buffer),
        # unit by unit (one FSDP unit / ZeRO-3 fetch per layer): the first unit's gather and
        # the last unit's reduction wait on the network, the rest hides behind its own pass
        unit = max(
            (
                layer_params(model, is_moe, t, ep, step.etp)
                for is_moe, n in ((False, n_dense), (True, n_moe))
                if n
            ),
            key=sum,
            default=(0.0, 0.0),
        )
        lora_unit = sw.lora_rank * lora_width(model) / t if sw.lora_rank else 0.0
        unit_sync, unit_gather = collectives(*unit, lora_unit)
        fwd_gather = bwd_gather = 0.0
        if step.zero == 3:
            # the forward gathers each unit once; the backward gathers it again (and once
            # more for a recomputed forward that frees its weights: DeepSpeed)
            gathers = 3 if step.recompute == "full" and sw.recompute_gathers else 2
            fwd_gather = gather
            if sw.zero_hpz:
                # ZeRO++ hpZ: the backward re-gathers the secondary shard inside the node
                inner = comm.all_gather(
                    (dense_p + exp_p) * param_b, min(G, shards), min(G, shards), fab
                )
                bwd_gather = (gathers - 1) * inner
            else:
                bwd_gather = (gathers - 1) * gather
            gather = 0.0
        else:
            unit_gather = 0.0
        dp_micro = sharded_exposed(
            fwd,
            bwd,
            fwd_gather,
            bwd_gather + sync,
            min(unit_gather, fwd_gather),
            min(unit_sync, sync),
        )
        dp_micro += memory_time(gpu, sharded_grad_bytes(sw) * (dense_g + exp_g))
        micro += dp_micro
        sync = 0.0
    exposed_dp = exposed(sync, bwd, step.overlap_grad_reduce) + exposed(
        gather, fwd, sw.overlap_param_gather and step.overlap_grad_reduce
    )
    opt = optimizer_time(
        gpu,
        dense_g / (shards if step.zero >= 1 else 1) + exp_g / (exp_shards if step.zero >= 1 else 1),
        sw.optimizer_traffic,
    )
    emb_sync = 0.0
    if model.tied_embeddings and pp > 1 and (first or last):
        emb_sync = comm.all_reduce(model.vocab * model.hidden / t * grad_b, 2, 1, fab)
    logits_fixed = (
        head_activation_bytes(model, micro_batch=b, seq=s, tp=t, cp=cp, fused_loss=sw.fused_loss)
        if last
        else 0.0
    )
    logits_per = (
        embedding_mask_bytes(
            model,
            micro_batch=b,
            seq=s,
            tp=t,
            cp=cp,
            sp=step.sequence_parallel,
            dropout_masks=sw.dropout_masks,
        )
        if first
        else 0.0
    )
    buffers = COMM_BUFFER_FRACTION * (dense_p + exp_p) * 2
    big = max(
        (
            sum(layer_params(model, is_moe, t, ep, step.etp))
            for is_moe, n in ((False, n_dense), (True, n_moe))
            if n
        ),
        default=0.0,
    )
    if step.zero == 3 and big:
        buffers += 2 * big * PARAM_COMM_BYTES  # current + prefetched layer
        if sw.zero_hpz:
            buffers += (dense_p + exp_p) * PARAM_COMM_BYTES / min(G, shards)  # secondary shard
    if sw.torch_fsdp and step.zero >= 2:
        root = (model.embedding_params() if first else 0) + (model.head_params() if last else 0)
        buffers += torch_fsdp_buffers(big, root / t, step.zero, sw)
    parts = (
        ("compute", x["fwd_kernels"] + x["bwd_kernels"] + accumulate),
        ("recompute", x["recompute"]),
        ("tp_comm", x["tp_comm"]),
        ("cp_comm", x["cp_comm"]),
        ("ep_comm", x["ep_comm"]),
        ("host", x["host"]),
        ("pp_comm", p2p),
        ("offload", x["offload"]),
        ("dp_comm", dp_micro),
    )
    return StageCost(
        fwd=fwd,
        bwd=bwd,
        p2p=p2p,
        micro=micro,
        sync=sync + gather,
        exposed=exposed_dp,
        grad_sync=grad_sync,
        param_gather=param_gather,
        optimizer=opt,
        embedding_sync=emb_sync,
        params=dense_p + exp_p + lora_p,
        memory=StageMemory(
            weights=w1 + w2 + w3,
            gradients=g1 + g2 + g3,
            optimizer=o1 + o2 + o3,
            activations=act,
            work=work,
            logits_fixed=logits_fixed,
            logits=logits_per,
            buffers=buffers,
        ),
        parts=parts,
    )


def rank_cost(a: StageCost, flight_a: float, b: StageCost, flight_b: float) -> StageCost:
    """One DualPipe rank holding stage ``a`` and its mirror ``b``
    (:func:`~planner.perfmodel.memory.dualpipe_partner`), with ``flight_*`` microbatches in
    flight on each.

    deepseek-ai/DualPipe: every rank holds two modules (``dualpipe.py`` line 14,
    ``modules: Tuple[nn.Module, nn.Module]``), stage ``r`` of the forward direction and stage
    ``pp - 1 - r`` of the reverse one (``examples/example_dualpipe.py`` line 138), and runs
    ``num_chunks // 2`` microbatches through each (line 345). Per microbatch of the step's
    ``m`` the rank spends the mean of the two stages' times (``fwd``, ``bwd``, ``p2p``,
    ``micro`` and ``parts``); :func:`pipeline_time` takes the largest over ranks. Per step it
    reduces both stages' gradients and steps both optimizers: the two copies of a stage (on
    ranks ``r`` and ``pp - 1 - r``) are summed as the example does (lines 168-174), priced as
    part of the data-parallel reduction of each stage (the per-rank ring traffic of ``2 dp``
    ranks is that of ``dp`` ranks). The tied-embedding all-reduce runs once. Memory:
    :func:`~planner.perfmodel.memory.paired_memory` (read with one microbatch in flight).
    """
    a_parts, b_parts = dict(a.parts), dict(b.parts)
    return StageCost(
        fwd=(a.fwd + b.fwd) / 2,
        bwd=(a.bwd + b.bwd) / 2,
        p2p=(a.p2p + b.p2p) / 2,
        micro=(a.micro + b.micro) / 2,
        sync=a.sync + b.sync,
        exposed=a.exposed + b.exposed,
        grad_sync=a.grad_sync + b.grad_sync,
        param_gather=a.param_gather + b.param_gather,
        optimizer=a.optimizer + b.optimizer,
        embedding_sync=max(a.embedding_sync, b.embedding_sync),
        params=a.params + b.params,
        memory=paired_memory(a.memory, flight_a, b.memory, flight_b),
        parts=tuple(
            (k, (a_parts.get(k, 0.0) + b_parts.get(k, 0.0)) / 2)
            for k in dict.fromkeys((*a_parts, *b_parts))
        ),
    )


def lora_width(model: ModelSpec) -> float:
    """``sum (n + k)`` over the linear layers of one block: a rank-``r`` LoRA adds ``r`` times
    this many parameters per layer (adapters on the attention projections and the MLP)."""
    shapes = layer_shapes(model, 1)
    return float(sum(n + k for n, k in (*shapes.attention, *shapes.mlp)))


def step_flops(step: TrainingStep, global_batch: int) -> tuple[float, float]:
    """(model FLOPs, hardware FLOPs) of one training step.

    Model FLOPs are ``3 x`` the forward matmul FLOPs of the batch
    (``72 B s l h^2 (1 + s/(6h) + V/(12 l h))`` for GPT: Megatron's count, the
    full ``s x s`` attention square and the LM head); hardware FLOPs add the
    recomputation (Megatron's ``96 B s l h^2 (1 + s/(6h) + V/(16 l h))`` with
    full recompute on every layer; without the MLP's output projection with
    ``software.recompute_early_stop``). Frozen weights (``software.lora_rank``, a
    ``trainable`` share below 1) compute no weight gradient, in the step time
    (:func:`~planner.perfmodel.layer.linear`'s ``wgrad``) and so in both counts: the
    weight-gradient GEMMs of the layers and the LM head are left out in proportion (PEFT's
    LoRA freezes the head too, and the memory model keeps no gradient or optimizer state
    for it); the LoRA adapters'
    own GEMMs (rank ``r``, under 1 % of a layer's at r = 16) are left out of time and count.
    """
    model, s = step.model, step.seq
    tokens = global_batch * s
    fwd_tok = model.forward_flops_per_token(s)
    model_flops = 3.0 * tokens * fwd_tok
    frozen = 1.0 - step.software.base_trainable
    if frozen > 0:
        # counting them made LoRA on H100 report 714 hardware TFLOP/s per GPU (72 % MFU),
        # above what the step model's GEMMs can reach (s16utrain)
        model_flops -= frozen * tokens * 2.0 * model.linear_params_active()
    if step.recompute == "full":
        share = 1.0
        if step.recompute_layers:
            per_stage = model.layers / max(1, step.pp)
            share = min(1.0, step.recompute_layers / per_stage)
        extra = share * tokens * (fwd_tok - 2.0 * model.vocab * model.hidden)
        if step.software.recompute_early_stop:
            # the MLP's output projection is not re-run (layer_cost's early_stop)
            width = sum(
                model.experts_per_token * model.moe_ffn + model.shared_ffn
                if model.is_moe_layer(i)
                else model.ffn
                for i in range(model.layers)
            )
            extra -= share * tokens * 2.0 * model.hidden * width
    elif step.recompute == "selective" and not step.flash_attention:
        extra = tokens * model.layers * model.attention_flops_per_token(s)
    else:
        extra = 0.0
    return model_flops, model_flops + extra


# ---------------------------------------------------------------------------
# Serving: one engine iteration
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReplicaConfig:
    """One serving replica layout: GPU type and parallel sizes.

    Attributes
    ----------
    gpu
        The GPU type.
    tp, pp, ep
        Tensor, pipeline and expert parallel sizes; the replica uses
        ``tp * pp * ep`` GPUs.
    """

    gpu: GpuSpec
    tp: int = 1
    pp: int = 1
    ep: int = 1

    @property
    def gpus(self) -> int:
        """GPUs of one replica."""
        return self.tp * self.pp * self.ep

    @property
    def engines(self) -> int:
        """Independent request streams: ``pp`` in-flight micro-batches x ``ep`` attention groups."""
        return self.pp * self.ep

    @property
    def price_per_hour(self) -> float:
        """USD per hour of one replica."""
        return self.gpus * self.gpu.price_per_gpu_hour

    def label(self) -> str:
        """``H100-SXM tp8`` / ``H100-SXM tp4 pp2 ep2``."""
        parts = [self.gpu.name, f"tp{self.tp}"]
        if self.pp > 1:
            parts.append(f"pp{self.pp}")
        if self.ep > 1:
            parts.append(f"ep{self.ep}")
        return " ".join(parts)


class EngineModel:
    """Iteration time and memory of one serving engine of a replica.

    Parameters
    ----------
    model
        The architecture.
    config
        The replica layout.
    precision
        Weight / GEMM precision (``bf16``, ``fp8``, ``fp4``).
    kv_precision
        KV-cache precision (defaults to ``precision``).
    speculative
        Speculative decoding settings (``None``: none).
    engine
        The serving engine and its options (:mod:`planner.perfmodel.engines`: host overhead
        per iteration, eager kernel launches); default the GPU vendor's
        (:func:`~planner.perfmodel.engines.default_engine`: TensorRT-LLM on NVIDIA GPUs,
        vLLM on AMD GPUs).
    offload
        An expert-offload plan (:mod:`planner.perfmodel.offload_serving`): the GPUs hold the
        plan's resident experts instead of every routed expert, and every MoE layer pays the
        CPU experts of the misses and the exposed copies (``None``: every expert resident).

    Notes
    -----
    Times are seconds of one engine iteration (summed over pipeline stages);
    token counts are per attention rank (one of the ``ep`` groups).
    """

    def __init__(
        self,
        model: ModelSpec,
        config: ReplicaConfig,
        precision: str | Precision = "bf16",
        kv_precision: str | Precision | None = None,
        speculative: Speculative | None = None,
        engine: Engine | None = None,
        offload: OffloadPlan | None = None,
    ) -> None:
        self.model = model
        self.offload = offload if model.is_moe else None
        self.config = config
        # none named: the GPU vendor's engine (TensorRT-LLM on NVIDIA, vLLM on AMD)
        self.engine = engine or default_engine(config.gpu.architecture)
        self.precision = get_precision(precision)
        default_kv = self.precision if self.precision.kv_cache else get_precision("bf16")
        self.kv_precision = get_precision(kv_precision or default_kv)
        if not self.kv_precision.kv_cache:
            raise InputError(
                f"{self.kv_precision.name} is a weight-only format, not a KV-cache one"
            )
        # Meta's mixed FP8 keeps attention and the LM head in BF16 (precision.FP8_MIXED)
        self.attn_precision = get_precision("bf16") if self.precision.ffn_only else self.precision
        # a quantized checkpoint keeps its LM head in 16 bits (memory.end_weight_bytes): the
        # head's GEMM streams and multiplies 16-bit weights
        narrow = self.attn_precision.bytes < UNQUANTIZED_END_BYTES
        self.head_precision = get_precision("bf16") if narrow else self.attn_precision
        self.speculative = speculative
        self.draft = (
            EngineModel(
                load_model(speculative.draft_model), config, precision, kv_precision, engine=engine
            )
            if speculative is not None and speculative.method == "draft"
            else None
        )
        m, c, gpu = model, config, config.gpu
        gpu.peak_flops(self.precision)  # InputError when the GPU lacks the precision
        self.stream_efficiency = stream_efficiency(gpu)
        self.stream_bw = gpu.hbm_bw * self.stream_efficiency
        self.shapes = layer_shapes(m, c.tp)
        self.heads_r = m.heads / c.tp
        if m.is_mla:
            # absorbed decode attention over the latent cache; prefill uses full heads
            self.dec_dims = m.kv_lora_rank + m.qk_rope_head_dim + m.kv_lora_rank
            self.pre_dims = m.qk_nope_head_dim + m.qk_rope_head_dim + m.v_head_dim
            self.kv_elems_layer = m.kv_lora_rank + m.qk_rope_head_dim
        else:
            self.dec_dims = self.pre_dims = 2 * m.head_dim
            self.kv_elems_layer = 2 * max(1.0, m.kv_heads / c.tp) * m.head_dim
        self.local_experts = max(1.0, m.num_experts / c.ep) if m.is_moe else 0.0
        self.fabric = comm.fabric_of(gpu)
        G = gpu.gpus_per_node
        self.tp_per_node = max(1, min(c.tp, G))
        self.ep_per_node = max(1, min(c.ep, G // self.tp_per_node)) if c.tp <= G else 1
        self.same_node = c.gpus <= G
        self.imbalance = math.ceil(m.layers / c.pp) * c.pp / m.layers
        # element-wise kernels of one layer last at least their launch floor (vLLM also
        # quantizes each FP8 linear layer's input in a kernel of its own)
        gemm_format, ffn_only = self.precision.tflops_key, self.precision.ffn_only
        self.small_kernels = small_kernel_floor_s(
            1, quant_kernels(self.engine, gemm_format, ffn_only, m.layers, gpu.architecture)
        )
        # SGLang 0.4's block-FP8 Triton MoE path: fixed time per MoE layer (engines notes)
        self.moe_fixed = moe_layer_latency_s(self.engine, self.precision.name) if m.is_moe else 0.0
        # vLLM 0.7's dense block-FP8 GEMMs last at least their tile kernel's floor (engines
        # notes); the routed experts run Triton's fused MoE instead
        self.block_fp8 = block_fp8_dense_gemms(
            self.engine, self.precision.name, m.is_mla, gpu.architecture
        )
        # vLLM 0.7's MLA decode runs the materialized absorbed projections instead of the
        # checkpoint's up- and output projections (engines notes; prefill keeps them)
        self.absorbed: tuple[tuple[Shape, ...], Shape, tuple[Shape, ...]] | None = None
        if mla_absorbed_weights(self.engine, m):
            heads, q_in = m.heads / c.tp, m.q_lora_rank or m.hidden
            self.absorbed = (
                ((heads * m.kv_lora_rank, q_in), (m.hidden, heads * m.kv_lora_rank)),
                (heads * m.qk_rope_head_dim, q_in),  # W_QR: a 16-bit matmul
                tuple(self.shapes.attention[i] for i in (-4, -2, -1)),  # q_b, kv_b, o
            )
        # the routed experts' GEMMs of Triton fused MoE releases (engines notes)
        self.expert_efficiency = (
            moe_gemm_efficiency(self.engine, self.precision.name) if m.is_moe else None
        )
        # one stage-to-stage hop stays inside the node while the replica does
        self.boundary_same_node = c.tp * c.ep * min(c.pp, 2) <= G
        # 0 in the copy of :meth:`without_communication` (latency breakdowns)
        self.comm_scale = 1.0
        # vLLM and SGLang keep their one-shot all-reduce on two PCIe GPUs (comm notes)
        self.pair_kernel = self.engine.name in ("vllm", "sglang")

    # ------------------------------------------------------------- kernels
    def _gemm(
        self,
        N: np.ndarray,
        n: float,
        k: float,
        batch: np.ndarray | float = 1.0,
        precision: Precision | None = None,
    ):
        """Roofline time of ``batch`` GEMMs ``[N, k] x [k, n]`` (weights streamed) at the
        weight precision (or ``precision``)."""
        return gemm_time(
            self.config.gpu,
            N,
            n,
            k,
            precision or self.precision,
            batch=batch,
            hbm_efficiency=self.stream_efficiency,
            tuned_serving=self.engine.tuned_gemms,
            fp8_law=self.engine.fp8_gemm_law,
            serving=True,
        )

    def _gemm_sum(
        self,
        N: np.ndarray,
        shapes: Sequence[tuple[float, float]],
        batch: np.ndarray | float = 1.0,
        precision: Precision | None = None,
        compute_efficiency: float | None = None,
    ):
        """``sum(self._gemm(N, n, k, batch, precision) for n, k in shapes)`` in one call
        (``compute_efficiency``: the kernel's own large-GEMM efficiency, if it has one)."""
        return gemm_time_sum(
            self.config.gpu,
            N,
            shapes,
            precision or self.precision,
            batch=batch,
            hbm_efficiency=self.stream_efficiency,
            compute_efficiency=compute_efficiency,
            tuned_serving=self.engine.tuned_gemms,
            fp8_law=self.engine.fp8_gemm_law,
            serving=True,
        )

    def _dense_sum(
        self,
        N: np.ndarray,
        shapes: Sequence[tuple[float, float]],
        precision: Precision | None = None,
    ):
        """:meth:`_gemm_sum` of dense (non-expert) linear layers, each at least the block-FP8
        tile kernel's floor where the engine runs it on FP8 weights (:attr:`block_fp8`)."""
        prec = precision or self.precision
        if not self.block_fp8 or prec.name != "fp8":
            return self._gemm_sum(N, shapes, precision=precision)
        gpu = self.config.gpu
        return sum(
            np.maximum(self._gemm(N, n, k, precision=prec), block_fp8_gemm_floor_s(gpu, N, n, k))
            for n, k in shapes
        )

    def _layer_times(
        self, N: np.ndarray, moe_tokens: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(dense layer, MoE layer) times for ``N`` tokens per rank, without attention cores;
        the routed experts run ``moe_tokens`` tokens (default ``N`` on each of the ``ep``
        attention groups)."""
        m, c, sh = self.model, self.config, self.shapes
        gpu = c.gpu
        h = m.hidden
        attn = self._dense_sum(N, sh.attention, precision=self.attn_precision)
        ar = 2 * comm.one_shot_all_reduce(
            N * h * ACT_BYTES, c.tp, self.tp_per_node, self.fabric, pair_kernel=self.pair_kernel
        )
        ar = ar * self.comm_scale
        elem_base = N * ACT_BYTES * (10 * h + 2 * sh.qkv_width)
        dense = np.zeros_like(N)
        moe = np.zeros_like(N)
        if m.layers - m.moe_layers:
            mlp = self._dense_sum(N, sh.mlp)
            act = N * ACT_BYTES * sh.mats * m.ffn / c.tp
            small = np.maximum(memory_time(gpu, elem_base + act), self.small_kernels)
            dense = attn + mlp + ar + small
        if m.moe_layers:
            E, top = m.num_experts, m.experts_per_token
            # tokens over all attention groups share the experts
            total = N * c.ep if moe_tokens is None else moe_tokens
            hit = 1.0 - np.power(1.0 - top / E, np.maximum(total, 0.0))
            active = np.maximum(self.local_experts * hit, 1e-9)
            per_expert = total * top / E / np.maximum(hit, 1e-12)
            experts = self._gemm_sum(
                per_expert, sh.expert, batch=active, compute_efficiency=self.expert_efficiency
            )
            router = self._gemm(N, *sh.router)
            shared = self._dense_sum(N, sh.shared)
            routed = N * top
            shared_act = N * m.shared_ffn * ACT_BYTES * sh.mats / c.tp
            # the routed rows' permute / activation / finalize passes, at the widths the
            # engine's fused MoE writes them (moe_traffic notes)
            routed_bytes = routed_elementwise_bytes(
                self.engine, self.precision.name, N, top, h, m.moe_ffn, sh.mats, c.tp, m.is_mla
            )
            a2a = np.zeros_like(N)
            if c.ep > 1:
                size = routed * h * ACT_BYTES / c.tp
                a2a = 2 * comm.all_to_all(size, c.ep, self.ep_per_node, self.fabric)
                a2a = a2a * self.comm_scale
            moe = attn + experts + router + shared + ar + a2a + self.moe_fixed
            moe = moe + np.maximum(
                memory_time(gpu, elem_base + shared_act + routed_bytes), self.small_kernels
            )
        return dense, moe

    # --------------------------------------------------------------- public
    def layer_tokens(
        self, tokens: np.ndarray | float, b: float, longest: float | None = None
    ) -> np.ndarray:
        """The token counts :meth:`base_time` ``(tokens, b, .)`` runs its layers on (each
        decode sequence at its verified positions with speculative decoding; a decode-only
        iteration of an engine that pads its CUDA graphs at the padded batch,
        :func:`~planner.perfmodel.graph_padding.padded_batch`, when it replays a graph).

        ``longest``: context of the longest decode sequence (``base_time``'s ``longest``, or
        its ``ctx``): vLLM's V0 engine runs a decode past ``max_seq_len_to_capture`` eagerly
        (:func:`~planner.perfmodel.engines.replays_graph`), unpadded; default: a batch that
        replays its graph."""
        spec = self.speculative
        q = spec.tokens + 1 if spec is not None else 1
        n = np.maximum(np.asarray(tokens, dtype=float), 1e-9)
        if self.engine.graph_pad and spec is None and b > 0:
            # only a decode-only iteration replays a graph; mixed ones run eagerly, unpadded,
            # and so does vLLM V0's decode of a sequence longer than it captures (its model
            # runner pads only when it uses the captured graph, _use_captured_graph)
            graph = replays_graph(self.engine, 0.0 if longest is None else longest)
            decode_only = (np.abs(n - b) < 1e-6) & np.asarray(graph, dtype=bool)
            n = np.where(decode_only, padded_batch(self.engine, n), n)
        return n + (q - 1) * b

    def layer_times(
        self, n: np.ndarray, moe_tokens: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(dense layer, MoE layer) seconds for ``n`` tokens per rank (elementwise): what
        :meth:`base_time` spends most of its time on, shared by callers that time two token
        sets in one call (``layers=``). ``moe_tokens``: the tokens of all attention groups
        when they differ between groups (lockstep data-parallel attention); default ``n``
        on every group."""
        moe = None if moe_tokens is None else np.asarray(moe_tokens, dtype=float)
        return self._layer_times(np.asarray(n, dtype=float), moe)

    def base_time(
        self,
        tokens: np.ndarray | float,
        b: float,
        ctx: float,
        *,
        layers: tuple[np.ndarray, np.ndarray] | None = None,
        keys: float | None = None,
        longest: float | None = None,
    ) -> np.ndarray:
        """Engine iteration seconds for ``tokens`` tokens per rank, ``b`` of them decode.

        Covers everything except the attention of prefill tokens (see
        :meth:`prefill_attention_time`, which is additive). With speculative decoding each
        decode sequence is verified at ``k + 1`` positions and the drafter runs ``k`` times
        (:attr:`tokens_per_step` tokens come out per iteration on average).

        Parameters
        ----------
        tokens
            Tokens processed per attention rank (decode ``b`` + prefill chunk), array or scalar.
        b
            Decode sequences per rank.
        ctx
            Mean KV context of the decode sequences.
        layers
            :meth:`layer_times` of :meth:`layer_tokens` ``(tokens, b)`` when the caller has
            them (the same values as computed here: the layer model is elementwise).
        keys
            Mean keys a decode sequence's query attends, averaged over the layers, when the
            caller knows it over the sequences' positions (a chunked layer's keys drop back
            at each chunk boundary: their mean is not the keys at the mean context); default
            the model's :meth:`~planner.perfmodel.model_spec.ModelSpec.attention_keys` at
            ``ctx``.
        longest
            Context of the longest decode sequence, which decides whether vLLM's V0 engine
            replays a CUDA graph (:func:`~planner.perfmodel.engines.replays_graph`); default
            ``ctx``.
        """
        N = np.maximum(np.asarray(tokens, dtype=float), 1e-9)
        spec = self.speculative
        q = spec.tokens + 1 if spec is not None else 1
        longest = ctx if longest is None else longest
        # the padded batch of a padded decode-only iteration
        rows = self.layer_tokens(N, b, longest)
        stage_sum, stage_max = self.gpu_time(rows, b, ctx, queries=q, layers=layers, keys=keys)
        if spec is not None:  # the drafter runs on the last stage, beside the LM head
            drafting = spec.tokens * self.draft_time(b, ctx)
            stage_sum, stage_max = stage_sum + drafting, stage_max + drafting
        graph = replays_graph(self.engine, longest, N - b)
        return self.round_time((stage_sum, stage_max), rows, b, graph=graph)

    def gpu_time(
        self,
        tokens: np.ndarray,
        b: float,
        ctx: float,
        *,
        queries: int = 1,
        layers: tuple[np.ndarray, np.ndarray] | None = None,
        keys: float | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(summed over stages, largest stage) GPU seconds of one micro-batch iteration.

        ``queries`` positions of each of the ``b`` decode sequences are scored (speculative
        verification); their KV cache is read once. ``layers``: :meth:`layer_times` of
        ``tokens`` when the caller has them; ``keys``: as in :meth:`base_time`.
        """
        N = tokens
        m, c = self.model, self.config
        dense, moe = self._layer_times(N) if layers is None else layers
        # decode attention: stream the KV cache of every sequence (a window or chunk caps it)
        span = m.attention_keys(ctx) if keys is None else keys
        kv_bytes = b * span * self.kv_elems_layer * self.kv_precision.bytes
        flops = 2.0 * queries * b * span * self.heads_r * self.dec_dims
        dec_attn = max(
            kv_bytes / self.stream_bw,
            flash_attention_time(c.gpu, flops, "bf16", FLASH_ATTENTION_EFFICIENCY),
        )
        # every layer also pays a fixed GPU latency (kernel ramp and tail, gaps between the
        # ~10-20 kernels of a layer): what makes small batches slower than their bytes
        fixed = constants.FITTED["layer_latency_s"]
        body = (
            (m.layers - m.moe_layers) * dense + m.moe_layers * moe + m.layers * (dec_attn + fixed)
        )
        if self.absorbed is not None and b > 0:
            body = body + m.layers * self._absorbed_decode_extra(queries * b)
        if self.offload is not None:  # CPU experts of the misses, copies the layer cannot hide
            cpu, exposed = self.offload_time(N, moe)
            body = body + m.moe_layers * (cpu + exposed)
        # LM head for the positions emitting a token (decode + about one finishing prompt)
        decode_positions = queries * b
        logits = decode_positions + np.minimum(1.0, np.maximum(N - decode_positions, 0.0))
        head = self._gemm(
            np.maximum(logits, 1e-9), *self.shapes.head, precision=self.head_precision
        )
        if c.tp > 1:  # all-gather of the vocab-parallel logits (megabytes at a decode batch)
            gathered = logits * m.vocab * ACT_BYTES
            gather = comm.engine_all_gather(gathered, c.tp, self.tp_per_node, self.fabric)
            head = head + gather * self.comm_scale
        largest = body * math.ceil(m.layers / c.pp) / m.layers + head
        return body + head, largest

    def _absorbed_decode_extra(self, dec: float) -> float:
        """Seconds per layer the ``dec`` decode positions' absorbed MLA projections
        (``W_Q_UK``, ``W_QR``, ``W_UV_O``) take beyond the checkpoint's ``q_b`` / ``kv_b`` /
        ``o`` projections that :meth:`_layer_times` priced for them (:attr:`absorbed`)."""
        assert self.absorbed is not None
        block, rope, plain = self.absorbed
        N = np.array([float(dec)])
        prec = self.attn_precision
        absorbed = self._dense_sum(N, block, precision=prec)
        absorbed = absorbed + self._gemm(N, *rope, precision=get_precision("bf16"))
        return float((absorbed - self._dense_sum(N, plain, precision=prec))[0])

    def offload_time(
        self, tokens: np.ndarray | float, moe_layer_s: np.ndarray | float
    ) -> tuple[np.ndarray, np.ndarray]:
        """(CPU experts, exposed copies) seconds one MoE layer adds under the offload plan
        (zeros without one) for ``tokens`` tokens per attention rank
        (:func:`~planner.perfmodel.offload_serving.offload_layer_time`; every attention
        group's tokens reach the layer's experts)."""
        n = np.asarray(tokens, dtype=float)
        if self.offload is None:
            return np.zeros_like(n), np.zeros_like(n)
        m, c = self.model, self.config
        return offload_layer_time(
            self.offload,
            n * c.ep,
            moe_layer_s,
            hidden=m.hidden,
            intermediate=m.moe_ffn,
            shards=c.tp * c.ep,
            weight_bytes=self.precision.bytes,
        )

    def round_time(
        self,
        stages: tuple[np.ndarray, np.ndarray],
        tokens: np.ndarray,
        sequences: float = 0.0,
        *,
        graph: bool | np.ndarray | None = None,
    ) -> np.ndarray:
        """Iteration seconds of a micro-batch from its (summed, largest) stage times: the
        pipeline round of :func:`~planner.perfmodel.serving_features.pipeline_round`.
        ``graph``: whether the iteration replays a CUDA graph (elementwise; default: the
        engine's setting, :func:`~planner.perfmodel.engines.replays_graph`)."""
        stage_sum, stage_max = stages
        c = self.config
        # without CUDA graphs the GPU waits while the CPU launches a slower stream of kernels
        layers = self.model.layers
        quant = eager_quant_kernels(
            self.precision.tflops_key, self.precision.ffn_only, layers, c.gpu.architecture
        )
        graph = self.engine.cuda_graphs if graph is None else np.asarray(graph, dtype=bool)
        eager = np.logical_not(graph)
        launch = launch_overhead_s(self.engine, layers, quant, c.tp, graph=False)
        stage_launch = launch_overhead_s(self.engine, -(-layers // c.pp), quant, c.tp, graph=False)
        stage_sum = np.maximum(stage_sum, np.where(eager, launch, 0.0))
        stage_max = np.maximum(stage_max, np.where(eager, stage_launch, 0.0))
        boundary = 0.0
        if c.pp > 1:
            boundary = self.comm_scale * comm.p2p(
                tokens * self.model.hidden * ACT_BYTES,
                self.fabric,
                same_node=self.boundary_same_node,
            )
        host = host_overhead_s(self.engine, sequences)
        if self.engine.overlaps_host:  # the next batch is prepared while the GPU runs this one
            stage_sum = np.maximum(stage_sum, host)
            stage_max = np.maximum(stage_max, host)
            host = 0.0
        # a blocking pipeline loop: each stage's host iteration in series with its GPU work
        stage_host = pipeline_host_s(self.engine, sequences, c.pp)
        return pipeline_round(stage_sum, stage_max, boundary, host, c.pp, stage_host)

    def draft_time(self, b: float, ctx: float) -> float:
        """GPU seconds of one drafting step for ``b`` sequences (0 without speculation)."""
        spec = self.speculative
        if spec is None or b <= 0:
            return 0.0
        n = np.asarray([max(b, 1e-9)])
        if self.draft is not None:
            return float(self.draft.gpu_time(n, b, ctx)[0][0])
        # EAGLE / MTP head: one decoder layer of the target's shape and the LM head
        dense, moe = self._layer_times(n)
        layer = moe if self.model.moe_layers == self.model.layers else dense
        head = self._gemm(n, *self.shapes.head, precision=self.head_precision)
        return float((layer + head)[0])

    def without_communication(self) -> EngineModel:
        """A copy whose collectives and pipeline hand-offs take no time (the step model's
        communication share is the difference of the two step times)."""
        twin = copy.copy(self)
        twin.comm_scale = 0.0
        if self.draft is not None:
            twin.draft = self.draft.without_communication()
        return twin

    @property
    def tokens_per_step(self) -> float:
        """Tokens a decode sequence emits per iteration (1 without speculative decoding)."""
        return 1.0 if self.speculative is None else self.speculative.tokens_per_step

    def prefill_attention_time(self, work: np.ndarray | float) -> np.ndarray:
        """Seconds of prefill attention for ``work`` = sum over prefill tokens of keys attended.

        A whole prompt of ``p`` tokens has ``work = p (p + 1) / 2`` (causal),
        however it is chunked; time is additive over chunks.
        """
        flops = 2.0 * np.asarray(work, dtype=float) * self.heads_r * self.pre_dims
        per_layer = flash_attention_time(self.config.gpu, flops, "bf16", FLASH_ATTENTION_EFFICIENCY)
        return self.model.layers * per_layer * self.imbalance

    def kv_transfer_time(self, tokens: np.ndarray | float) -> np.ndarray:
        """Seconds to ship the KV cache of ``tokens`` prompt tokens to a decode replica.

        What the prefill engine holds is shipped (:meth:`kv_held`). The replica's ``tp * pp``
        GPUs each send their share over their own NIC (prefill and decode pools on different
        nodes).
        """
        total = self.kv_held(tokens) * kv_cache_bytes_per_token(
            self.model, kv_bytes=self.kv_precision.bytes
        )
        per_gpu = total / (self.config.tp * self.config.pp)
        return per_gpu / self.fabric.inter + comm.NIC_LATENCY_S

    # --------------------------------------------------------------- memory
    @functools.cached_property
    def weight_bytes(self) -> float:
        """Weights per GPU, bytes (a draft model's or a speculative head's included)."""
        c, m, sh = self.config, self.model, self.shapes
        wide = 2.0 if self.precision.ffn_only else self.precision.bytes
        # the embedding and LM head stay 16-bit in quantized checkpoints (end_weight_bytes)
        own = weight_bytes_per_gpu(
            m, tp=c.tp, pp=c.pp, ep=c.ep, weight_bytes=wide, end_bytes=end_weight_bytes(wide)
        )
        if self.precision.ffn_only:  # the inner layers' feed-forward weights are narrower
            dense_ffn = sum(n * k for n, k in sh.mlp)
            moe_ffn = self.local_experts * sum(n * k for n, k in sh.expert)
            moe_ffn += sum(n * k for n, k in sh.shared)
            inner = max(0.0, (m.layers - 2) / m.layers) / c.pp
            ffn = inner * ((m.layers - m.moe_layers) * dense_ffn + m.moe_layers * moe_ffn)
            own -= ffn * (wide - self.precision.bytes)
        if self.offload is not None:  # the plan's resident experts instead of every expert
            routed = m.moe_layer_params()[1]
            own -= m.moe_layers * routed / c.ep / (c.tp * c.pp) * self.precision.bytes
            # the plan's expert count at this precision (its expert_bytes may be another's)
            per_expert = routed / m.num_experts * self.precision.bytes
            own += self.offload.resident_routed_experts * per_expert / c.gpus
        if mla_absorbed_weights(self.engine, m):  # vLLM 0.7's decode copies (engines notes)
            own += mla_absorbed_weight_bytes(
                m, tp=c.tp, pp=c.pp, weight_bytes=self.attn_precision.bytes, act_bytes=ACT_BYTES
            )
        if self.draft is not None:
            own += self.draft.weight_bytes
        elif self.speculative is not None:
            dense, moe = layer_params(self.model, self.model.moe_layers > 0, c.tp, c.ep)
            own += (dense + moe) * self.precision.bytes
        return own

    @functools.cached_property
    def kv_bytes_per_token(self) -> float:
        """KV-cache bytes per token on one GPU."""
        c = self.config
        entry = kv_entry_elements(self.engine, self.model, c.gpu.architecture)
        return kv_cache_bytes_per_token(
            self.model, tp=c.tp, pp=c.pp, kv_bytes=self.kv_precision.bytes, mla_entry=entry
        )

    @functools.cached_property
    def frees_windowed_kv(self) -> bool:
        """The engine keeps only the window's KV on the model's windowed layers
        (:func:`~planner.perfmodel.engines.frees_windowed_kv`)."""
        return frees_windowed_kv(self.engine, self.model)

    def kv_held(self, context: np.ndarray | float) -> np.ndarray | float:
        """KV-cache tokens one sequence of ``context`` tokens holds, in units of
        :attr:`kv_tokens` (a token on every layer): ``context``, or the layers' mean
        :meth:`~planner.perfmodel.model_spec.ModelSpec.attention_keys` when the engine frees
        the KV that left a windowed layer's window or chunk (gpt-oss at 64K: half the layers
        hold 128 tokens, so about half the full footprint)."""
        if isinstance(context, (int, float)):  # one sequence (the simulator's hot path)
            return self.model.attention_keys(context) if self.frees_windowed_kv else context
        c = np.asarray(context, dtype=float)
        return self.model.attention_keys(c) if self.frees_windowed_kv else c

    def holds_request(self, context: float) -> bool:
        """The engine's KV cache holds one sequence of ``context`` tokens (the weights fit)."""
        return self.free_bytes > 0 and self.kv_tokens >= float(self.kv_held(context))

    @functools.cached_property
    def workspace_bytes(self) -> float:
        """Activation workspace of one prefill chunk (the engine's tokens per iteration when it
        names them) plus decode logits, per GPU."""
        m, c = self.model, self.config
        # tensors alive at once per token: the residual stream and its normed copy, plus the
        # larger of the attention block's (q/k/v, attention output) and the MLP's (gate+up,
        # activation) intermediates
        attention = self.shapes.qkv_width + m.attn_out_dim / c.tp
        mlp = self.shapes.mats * max(m.ffn, m.moe_ffn) / c.tp
        width = 2 * m.hidden + max(attention, mlp)
        tokens = self.engine.batched_tokens or PREFILL_WORKSPACE_TOKENS
        moe = 0.0
        if m.is_moe:  # Triton fused MoE's three intermediate caches for one chunk (engines notes)
            chunk = fused_moe_workspace_tokens(self.engine, tokens)
            gate_up = self.shapes.expert[0][0]
            moe = chunk * m.experts_per_token * (1.5 * gate_up + m.hidden) * ACT_BYTES
        return tokens * width * ACT_BYTES + moe + 1024 * m.vocab / c.tp * 4.0

    @functools.cached_property
    def free_bytes(self) -> float:
        """Memory per GPU left for the KV cache (negative when the weights do not fit).

        Every engine sizes its cache from what the CUDA runtime reports, not the datasheet:
        vLLM takes ``--gpu-memory-utilization`` of ``torch.cuda.mem_get_info()``'s total
        (``Worker.determine_num_available_blocks``), TensorRT-LLM and SGLang a share of the free
        memory it reports (:attr:`~planner.perfmodel.hardware.GpuSpec.runtime_bytes`). SGLang
        at a release :mod:`planner.perfmodel.engine_memory` covers keeps its default
        ``mem_fraction_static`` of it for weights and KV cache (the workspace and runtime come
        out of the rest); TensorRT-LLM's PyTorch flow (1.0 on) keeps, beside the workspace, a
        reserve by the size of the stage's communicator
        (:func:`~planner.perfmodel.trtllm_memory.trtllm_runtime_reserve_gib`); vLLM 0.7-0.8
        also keeps its profile's non-torch memory out of its share
        (:func:`~planner.perfmodel.vllm_memory.vllm_non_torch_gib`); other versions and engines
        keep the model's runtime reserve and workspace.
        """
        memory = self.config.gpu.runtime_bytes
        gpu_mib = self.config.gpu.usable_bytes / MIB
        static = sglang_mem_fraction_static(self.engine, self.config.gpus, gpu_mib)
        if static is not None:  # SGLang's static share holds weights and KV; the rest the others
            return sglang_kv_pool_bytes(static, memory, self.weight_bytes)
        # a stage's collectives span its tp x ep GPUs (data-parallel attention groups included)
        group = self.config.tp * self.config.ep
        pytorch = trtllm_runtime_reserve_gib(self.engine, group)
        reserved = (RUNTIME_RESERVED_GIB if pytorch is None else pytorch) * GIB
        if self.engine.memory_fraction is not None:  # the engine leaves the rest unused
            # vLLM 0.7-0.8 also subtracts its profile's non-torch memory (NCCL, CUDA context)
            non_torch = vllm_non_torch_gib(self.engine, self.config.gpu, group) or 0.0
            unused = (1.0 - self.engine.memory_fraction) * memory + non_torch * GIB
            reserved = max(reserved, unused)
        free = memory - self.weight_bytes - reserved - self.workspace_bytes
        return free * self.engine.kv_free_fraction if free > 0 else free

    @functools.cached_property
    def kv_tokens(self) -> float:
        """KV-cache tokens one engine may hold (the GPU's cache shared by its ``pp`` engines)."""
        if self.free_bytes <= 0:
            return 0.0
        return self.free_bytes / self.kv_bytes_per_token / self.config.pp

    def memory_breakdown(self) -> dict[str, float]:
        """Per-GPU GiB: weights, reserved (what the driver keeps, the runtime reserve and the
        engine's unused share), workspace, kv_cache (the rest of HBM)."""
        return {
            "weights": self.weight_bytes / GIB,
            "reserved": (
                self.config.gpu.memory_bytes
                - self.weight_bytes
                - self.workspace_bytes
                - self.free_bytes
            )
            / GIB,
            "workspace": self.workspace_bytes / GIB,
            "kv_cache": max(0.0, self.free_bytes) / GIB,
            "total": self.config.gpu.memory_gib,
        }


__all__ = [
    "EngineModel",
    "ReplicaConfig",
    "StageCost",
    "TrainingStep",
    "end_costs",
    "exposed_after",
    "layer_memory",
    "layer_time",
    "mtp_params",
    "mtp_projection",
    "optimizer_time",
    "p2p_transfer",
    "pipeline_time",
    "rank_cost",
    "sm_share",
    "stage_cost",
    "stage_times",
    "step_flops",
]
