"""Serial time of the per-expert GEMM calls of Transformer Engine's ``GroupedLinear``.

Megatron-Core's grouped MLP (``TEGroupedMLP``) runs each local expert's GEMMs as a separate
cuBLASLt call issued over four compute streams, each call recording and waiting on one event
per stream (TE 2.8 ``common/gemm/cublaslt_gemm.cu``, ``multi_stream_cublas_gemm``;
:mod:`planner.perfmodel.host` has the count). Transformer Engine's own benchmark of that loop
(NVIDIA/TransformerEngine PR #3134, SM100, "PURE" rows) took 0.267 ms for 8 experts where one
single-launch grouped kernel of the same GEMMs took 0.069 ms: 24.75 us per expert GEMM call
(:data:`planner.perfmodel.host.EXPERT_GEMM_CALL_S`), a wall-time difference the benchmark
does not split between host and GPU.

:mod:`planner.perfmodel.host` prices that difference as host time that hides under the GPU's
work. The thirtieth session (helper s30moe; ``bench/session_runs/s30moe/``) found the
Megatron-Bridge 25.09 Qwen3 rows that ran whole-layer CUDA graphs over the same per-expert
kernels (no host launches at all) as far too fast as the eager rows (B200 Qwen3-30B: 1.95 ms
per MoE layer and microbatch missing, 16 local experts), so the difference is also time of
the GPU's stream: the per-call fork and join across the four streams and the small GEMMs'
tails, whatever issues them. It is charged here as serial GPU time of the expert segment,
:data:`~planner.perfmodel.host.EXPERT_GEMM_CALL_S` per expert GEMM call, wherever the experts
run as per-expert calls (eager or captured in a graph), and not where they run as one fused,
device-initiated grouped kernel (``Software.fused_experts``: the 26.06 / 26.08 recipes'
``cutedsl_fused_grouped_mlp``). The host still issues its launches
(:func:`planner.perfmodel.host.expert_host_wait`); they hide under this time as under the
rest of the GPU's work, so the same 24.75 us is not paid twice. Cross-check (not used as a
constant): fitted alone on one Megatron-Bridge MoE source's rows with per-expert calls, the
per-call time is 27.7 us (``bridge2509moe``, 9 rows) or 27.0 us (``bridge2604moe``, 14 rows),
60.5 us on ``bridge2511moe`` (13 rows, pulled by its H100 Qwen3-30B row, -59 % at the cited
value); ``bench/session_runs/s30moe/fit_calls.py SOURCE``.

The per-call time does not depend on the Transformer Engine release (thirty-first session,
helper s31te; ``bench/session_runs/s31te/``): TE's per-expert path is the same in 2.7 (NeMo
25.09), 2.9 (25.11) and 2.10: current scaling quantizes each expert with three kernels,
amax, scale, cast (``transformer_engine/pytorch/csrc/quantizer.cpp``
``Float8CurrentScalingQuantizer::quantize_impl``, lines 501-538 @v2.7 fedd9ddc, 497-535
@v2.9 70f53666 and @v2.10 769ed778), and ``split_quantize`` quantizes the experts one by one
except under delayed scaling (``extensions/cast.cpp`` "Quantize kernels individually", line
129 @v2.7, 145 @v2.9 / @v2.10); 2.10's host-overhead PRs (#2377, #2400) publish no numbers.
The 25.11 Qwen3-30B misses are a token dispatcher effect instead: Megatron-Bridge's 26.02
(TE 2.12) and 26.02.01 H100 Qwen3-30B FP8 rows at one layout (GBS 1024, MBS 1, PP2 VP12 EP8)
run 5113 and 9058 tokens/s/GPU (``docs/performance-summary.md`` @v0.4.0 0fbfe7d3, lines 184 and
99), the all-to-all dispatcher (26.02 shipped without DeepEP, ``docs/releases/known-issues.md``
line 9) against the flex one with DeepEP (Bridge PRs #2351, #2393); Bridge issue #1998 reports
25.11's dropless Qwen3-30B on H100 and B200 "2X slower" than 25.09's token drop. The missing
time grows with the tokens of a microbatch at a fixed count of calls (2.3 us per token and
layer at MBS 2 on 25.11, 2.2 at MBS 1 on 26.02), so it is no per-call cost.
"""

from __future__ import annotations

from planner.perfmodel.host import EXPERT_GEMM_CALL_S, expert_gemms


def expert_call_seconds(local_experts: float, wgrad: float = 1.0) -> tuple[float, float]:
    """(forward, backward) serial GPU seconds of one MoE layer's per-expert GEMM calls.

    Parameters
    ----------
    local_experts
        Routed experts on this GPU.
    wgrad
        Share of the weight-gradient GEMMs computed (frozen experts skip theirs).

    Returns
    -------
    tuple of float
        Forward: one GEMM call per ``GroupedLinear`` and expert; backward: a data-gradient
        call and (scaled by ``wgrad``) a weight-gradient call per ``GroupedLinear`` and
        expert; each at :data:`~planner.perfmodel.host.EXPERT_GEMM_CALL_S`.
    """
    fwd_calls, bwd_calls = expert_gemms()
    data_calls = bwd_calls / 2  # one data- and one weight-gradient GEMM per forward GEMM
    bwd = data_calls + wgrad * (bwd_calls - data_calls)
    return (
        local_experts * fwd_calls * EXPERT_GEMM_CALL_S,
        local_experts * bwd * EXPERT_GEMM_CALL_S,
    )


__all__ = ["expert_call_seconds"]
