"""What-ifs of s30sm on the inference-GPU rows (diagnostics; nothing here is shipped).

Run on the branch (the sm_120 GEMM ratio on). Cases:

* ``base``: the branch as committed.
* ``stream_X``: the serving weight/KV stream efficiency of the PCIe GPUs (GDDR: L40S, RTX PRO)
  set to X (the fitted NVIDIA value, 0.95 at its bound, comes from HBM GPUs).
* ``ada_ratio_R``: the L40S (Ada) GEMM efficiency x R.
* ``elem_X``: the element-wise (``memory_time``) traffic of the PCIe GPUs' layers x X.

Usage: ``PYTHONPATH=. python bench/session_runs/s30sm/whatif.py CASE [CASE ...]``; prints per
layout within-15 % counts and signed means, and with ``--rows`` every row.
"""

from __future__ import annotations

import statistics
import sys

from planner.perfmodel import kernels, stage
from planner.perfmodel.calibration.inference_gpus import INFERENCE_GPU_ROWS
from planner.serve.calibration import predict


def errors() -> dict[str, float]:
    return {r.id: predict(r) / r.value - 1.0 for r in INFERENCE_GPU_ROWS}


def patch(case: str):
    if case == "base":
        return lambda: None
    if case.startswith("stream_"):
        value = float(case.rsplit("_", 1)[1])
        old = stage.stream_efficiency

        def eff(gpu):
            return value if gpu.pcie_only else old(gpu)

        stage.stream_efficiency = eff

        def undo():
            stage.stream_efficiency = old

        return undo
    if case.startswith("ada_ratio_"):
        value = float(case.rsplit("_", 1)[1])
        old = kernels.gemm_efficiency

        def geff(gpu, *a, **k):
            return old(gpu, *a, **k) * (value if gpu.architecture == "Ada" else 1.0)

        kernels.gemm_efficiency = geff
        kernels.gemm_rates.cache_clear()

        def undo():
            kernels.gemm_efficiency = old
            kernels.gemm_rates.cache_clear()

        return undo
    if case.startswith("elem_"):
        # element-wise kernels of the PCIe GPUs' layers moving X of the bytes the model counts
        value = float(case.rsplit("_", 1)[1])
        old = stage.memory_time

        def mt(gpu, nbytes):
            return old(gpu, nbytes) * (value if gpu.pcie_only else 1.0)

        stage.memory_time = mt

        def undo():
            stage.memory_time = old

        return undo
    raise SystemExit(f"unknown case {case}")


def summary(errs: dict[str, float]) -> list[str]:
    groups: dict[str, list[float]] = {}
    for rid, e in errs.items():
        groups.setdefault(rid.rsplit("/", 1)[0], []).append(e)
    lines = []
    for g, es in groups.items():
        within = sum(abs(e) <= 0.15 for e in es)
        lines.append(f"  {g}: {within}/{len(es)} within, signed {statistics.mean(es):+.1%}")
    rtx = [e for k, e in errs.items() if "rtxpro" in k]
    l40 = [e for k, e in errs.items() if "l40s" in k]
    lines.append(
        f"  RTX {sum(abs(e) <= 0.15 for e in rtx)}/{len(rtx)}, "
        f"L40S {sum(abs(e) <= 0.15 for e in l40)}/{len(l40)}"
    )
    return lines


if __name__ == "__main__":
    rows = "--rows" in sys.argv
    for case in [a for a in sys.argv[1:] if a != "--rows"]:
        undos = [patch(c) for c in case.split("+")]
        errs = errors()
        for u in reversed(undos):
            u()
        print(case)
        print("\n".join(summary(errs)))
        if rows:
            for k, e in errs.items():
                print(f"    {k} {e:+.1%}")
