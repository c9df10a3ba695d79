"""Host (CPU) launch costs of eager kernels, shared by the serving and training models.

``EAGER_LAUNCH_S``: CPU seconds per kernel launched from eager PyTorch (an assumption: a
PyTorch eager op costs about 10 us of CPU, the launch itself about 4-5 us; PyTorch blog
"Accelerating PyTorch with CUDA Graphs", 2021). The serving engines' eager launches
(:func:`planner.perfmodel.engines.launch_overhead_s`) and the training MoE layer's
per-expert launches (:func:`expert_host_wait`) both price a launch at this figure.

Training: Megatron-Core's routed experts (``TEGroupedMLP``, Megatron-Core 0.14 / 0.15 as in
the NeMo 25.09 / 25.11 containers) run Transformer Engine's ``GroupedLinear`` for ``fc1`` and
``fc2``. Its GEMMs are one cuBLASLt call per local expert, issued from a host loop over four
compute streams (TE 2.8 ``common/gemm/cublaslt_gemm.cu``, ``multi_stream_cublas_gemm``: a
descriptor, a heuristic query and ``cublasLtMatmul`` per expert). In FP8 the inputs are
quantized per expert (``tex.split_quantize``: ``multi_tensor_quantize_impl`` has a fused
multi-tensor kernel only for delayed scaling; current scaling and MXFP8 quantize each split
with its own kernel). The backward also hands autograd a placeholder gradient per expert
weight (``handle_custom_ddp_from_mcore``: ``torch.empty`` of the weight's shape, the real
gradient having gone into ``main_grad``), and Megatron's DDP runs a Python hook on each
weight's ``AccumulateGrad`` node every microbatch (``distributed_data_parallel.py``,
``_make_backward_post_hook``). Per local expert and MoE layer the host thus issues, in the
forward, 2 GEMMs (+ 2 quantizations in FP8); in the backward, per ``GroupedLinear`` a
data-gradient and a weight-gradient GEMM, the placeholder and the gradient hook (+ the
gradient's quantization in FP8): 8 operations (+ 2), each priced as one eager op. The
activation, the probability scaling and the permutations are one kernel per layer, not per
expert.

The dropless all-to-all dispatcher (``MoEAlltoAllTokenDispatcher``) copies the per-expert token
counts to the host and waits for them (``_maybe_dtoh_and_synchronize``: ``d2h_event.
synchronize()`` before the expert-parallel all-to-all, or before returning without EP) in
every MoE layer's forward: the GPU queue is empty when the host resumes, so the host's
launches of the expert segment cannot run ahead of the GPU, and the segment lasts the longer
of its GPU work and its host launches, plus one launch while the GPU waits for the first
kernel after the sync. Drop-and-pad (``moe_pad_expert_input_to_capacity``, a capacity
factor) builds the counts on the host from the capacity (no copy, no wait), and the backward
(autograd) has no such wait: there the host's lead from the rest of the layer's kernels
hides the expert launches until they exceed the whole layer's GPU work of that pass.
Only the per-expert launches are counted (the layer's other launches are not), so the host
time is a lower bound.

Thirty-first session (helper s31sync; ``bench/session_runs/s31sync/``): at NeMo 25.11's
Megatron-Core (NVIDIA/Megatron-LM@92c8482e6d, Megatron-Bridge @00b7660's submodule,
``moe/token_dispatcher.py``) the sync point with EP > 1 is ``before_ep_alltoall`` (line 900,
once per MoE layer forward, none in the backward); with ``moe_preprocess`` in the TE graph
scope (the 25.11 B200 Qwen3-30B preset) the copies move to the same point (line 442), so the
host waits for the copies too. With ``moe_permute_fusion`` (Bridge ``qwen_provider.py`` line
396) the other launches after the sync are about ten (three all-to-alls, lines 667 / 670 / 811;
sort and unsort, 733 / 768; unpermute, 834; activation, residual add): about 0.1 ms at
:data:`EAGER_LAUNCH_S`, not counted. Even the per-expert forward launches wholly added after the
sync would leave the 25.11 B200 Qwen3-30B row at -32 % (the rows miss more than the sync can
expose; docs/train.md, thirty-first session).

Expert GEMM calls (fifteenth session, helper s15grp): a ``multi_stream_cublas_gemm`` call is
more than one eager op. Per expert the host builds a cuBLASLt operation and three layout
descriptors, asks ``cublasLtMatmulAlgoGetHeuristic`` for an algorithm, launches
``cublasLtMatmul`` on one of the compute streams, and the call records and waits on one event
per stream (TE 2.8 ``common/gemm/cublaslt_gemm.cu``, ``cublas_gemm`` /
``multi_stream_cublas_gemm``). Transformer Engine's own benchmark of that loop prices it
(NVIDIA/TransformerEngine PR #3134, 2026-06-17, "Single-launch CUTLASS grouped GEMM for
per-tensor NVFP4", SM100, ``benchmarks/linear/benchmark_grouped_linear.py
--compare-nvfp4-grouped-gemm``, "PURE" rows: operands pre-swizzled, alpha precomputed, only
the GEMMs timed): 8 experts of 128 tokens, ``N = K = 2048``, fprop, 0.267 ms through the
multi-stream cuBLASLt loop against 0.069 ms for one single-launch grouped kernel of the same
GEMMs. The difference over the 8 experts, 24.75 us, is taken as what each expert's GEMM call
adds over one launch (the call's fixed cost and the benchmark's Python cancel in the
difference; the GEMMs are ~1 GFLOP each, microseconds on the GPU). Assumptions: the whole
difference is host time (the benchmark does not split it; small GEMMs spread over four
streams may also run slower on the GPU than one grouped kernel), and the NVFP4 path's per-call
host cost holds for the BF16, FP8 and MXFP8 GEMMs the priced rows run (the PR measured only
per-tensor NVFP4; its "DISPATCH" rows, with the NVFP4 scale handling in both paths, differ by
(0.272 - 0.184) ms / 8 = 11 us). :data:`EXPERT_GEMM_CALL_S` is used for each expert GEMM in
place of :data:`EAGER_LAUNCH_S`. The same host cost on every GPU (a CPU-side loop; an
assumption for the Hopper and x86 hosts). Since the thirtieth session the same per-call time is
also serial GPU time of the expert segment (:mod:`planner.perfmodel.expert_calls`: rows that
captured the per-expert calls in CUDA graphs, no host launches, miss it as well); the host's
launches are then waited for only where they outlast that longer GPU work.
"""

