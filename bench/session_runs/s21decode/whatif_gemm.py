"""What-if (s21decode): serving FP8 GEMMs on Hopper at DeepGEMM's measured shape law.

Replaces, for NVIDIA Hopper GPUs and FP8 GEMMs of a serving engine only, the roofline of
:func:`planner.perfmodel.kernels.gemm_time` by the law fitted to DeepGEMM's published H800
table (``fit_gemm_shape.py``): ``max(bytes / (B e_s), 2 g (m + h_m)(n + h_n)(k + h_k) / (P E))``
with E = 0.720, h_m = 95.5, h_n = 145.6, h_k = 624.4, e_s = 0.665 (``--variant``: ``full``
those five; ``noes``: e_s left at the fitted weight_stream_efficiency; ``all``: the shape
constants and e_s on every NVIDIA GPU and FP8 / FP4 GEMM, E scaled from Hopper's by each
architecture's fitted efficiency ratio). Nothing shipped: EngineModel's two GEMM helpers
are patched in this process. Prints the error of every trtllm-bench row before / after and
the within-15 % counts per source and split.

Usage: ``PYTHONPATH=. python bench/session_runs/s21decode/whatif_gemm.py [--variant full]``
"""

from __future__ import annotations

import argparse
import collections

import numpy as np

from planner.perfmodel import constants
from planner.perfmodel.calibration.inference_gpus import INFERENCE_GPU_ROWS
from planner.perfmodel.calibration.published import SERVING_ROWS
from planner.perfmodel.kernels import gemm_efficiency, scaled_gemms
from planner.perfmodel.stage import EngineModel
from planner.serve.calibration import predict

FIT = {"E": 0.720, "hm": 95.5, "hn": 145.6, "hk": 624.4, "es": 0.665}


def law(gpu, prec, m, n, k, batch, variant):
    """Seconds of ``batch`` GEMMs under the what-if law, or None where it does not apply."""
    if not scaled_gemms(prec):
        return None
    if variant != "all" and gpu.architecture != "Hopper":
        return None
    if gpu.architecture == "Hopper":
        E = FIT["E"]
    else:  # the table's Hopper rate scaled by the fitted architecture ratio
        from planner.perfmodel.hardware import get_gpu

        h100 = get_gpu("H100-SXM")
        E = FIT["E"] * gemm_efficiency(gpu, prec) / gemm_efficiency(h100, prec)
    es = constants.FITTED["weight_stream_efficiency"] if variant == "noes" else FIT["es"]
    peak = gpu.peak_flops(prec)
    traffic = batch * ((m * k + k * n) * prec.bytes + 2.0 * m * n) / (gpu.hbm_bw * es)
    compute = 2.0 * batch * (m + FIT["hm"]) * (n + FIT["hn"]) * (k + FIT["hk"]) / (peak * E)
    return np.maximum(traffic, compute)


def patch(variant):
    orig_gemm, orig_sum = EngineModel._gemm, EngineModel._gemm_sum

    def _gemm(self, N, n, k, batch=1.0, precision=None):
        prec = precision or self.precision
        t = law(self.config.gpu, prec, np.asarray(N, float), n, k, batch, variant)
        return orig_gemm(self, N, n, k, batch, precision) if t is None else t

    def _gemm_sum(self, N, shapes, batch=1.0, precision=None, compute_efficiency=None):
        prec = precision or self.precision
        if law(self.config.gpu, prec, np.asarray(N, float), 1, 1, 1.0, variant) is None:
            return orig_sum(self, N, shapes, batch, precision, compute_efficiency)
        return sum(
            law(self.config.gpu, prec, np.asarray(N, float), n, k, batch, variant)
            for n, k in shapes
        )

    EngineModel._gemm, EngineModel._gemm_sum = _gemm, _gemm_sum


def errors(rows):
    return {r.id: predict(r) / r.value - 1 for r in rows}


def counts(rows, err):
    c = collections.defaultdict(lambda: [0, 0])
    for r in rows:
        key = f"{r.source} {r.split}"
        c[key][1] += 1
        c[key][0] += abs(err[r.id]) <= 0.15
    return c


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--variant", default="full", choices=("full", "noes", "all"))
    ap.add_argument(
        "--set",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="override a fitted constant for the after run",
    )
    args = ap.parse_args()
    rows = [*SERVING_ROWS, *INFERENCE_GPU_ROWS]
    before = errors(rows)
    patch(args.variant)
    for name, value in args.set:
        constants.FITTED[name] = float(value)
    after = errors(rows)
    for r in rows:
        print(f"{r.id:70s} {before[r.id]:+7.1%} -> {after[r.id]:+7.1%}")
    cb, ca = counts(rows, before), counts(rows, after)
    for key in cb:
        eb = [before[r.id] for r in rows if f"{r.source} {r.split}" == key]
        ea = [after[r.id] for r in rows if f"{r.source} {r.split}" == key]
        print(
            f"{key:28s} within 15 %: {cb[key][0]:2d} -> {ca[key][0]:2d} / {cb[key][1]}; "
            f"signed mean {np.mean(eb):+.1%} -> {np.mean(ea):+.1%}; "
            f"median |err| {np.median(np.abs(eb)):.1%} -> {np.median(np.abs(ea)):.1%}"
        )


if __name__ == "__main__":
    main()
