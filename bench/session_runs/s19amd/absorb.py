"""What the fitted CDNA3 serving GEMM efficiency absorbs (helper s19amd).

Three views, all with the shipped constants:

1. The CDNA3 fit rows (``rocm_vllm066``, AMD's vLLM 0.6.6 latency table, 8 x MI300X TP8) priced
   with their fitted GEMM rate and with tuned GEMMs (AMD's published Max-Achievable FLOPs,
   ``Engine.tuned_gemms``): if the fit rows' GEMMs ran at the published rate, the tuned column
   would fit them as well as the fitted one.
2. The decode step of those rows at batch 1-128 split into what the GEMM rate sets: the step
   with the fitted rate, with the tuned rate, and their difference (the compute-bound part).
3. The GEMM rate (TFLOP/s) the model gives the rows' TP8 shapes and the MLPerf TP1 shapes at
   their token counts, fitted vs tuned, beside the MLPerf submission's measured hipBLASLt
   table (MI325X, ``hipblaslt_tuning.txt``) where it has the shape.

Usage: PYTHONPATH=. python bench/session_runs/s19amd/absorb.py > bench/session_runs/s19amd/absorb.md
"""

from __future__ import annotations

import math
import statistics
from dataclasses import replace

import numpy as np

from planner.perfmodel.calibration.serving_public import PUBLIC_SERVING_ROWS
from planner.perfmodel.engines import parse_engine
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.kernels import gemm_efficiency, gemm_time, stream_efficiency
from planner.perfmodel.readers import load_model
from planner.perfmodel.stage import EngineModel, ReplicaConfig
from planner.serve.calibration import predict_public_fit


def fit_rows() -> None:
    rows = [r for r in PUBLIC_SERVING_ROWS if r.source == "rocm_vllm066"]
    print("## 1. CDNA3 fit rows, fitted vs tuned GEMM rate\n")
    print("| row | measured s | fitted rate | tuned (MAF) |")
    print("|---|---|---|---|")
    logs = {"fitted": [], "tuned": []}
    for r in rows:
        a = predict_public_fit(r) / r.value - 1
        b = predict_public_fit(replace(r, engine=r.engine + ",tuned")) / r.value - 1
        logs["fitted"].append(math.log1p(a))
        logs["tuned"].append(math.log1p(b))
        print(f"| {r.id.removeprefix('rocm_vllm066/')} | {r.value:.4g} | {a:+.1%} | {b:+.1%} |")
    for k, v in logs.items():
        rms = math.sqrt(statistics.fmean(x * x for x in v))
        print(f"\n{k}: RMS log error {rms:.3f}, mean {statistics.fmean(v):+.3f}")


def decode_steps() -> None:
    print("\n## 2. Decode step (ms) at context 1,100, fitted vs tuned GEMMs\n")
    print("| model | batch | fitted | tuned | difference |")
    print("|---|---|---|---|---|")
    gpu = get_gpu("MI300X")
    for name in ("llama-3.1-70b", "llama-3.1-405b"):
        config = ReplicaConfig(gpu, tp=8)
        eng = {
            t: EngineModel(
                load_model(name),
                config,
                "fp8",
                "fp8",
                engine=parse_engine("vllm:0.6.6,tokens=131072" + (",tuned" if t else "")),
            )
            for t in (False, True)
        }
        for b in (1, 8, 32, 64, 128):
            f, t = (float(eng[k].base_time(np.array([float(b)]), b, 1100.0)[0]) for k in (0, 1))
            print(f"| {name} | {b} | {1e3 * f:.2f} | {1e3 * t:.2f} | {1e3 * (f - t):.2f} |")


def rates() -> None:
    print("\n## 3. GEMM rates the model gives (TFLOP/s, FP8, weights streamed)\n")
    print("| GPU | shape (out x in) | tokens | fitted | tuned |")
    print("|---|---|---|---|---|")
    shapes = {
        "405B TP8 qkv": (2304, 16384),
        "405B TP8 gate/up": (13312, 16384),
        "70B TP8 gate/up": (7168, 8192),
        "llama2-70b TP1 qkv": (10240, 8192),
        "llama2-70b TP1 gate/up": (57344, 8192),
    }
    for gname in ("MI300X", "MI325X"):
        gpu = get_gpu(gname)
        hbm = stream_efficiency(gpu)
        for label, (n, k) in shapes.items():
            for m in (64, 128, 1024, 2048):
                out = []
                for tuned in (False, True):
                    t = gemm_time(gpu, m, n, k, "fp8", hbm_efficiency=hbm, tuned_serving=tuned)
                    out.append(2 * m * n * k / t / 1e12)
                print(f"| {gname} | {label} {n}x{k} | {m} | {out[0]:.0f} | {out[1]:.0f} |")
        print(
            f"\n{gname}: large-GEMM FP8 fraction of peak, fitted "
            f"{gemm_efficiency(gpu, 'fp8'):.3f}, tuned {gemm_efficiency(gpu, 'fp8', tuned_serving=True):.3f}\n"
        )


if __name__ == "__main__":
    fit_rows()
    decode_steps()
    rates()
