"""Fit the serving GEMM roofline's shape constants to DeepGEMM's published H800 table (s21decode).

Model (the form of :func:`planner.perfmodel.kernels.gemm_time`, with one half-dimension per
GEMM side and a stream efficiency of its own):

``t = max(bytes / (B e_s),  2 g (m + h_m)(n + h_n)(k + h_k) / (P E))``

``P`` the dense FP8 peak (1979 TFLOP/s), ``B`` 3.35 TB/s (H800 = H100 SXM silicon and HBM3),
``bytes`` the FP8 operands and BF16 output. Least squares in log time over the 28 rows of
``deepgemm_vs_model.ROWS`` (DeepGEMM's own rates; ``--cutlass``: the CUTLASS 3.6 baseline,
rate / speedup). Coordinate descent with a log-spaced grid per constant, 6 sweeps.

Usage: ``PYTHONPATH=. python bench/session_runs/s21decode/fit_gemm_shape.py [--cutlass]``
"""

from __future__ import annotations

import sys

import numpy as np

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from deepgemm_vs_model import ROWS

PEAK, BW = 1979e12, 3.35e12
G, M, N, K, TF, SP = (np.array(c, dtype=float) for c in zip(*ROWS, strict=True))


def times(p, m=M, n=N, k=K, g=G):
    E, hm, hn, hk, es = p
    traffic = g * (m * k + k * n + 2 * m * n) / (BW * es)
    compute = 2 * g * (m + hm) * (n + hn) * (k + hk) / (PEAK * E)
    return np.maximum(traffic, compute)


def loss(p, measured):
    return float(np.mean(np.log(times(p) / measured) ** 2))


def fit(measured):
    p = [0.7, 84.0, 84.0, 84.0, 0.95]
    grids = [
        np.linspace(0.3, 1.0, 141),
        np.geomspace(1, 2048, 200),
        np.geomspace(1, 2048, 200),
        np.geomspace(1, 4096, 200),
        np.linspace(0.3, 1.0, 141),
    ]
    for _ in range(6):
        for i, grid in enumerate(grids):
            best = min(grid, key=lambda v: loss([*p[:i], v, *p[i + 1 :]], measured))
            p[i] = float(best)
    return p


def main() -> None:
    cutlass = "--cutlass" in sys.argv
    rate = TF / SP if cutlass else TF
    measured = 2 * G * M * N * K / (rate * 1e12)
    p = fit(measured)
    err = times(p) / measured - 1
    print(("CUTLASS 3.6" if cutlass else "DeepGEMM") + " rates")
    print(f"E = {p[0]:.3f}, h_m = {p[1]:.1f}, h_n = {p[2]:.1f}, h_k = {p[3]:.1f}, e_s = {p[4]:.3f}")
    print(
        f"rms log error {np.sqrt(loss(p, measured)):.3f}; max |time error| {np.max(np.abs(err)):.1%}"
    )
    for row, e in zip(ROWS, err, strict=True):
        print(f"  {row[0]} x {row[1]:5d} {row[2]:6d} {row[3]:6d}: time error {e:+.1%}")


if __name__ == "__main__":
    main()
