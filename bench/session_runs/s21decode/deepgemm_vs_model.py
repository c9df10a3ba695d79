"""The model's FP8 GEMM rate on H100 against DeepGEMM's published H800 table (s21decode).

Source: github deepseek-ai/DeepGEMM README.md at its initial commit a6d97a1c (2025-02-25),
"Performance": FP8 GEMMs (1x128 / 128x128 block scaling) on H800 (H100 SXM silicon: 132 SMs,
the same FP8 tensor peak and 3.35 TB/s HBM3), NVCC 12.8; each row also gives the speedup over
DeepSeek's "internally and carefully optimized implementation based on CUTLASS 3.6", so the
CUTLASS rate is TFLOPS / speedup. Grouped rows: ``groups`` GEMMs of M per group (contiguous
layout: prefill; masked layout: decode).

The model's time of each shape (:func:`planner.perfmodel.kernels.gemm_time`, FP8 on H100-SXM,
the serving weight-stream efficiency) is compared with the measured time.

Usage: ``PYTHONPATH=. python bench/session_runs/s21decode/deepgemm_vs_model.py``
"""

from __future__ import annotations

from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.kernels import gemm_time, stream_efficiency

# (groups, M per group, N, K, DeepGEMM TFLOPS, speedup over CUTLASS 3.6)
ROWS = [
    (1, 64, 2112, 7168, 206, 2.7),
    (1, 64, 24576, 1536, 289, 1.7),
    (1, 64, 32768, 512, 219, 1.8),
    (1, 64, 7168, 16384, 336, 1.4),
    (1, 64, 4096, 7168, 287, 1.4),
    (1, 64, 7168, 2048, 295, 1.7),
    (1, 128, 2112, 7168, 352, 2.4),
    (1, 128, 24576, 1536, 535, 1.6),
    (1, 128, 32768, 512, 358, 1.5),
    (1, 128, 7168, 16384, 645, 1.4),
    (1, 128, 4096, 7168, 533, 2.0),
    (1, 128, 7168, 2048, 510, 1.7),
    (1, 4096, 2112, 7168, 1058, 1.1),
    (1, 4096, 24576, 1536, 990, 1.0),
    (1, 4096, 32768, 512, 590, 1.0),
    (1, 4096, 7168, 16384, 1358, 1.2),
    (1, 4096, 4096, 7168, 1304, 1.1),
    (1, 4096, 7168, 2048, 1025, 1.1),
    (4, 8192, 4096, 7168, 1297, 1.2),
    (4, 8192, 7168, 2048, 1099, 1.2),
    (8, 4096, 4096, 7168, 1288, 1.2),
    (8, 4096, 7168, 2048, 1093, 1.1),
    (1, 1024, 4096, 7168, 1233, 1.2),
    (1, 1024, 7168, 2048, 925, 1.2),
    (2, 512, 4096, 7168, 1040, 1.2),
    (2, 512, 7168, 2048, 916, 1.2),
    (4, 256, 4096, 7168, 932, 1.1),
    (4, 256, 7168, 2048, 815, 1.2),
]


def main() -> None:
    gpu = get_gpu("H100-SXM")
    eff = stream_efficiency(gpu)
    print(
        "| groups x M | N | K | DeepGEMM TFLOPS | CUTLASS 3.6 TFLOPS | model TFLOPS | "
        "model / DeepGEMM | model / CUTLASS |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for g, m, n, k, tf, sp in ROWS:
        flops = 2.0 * g * m * n * k
        t = gemm_time(gpu, float(m), n, k, "fp8", batch=g, hbm_efficiency=eff)
        model = flops / t / 1e12
        cut = tf / sp
        print(
            f"| {g} x {m} | {n} | {k} | {tf} | {cut:.0f} | {model:.0f} | {model / tf:.2f} | "
            f"{model / cut:.2f} |"
        )


if __name__ == "__main__":
    main()
