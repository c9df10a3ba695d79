"""A/B of HiGHS's MIP feasibility tolerance on full-size offload layer proofs (s13tol).

LLaDA2.0-mini, 32 steps, seed 1, per-layer budget: each listed layer's model is prepared
(LP + RENS) and proven (:func:`planner.offload.mip.run_model`, one thread) at 1e-6 and at
1e-9, interleaved so both see the same load; prints CPU seconds, nodes and objective.

    PYTHONPATH=. .venv/bin/python bench/session_runs/s13tol/tolerance_ab.py --layers 0,6,12
"""

from __future__ import annotations

import argparse
import os
import time

import planner.core.mip as core_mip
from planner.offload import mip
from planner.offload.generate import generate


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--layers", default="0,6,12")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    inst = generate("llada2-mini", steps=32, seed=a.seed)
    for layer in (int(x) for x in a.layers.split(",")):
        for tol in (1e-6, 1e-9):
            core_mip.MIP_FEASIBILITY_TOLERANCE = tol
            load = os.getloadavg()[0]
            cpu = time.process_time()
            run = mip.run_model(
                inst, [layer], capacity=inst.capacity, global_budget=False, overlap=False,
                time_limit=300, start=None, seed=0,
            )  # fmt: skip
            print(
                f"layer {layer} tol {tol:g}: {run.status.value} objective {run.objective:.9f} s "
                f"bound {run.bound:.9f} s, nodes {run.stats.get('nodes')}, "
                f"cpu {time.process_time() - cpu:.1f} s, load {load:.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
