"""One llada2-mini layer at a time as `exact` runs it (prepare: LP + RENS; finish: the proof),
one thread, CPU seconds of this process; works on any tree put first on PYTHONPATH.

usage: layer_ab.py TAG SEED LAYERS START.npy
env MIPTOL=1e-6: planner.core.mip.MIP_FEASIBILITY_TOLERANCE for this run (attribution only);
env HOPT=name=value[,...]: extra HiGHS options of the RENS and proving runs (mip.MIP_OPTIONS)
prints one line per layer: TAG seed layer prep_s proof_s nodes status objective_us bound_us
"""

import os
import sys
import time
from pathlib import Path

import numpy as np

import planner.core.mip as core_mip
from planner.offload import mip
from planner.offload.generate import generate

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "s15off"))
from layer_run import prepare_layer

for item in filter(None, os.environ.get("HOPT", "").split(",")):  # HiGHS options, RENS + proof
    name, value = item.split("=")
    mip.MIP_OPTIONS[name] = float(value) if "." in value else int(value)
if "MIPTOL" in os.environ:
    core_mip.MIP_FEASIBILITY_TOLERANCE = float(os.environ["MIPTOL"])
tag, seed = sys.argv[1], int(sys.argv[2])
layers = [int(x) for x in sys.argv[3].split(",")]
start = np.load(sys.argv[4])
inst = generate("llada2-mini", steps=32, seed=seed)
for ly in layers:
    p, prep_s = prepare_layer(inst, ly, start)
    c1 = time.process_time()
    r = mip.finish(inst, p, time_limit=600, seed=0)
    c2 = time.process_time()
    print(
        f"{tag} {seed} {ly:2d} prep {prep_s:6.2f} proof {c2 - c1:6.2f} nodes {r.stats.get('nodes')} "
        f"{r.status.value} obj {r.objective * 1e6:.3f} bound {r.bound * 1e6:.3f} "
        f"{r.solver_status.replace(' ', '_')} frac {p.stats.get('fractional')} "
        f"lp {p.lp_bound * 1e6 / mip.UNIT if hasattr(mip, 'UNIT') else p.lp_bound:.3f}",
        flush=True,
    )
