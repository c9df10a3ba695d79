"""A/B of a dominance reduction on the per-layer proofs: no load where the expert's CPU time over
all its remaining uses is below one copy (such a load never pays: dropping the run it starts moves
each of its used steps to the CPU, raising that step's max(GPU, CPU) by at most the expert's CPU
call, and saves the copy; strictly cheaper). Applied by narrowing mip.windows' load_ok, so the
model simply has no such y column (x cannot rise there).

The probe that preceded the change: on this branch mip.windows does it already, so run it
with PYTHONPATH at main (the full A/B used s16off/layer_ab.py on main vs this branch).

usage: minrun_ab.py TAG SEED LAYERS START.npy     (env MINRUN=1 turns the reduction on)
prints as layer_ab.py (s16off), plus the y columns removed.
"""

import os
import sys

import numpy as np
from ab import run

from planner.offload import mip

removed = {}
if os.environ.get("MINRUN") == "1":
    plain = mip.windows

    def windows(instance, layer, experts, overlap):
        first, last, load_ok = plain(instance, layer, experts, overlap)
        _, cpu, _ = instance.cost_arrays
        c = cpu[:, layer, experts].T  # [experts, steps], 0 where no tokens
        remaining = np.cumsum(c[:, ::-1], axis=1)[:, ::-1]  # CPU time from step s to the end
        never = load_ok & (remaining < instance.copy_s)
        removed[layer] = int(never.sum())
        return first, last, load_ok & ~never

    mip.windows = windows

run(
    sys.argv[1],
    int(sys.argv[2]),
    sys.argv[3],
    np.load(sys.argv[4]),
    lambda ly: f"ycols_removed {removed.get(ly, 0)}",
)
