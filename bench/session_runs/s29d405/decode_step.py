"""Llama 3.1 405B FP8 decode steps on 8 x MI300X: measured (dstack, AMD) against the model.

Three measured readings of one decode step, none fitted here:

1. dstack's TP8 and TP4 runs of the same checkpoint, build and flags (amd/Llama-3.1-405B-
   Instruct-FP8-KV, vLLM 0.6.4.dev4+gc9fc1608, ``--enforce-eager``; csv rows ``8xMi300 1FP8-amd``
   and ``4xMi300x 1FP8-amd`` of dstackai/benchmarks @06c957ab
   ``comparison/h100sxm5_vs_mi300x/csv_data/throughput_comparsion.csv``). A TP4 GPU streams
   twice the weights of a TP8 GPU per step; at batch 4-8 with 128 / 2048 prompt tokens the KV
   cache is < 1 GB a GPU, so ``step(TP4) - step(TP8)`` is the extra weight stream and gives
   the stream rate; the intercept ``step(TP8) - weights / rate`` is what does not scale with
   the bytes (host, launches, all-reduces, per-kernel latency). The TP4 rows are not entered
   as rows (their launch command is not printed on the page); used here as a reading only.
2. AMD's own TP8 latencies of the same checkpoint with HIP graphs (vLLM 0.6.6, ROCm 6.3.1,
   FP8 KV: the ``rocm_vllm066`` fit rows) against dstack's eager vLLM 0.6.4 (ROCm 6.2.41133,
   BF16 KV) at the same batch and lengths: the difference per step is the eager build's cost.
3. The model's step at the same setups (``EngineModel.base_time``), split into its parts.

Usage: PYTHONPATH=. .venv/bin/python bench/session_runs/s29d405/decode_step.py
"""

from __future__ import annotations

import numpy as np

from planner.perfmodel import constants
from planner.perfmodel.calibration.serving_public import DSTACK_405B, ROCM_VLLM066
from planner.perfmodel.engines import eager_quant_kernels, host_overhead_s, launch_overhead_s
from planner.perfmodel.stage import EngineModel, ReplicaConfig
from planner.serve.api import make_problem

#: dstack's ``4xMi300x 1FP8-amd`` rows (same csv): (input, output, batch, elapsed seconds).
DSTACK_TP4 = (
    (128, 2048, 4, 94.17381532),
    (2048, 2048, 4, 97.15577103),
    (128, 2048, 8, 97.83940387),
    (2048, 2048, 8, 103.1994496),
    (128, 2048, 16, 101.5019775),
    (2048, 2048, 16, 114.7069595),
)
#: Bytes a decode step streams for the whole model (every GPU together): linear weights at one
#: byte (Llama 3.1 405B less its 16-bit embedding and LM head) plus the LM head at two bytes.
PARAMS = 405.85e9
VOCAB_HIDDEN = 128256 * 16384
STEP_BYTES = (PARAMS - 2 * VOCAB_HIDDEN) * 1.0 + VOCAB_HIDDEN * 2.0
MI300X_HBM = 5.3e12


def tp8_seconds(isl: int, osl: int, n: int) -> float:
    """Elapsed seconds of dstack's TP8 MI300X run (total tokens / total tokens per second)."""
    for gpu, i, o, b, tps in DSTACK_405B:
        if (gpu, i, o, b) == ("MI300X", isl, osl, n):
            return n * (i + o) / tps
    raise KeyError((isl, osl, n))


def engine_model(tp: int, engine: str, kv: str) -> EngineModel:
    p = make_problem(
        "llama-3.1-405b",
        f"MI300X:{tp}",
        qps=None,
        prompt_tokens=2048.0,
        output_tokens=2048.0,
        precision="fp8",
        kv_precision=kv,
        engine=engine,
    )
    gpu = p.inventory.pools[0].gpu
    return EngineModel(p.model, ReplicaConfig(gpu, tp, 1, 1), "fp8", kv, engine=p.engine)


