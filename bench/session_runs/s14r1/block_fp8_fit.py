"""Least-squares fit of vLLM's CUTLASS block-FP8 GEMM time at decode sizes (one 128-row tile).

Data: the ``vllm`` column (``vllm._custom_ops.cutlass_scaled_mm`` with 1x128 / 128x128 block
scales, the kernel of vLLM PR #11868) of SGLang's ``bench_fp8_blockwise_gemm.py`` at batch 1,
DeepSeek-V3 shapes, microseconds: SGLang PR #5207 (2025-04-09) and PR #5820 (2025-04-28).
Model: ``t = T0 + waves * K * S`` with ``waves = ceil(ceil(M/128) * ceil(N/128) / 132)``:
each 128 x 128 output tile is one CTA that walks the K dimension without split-K.
Check point (not fitted): vLLM PR #23280 (H100, 2025-09), the old CUTLASS kernel at
N=2112, K=7168, batch 1: 0.893065 TFLOP/s, i.e. 2 * 2112 * 7168 / 0.893065e12 s.
"""

import math

import numpy as np

SMS = 132
#: (source, N, K, microseconds at batch 1)
ROWS = (
    ("#5820", 24576, 7168, 89.951999),
    ("#5820", 32768, 512, 16.416000),
    ("#5207", 24576, 1536, 34.304000),
    ("#5207", 2048, 7168, 27.904000),
    ("#5207", 7168, 9216, 57.119999),
    ("#5820", 7168, 16384, 77.183999),
    ("#5207", 4608, 7168, 46.592001),
    ("#5207", 3072, 7168, 45.600001),
    ("#5820", 3072, 1536, 14.528000),
    ("#5820", 512, 7168, 20.608000),
    ("#5207", 7168, 18432, 103.519998),
)


def waves(m: int, n: int) -> int:
    return math.ceil(math.ceil(m / 128) * math.ceil(n / 128) / SMS)


def main() -> None:
    x = np.array([waves(1, n) * k for _, n, k, _ in ROWS], dtype=float)
    y = np.array([t for *_, t in ROWS])
    a = np.vstack([np.ones_like(x), x]).T
    (t0, s), *_ = np.linalg.lstsq(a, y, rcond=None)
    print(f"T0 = {t0:.3f} us, S = {s * 1e3:.4f} ns per K element and wave")
    for (src, n, k, t), xi in zip(ROWS, x):
        p = t0 + s * xi
        print(f"{src} N={n:5d} K={k:5d} waves={waves(1, n)} measured {t:7.2f} model {p:7.2f} us ({p / t - 1:+.0%})")
    check = 2 * 2112 * 7168 / 0.893065e12 * 1e6
    p = t0 + s * waves(1, 2112) * 7168
    print(f"check #23280 H100 N=2112 K=7168: measured {check:.2f} model {p:.2f} us ({p / check - 1:+.0%})")
    rel = [(t0 + s * xi) / t - 1 for (*_, t), xi in zip(ROWS, x)]
    print(f"mean abs error {np.mean(np.abs(rel)):.1%}, max {np.max(np.abs(rel)):.1%}")


if __name__ == "__main__":
    main()