from __future__ import annotations

from planner.perfmodel.precision import Precision

#: CPU seconds per eager PyTorch kernel launch (an assumption, module notes).
EAGER_LAUNCH_S = 10e-6
#: ``GroupedLinear`` modules of a routed expert (``fc1``: gate + up, ``fc2``: down).
EXPERT_LINEARS = 2
#: Transformer Engine PR #3134's SM100 benchmark of per-tensor NVFP4 GEMMs (module notes): 8
#: experts of 128 tokens, ``N = K = 2048``, fprop, "PURE" wall times in ms through the multi-stream cuBLASLt loop and
#: through one single-launch grouped kernel.
TE3134_EXPERTS = 8
TE3134_MULTI_STREAM_MS = 0.267
TE3134_SINGLE_LAUNCH_MS = 0.069
#: Host seconds one expert's GEMM call adds in ``multi_stream_cublas_gemm`` (module notes):
#: (0.267 - 0.069) ms / 8 = 24.75 us.
EXPERT_GEMM_CALL_S = (TE3134_MULTI_STREAM_MS - TE3134_SINGLE_LAUNCH_MS) * 1e-3 / TE3134_EXPERTS


def expert_launches(prec: Precision) -> tuple[int, int]:
    """(forward, backward) host operations per local expert and MoE layer.

    Per ``GroupedLinear``: forward one GEMM; backward a data- and a weight-gradient GEMM,
    the placeholder gradient and the DDP gradient hook; with 1-byte (FP8) GEMM inputs one
    quantization per expert in each direction (module notes).
    """
    quant = 1 if prec.bytes <= 1.0 else 0
    return EXPERT_LINEARS * (1 + quant), EXPERT_LINEARS * (4 + quant)


def expert_gemms() -> tuple[int, int]:
    """(forward, backward) GEMM calls per local expert and MoE layer: per ``GroupedLinear`` one
    forward GEMM, a data- and a weight-gradient GEMM backward (:func:`expert_launches` counts
    them among its operations)."""
    return EXPERT_LINEARS, 2 * EXPERT_LINEARS


def expert_host_seconds(prec: Precision) -> tuple[float, float]:
    """(forward, backward) host seconds per local expert and MoE layer: each GEMM call at
    :data:`EXPERT_GEMM_CALL_S`, every other operation of :func:`expert_launches` at
    :data:`EAGER_LAUNCH_S`."""
    return tuple(
        gemms * EXPERT_GEMM_CALL_S + (ops - gemms) * EAGER_LAUNCH_S
        for ops, gemms in zip(expert_launches(prec), expert_gemms(), strict=True)
    )


def expert_host_wait(
    local_experts: float,
    prec: Precision,
    *,
    experts_fwd: float,
    layer_fwd: float,
    layer_bwd: float,
    sync: bool,
) -> tuple[float, float]:
    """(forward, backward) seconds one MoE layer waits for the host's per-expert launches.

    Parameters
    ----------
    local_experts
        Routed experts on this GPU.
    prec
        GEMM input precision.
    experts_fwd
        GPU seconds of the expert segment's forward (the routed experts' kernels).
    layer_fwd, layer_bwd
        GPU seconds of the whole layer's forward / backward kernels.
    sync
        The dispatcher waits for the per-expert token counts in the forward (dropless).
    """
    per_fwd, per_bwd = expert_host_seconds(prec)
    host_fwd = local_experts * per_fwd
    host_bwd = local_experts * per_bwd
    if sync:
        fwd = max(0.0, host_fwd - experts_fwd) + EAGER_LAUNCH_S
    else:
        fwd = max(0.0, host_fwd - layer_fwd)
    return fwd, max(0.0, host_bwd - layer_bwd)


__all__ = [
    "EAGER_LAUNCH_S",
    "EXPERT_GEMM_CALL_S",
    "EXPERT_LINEARS",
    "TE3134_EXPERTS",
    "TE3134_MULTI_STREAM_MS",
    "TE3134_SINGLE_LAUNCH_MS",
    "expert_gemms",
    "expert_host_seconds",
    "expert_host_wait",
    "expert_launches",
]
