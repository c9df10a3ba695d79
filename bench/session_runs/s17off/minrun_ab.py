"""A/B of a dominance reduction on the per-layer proofs: no load where the expert's CPU time over
all its remaining uses is below one copy (such a load never pays: dropping the run it starts moves
each of its used steps to the CPU, raising that step's max(GPU, CPU) by at most the expert's CPU
call, and saves the copy; strictly cheaper). Applied by narrowing mip.windows' load_ok, so the
model simply has no such y column (x cannot rise there).

usage: minrun_ab.py TAG SEED LAYERS START.npy     (env MINRUN=1 turns the reduction on)
prints as layer_ab.py (s16off), plus the y columns removed.
"""

import os
import sys
import time
from pathlib import Path

import numpy as np

from planner.offload import mip
from planner.offload.generate import generate

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "s15off"))
from layer_run import prepare_layer

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

tag, seed = sys.argv[1], int(sys.argv[2])
start = np.load(sys.argv[4])
inst = generate("llada2-mini", steps=32, seed=seed)
for ly in [int(x) for x in sys.argv[3].split(",")]:
    p, prep_s = prepare_layer(inst, ly, start)
    c1 = time.process_time()
    r = mip.finish(inst, p, time_limit=600, seed=0)
    c2 = time.process_time()
    print(
        f"{tag} {seed} {ly:2d} prep {prep_s:6.2f} proof {c2 - c1:6.2f} nodes {r.stats.get('nodes')} "
        f"{r.status.value} obj {r.objective * 1e6:.3f} bound {r.bound * 1e6:.3f} "
        f"rens {p.best * 1e3:.3f} lp {p.lp_bound * 1e3:.3f} ycols_removed {removed.get(ly, 0)}",
        flush=True,
    )
