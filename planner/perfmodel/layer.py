"""One transformer layer: its GEMM shapes, and its training time for one microbatch.

:func:`layer_shapes` lists the linear layers of a layer on one tensor-parallel
rank (attention projections, dense MLP, routed experts, shared experts,
router, LM head); the training cost below and the serving step of
:mod:`planner.perfmodel.stage` both build on it.

A training layer is the Megatron-LM transformer layer (Narayanan et al. 2021,
Korthikanti et al. 2022): tensor parallelism ``t`` on the QKV/FC1 columns and
proj/FC2 rows, optional sequence parallelism (LayerNorm/dropout sharded by
``t``; all-reduce replaced by reduce-scatter + all-gather of the same
volume), context parallelism ``cp`` (ring attention), and MoE layers with
expert parallelism ``ep`` (all-to-all dispatch and combine). The attention
core is either Megatron's materialized scores (softmax and dropout of the
``s x s`` square per head, the ``5as/h`` activation term; the 2021-22 code of
the validation tables) or a fused FlashAttention kernel. Backward costs twice
the forward GEMM FLOPs and twice the element-wise traffic. Recompute:
``full`` re-runs the forward (with its TP communication) before the backward;
``selective`` re-runs only the attention core (Korthikanti et al.).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from planner.perfmodel import comm, constants
from planner.perfmodel.attention_kernels import attention_efficiency
from planner.perfmodel.expert_calls import expert_call_seconds
from planner.perfmodel.hardware import GpuSpec
from planner.perfmodel.host import expert_host_wait
from planner.perfmodel.kernels import (
    FLASH_BWD_RATIO,
    FLASH_CAUSAL_FRACTION,
    flash_attention_time,
    gemm_time,
    memory_time,
)
from planner.perfmodel.model_spec import ModelSpec
from planner.perfmodel.overlap import exposed, exposed_after
from planner.perfmodel.precision import BF16, Precision, get_precision

#: Bytes per activation element in training and inference (bf16 activations even with
#: fp8 GEMMs: Transformer Engine keeps activations in bf16 between layers).
ACT_BYTES = 2.0

Shape = tuple[float, float]


@dataclass(frozen=True)
class LayerShapes:
    """``(n, k)`` of each ``[tokens, k] x [k, n]`` GEMM of one layer on one TP rank.

    Attributes
    ----------
    attention
        Attention projections, the output projection last (MLA: q down/up,
        kv down/up, output).
    mlp
        Dense MLP: gate+up (fused) and down.
    expert
        One routed expert (same layout), empty for dense models.
    shared
        The always-active shared experts (empty when none).
    router
        Router GEMM, ``None`` for dense models.
    head
        LM head (vocab-parallel).
    mats
        Matrices of an MLP (3 gated, 2 plain).
    """

    attention: tuple[Shape, ...]
    mlp: tuple[Shape, ...]
    expert: tuple[Shape, ...]
    shared: tuple[Shape, ...]
    router: Shape | None
    head: Shape
    mats: int

    @property
    def qkv_width(self) -> float:
        """Width of the attention projections' outputs before the core (element-wise traffic)."""
        return sum(n for n, _ in self.attention[:-1])


@functools.lru_cache(maxsize=4096)
def layer_shapes(model: ModelSpec, tp: int) -> LayerShapes:
    """The GEMMs of one layer on one of ``tp`` ranks.

    K/V heads are replicated when ``tp`` exceeds them (as vLLM does for GQA);
    MLA's down-projections are replicated, its up-projections sharded.
    """
    h = model.hidden
    mats = 3 if model.gated_mlp else 2
    if model.is_mla:
        qk = model.qk_nope_head_dim + model.qk_rope_head_dim
        attn: list[Shape] = []
        if model.q_lora_rank:
            attn.append((model.q_lora_rank, h))
        attn.append((model.heads * qk / tp, model.q_lora_rank or h))
        attn.append((model.kv_lora_rank + model.qk_rope_head_dim, h))
        attn.append(
            (model.heads * (model.qk_nope_head_dim + model.v_head_dim) / tp, model.kv_lora_rank)
        )
    else:
        kv = max(1.0, model.kv_heads / tp) * model.head_dim
        attn = [(model.q_dim / tp + 2 * kv, h)]
    attn.append((h, model.attn_out_dim / tp))

    def mlp(width: int) -> tuple[Shape, ...]:
        return (((mats - 1) * width / tp, h), (h, width / tp)) if width else ()

    return LayerShapes(
        attention=tuple(attn),
        mlp=mlp(model.ffn),
        expert=mlp(model.moe_ffn) if model.is_moe else (),
        shared=mlp(model.shared_ffn) if model.is_moe else (),
        router=(model.num_experts, h) if model.is_moe else None,
        head=(model.vocab / tp, h),
        mats=mats,
    )


