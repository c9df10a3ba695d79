"""What-if (diagnostic; nothing shipped): the L40S rows' errors if Ada's GEMMs took another
architecture's fitted efficiency instead of the uncalibrated rule's lowest NVIDIA value
(Blackwell's). The alternatives are the fitted Hopper and Ampere values (no new number), and,
separately, the TensorRT-LLM engines' NCCL ring all-reduce on PCIe (TensorRT-LLM
``AllreducePlugin::selectImplementation``: ``if (isAuto && !mIsNVLINKSupported) return NCCL``;
vLLM ``custom_all_reduce.py``: "not supported on more than two PCIe-only GPUs") instead of the
one-shot custom kernel the model prices. One process per setting. Writes
``ada_gemm_whatif.md`` beside this script.

    PYTHONPATH=. .venv/bin/python bench/session_runs/s18infer/ada_gemm_whatif.py
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from whatif_table import run_each, whatif_tables

HERE = Path(__file__).resolve().parent
SETTINGS = ("rule", "hopper", "ampere", "nccl-ring")


def run(setting: str) -> dict[str, float]:
    from planner.perfmodel import comm, constants, kernels, stage
    from planner.perfmodel.calibration.inference_gpus import INFERENCE_GPU_ROWS
    from planner.serve.calibration import predict

    if setting in ("hopper", "ampere"):
        value = constants.FITTED[f"gemm_efficiency_{setting}"]
        kernels.uncalibrated_rule = lambda arch, tuned=False: (value, setting)
    if setting == "nccl-ring":
        import numpy as np

        def ring(size, n, per_node, fabric):
            # NCCL's ring (comm.all_reduce) element by element: the stage passes arrays
            one = np.vectorize(lambda s: comm.all_reduce(float(s), n, per_node, fabric))
            return one(size) if isinstance(size, np.ndarray) else one(size).item()

        stage.comm.one_shot_all_reduce = ring
    return {r.id: predict(r) / r.value - 1.0 for r in INFERENCE_GPU_ROWS if r.gpu == "L40S"}


def main() -> None:
    if len(sys.argv) > 1:
        print(json.dumps(run(sys.argv[1])))
        return
    load0, t0 = os.getloadavg()[0], time.time()
    res = run_each(__file__, {s: s for s in SETTINGS})
    lines = [
        "# L40S what-ifs: Ada GEMM efficiency, NCCL ring all-reduce on PCIe (diagnostic only)",
        "",
        "`PYTHONPATH=. .venv/bin/python bench/session_runs/s18infer/ada_gemm_whatif.py` -- "
        f"{time.time() - t0:.0f} s wall, load {load0:.2f} -> {os.getloadavg()[0]:.2f}",
        "",
    ]
    lines += whatif_tables(res, {s: s for s in SETTINGS}, lambda i: "/".join(i.split("/")[1:4]))
    (HERE / "ada_gemm_whatif.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
