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
"""

from __future__ import annotations

from planner.perfmodel.precision import Precision

#: CPU seconds per eager PyTorch kernel launch (an assumption, module notes).
EAGER_LAUNCH_S = 10e-6
#: ``GroupedLinear`` modules of a routed expert (``fc1``: gate + up, ``fc2``: down).
EXPERT_LINEARS = 2


def expert_launches(prec: Precision) -> tuple[int, int]:
    """(forward, backward) host operations per local expert and MoE layer.

    Per ``GroupedLinear``: forward one GEMM; backward a data- and a weight-gradient GEMM,
    the placeholder gradient and the DDP gradient hook; with 1-byte (FP8) GEMM inputs one
    quantization per expert in each direction (module notes).
    """
    quant = 1 if prec.bytes <= 1.0 else 0
    return EXPERT_LINEARS * (1 + quant), EXPERT_LINEARS * (4 + quant)


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
    n_fwd, n_bwd = expert_launches(prec)
    host_fwd = local_experts * n_fwd * EAGER_LAUNCH_S
    host_bwd = local_experts * n_bwd * EAGER_LAUNCH_S
    if sync:
        fwd = max(0.0, host_fwd - experts_fwd) + EAGER_LAUNCH_S
    else:
        fwd = max(0.0, host_fwd - layer_fwd)
    return fwd, max(0.0, host_bwd - layer_bwd)


__all__ = ["EAGER_LAUNCH_S", "EXPERT_LINEARS", "expert_host_wait", "expert_launches"]
