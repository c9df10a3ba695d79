"""Read AMD's MLPerf Inference v5.1 hipBLASLt tuning files for Llama 2 70B (FP8, gfx942, 304 CUs).

Source: github mlcommons/inference_results_v5.1 @965182b0, closed/AMD/code/llama2-70b-99/scripts/
``gemm_llama2-70b/aa0bda7b/tuning_spx_1700_formatted.txt`` and ``llama2-mi325x-server-tuning.txt``
(hipBLASLt ``HIPBLASLT_TUNING_OVERRIDE_FILE`` lines: transA, transB, ..., M, N, K, ..., types,
..., GFLOP/s, GB/s, microseconds, solution index, arch, CUs). M is the weight's output
dimension, N the tokens, K the reduction. Many token counts share one benchmarked entry (the
top of a bucket): the benchmarked N is GFLOP/s x us / (2 M K).

Usage (files from ``git show 965182b0:closed/AMD/code/llama2-70b-99/scripts/...`` of a clone)::

    PYTHONPATH=. python bench/session_runs/s19amd/hipblaslt_tuning.py \
        tuning_spx_1700_formatted.txt llama2-mi325x-server-tuning.txt > hipblaslt_tuning.txt
"""

from __future__ import annotations

import sys
from pathlib import Path


def entries(path: str) -> dict[tuple[int, int], list[tuple[int, float, float]]]:
    """(M, K) -> sorted [(benchmarked N, TFLOP/s, us)]."""
    out: dict[tuple[int, int], set] = {}
    for line in Path(path).read_text().splitlines():
        f = [x.strip() for x in line.split(",")]
        if len(f) < 30 or f[0] not in ("T", "N"):
            continue
        m, k = int(f[4]), int(f[6])
        gflops, us = float(f[-6]), float(f[-4])
        n = round(gflops * 1e9 * us * 1e-6 / (2 * m * k))
        out.setdefault((m, k), set()).add((n, gflops / 1e3, us))
    return {key: sorted(v) for key, v in out.items()}


def model_tflops(m: int, n: int, k: int, gpu_name: str = "MI325X") -> float:
    """The model's FP8 rate (TFLOP/s) for an engine with tuned GEMMs on ``gpu_name`` at the
    tuning table's shape (weights streamed at the serving stream efficiency)."""
    from planner.perfmodel.hardware import get_gpu
    from planner.perfmodel.kernels import gemm_time, stream_efficiency

    gpu = get_gpu(gpu_name)
    t = gemm_time(gpu, n, m, k, "fp8", hbm_efficiency=stream_efficiency(gpu), tuned_serving=True)
    return 2 * m * n * k / t / 1e12


def summary(paths: list[str], maf: float = 1519.0, low: int = 700) -> None:
    """Range of the measured rates from ``low`` tokens on, over AMD's MI325X MAF, and the
    model's tuned rate at the same shapes (measured / model)."""
    rates, ratios = [], []
    for path in paths:
        for (m, k), rows in entries(path).items():
            for n, tf, _us in rows:
                if n >= low:
                    rates.append(tf)
                    ratios.append(tf / model_tflops(m, n, k))
    ratios.sort()
    print(
        f"N >= {low}: {len(rates)} entries, {min(rates):.0f}-{max(rates):.0f} TFLOP/s, "
        f"{min(rates) / maf:.2f}-{max(rates) / maf:.2f} of MI325X MAF {maf:.0f}; "
        f"measured / model (tuned, MI325X): min {ratios[0]:.2f} p10 "
        f"{ratios[len(ratios) // 10]:.2f} median {ratios[len(ratios) // 2]:.2f} p90 "
        f"{ratios[9 * len(ratios) // 10]:.2f} max {ratios[-1]:.2f}"
    )


def main() -> None:
    summary(sys.argv[1:])
    summary(sys.argv[1:], low=64)
    for path in sys.argv[1:]:
        print(f"# {path}")
        for (m, k), rows in sorted(entries(path).items()):
            print(f"M={m} K={k}: {len(rows)} benchmarked sizes")
            step = max(1, len(rows) // 24)
            for n, tf, us in rows[::step] + ([rows[-1]] if (len(rows) - 1) % step else []):
                weight_gb = m * k / 1e9
                print(
                    f"  N={n:5d} {tf:7.1f} TFLOP/s {us:8.1f} us  weights {weight_gb / (us * 1e-6) / 1e3:5.2f} TB/s"
                )
            top = max(r[1] for r in rows)
            print(f"  best {top:.1f} TFLOP/s")


if __name__ == "__main__":
    main()
