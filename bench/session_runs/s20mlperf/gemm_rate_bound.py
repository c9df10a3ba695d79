"""What the AMD MLPerf llama2-70b throughputs say about the GEMM rate, with no fitting.

(1) Sustained FLOP rate the measured rows imply: every output token and every prompt token
passes the model's linear layers (2 x the non-embedding parameters per token, plus the LM
head for output tokens); the measured output tokens/s per GPU, with the sample set's mean
prompt (220 tokens) per sample, give the linear-layer FLOP/s the GPU sustained on average
over the whole run -- host gaps, attention, element-wise kernels included, so the GEMMs
themselves ran at least that fast.
(2) The model's rates: the fitted CDNA3 serving GEMM rate (large-GEMM limit) and the rate of
the ``tuned`` engines (AMD's published Max-Achievable FLOPs).
(3) The model's prediction at the fitted GEMM rate (the engine without ``tuned``) with every host term at zero (``host_overhead_vllm_s`` and
``host_per_sequence_vllm_s`` = 0): if it is still below the measured value, no host-time
mechanism can close the gap at the fitted GEMM rate.

Usage: PYTHONPATH=. python bench/session_runs/s20mlperf/gemm_rate_bound.py
"""

from __future__ import annotations

from dataclasses import replace

from planner.perfmodel import constants
from planner.perfmodel.calibration.mlperf import DATASETS, MLPERF_ROWS
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.kernels import gemm_efficiency
from planner.perfmodel.readers import load_model
from planner.serve.calibration import predict_mlperf


def main() -> None:
    data = DATASETS["llama-2-70b"]
    m = load_model("llama-2-70b")
    # linear-layer parameters per token (no embedding lookup); LM head counted per output
    body = m.layers * (
        m.hidden * (m.heads * m.head_dim + 2 * m.kv_heads * m.head_dim)  # QKV
        + m.heads * m.head_dim * m.hidden  # output projection
        + 3 * m.hidden * m.ffn  # gate, up, down
    )
    head = m.hidden * m.vocab
    print(f"linear params per token {body / 1e9:.2f} B, LM head {head / 1e9:.3f} B")
    for r in MLPERF_ROWS:
        if r.model != "llama-2-70b" or r.metric != "output_tokens_per_s" or r.gpu == "H100":
            continue
        if r.gpu == "H200":
            continue
        gpu = get_gpu(r.gpu)
        out_per_gpu = r.value / r.gpus
        samples = out_per_gpu / r.output_mean
        flops = 2 * body * (out_per_gpu + samples * data.input_mean) + 2 * head * out_per_gpu
        fitted = gemm_efficiency(gpu, "fp8") * gpu.peak_flops("fp8")
        tuned = gemm_efficiency(gpu, "fp8", tuned_serving=True) * gpu.peak_flops("fp8")
        plain = replace(r, engine=r.engine.replace(",tuned", ""))  # the fitted GEMM rate
        pred, untuned = predict_mlperf(r), predict_mlperf(plain)
        with constants.override({"host_overhead_vllm_s": 0.0, "host_per_sequence_vllm_s": 0.0}):
            nohost = predict_mlperf(plain)
        print(
            f"{r.id.split('/llama-2-70b')[0]:42s} {r.scenario:7s} {r.engine:42s} "
            f"implied >= {flops / 1e12:6.0f} TFLOP/s; model large-GEMM rate "
            f"{fitted / 1e12:6.0f} (fitted) / {tuned / 1e12:6.0f} (tuned); "
            f"prediction as entered {pred / r.value - 1:+6.1%}; at the fitted rate "
            f"{untuned / r.value - 1:+6.1%}, and without host time {nohost / r.value - 1:+6.1%}"
        )


if __name__ == "__main__":
    main()