def tp_pair() -> None:
    print("== 1. dstack TP8 vs TP4, same checkpoint and build (eager vLLM 0.6.4 ROCm)")
    print(f"   bytes a step, whole model: {STEP_BYTES / 1e9:.1f} GB")
    for isl, osl, n, tp4_s in DSTACK_TP4:
        steps = osl - 1
        t8 = tp8_seconds(isl, osl, n) / steps
        t4 = tp4_s / steps
        extra = STEP_BYTES / 4 - STEP_BYTES / 8
        rate = extra / (t4 - t8)
        fixed = t8 - STEP_BYTES / 8 / rate
        print(
            f"   {isl:>4}/{osl} b{n:<3} step TP8 {t8 * 1e3:5.1f} ms, TP4 {t4 * 1e3:5.1f} ms -> "
            f"stream {rate / 1e12:4.2f} TB/s ({rate / MI300X_HBM:4.2f} of 5.3), "
            f"TP8 intercept {fixed * 1e3:5.1f} ms"
        )


def graph_vs_eager() -> None:
    print("== 2. AMD vLLM 0.6.6 HIP graphs (fit rows) vs dstack vLLM 0.6.4 eager, 405B TP8")
    amd = {(i, o): t for model, i, o, t in ROCM_VLLM066 if model == "llama-3.1-405b"}
    for isl, osl in ((128, 2048), (2048, 2048)):
        for n in (4, 8, 16, 32, 64, 128):
            steps = osl - 1
            g = amd[(isl, osl)][n] / steps
            e = tp8_seconds(isl, osl, n) / steps
            print(
                f"   {isl:>4}/{osl} b{n:<3} graphs {g * 1e3:5.1f} ms, eager {e * 1e3:5.1f} ms, "
                f"eager - graphs {(e - g) * 1e3:5.1f} ms a step"
            )


def model_steps() -> None:
    print("== 3. the model's decode step (ctx 1100, batch 4 / 8 / 16)")
    print(
        "   constants: weight_stream_efficiency_cdna3 "
        f"{constants.FITTED['weight_stream_efficiency_cdna3']:.3f}, layer_latency_s "
        f"{constants.FITTED['layer_latency_s'] * 1e6:.1f} us, host_overhead_vllm_s "
        f"{constants.FITTED['host_overhead_vllm_s'] * 1e3:.2f} ms"
    )
    setups = (
        (8, "vllm:0.6.6,tokens=131072", "fp8", "graphs 0.6.6 (fit rows' engine)"),
        (8, "vllm:0.6.4,eager,tokens=91680", "bf16", "eager 0.6.4 (dstack TP8)"),
        (4, "vllm:0.6.4,eager,tokens=91680", "bf16", "eager 0.6.4 (dstack TP4)"),
    )
    for tp, engine, kv, label in setups:
        em = engine_model(tp, engine, kv)
        m = em.model
        quant = eager_quant_kernels(
            em.precision.tflops_key, em.precision.ffn_only, m.layers, em.config.gpu.architecture
        )
        launch = launch_overhead_s(em.engine, m.layers, quant, tp)
        for b in (4, 8, 16):
            n = np.array([float(b)])
            gpu, _ = em.gpu_time(n, b, 1100.0)
            gpu_nc, _ = em.without_communication().gpu_time(n, b, 1100.0)
            step = em.base_time(n, b, 1100.0)
            host = float(host_overhead_s(em.engine, b))
            fixed = m.layers * constants.FITTED["layer_latency_s"]
            print(
                f"   TP{tp} {label:<32} b{b:<2}: GPU {gpu[0] * 1e3:5.1f} ms (comm "
                f"{(gpu[0] - gpu_nc[0]) * 1e3:4.1f}, layer latency {fixed * 1e3:4.1f}), "
                f"launch {launch * 1e3:5.1f}, host {host * 1e3:4.1f}, step {step[0] * 1e3:5.1f} ms"
            )


if __name__ == "__main__":
    tp_pair()
    graph_vs_eager()
    model_steps()
