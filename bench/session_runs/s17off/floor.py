"""The proof's floor on this machine: a layer proved as `exact` does (LP + RENS, then HiGHS), but
started from its optimal plan (saved by save_opt.py), with HiGHS's primal heuristics as configured
(`on`) or off (`off`: effort 0, feasibility jump, RINS, RENS off). What a perfect primal heuristic
would leave. One thread, CPU seconds.

usage: floor.py MODE SEED LAYERS START.npy      (MODE on | off)
"""

import sys

import numpy as np
from ab import run

from planner.offload import mip

mode, seed = sys.argv[1], int(sys.argv[2])
if mode == "off":
    mip.MIP_OPTIONS.update(
        mip_heuristic_effort=0.0,
        mip_heuristic_run_feasibility_jump=False,
        mip_heuristic_run_rins=False,
        mip_heuristic_run_rens=False,
    )
base = np.load(sys.argv[4])


def start_for(ly: int) -> np.ndarray:
    start = base.copy()
    start[:, ly, :] = np.load(f"/tmp/s17off/opt_s{seed}_l{ly}.npy")
    return start


run(f"floor-{mode}", seed, sys.argv[3], base, start_for=start_for)
