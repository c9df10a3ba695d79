"""Print the block-FP8 tile-kernel fit (planner.perfmodel.block_fp8.fit) and its residuals.

Usage: PYTHONPATH=. .venv/bin/python bench/session_runs/s14r1/block_fp8_fit.py
"""

from planner.perfmodel import block_fp8
from planner.perfmodel.hardware import get_gpu


def main() -> None:
    t0, s, cap, err = block_fp8.fit()
    print(f"T0 = {t0 * 1e6:.3f} us, S = {s * 1e9:.4f} ns, C = {cap} CTAs, RMS log error {err:.1%}")
    gpu = get_gpu("H200")
    for src, n, k, us in block_fp8.ROWS:
        p = block_fp8.block_fp8_gemm_floor_s(gpu, 1.0, n, k) * 1e6
        print(
            f"{src} N={n:5d} K={k:5d} measured {us:7.2f} us, model {p:7.2f} us ({p / us - 1:+.0%})"
        )
    check = 2 * 2112 * 7168 / 0.893065e12 * 1e6
    p = block_fp8.block_fp8_gemm_floor_s(get_gpu("H100"), 1.0, 2112, 7168) * 1e6
    print(f"not fitted: vLLM PR #23280 H100 N=2112 K=7168: {check:.2f} us, model {p:.2f} us")
    for m, n, k, us in (
        (4096, 24576, 7168, 1619.57),
        (4096, 32768, 512, 223.616),
        (512, 7168, 16384, 149.216),
    ):
        p = block_fp8.block_fp8_gemm_floor_s(gpu, float(m), n, k) * 1e6
        print(f"not fitted: m={m} N={n} K={k}: {us:.1f} us, floor {p:.1f} us")


if __name__ == "__main__":
    main()
