"""s31prefill what-if: price the RTX PRO 6000's scaled (fp4 / fp8) GEMMs of the PyTorch flow
with the Hopper FP8 law (DeepGEMM's shape law) anchored at the chip's measured kernel rate
(SIBLING_GEMM_RATES' own figure), as the H100 / H200 fit rows of the same flow are priced.

Usage: PYTHONPATH=. python bench/session_runs/s31prefill/whatif_law.py [stream]
(stream: keep the engine's weight-stream efficiency instead of the law's)."""

from __future__ import annotations

import sys

import numpy as np

from planner.perfmodel import kernels
from planner.perfmodel.calibration import deepgemm
from planner.perfmodel.calibration.inference_gpus import INFERENCE_GPU_ROWS
from planner.perfmodel.precision import get_precision
from planner.serve.calibration import predict

KEEP_STREAM = "stream" in sys.argv[1:]
rows = [r for r in INFERENCE_GPU_ROWS if r.source == "trtllm_rtxpro"]
before = {r.id: predict(r) / r.value - 1 for r in rows}

orig_applies = kernels.fp8_law_applies


def applies(gpu, precision):
    if orig_applies(gpu, precision):
        return True
    entry = kernels.SIBLING_GEMM_RATES.get(gpu.name)
    return entry is not None and get_precision(precision).tflops_key in entry[1]


def law_time(gpu, m, n, k, *, batch=1.0, precision="fp8"):
    c = kernels.fp8_law_constants()
    e, hm, hn, hk, es = (c[x] for x in deepgemm.NAMES)
    prec = get_precision(precision)
    peak = gpu.peak_flops(prec)
    if gpu.architecture != "Hopper":
        rate, rpeak, *_ = kernels.SIBLING_GEMM_RATES[gpu.name][1][prec.tflops_key]
        s = 8192.0
        e = (rate / rpeak) / ((s / (s + hm)) * (s / (s + hn)) * (s / (s + hk)))
        if KEEP_STREAM:
            es = kernels.stream_efficiency(gpu)
    traffic = batch * ((m * k + k * n) * prec.bytes + m * n * 2.0) / (gpu.hbm_bw * es)
    compute = 2.0 * batch * (m + hm) * (n + hn) * (k + hk) / (peak * e)
    return np.maximum(traffic, compute)


orig_gemm_time = kernels.gemm_time


def gemm_time(gpu, m, n, k, precision="bf16", *, batch=1.0, fp8_law=False, **kw):
    if fp8_law and applies(gpu, precision) and gpu.architecture != "Hopper":
        t = law_time(gpu, m, n, k, batch=batch, precision=precision)
        ce = kw.get("compute_efficiency")
        if ce is not None:
            t = np.maximum(
                t, 2.0 * batch * m * n * k / (gpu.peak_flops(get_precision(precision)) * ce)
            )
        array = isinstance(m, np.ndarray) or isinstance(batch, np.ndarray)
        return t if array else float(t)
    return orig_gemm_time(gpu, m, n, k, precision, batch=batch, fp8_law=fp8_law, **kw)


kernels.gemm_time = gemm_time
kernels.fp8_law_applies = applies
import planner.perfmodel.stage as stage  # noqa: E402

stage.gemm_time = gemm_time
after = {r.id: predict(r) / r.value - 1 for r in rows}
n_b = sum(abs(v) <= 0.15 for v in before.values())
n_a = sum(abs(v) <= 0.15 for v in after.values())
print(f"stream={'engine' if KEEP_STREAM else 'law'}  within 15 %: {n_b} -> {n_a} / {len(rows)}")
print(
    f"mean |err| {np.mean(np.abs(list(before.values()))):.1%} -> "
    f"{np.mean(np.abs(list(after.values()))):.1%}; signed {np.mean(list(before.values())):+.1%} -> "
    f"{np.mean(list(after.values())):+.1%}"
)
for r in rows:
    print(f"{r.id:66s} {before[r.id]:+7.1%} -> {after[r.id]:+7.1%}")