def layer_params(
    model: ModelSpec, moe: bool, tp: int, ep: int, expert_tp: int | None = None
) -> tuple[float, float]:
    """(non-expert, expert) parameters of one layer on one GPU (experts over ``expert_tp x ep``)."""
    if moe:
        base, experts = model.moe_layer_params()
        return base / tp, experts / ((expert_tp or tp) * ep)
    return model.dense_layer_params() / tp, 0.0


@dataclass(frozen=True)
class LayerCost:
    """Time and FLOPs of one layer (or the LM head) for one microbatch on one GPU.

    Attributes
    ----------
    fwd, bwd
        Forward / backward kernel time (GEMMs + element-wise), seconds.
    comm_fwd, comm_bwd
        Exposed communication in forward / backward (TP, CP, EP), seconds.
    recompute
        Extra time spent recomputing before the backward, seconds (kernels +
        communication); 0 without recompute.
    flops_fwd
        Forward matmul FLOPs on this GPU (model FLOPs are 3x this).
    flops_recompute
        Extra matmul FLOPs of the recomputation (hardware FLOPs only).
    tp, cp, ep, host
        The exposed tensor-parallel, context-parallel and expert-parallel
        communication and the wait for the host's per-expert launches
        (:func:`~planner.perfmodel.host.expert_host_wait`) of forward + backward
        (their sum is ``comm_fwd + comm_bwd``).
    """

    fwd: float
    bwd: float
    comm_fwd: float
    comm_bwd: float
    recompute: float
    flops_fwd: float
    flops_recompute: float
    tp: float = 0.0
    cp: float = 0.0
    ep: float = 0.0
    host: float = 0.0

    @property
    def forward(self) -> float:
        """Forward time including communication."""
        return self.fwd + self.comm_fwd

    @property
    def backward(self) -> float:
        """Backward time including communication and recomputation."""
        return self.bwd + self.comm_bwd + self.recompute


@dataclass(frozen=True)
class Pass:
    """Kernel time, matmul FLOPs and communication of one piece of a forward pass."""

    gemm: float = 0.0
    gemm_bwd: float = 0.0
    elem: float = 0.0
    flops: float = 0.0
    comm: float = 0.0
    comm_bwd: float = 0.0

    def __add__(self, other: Pass) -> Pass:
        return Pass(
            self.gemm + other.gemm,
            self.gemm_bwd + other.gemm_bwd,
            self.elem + other.elem,
            self.flops + other.flops,
            self.comm + other.comm,
            self.comm_bwd + other.comm_bwd,
        )


def linear(
    gpu: GpuSpec,
    prec: Precision,
    m: float,
    shapes: tuple[Shape, ...],
    batch: float = 1,
    acc: Pass | None = None,
    wgrad: float = 1.0,
    tuned: bool = True,
) -> Pass:
    """``acc`` plus the forward ``[m,k]x[k,n]`` GEMMs of ``shapes`` and their backward.

    The backward is the data gradient plus ``wgrad`` times the weight gradient
    (``wgrad < 1`` for frozen weights: no weight gradient is computed for them).
    ``tuned``: the GEMMs of the vendor's tuned training image
    (:func:`~planner.perfmodel.kernels.gemm_efficiency`).
    """
    out = acc
    for n, k in shapes:
        one = gemm_pass(gpu, prec, m, n, k, batch, wgrad, tuned)
        out = one if out is None else out + one
    return Pass() if out is None else out


@constants.on_change
@functools.lru_cache(maxsize=65536)
def gemm_pass(
    gpu: GpuSpec,
    prec: Precision,
    m: float,
    n: float,
    k: float,
    batch: float = 1,
    wgrad: float = 1.0,
    tuned: bool = True,
) -> Pass:
    """One ``[m,k]x[k,n]`` GEMM of :func:`linear`: forward, backward (data gradient plus
    ``wgrad`` times the weight gradient) and FLOPs; cached (a plan search prices the same
    GEMMs for many layer configurations: 92 % repeats on the issue-18 1T search)."""
    fwd = gemm_time(gpu, m, n, k, prec, batch=batch, tuned_training=tuned)
    bwd = gemm_time(gpu, m, k, n, prec, batch=batch, tuned_training=tuned)
    if wgrad > 0:
        bwd += wgrad * gemm_time(gpu, k, n, m, prec, batch=batch, tuned_training=tuned)
    return Pass(gemm=fwd, gemm_bwd=bwd, flops=2.0 * m * n * k * batch)


