"""Explicit zero coefficients in the offload MIP and its build time (s18off: ~3,300 per layer).

For the bundled TIDE trace: entries of the constraint matrix that are 0.0, all entries, and
the CPU seconds of one ``mip.build`` over every layer (best of 3), per budget.

    PYTHONPATH=. nice -n 10 .venv/bin/python bench/session_runs/s19polish/offload_zeros.py
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

from planner.offload import mip
from planner.offload.readers import read

TRACE = Path(__file__).resolve().parents[3] / "instances" / "offload" / "tide_trace.json"


def main() -> None:
    (inst,) = read(TRACE)
    layers = list(range(inst.layers))
    print(f"load {os.getloadavg()[0]:.2f}; {inst.name}: {inst.steps} steps, {inst.layers} layers")
    for overlap in (False, True):
        times = []
        for _ in range(3):
            t0 = time.process_time()
            model = mip.build(
                inst, layers, capacity=inst.capacity, global_budget=False, overlap=overlap
            )
            times.append(time.process_time() - t0)
        values = np.asarray(model.lp.a_matrix_.value_)
        zeros = int((values == 0).sum())
        print(
            f"overlap={overlap}: {values.size} entries, {zeros} zeros "
            f"({zeros / inst.layers:.0f} per layer), build {min(times):.3f} CPU s"
        )


if __name__ == "__main__":
    main()
