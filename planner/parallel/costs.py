"""Compute-time model: GEMMs, memory-bound kernels and one transformer layer.

Time of one kernel is a roofline with a shape-dependent efficiency:

``t = max(2mnk / (peak * E_gemm * g(m) g(n) g(k)),  bytes / (B_hbm * E_hbm))``

with ``g(x) = x / (x + GEMM_HALF_DIM)``: a GEMM dimension of ``GEMM_HALF_DIM``
elements reaches half the large-GEMM efficiency (tile under-filling, short K
loops), large dimensions reach ``E_gemm``. Element-wise kernels (LayerNorm,
softmax, dropout, GeLU, bias-dropout-add, cross-entropy) are pure HBM
traffic counted tensor by tensor below.

A layer is the Megatron-LM transformer layer (Narayanan et al. 2021,
Korthikanti et al. 2022): attention without fused flash kernels (scores,
softmax, dropout materialized, ``s x s`` per head, the ``5as/h`` activation
term), tensor parallelism ``t`` on the QKV/FC1 columns and proj/FC2 rows,
optional sequence parallelism (LayerNorm/dropout sharded by ``t``; all-reduce
replaced by reduce-scatter + all-gather of the same volume), context
parallelism ``cp`` (ring attention), and MoE layers with expert parallelism
``ep`` (all-to-all dispatch and combine). Backward costs twice the forward
GEMM FLOPs and twice the element-wise traffic. Recompute: ``full`` re-runs
the forward (with its TP communication) before the backward; ``selective``
re-runs only the attention core (Korthikanti et al.).

Named constants (the only fitted ones are marked *fitted*, against
Narayanan et al. Table 1 and Korthikanti et al. Table 5 together, one value
for all rows; see ``bench/parallel_validation.py`` and the README):

``GEMM_EFFICIENCY``
    Fraction of dense peak reached by large bf16 GEMMs, by architecture.
    Ampere: *fitted*; cuBLAS measurements put large A100 GEMMs at 250-290 of
    312 TFLOPS (0.80-0.93), the fitted value lies inside that range. Hopper
    and Blackwell: from public cuBLAS/cuBLASLt measurements (about 0.75-0.8
    of dense peak; not fitted).
``GEMM_HALF_DIM``
    *fitted*: GEMM dimension at which efficiency halves (tens of elements:
    a 128-wide dimension runs at about ``128/(128+H)`` of the large-GEMM rate).
``HBM_EFFICIENCY``
    *fitted*: fraction of datasheet HBM bandwidth reached by the
    memory-bound kernels (STREAM-like kernels reach 0.8-0.9, framework
    element-wise kernels less).
``FLASH_EFFICIENCY``, ``FLASH_CAUSAL_FRACTION``, ``FLASH_BWD_RATIO``
    Fused (FlashAttention) attention core: fraction of peak, share of the
    score square computed under a causal mask, backward/forward work. From
    the FlashAttention-2/3 papers, not fitted. The validation tables (2021-22
    Megatron-LM) use the unfused core (``flash_attention=False``).
``ACT_BYTES``
    Bytes per activation element in training (bf16 activations even with fp8
    GEMMs: Transformer Engine keeps activations in bf16 between layers).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from planner.parallel import comm
from planner.parallel.hardware import GpuSpec
from planner.parallel.model_spec import ModelSpec
from planner.parallel.precision import Precision, get_precision

#: Large-GEMM fraction of dense peak, by GPU architecture (Ampere fitted, see module doc).
GEMM_EFFICIENCY = {"Ampere": 0.80, "Hopper": 0.71, "Blackwell": 0.70}
#: Fallback for GPUs whose architecture is not listed.
GEMM_EFFICIENCY_DEFAULT = 0.75
#: GEMM dimension at which the shape factor is 1/2.
GEMM_HALF_DIM = 64.0
#: Fraction of HBM bandwidth reached by element-wise kernels.
HBM_EFFICIENCY = 0.80
#: Bytes per stored activation element.
ACT_BYTES = 2.0
#: Fused attention: fraction of dense peak reached (FlashAttention-2 reports 50-73 % on
#: A100 forward, FlashAttention-3 about 75 % on H100; backward lower), not fitted.
FLASH_EFFICIENCY = 0.55
#: Fused attention with a causal mask computes about half of the ``s x s`` square.
FLASH_CAUSAL_FRACTION = 0.5
#: Fused attention backward / forward work (recomputes scores: 5 matmuls vs 2, FA2 paper).
FLASH_BWD_RATIO = 2.5


def gemm_efficiency(gpu: GpuSpec) -> float:
    """Large-GEMM fraction of dense peak for ``gpu``."""
    return GEMM_EFFICIENCY.get(gpu.architecture, GEMM_EFFICIENCY_DEFAULT)


def _shape(x: float) -> float:
    return x / (x + GEMM_HALF_DIM)


def gemm_time(
    gpu: GpuSpec,
    m: float,
    n: float,
    k: float,
    precision: Precision | str = "bf16",
    *,
    batch: float = 1.0,
    in_bytes: float | None = None,
    out_bytes: float = 2.0,
) -> float:
    """Seconds for ``batch`` independent ``[m, k] x [k, n]`` matmuls.

    Parameters
    ----------
    gpu
        The GPU.
    m, n, k
        GEMM shape (rows of the output, columns of the output, reduction).
    precision
        Input precision of the tensor-core operation (sets the peak).
    batch
        Number of identical GEMMs (batched matmul, grouped experts).
    in_bytes
        Bytes per input element (defaults to the precision's).
    out_bytes
        Bytes per output element.
    """
    if m <= 0 or n <= 0 or k <= 0 or batch <= 0:
        return 0.0
    peak, eb_default, hbm = _rates(gpu, precision if isinstance(precision, str) else precision.name)
    eb = eb_default if in_bytes is None else in_bytes
    h = GEMM_HALF_DIM
    compute = 2.0 * batch * (m + h) * (n + h) * (k + h) / peak
    traffic = batch * ((m * k + k * n) * eb + m * n * out_bytes)
    return max(compute, traffic / hbm)


@functools.lru_cache(maxsize=256)
def _rates(gpu: GpuSpec, precision: str) -> tuple[float, float, float]:
    """(large-GEMM FLOP/s, input bytes per element, achieved HBM bytes/s); cached.

    Clear with ``_rates.cache_clear()`` after changing the module constants.
    """
    prec = get_precision(precision)
    return gpu.peak_flops(prec) * gemm_efficiency(gpu), prec.bytes, gpu.hbm_bw * HBM_EFFICIENCY


def memory_time(gpu: GpuSpec, nbytes: float) -> float:
    """Seconds for a memory-bound kernel moving ``nbytes`` through HBM."""
    return max(0.0, nbytes) / (gpu.hbm_bw * HBM_EFFICIENCY)


# ---------------------------------------------------------------------------
# Group placement
# ---------------------------------------------------------------------------


def per_node(size: int, stride: int, gpus_per_node: int) -> int:
    """Ranks of a group (``size`` ranks ``stride`` apart) that share a node.

    Megatron orders ranks tp (fastest), cp, ep/dp, pp: a group's stride is the
    product of the faster dimensions.
    """
    if size <= 1:
        return 1
    if stride >= gpus_per_node:
        return 1
    return max(1, min(size, gpus_per_node // stride))


def fabric_of(gpu: GpuSpec) -> comm.Fabric:
    """NVLink and NIC bandwidth of ``gpu``."""
    return comm.Fabric(gpu.nvlink_bw, gpu.nic_bw)


# ---------------------------------------------------------------------------
# One transformer layer
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LayerCost:
    """Time and FLOPs of one layer for one microbatch on one GPU.

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
    """

    fwd: float
    bwd: float
    comm_fwd: float
    comm_bwd: float
    recompute: float
    flops_fwd: float
    flops_recompute: float

    @property
    def forward(self) -> float:
        """Forward time including communication."""
        return self.fwd + self.comm_fwd

    @property
    def backward(self) -> float:
        """Backward time including communication and recomputation."""
        return self.bwd + self.comm_bwd + self.recompute


@dataclass(frozen=True)
class _Pass:
    """Kernel time, matmul FLOPs and communication of one forward pass piece."""

    gemm: float = 0.0
    gemm_bwd: float = 0.0
    elem: float = 0.0
    flops: float = 0.0
    comm: float = 0.0
    comm_bwd: float = 0.0

    def __add__(self, other: _Pass) -> _Pass:
        return _Pass(
            self.gemm + other.gemm,
            self.gemm_bwd + other.gemm_bwd,
            self.elem + other.elem,
            self.flops + other.flops,
            self.comm + other.comm,
            self.comm_bwd + other.comm_bwd,
        )


def _linear(gpu: GpuSpec, prec: Precision, m: float, n: float, k: float, batch: float = 1) -> _Pass:
    """Forward ``[m,k]x[k,n]`` and its two backward GEMMs (dgrad, wgrad)."""
    fwd = gemm_time(gpu, m, n, k, prec, batch=batch)
    bwd = gemm_time(gpu, m, k, n, prec, batch=batch) + gemm_time(gpu, k, n, m, prec, batch=batch)
    return _Pass(gemm=fwd, gemm_bwd=bwd, flops=2.0 * m * n * k * batch)


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
) -> LayerCost:
    """Cost of one transformer layer for one microbatch on one GPU.

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
        ``none``, ``selective`` or ``full``.
    moe
        Cost an MoE layer (routed experts) instead of a dense one.
    precision
        GEMM input precision.
    tp_per_node, cp_per_node, ep_per_node
        Ranks of each group sharing a node (default: as many as fit).
    flash
        Fused (FlashAttention-style) attention core instead of Megatron's
        materialized scores/softmax/dropout.
    """
    prec = get_precision(precision)
    fab = fabric_of(gpu)
    G = gpu.gpus_per_node
    tpn = tp_per_node if tp_per_node is not None else min(tp, G)
    cpn = cp_per_node if cp_per_node is not None else per_node(cp, tp, G)
    epn = ep_per_node if ep_per_node is not None else per_node(ep, tp * cp, G)
    h = model.hidden
    s = seq / cp  # local sequence
    b = micro_batch
    N = b * s  # tokens on this rank
    a_local = model.heads / tp
    A = ACT_BYTES
    rep = 1.0 / tp if sp else 1.0  # replicated-region share with sequence parallelism

    # --- attention block -------------------------------------------------
    qkv_n = (model.q_dim + 2 * model.kv_dim) / tp
    if model.is_mla:
        # DeepSeek MLA: down-projections are replicated, up-projections sharded.
        qk = model.qk_nope_head_dim + model.qk_rope_head_dim
        q_down = model.q_lora_rank
        attn = _linear(gpu, prec, N, q_down, h) if q_down else _Pass()
        attn += _linear(gpu, prec, N, model.heads * qk / tp, q_down or h)
        attn += _linear(gpu, prec, N, model.kv_lora_rank + model.qk_rope_head_dim, h)
        attn += _linear(
            gpu,
            prec,
            N,
            model.heads * (model.qk_nope_head_dim + model.v_head_dim) / tp,
            model.kv_lora_rank,
        )
        d_qk, d_v = qk, model.v_head_dim
    else:
        attn = _linear(gpu, prec, N, qkv_n, h)
        d_qk = d_v = model.head_dim
    # Attention core: scores [s, d] x [d, s_kv] and context [s, s_kv] x [s_kv, d] per head.
    s_kv = seq  # every rank attends to the full sequence (ring attention for cp > 1)
    if flash:
        # one fused kernel; causal masking skips FLASH_CAUSAL_FRACTION of the square,
        # the backward recomputes the scores (FLASH_BWD_RATIO x the forward work)
        square = 2.0 * b * a_local * s * s_kv * (d_qk + d_v)
        fwd_t = square * FLASH_CAUSAL_FRACTION / (gpu.peak_flops(prec) * FLASH_EFFICIENCY)
        core = _Pass(gemm=fwd_t, gemm_bwd=FLASH_BWD_RATIO * fwd_t, flops=square)
    else:
        core = _linear(gpu, prec, s, s_kv, d_qk, batch=b * a_local)
        core += _linear(gpu, prec, s, d_v, s_kv, batch=b * a_local)
        probs = b * a_local * s * s_kv  # score elements
        # scale+mask+softmax (read, write), dropout (read, write, mask byte)
        core_elem = memory_time(gpu, probs * (2 * A + 2 * A + 1))
        core = core + _Pass(elem=core_elem)
    attn += _linear(gpu, prec, N, h, model.attn_out_dim / tp)
    # LayerNorm (read, write), bias-dropout-add (2 reads, write, mask), q/k/v layout copies
    attn_elem = N * h * rep * (2 * A + 3 * A + 1) + N * qkv_n * 2 * A
    attn += _Pass(elem=memory_time(gpu, attn_elem))

    # --- MLP block -------------------------------------------------------
    mats = 3 if model.gated_mlp else 2
    if moe:
        k_top = model.experts_per_token
        local_experts = max(1.0, model.num_experts / ep)
        tokens_per_expert = N * k_top * ep / model.num_experts
        mlp = _linear(gpu, prec, N, model.num_experts, h)  # router
        mlp += _linear(
            gpu, prec, tokens_per_expert, (mats - 1) * model.moe_ffn / tp, h, batch=local_experts
        )
        mlp += _linear(gpu, prec, tokens_per_expert, h, model.moe_ffn / tp, batch=local_experts)
        if model.shared_ffn:
            mlp += _linear(gpu, prec, N, (mats - 1) * model.shared_ffn / tp, h)
            mlp += _linear(gpu, prec, N, h, model.shared_ffn / tp)
        routed = N * k_top
        act_elems = routed * model.moe_ffn / tp + N * model.shared_ffn / tp
        # permute / unpermute copies of the routed tokens (read + write each way)
        mlp += _Pass(elem=memory_time(gpu, 2 * routed * h * 2 * A / tp))
        a2a_bytes = routed * h * A / tp
        a2a = comm.all_to_all(a2a_bytes, ep, epn, fab) * 2  # dispatch + combine
        mlp += _Pass(comm=a2a, comm_bwd=a2a)
    else:
        mlp = _linear(gpu, prec, N, (mats - 1) * model.ffn / tp, h)
        mlp += _linear(gpu, prec, N, h, model.ffn / tp)
        act_elems = N * model.ffn / tp
    # activation (GeLU / SwiGLU: read inputs, write output), LayerNorm, bias-dropout-add
    act_bytes = act_elems * ((mats - 1) * A + A)
    mlp += _Pass(elem=memory_time(gpu, act_bytes + N * h * rep * (2 * A + 3 * A + 1)))

    # --- tensor-parallel communication ---------------------------------------
    tp_bytes = N * h * A
    if tp > 1:
        if sp:
            gather = comm.all_gather(tp_bytes, tp, tpn, fab)
            one = comm.reduce_scatter(tp_bytes, tp, tpn, fab) + gather
            # the gathered LayerNorm output is not kept: backward all-gathers it again
            # for the weight gradients of QKV and FC1 (Korthikanti et al., Sec. 4.2.2)
            tp_redo = 2 * gather
        else:
            one = comm.all_reduce(tp_bytes, tp, tpn, fab)
            tp_redo = 0.0
        tp_comm = 2 * one  # attention block + MLP block
    else:
        tp_comm = tp_redo = 0.0

    # --- context-parallel ring exchange of K and V (overlapped with attention) --
    cp_fwd = cp_bwd = 0.0
    if cp > 1:
        kv_width = (
            (model.kv_lora_rank + model.qk_rope_head_dim) if model.is_mla else 2 * model.kv_dim / tp
        )
        chunk = b * s * kv_width * A
        step = comm.p2p(chunk, fab, same_node=cpn >= cp)
        cp_fwd = max(0.0, (cp - 1) * step - core.gemm - core.elem)
        cp_bwd = max(0.0, 2 * (cp - 1) * step - core.gemm_bwd - 2 * core.elem)

    fwd_kernels = attn.gemm + core.gemm + mlp.gemm + attn.elem + core.elem + mlp.elem
    bwd_kernels = (
        attn.gemm_bwd + core.gemm_bwd + mlp.gemm_bwd + 2 * (attn.elem + core.elem + mlp.elem)
    )
    comm_fwd = tp_comm + cp_fwd + mlp.comm
    comm_bwd = tp_comm + tp_redo + cp_bwd + mlp.comm_bwd
    flops = attn.flops + core.flops + mlp.flops
    if recompute == "full":
        re_time, re_flops = fwd_kernels + comm_fwd, flops
    elif recompute == "selective" and not flash:
        re_time, re_flops = core.gemm + core.elem, core.flops
    elif recompute == "selective":
        re_time, re_flops = 0.0, 0.0  # the fused kernel already recomputes in its backward
    elif recompute == "none":
        re_time, re_flops = 0.0, 0.0
    else:
        raise ValueError(f"unknown recompute {recompute!r}")
    return LayerCost(
        fwd=fwd_kernels,
        bwd=bwd_kernels,
        comm_fwd=comm_fwd,
        comm_bwd=comm_bwd,
        recompute=re_time,
        flops_fwd=flops,
        flops_recompute=re_flops,
    )


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
) -> LayerCost:
    """Final norm, LM head (vocab-parallel over ``tp``) and cross-entropy for one microbatch."""
    prec = get_precision(precision)
    h, V = model.hidden, model.vocab
    N = micro_batch * seq / cp
    lin = _linear(gpu, prec, N, V / tp, h)
    # vocab-parallel cross-entropy in fp32: cast, max, exp-sum, grad (several passes)
    logits = N * V / tp
    elem = memory_time(gpu, logits * (2 * ACT_BYTES + 3 * 4.0)) + memory_time(
        gpu, N * h * (1.0 / tp if sp else 1.0) * 2 * ACT_BYTES
    )
    tpn = tp_per_node if tp_per_node is not None else min(tp, gpu.gpus_per_node)
    fab = fabric_of(gpu)
    # the all-reduces of the max / sum-exp / target logit are tiny (N floats); the
    # sequence-parallel all-gather of the input (or the backward all-reduce) moves N*h.
    comm_t = comm.all_reduce(N * h * ACT_BYTES, tp, tpn, fab) if tp > 1 else 0.0
    return LayerCost(
        fwd=lin.gemm + elem,
        bwd=lin.gemm_bwd + elem,
        comm_fwd=comm_t / 2,
        comm_bwd=comm_t / 2,
        recompute=0.0,
        flops_fwd=lin.flops,
        flops_recompute=0.0,
    )


@functools.lru_cache(maxsize=16384)
def embedding_cost(
    model: ModelSpec, gpu: GpuSpec, *, micro_batch: int, seq: int, tp: int, cp: int = 1
) -> float:
    """Seconds for the embedding lookup (+ positions, dropout) forward and backward of one microbatch."""
    N = micro_batch * seq / cp
    elem = N * model.hidden * ACT_BYTES * 4  # gather, add positions, dropout, grad scatter-add
    return memory_time(gpu, elem)


def optimizer_time(gpu: GpuSpec, params: float) -> float:
    """Seconds for a fused Adam step over ``params`` local fp32 master parameters.

    Reads master weight, grad, m, v (16 B), writes master, m, v (12 B) and the
    bf16 working copy (2 B): 30 bytes per parameter.
    """
    return memory_time(gpu, 30.0 * params)