def expert_shapes(model: ModelSpec, expert_tp: int) -> tuple[Shape, ...]:
    """The GEMMs of one routed expert sharded over ``expert_tp`` ranks (gate+up, down)."""
    mats = 3 if model.gated_mlp else 2
    w = model.moe_ffn / expert_tp
    return (((mats - 1) * w, model.hidden), (model.hidden, w))


#: Bytes per element of activations exchanged in fp8 (Transformer Engine / DeepEP fp8 dispatch).
FP8_COMM_BYTES = 1.0


def expert_quant_bytes(
    routed: float, model: ModelSpec, expert_tp: int, prec: Precision
) -> tuple[float, float]:
    """(forward, backward) HBM bytes of quantizing the routed experts' GEMM operands.

    With GEMM inputs narrower than the bf16 activations (fp8, fp4), Transformer Engine's
    ``GroupedLinear`` quantizes each expert GEMM's input in the forward (fc1: the hidden
    state, fc2: the activation output) and its output gradient in the backward (fc2: hidden
    wide, fc1: gate + up wide), each a bf16 read and a row- plus a column-wise quantized write
    (the column-wise copy feeds the weight-gradient GEMM; TE 2.8
    ``pytorch/module/grouped_linear.py``, ``tex.split_quantize`` with both usages). ``routed``:
    routed token copies on this rank (tokens x top-k). Dense layers' quantization sits in the
    GEMM efficiency fitted on dense rows; the experts' narrow GEMMs (``moe_ffn``) make it a
    several times larger share of their time, so it is priced here.
    """
    if prec.bytes >= ACT_BYTES:
        return 0.0, 0.0
    (fc1_n, fc1_k), (fc2_n, fc2_k) = expert_shapes(model, expert_tp)
    per_element = ACT_BYTES + 2 * prec.bytes
    return routed * (fc1_k + fc2_k) * per_element, routed * (fc2_n + fc1_n) * per_element


def held_sms_extra(compute_bound: float, sm_share: float) -> float:
    """Extra seconds of ``compute_bound`` kernel time (GEMMs, attention core: priced on the
    whole GPU) when its kernels run on ``sm_share`` of the SMs, the rest held by
    communication kernels: ``t (1 / share - 1)``. Memory-bound kernels keep their time (a
    few SMs fewer still saturate HBM, an assumption)."""
    return compute_bound * (1.0 / sm_share - 1.0) if sm_share < 1 else 0.0


def column_backward_exposed(
    gpu: GpuSpec,
    nbytes: float,
    tp: int,
    tp_per_node: int,
    sp: bool,
    data_gemm: float,
    weight_gemm: float,
    *,
    fp8_comm: bool = False,
    regather: bool = True,
) -> float:
    """Exposed backward tensor-parallel communication of one block whose first GEMMs are
    column-parallel, their collectives asynchronous.

    Megatron-LM's column-parallel linear (``megatron/mpu/layers.py`` @02bb1f5c,
    ``ColumnParallelLinearWithAsyncAllreduce`` / ``...WithSequenceParallelism``; the
    default since ``--no-async-tensor-model-parallel-allreduce`` came in, 2021-09) starts
    the input-gradient all-reduce (sequence parallel: reduce-scatter) asynchronously and
    runs the weight-gradient GEMM under it; with sequence parallelism it also re-gathers
    the layer input asynchronously under the data-gradient GEMM. Korthikanti et al. 2022
    explain their Table 4 backward so (full recompute costs 39 %, not the 50 % of a second
    forward, because the all-reduce overlaps the weight-gradient computation). The block's
    other backward collective, the all-gather of the row-parallel output's gradient
    (the backward of the forward reduce-scatter), is synchronous and stays exposed.

    Parameters
    ----------
    gpu
        The GPU (its fabric).
    nbytes
        Bytes of one block's activations (``tokens x hidden x 2``).
    tp, tp_per_node
        Tensor-parallel size and its ranks per node.
    sp
        Sequence parallelism.
    data_gemm, weight_gemm
        Seconds of the column-parallel GEMMs' data- and weight-gradient GEMMs.
    fp8_comm
        The all-gathers move fp8 activations.
    regather
        The sequence-parallel input is gathered again for the weight gradient (Megatron);
        ``False`` where the forward's gathered input was kept instead
        (``Software.sp_gathered_inputs``, torchtitan's DTensor TP).

    Returns
    -------
    float
        Exposed seconds (each hidden collective still pays ``OVERLAP_SLOWDOWN``).
    """
    fab = comm.fabric_of(gpu)
    if not sp:
        return exposed_after(comm.all_reduce(nbytes, tp, tp_per_node, fab), weight_gemm)
    grad_gather = comm.all_gather(nbytes, tp, tp_per_node, fab)  # bf16 gradients
    gather = (
        comm.all_gather(
            nbytes * (FP8_COMM_BYTES / ACT_BYTES if fp8_comm else 1.0), tp, tp_per_node, fab
        )
        if regather
        else 0.0
    )
    scatter = comm.reduce_scatter(nbytes, tp, tp_per_node, fab)
    # the output gradient's all-gather (synchronous) + the two overlapped collectives
    return grad_gather + exposed_after(gather, data_gemm) + exposed_after(scatter, weight_gemm)


