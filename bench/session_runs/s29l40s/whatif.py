"""What-ifs of s29l40s on the inference-GPU rows (diagnostics; nothing here is shipped).

Each case patches one module-level figure, predicts every ``trtllm_l40s`` / ``trtllm_rtxpro`` row
at saturation as ``bench/serve_public.py`` does (:func:`planner.serve.calibration.predict`),
and prints the per-layout within-15 % counts and signed means.

Cases:

* ``nccl_default``: the PCIe ring rates (``comm.PCIE_RING_EFFICIENCY`` island / spanning) x
  22.2 / 37.6 -- NCCL's default channel count against ``NCCL_MIN_NCHANNELS=8`` at 32 MB on the
  same dual-Turin direct-attach 8 x RTX PRO 6000 server (voipmonitor/rtx6kpro
  ``hardware/pcie-bandwidth.md`` @070506ff, "NCCL AllReduce Bus Bandwidth").
* ``nccl_default_8``: the same factor on the 8-GPU (``spanning``) ring only, the only ring the
  figure was measured on.
* ``comm_x2``: every PCIe ring rate halved (a bound on what the all-reduce alone can do).
* ``ada_eff_X`` / ``bw_eff_X``: the GEMM efficiency of the Ada (L40S) / Blackwell (RTX PRO)
  rows set to X (what prefill compute would need).
* ``bw_ratio_R``: the RTX PRO 6000's GEMM efficiency = the fitted Blackwell (B200) one x R, R the
  ratio of the two GPUs' measured large-GEMM fractions of their datasheet peaks at 8192^3:
  NVFP4 1.29 (RTX PRO 6000 Server Edition, CUTLASS example, ~1629 of 2000 TFLOPS, NVIDIA/cutlass
  PR #3272; B200 cuBLAS 5589.8 / Gluon 2-CTA 5730 of 9000, triton-lang/triton PR #9697: 0.62 /
  0.64), MXFP8 0.96 (RTX PRO 6000 cuBLAS 619 of 1000, Dao-AILab/quack PR #153, edition not
  stated; B200 cuBLAS 2894.5 of 4500, triton PR #9697: 0.64).

Usage: ``PYTHONPATH=. python bench/session_runs/s29l40s/whatif.py CASE [CASE ...]``
"""

from __future__ import annotations

import statistics
import sys

from planner.perfmodel import comm, kernels
from planner.perfmodel.calibration.inference_gpus import INFERENCE_GPU_ROWS
from planner.serve.calibration import predict


def errors() -> dict[str, float]:
    """Row id -> signed error of every inference-GPU row under the current patches."""
    out = {}
    for r in INFERENCE_GPU_ROWS:
        predict.cache_clear() if hasattr(predict, "cache_clear") else None
        out[r.id] = predict(r) / r.value - 1.0
    return out


def summary(errs: dict[str, float]) -> list[str]:
    groups: dict[str, list[float]] = {}
    for rid, e in errs.items():
        groups.setdefault(rid.rsplit("/", 1)[0], []).append(e)
    lines = []
    for g, es in groups.items():
        within = sum(abs(e) <= 0.15 for e in es)
        lines.append(f"{g}: {within}/{len(es)} within, signed {statistics.mean(es):+.1%}")
    total = sum(abs(e) <= 0.15 for e in errs.values())
    lines.append(f"all: {total}/{len(errs)} within")
    return lines


def patch(case: str):
    """Apply one case; return an undo callable."""
    if case in ("nccl_default", "nccl_default_8", "comm_x2"):
        old = dict(comm.PCIE_RING_EFFICIENCY)
        f = 0.5 if case == "comm_x2" else 22.2 / 37.6
        keys = {"nccl_default": ("island", "spanning"), "nccl_default_8": ("spanning",)}.get(
            case, tuple(old)
        )
        for k in keys:
            comm.PCIE_RING_EFFICIENCY[k] = old[k] * f
        return lambda: comm.PCIE_RING_EFFICIENCY.update(old)
    if case.startswith(("ada_eff_", "bw_eff_", "bw_ratio_")):
        arch = "Ada" if case.startswith("ada") else "Blackwell"
        value = float(case.rsplit("_", 1)[1])
        ratio = case.startswith("bw_ratio_")
        old = kernels.gemm_efficiency

        def eff(gpu, *a, **k):
            if gpu.architecture == arch and gpu.pcie_only:
                return old(gpu, *a, **k) * value if ratio else value
            return old(gpu, *a, **k)

        kernels.gemm_efficiency = eff
        kernels.gemm_rates.cache_clear()

        def undo():
            kernels.gemm_efficiency = old
            kernels.gemm_rates.cache_clear()

        return undo
    raise SystemExit(f"unknown case {case}")


if __name__ == "__main__":
    base = errors()
    print("## base")
    print("\n".join(summary(base)))
    for case in sys.argv[1:]:
        undo = patch(case)
        try:
            print(f"\n## {case}")
            print("\n".join(summary(errors())))
        finally:
            undo()
