"""The Hopper FP8 GEMM shape law, fitted to DeepGEMM's published H800 table.

Source: github deepseek-ai/DeepGEMM ``README.md`` at its first commit a6d97a1c (2025-02-25),
section "Performance": FP8 GEMMs (1 x 128 / 128 x 128 block scaling) on an H800 (H100 SXM
silicon: 132 SMs, the same FP8 tensor peak, 3.35 TB/s HBM3), NVCC 12.8, at DeepSeek-V3's
shapes, M = 64 to 8192 rows (grouped rows: ``groups`` GEMMs of ``M`` rows each, the
contiguous layout of prefill and the masked layout of decode). Each row gives DeepGEMM's
TFLOP/s; the table also gives the speedup over DeepSeek's tuned CUTLASS 3.6 kernel (kept in
:data:`ROWS` for reference, not fitted). Read by helper s21decode
(``bench/session_runs/s21decode/deepgemm_vs_model.py``), whose comparison found the serving
model's FP8 GEMM on H100 1.2-1.9x too fast at M = 64 and 0.71-0.95x the measured rate at
M = 256-8192 (docs/serve.md, "Why decode-heavy trtllm-bench rows run fast ...").

The law (:func:`law_times`; priced by
:func:`planner.perfmodel.kernels.fp8_law_gemm_time`) is the serving roofline with one
half-dimension per GEMM side and a weight-stream efficiency of its own:

``t = max(g (mk + kn + 2mn) / (B e_s),  2 g (m + h_m)(n + h_n)(k + h_k) / (P E))``

``P`` the dense FP8 peak, ``B`` the HBM bandwidth, FP8 operands and a BF16 output. The fit
(:func:`fit`) is least squares in log time over the 28 rows, by cyclic coordinate descent on
a fixed grid per constant (6 sweeps, fixed starting values: deterministic, no linear
algebra). ``planner calibrate`` writes the result to ``hopper_fp8_gemm.json`` beside this
module and ``planner calibrate --check`` refits and compares (:func:`check`). Its RMS log
error over the table is about 11 %, the worst rows the narrow-N ones (N = 2112 at M = 64 / 128,
-24 / -32 %: wave quantization, which the smooth form leaves out).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from planner.core.io import dumps_json, write_atomic

#: The fitted law's file (inside the package, read by :mod:`planner.perfmodel.kernels`).
PATH = Path(__file__).resolve().parent / "hopper_fp8_gemm.json"
#: H800 dense FP8 peak (FLOP/s) and HBM bandwidth (bytes/s): H100 SXM's datasheet figures.
PEAK_FLOPS = 1979e12
HBM_BYTES_PER_S = 3.35e12
#: Bytes per FP8 operand element and per BF16 output element.
IN_BYTES, OUT_BYTES = 1.0, 2.0
#: (groups, M per group, N, K, DeepGEMM TFLOP/s, speedup over CUTLASS 3.6): the README table.
ROWS: tuple[tuple[int, int, int, int, float, float], ...] = (
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
)
#: The law's constants, in :func:`law_times`'s order.
NAMES = ("efficiency", "half_m", "half_n", "half_k", "stream_efficiency")
#: Starting values and the grid each constant is searched on.
START = (0.7, 84.0, 84.0, 84.0, 0.95)
GRIDS = (
    np.linspace(0.3, 1.0, 141),
    np.geomspace(1, 2048, 200),
    np.geomspace(1, 2048, 200),
    np.geomspace(1, 4096, 200),
    np.linspace(0.3, 1.0, 141),
)
#: Coordinate-descent sweeps.
SWEEPS = 6
#: Relative tolerance of :func:`check` (the fit is a grid search: exact on every machine).
CHECK_RTOL = 1e-9


def law_times(
    params: tuple[float, ...] | list[float],
    m: np.ndarray,
    n: np.ndarray,
    k: np.ndarray,
    groups: np.ndarray,
    peak: float = PEAK_FLOPS,
    bandwidth: float = HBM_BYTES_PER_S,
    in_bytes: float = IN_BYTES,
) -> np.ndarray:
    """Seconds of ``groups`` FP8 GEMMs ``[m, k] x [k, n]`` under the law with ``params``
    (:data:`NAMES`) on a GPU of ``peak`` FP8 FLOP/s and ``bandwidth`` bytes/s of HBM
    (``in_bytes`` per operand element: another scaled format's, e.g. FP4's 0.5)."""
    e, hm, hn, hk, es = params
    traffic = groups * ((m * k + k * n) * in_bytes + m * n * OUT_BYTES) / (bandwidth * es)
    compute = 2.0 * groups * (m + hm) * (n + hn) * (k + hk) / (peak * e)
    return np.maximum(traffic, compute)


def measured_times() -> np.ndarray:
    """Seconds of each :data:`ROWS` row at DeepGEMM's published rate."""
    g, m, n, k, tflops, _ = (np.array(c, dtype=float) for c in zip(*ROWS, strict=True))
    return 2.0 * g * m * n * k / (tflops * 1e12)


def _shapes() -> tuple[np.ndarray, ...]:
    g, m, n, k = (np.array(c, dtype=float) for c in list(zip(*ROWS, strict=True))[:4])
    return m, n, k, g


def loss(params: tuple[float, ...] | list[float]) -> float:
    """Mean squared log error of the law over :data:`ROWS`."""
    return float(np.mean(np.log(law_times(params, *_shapes()) / measured_times()) ** 2))


def fit() -> dict[str, float]:
    """The law's constants: coordinate descent over :data:`GRIDS` from :data:`START`."""
    p = list(START)
    for _ in range(SWEEPS):
        for i, grid in enumerate(GRIDS):
            p[i] = float(min(grid, key=lambda v, i=i: loss([*p[:i], v, *p[i + 1 :]])))
    return dict(zip(NAMES, p, strict=True))


def rms_log_error(values: dict[str, float]) -> float:
    """RMS log error of the law with ``values`` over the table."""
    return math.sqrt(loss([values[name] for name in NAMES]))


def load(path: Path = PATH) -> dict[str, float]:
    """The shipped constants (NaN for one the file lacks: a prediction needing it fails loudly)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return {name: float(data["constants"].get(name, math.nan)) for name in NAMES}


def write(values: dict[str, float], path: Path = PATH) -> None:
    """Write ``values`` with their provenance and RMS log error (atomically)."""
    payload = {
        "generated_by": "planner calibrate (planner/perfmodel/calibration/deepgemm.py)",
        "source": "deepseek-ai/DeepGEMM README.md @a6d97a1c (2025-02-25), H800 FP8 GEMMs",
        "objective": "mean squared log(law time / DeepGEMM time) over the table's 28 rows",
        "constants": values,
        "rms_log_error": rms_log_error(values),
    }
    write_atomic(path, dumps_json(payload))


def check(values: dict[str, float], path: Path = PATH) -> list[str]:
    """One line per shipped constant that differs from the fit's ``values`` (none: equal)."""
    shipped = load(path)
    return [
        f"hopper FP8 GEMM law {name}: shipped {shipped[name]:.6g}, fit {values[name]:.6g}"
        for name in NAMES
        if not math.isclose(shipped[name], values[name], rel_tol=CHECK_RTOL)
    ]