@constants.on_change
@functools.lru_cache(maxsize=65536)
def layer_cost(
    model: ModelSpec,
    gpu: GpuSpec,
    *,
    micro_batch: int,
    seq: int,
    tp: int,
    cp: int = 1,
    ep: int = 1,
    sp: bool = False,
    recompute: str = "none",
    moe: bool = False,
    precision: str = "bf16",
    tp_per_node: int | None = None,
    cp_per_node: int | None = None,
    ep_per_node: int | None = None,
    flash: bool = False,
    tp_overlap: bool = False,
    tp_bwd_overlap: bool = False,
    ep_overlap: bool = False,
    fp8_comm: bool = False,
    expert_tp: int | None = None,
    moe_load: float = 1.0,
    node_limit: int = 0,
    wgrad: float = 1.0,
    attention_kernel: str = "flash",
    early_stop: bool = False,
    tuned_kernels: bool = True,
    eager_experts: bool = False,
    fused_experts: bool = False,
    dropless: bool = True,
    sort_by_expert: bool = False,
    flex_backend: str = "",
    sm_share: float = 1.0,
    gathered_inputs: bool = False,
    bwd_scatter_overlap: bool = True,
) -> LayerCost:
    """Training cost of one transformer layer for one microbatch on one GPU.

    Parameters
    ----------
    model, gpu
        Architecture and GPU.
    micro_batch, seq
        Sequences per microbatch and (full) sequence length.
    tp, cp, ep
        Tensor, context and expert parallel sizes.
    sp
        Sequence parallelism (needs ``tp > 1`` to matter).
    recompute
        ``none``, ``selective``, ``full`` or ``offload`` (``offload`` costs as
        ``none`` here; :func:`planner.perfmodel.stage.stage_cost` adds the copies).
    moe
        Cost an MoE layer (routed experts) instead of a dense one.
    precision
        GEMM input precision.
    tp_per_node, cp_per_node, ep_per_node
        Ranks of each group sharing a node (default: as many as fit).
    flash
        Fused (FlashAttention-style) attention core instead of Megatron's
        materialized scores/softmax/dropout.
    tp_overlap
        Tensor-parallel collectives overlapped with the GEMMs (Transformer Engine
        user buffers / async TP): only what the layer's GEMMs cannot hide is exposed.
    tp_bwd_overlap
        Without ``tp_overlap``: the backward's collectives of the column-parallel GEMMs
        (QKV, FC1) are asynchronous and run under them (:func:`column_backward_exposed`);
        the forward's collectives and the backward all-gather of the row-parallel GEMMs'
        output gradient stay exposed.
    ep_overlap
        MoE all-to-alls overlapped with the computation of another microbatch
        (Megatron's EP A2A overlap, DeepSeek's DualPipe).
    fp8_comm
        TP all-gathers and the MoE dispatch move fp8 activations (1 byte).
    expert_tp
        Tensor-parallel size of the routed experts (``None``: ``tp``). With
        ``expert_tp = 1 < tp`` the tokens of the ``tp`` ranks (sequence
        parallel) are dispatched separately and every expert is whole.
    moe_load
        Tokens of the busiest expert rank over the mean (load imbalance, or the
        capacity factor when tokens are dropped and padded to capacity).
    node_limit
        Node-limited routing (DeepSeek-V3: a token reaches at most this many
        nodes), 0 for none: caps the destination nodes of the flex dispatcher's
        once-per-node sends (a plain all-to-all sends every copy whatever the limit).
    wgrad
        Share of the weight-gradient GEMMs computed (frozen weights skip theirs).
    attention_kernel
        Implementation of the fused attention core
        (:mod:`~planner.perfmodel.attention_kernels`).
    early_stop
        Full recomputation stops before the MLP's output projection (PyTorch's
        non-reentrant checkpoint early stop: that GEMM's input, the last tensor the
        backward needs, is saved before it runs); its collective is still counted.
    tuned_kernels
        GEMMs of the vendor's tuned training image (``Software.tuned_kernels``).
    eager_experts
        The host launches each local expert's kernels (Megatron-Core's grouped MLP,
        eager): the layer waits for them where they outlast the GPU work
        (:func:`~planner.perfmodel.host.expert_host_wait`).
    fused_experts
        The routed experts run as one fused, device-initiated grouped kernel
        (``Software.fused_experts``); ``False``: per-expert GEMM calls, whose serial time
        (:func:`~planner.perfmodel.expert_calls.expert_call_seconds`) is added to the expert
        segment's GPU time, eager or graphed, and whose host launches are waited for with
        ``eager_experts``.
    dropless
        Dropless routing: the dispatcher waits for the per-expert token counts in the
        forward (drop-and-pad does not).
    sort_by_expert
        The all-to-all dispatcher sorts the received tokens by local expert and unsorts the
        expert output (``Software.dispatcher`` ``alltoall``).
    flex_backend
        The flex dispatcher's kernels (``deepep`` or ``hybridep``: once-per-rank and
        once-per-node sends, :func:`~planner.perfmodel.comm.dispatch_all_to_all`); empty for a plain
        all-to-all.
    sm_share
        Share of the GPU's SMs the layer's compute-bound kernels (GEMMs, attention core) run
        on, 1 for all (:func:`held_sms_extra`; below 1 on a DualPipe rank whose DeepEP
        kernels hold their SMs through every pass, :func:`~planner.perfmodel.stage.sm_share`).
    gathered_inputs
        With sequence parallelism, the column-parallel GEMMs kept their all-gathered input
        for the weight gradient (``Software.sp_gathered_inputs``): the backward gathers
        nothing again (:func:`planner.perfmodel.memory.layer_activation_bytes` charges the
        larger saved input).
    bwd_scatter_overlap
        With ``tp_overlap`` and sequence parallelism, the backward's reduce-scatters of the
        column-parallel blocks' input gradients are overlapped too; ``False``: they run after
        their GEMMs, exposed, the rest overlapped
        (``Software.tp_overlap_bwd_scatter``, torch's async TP).
    """
    prec = get_precision(precision)
    gemms = functools.partial(linear, tuned=tuned_kernels)  # the image's GEMM efficiency
    fab = comm.fabric_of(gpu)
    G = gpu.gpus_per_node
    tpn = tp_per_node if tp_per_node is not None else min(tp, G)
    cpn = cp_per_node if cp_per_node is not None else comm.per_node(cp, tp, G)
    epn = ep_per_node if ep_per_node is not None else comm.per_node(ep, tp * cp, G)
    shapes = layer_shapes(model, tp)
    h = model.hidden
    s = seq / cp  # local sequence
    b = micro_batch
    N = b * s  # tokens on this rank
    a_local = model.heads / tp
    A = ACT_BYTES
    rep = 1.0 / tp if sp else 1.0  # replicated-region share with sequence parallelism
    full_layer = recompute == "full"
    if recompute not in ("none", "selective", "full", "offload"):
        raise ValueError(f"unknown recompute {recompute!r}")

    # --- attention block -------------------------------------------------
    attn = gemms(gpu, prec, N, shapes.attention, wgrad=wgrad)
    if model.is_mla:
        d_qk, d_v = model.qk_nope_head_dim + model.qk_rope_head_dim, model.v_head_dim
    else:
        d_qk = d_v = model.head_dim
    # Attention core: scores [s, d] x [d, s_kv] and context [s, s_kv] x [s_kv, d] per head,
    # in bf16 whatever the GEMM precision (fp8 recipes keep attention in bf16).
    # every rank attends to the full sequence (ring attention for cp > 1), or the window
    s_kv = model.attention_span(seq)
    if flash:
        # one fused kernel; causal masking skips FLASH_CAUSAL_FRACTION of the square,
        # the backward recomputes the scores (FLASH_BWD_RATIO x the forward work); a
        # sliding window's band is computed whole (causal_window_share)
        square = 2.0 * b * a_local * s * s_kv * (d_qk + d_v)
        eff = attention_efficiency(gpu, attention_kernel)
        causal = 2.0 * b * a_local * s * seq * (d_qk + d_v) * FLASH_CAUSAL_FRACTION
        if model.sliding_window:
            causal *= model.causal_window_share(seq)
        else:
            causal = square * FLASH_CAUSAL_FRACTION  # s_kv = seq: the same, unrounded
        fwd_t = flash_attention_time(gpu, causal, BF16, eff)
        core = Pass(gemm=fwd_t, gemm_bwd=FLASH_BWD_RATIO * fwd_t, flops=square)
    else:
        core = gemms(gpu, BF16, s, ((s_kv, d_qk),), batch=b * a_local)
        core += gemms(gpu, BF16, s, ((d_v, s_kv),), batch=b * a_local)
        probs = b * a_local * s * s_kv  # score elements
        # scale+mask+softmax (read, write), dropout (read, write, mask byte)
        core = core + Pass(elem=memory_time(gpu, probs * (2 * A + 2 * A + 1)))
    # LayerNorm (read, write), bias-dropout-add (2 reads, write, mask), q/k/v layout copies
    norm_elem = N * h * rep * 2 * A
    attn_elem = norm_elem + N * h * rep * (3 * A + 1) + N * shapes.qkv_width * 2 * A
    attn += Pass(elem=memory_time(gpu, attn_elem))

    # --- MLP block -------------------------------------------------------
    mats = shapes.mats
    ep_comm = 0.0
    if moe:
        k_top = model.experts_per_token
        etp = tp if expert_tp is None else expert_tp
        local_experts = max(1.0, model.num_experts / ep)
        # tokens entering the expert block on this rank: with expert TP below TP the
        # sequence-parallel shard of each TP rank is dispatched on its own
        N_moe = N / tp * etp if etp < tp else N
        tokens_per_expert = N_moe * k_top * ep / model.num_experts * moe_load
        routed_experts = gemms(
            gpu,
            prec,
            tokens_per_expert,
            expert_shapes(model, etp),
            batch=local_experts,
            wgrad=wgrad,
        )
        mlp = gemms(gpu, prec, N, (shapes.router,), wgrad=wgrad) + routed_experts
        mlp = gemms(gpu, prec, N, shapes.shared, acc=mlp, wgrad=wgrad)
        # the output projections (routed and shared experts), last in the layer
        last = gemms(
            gpu, prec, tokens_per_expert, expert_shapes(model, etp)[-1:], batch=local_experts
        )
        last = gemms(gpu, prec, N, shapes.shared[-1:], acc=last)
        routed = N_moe * k_top * moe_load
        quant_fwd, quant_bwd = (
            memory_time(gpu, x) for x in expert_quant_bytes(routed, model, etp, prec)
        )
        act_elems = routed * model.moe_ffn / etp + N * model.shared_ffn / tp
        # permute / unpermute copies of the routed tokens (read + write each way); the
        # all-to-all dispatcher also sorts the received tokens by local expert and unsorts
        # the expert output (Megatron-Core core_v0.15 ``MoEAlltoAllTokenDispatcher``,
        # ``sort_chunks_by_idxs``, a transpose copy with drop-and-pad): two more copies
        # copies; the backward permutes the gradients back once (not the 2x of an
        # element-wise kernel's backward)
        copies = 4 if sort_by_expert and local_experts > 1 else 2
        permute = memory_time(gpu, copies * routed * h * 2 * A / etp)
        # each rank dispatches its sequence-parallel share of the tokens (N / tp), fp8 or
        # bf16, and receives the combine in bf16
        sent = N * moe_load / tp
        dispatch_bytes = FP8_COMM_BYTES if fp8_comm else A
        ep_comm = sum(
            comm.dispatch_all_to_all(
                sent,
                k_top,
                h * x,
                ep,
                epn,
                fab,
                experts=model.num_experts,
                backend=flex_backend,
                node_limit=node_limit,
                groups=model.router_groups,
                group_topk=model.router_group_topk,
            )
            for x in (dispatch_bytes, A)
        )
    else:
        quant_fwd = quant_bwd = permute = 0.0
        mlp = gemms(gpu, prec, N, shapes.mlp, wgrad=wgrad)
        last = gemms(gpu, prec, N, shapes.mlp[-1:])  # the output projection, last in the layer
        act_elems = N * model.ffn / tp
    # activation (GeLU / SwiGLU: read inputs, write output), LayerNorm, bias-dropout-add
    act_bytes = act_elems * ((mats - 1) * A + A)
    mlp += Pass(elem=memory_time(gpu, act_bytes + norm_elem + N * h * rep * (3 * A + 1)))

    # --- tensor-parallel communication ---------------------------------------
    tp_bytes = N * h * A
    if tp > 1:
        if sp:
            gather_bytes = tp_bytes * (FP8_COMM_BYTES / A if fp8_comm else 1.0)
            gather = comm.all_gather(gather_bytes, tp, tpn, fab)
            one = comm.reduce_scatter(tp_bytes, tp, tpn, fab) + gather
            # Megatron keeps the sharded LayerNorm output: the backward all-gathers it again
            # for the weight gradients of QKV and FC1 (Korthikanti et al., Sec. 4.2.2);
            # with gathered_inputs the gathered copy was kept and nothing is re-gathered
            tp_redo = 0.0 if gathered_inputs else 2 * gather
        else:
            one = comm.all_reduce(tp_bytes, tp, tpn, fab)
            tp_redo = 0.0
        tp_comm = 2 * one  # attention block + MLP block
    else:
        tp_comm = tp_redo = 0.0
    gemm_fwd = attn.gemm + mlp.gemm
    gemm_bwd = attn.gemm_bwd + mlp.gemm_bwd
    tp_fwd = exposed(tp_comm, gemm_fwd, tp_overlap)
    tp_bwd = exposed(tp_comm + tp_redo, gemm_bwd, tp_overlap)
    if tp > 1 and sp and tp_overlap and not bwd_scatter_overlap:
        # each block's input gradient is reduce-scattered once its GEMMs are done
        scatters = 2 * comm.reduce_scatter(tp_bytes, tp, tpn, fab)
        tp_bwd = exposed(tp_comm + tp_redo - scatters, gemm_bwd, True) + scatters
    if tp > 1 and tp_bwd_overlap and not tp_overlap:
        # the column-parallel GEMMs feeding each block: the attention projections before
        # the core, and (dense) the MLP's first GEMM; an MoE block's collectives stay exposed
        columns = [shapes.attention[:-1]] + ([] if moe else [shapes.mlp[:1]])
        tp_bwd = (2 - len(columns)) * (one + tp_redo / 2)  # a block's re-gather, if any
        for cols in columns:
            data = gemms(gpu, prec, N, cols, wgrad=0.0).gemm_bwd
            weight = gemms(gpu, prec, N, cols, wgrad=wgrad).gemm_bwd - data
            tp_bwd += column_backward_exposed(
                gpu,
                tp_bytes,
                tp,
                tpn,
                sp,
                data,
                weight,
                fp8_comm=fp8_comm,
                regather=not gathered_inputs,
            )

    # --- context-parallel ring exchange of K and V (overlapped with attention) --
    cp_fwd = cp_bwd = 0.0
    if cp > 1:
        kv_width = (
            (model.kv_lora_rank + model.qk_rope_head_dim) if model.is_mla else 2 * model.kv_dim / tp
        )
        step = comm.p2p(b * s * kv_width * A, fab, same_node=cpn >= cp)
        cp_fwd = max(0.0, (cp - 1) * step - core.gemm - core.elem)
        cp_bwd = max(0.0, 2 * (cp - 1) * step - core.gemm_bwd - 2 * core.elem)

    # per-expert GEMM calls (Transformer Engine's GroupedLinear): serial GPU-stream time of
    # the expert segment beyond the GEMMs' work, eager or graphed; none for a fused kernel
    calls_fwd = calls_bwd = 0.0
    if moe and not fused_experts:
        calls_fwd, calls_bwd = expert_call_seconds(local_experts, wgrad)

    # --- expert-parallel all-to-all (dispatch + combine), hidden by another microbatch --
    fwd_kernels = (
        attn.gemm
        + core.gemm
        + mlp.gemm
        + attn.elem
        + core.elem
        + mlp.elem
        + quant_fwd
        + permute
        + calls_fwd
    )
    bwd_kernels = (
        attn.gemm_bwd
        + core.gemm_bwd
        + mlp.gemm_bwd
        + 2 * (attn.elem + core.elem + mlp.elem)
        + quant_bwd
        + permute
        + calls_bwd
    )
    ep_fwd = exposed(ep_comm, fwd_kernels, ep_overlap)
    ep_bwd = exposed(ep_comm, bwd_kernels, ep_overlap)
    # the host's expert launches hide under the kernels priced on all SMs: the held SMs'
    # extra stands in for the all-to-all's exposed price below, and hiding launches under it
    # as well would count it twice (a DualPipe pass cheaper than the same pass on all SMs,
    # below the one-stage stub the train search bounds with)
    window_fwd, window_bwd = fwd_kernels, bwd_kernels
    if sm_share < 1:
        held_fwd = held_sms_extra(attn.gemm + core.gemm + mlp.gemm, sm_share)
        held_bwd = held_sms_extra(attn.gemm_bwd + core.gemm_bwd + mlp.gemm_bwd, sm_share)
        fwd_kernels += held_fwd
        bwd_kernels += held_bwd
        # the overlapped all-to-all's exposed price (OVERLAP_SLOWDOWN: the SMs and HBM its
        # kernels take) is the same effect: a pass costs the larger of the two, not both
        ep_fwd = max(0.0, ep_fwd - held_fwd)
        ep_bwd = max(0.0, ep_bwd - held_bwd)
    host_fwd = host_bwd = 0.0
    if moe and eager_experts and not fused_experts:
        host_fwd, host_bwd = expert_host_wait(
            local_experts,
            prec,
            experts_fwd=routed_experts.gemm + calls_fwd,
            layer_fwd=window_fwd,
            layer_bwd=window_bwd,
            sync=dropless,
        )

    flops = attn.flops + core.flops + mlp.flops
    if full_layer:
        re_time = fwd_kernels + tp_fwd + cp_fwd + ep_fwd + host_fwd
        re_flops = flops
        if early_stop:
            re_time -= last.gemm + held_sms_extra(last.gemm, sm_share)
            re_flops -= last.flops
    elif recompute == "selective" and not flash:
        re_time, re_flops = core.gemm + core.elem, core.flops
    elif recompute == "selective":
        # Megatron-Core recompute modules "layernorm" and the activation function (+ MLA's
        # up-projections): element-wise passes re-run before the backward
        re_time = memory_time(gpu, 2 * norm_elem + act_bytes)
        re_flops = 0.0
        if model.is_mla:
            up = shapes.attention[1:2] + shapes.attention[3:4] if model.q_lora_rank else ()
            up_pass = gemms(gpu, prec, N, up) if up else Pass()
            re_time += up_pass.gemm + held_sms_extra(up_pass.gemm, sm_share)
            re_flops = up_pass.flops
    else:
        # (a fused kernel already recomputes the scores in its backward)
        re_time, re_flops = 0.0, 0.0
    return LayerCost(
        fwd=fwd_kernels,
        bwd=bwd_kernels,
        comm_fwd=tp_fwd + cp_fwd + ep_fwd + host_fwd,
        comm_bwd=tp_bwd + cp_bwd + ep_bwd + host_bwd,
        recompute=re_time,
        flops_fwd=flops,
        flops_recompute=re_flops,
        tp=tp_fwd + tp_bwd,
        cp=cp_fwd + cp_bwd,
        ep=ep_fwd + ep_bwd,
        host=host_fwd + host_bwd,
    )


@constants.on_change
@functools.lru_cache(maxsize=16384)
def head_cost(
    model: ModelSpec,
    gpu: GpuSpec,
    *,
    micro_batch: int,
    seq: int,
    tp: int,
    cp: int = 1,
    sp: bool = False,
    precision: str = "bf16",
    tp_per_node: int | None = None,
    tuned_kernels: bool = True,
    fused_loss: bool = False,
    wgrad: float = 1.0,
    sm_share: float = 1.0,
) -> LayerCost:
    """Final norm, LM head (vocab-parallel over ``tp``) and cross-entropy for one microbatch
    (``tuned_kernels``: as :func:`layer_cost`; ``fused_loss``: one fused kernel reads the bf16
    logits and writes their bf16 gradient, no fp32 passes, as
    :func:`planner.perfmodel.memory.head_activation_bytes` keeps them; ``wgrad``: share of the
    head's weight gradient computed, 0 when it is frozen, as under LoRA; ``sm_share``: as
    :func:`layer_cost`)."""
    prec = get_precision(precision)
    h, V = model.hidden, model.vocab
    N = micro_batch * seq / cp
    head = (layer_shapes(model, tp).head,)
    lin = linear(gpu, prec, N, head, wgrad=wgrad, tuned=tuned_kernels)
    # vocab-parallel cross-entropy in fp32: cast, max, exp-sum, grad (several passes)
    logits = N * V / tp
    loss_bytes = 2 * ACT_BYTES if fused_loss else 2 * ACT_BYTES + 3 * 4.0
    elem = memory_time(gpu, logits * loss_bytes) + memory_time(
        gpu, N * h * (1.0 / tp if sp else 1.0) * 2 * ACT_BYTES
    )
    tpn = tp_per_node if tp_per_node is not None else min(tp, gpu.gpus_per_node)
    # the all-reduces of the max / sum-exp / target logit are tiny (N floats); the
    # sequence-parallel all-gather of the input (or the backward all-reduce) moves N*h.
    comm_t = comm.all_reduce(N * h * ACT_BYTES, tp, tpn, comm.fabric_of(gpu)) if tp > 1 else 0.0
    return LayerCost(
        fwd=lin.gemm + held_sms_extra(lin.gemm, sm_share) + elem,
        bwd=lin.gemm_bwd + held_sms_extra(lin.gemm_bwd, sm_share) + elem,
        comm_fwd=comm_t / 2,
        comm_bwd=comm_t / 2,
        recompute=0.0,
        flops_fwd=lin.flops,
        flops_recompute=0.0,
    )


@constants.on_change
@functools.lru_cache(maxsize=16384)
def embedding_cost(
    model: ModelSpec, gpu: GpuSpec, *, micro_batch: int, seq: int, tp: int, cp: int = 1
) -> float:
    """Seconds for the embedding lookup (+ positions, dropout) forward and backward of one microbatch."""
    N = micro_batch * seq / cp
    elem = N * model.hidden * ACT_BYTES * 4  # gather, add positions, dropout, grad scatter-add
    return memory_time(gpu, elem)
