"""Prove layers as `exact` does and save each optimal plan (for the neighbourhood probes).

usage: save_opt.py SEED LAYERS START.npy OUTDIR   -> OUTDIR/opt_sSEED_lLAYER.npy ([steps, experts])
"""

import sys
import time
from pathlib import Path

import numpy as np

from planner.offload import mip
from planner.offload.generate import generate

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "s15off"))
from layer_run import prepare_layer

seed = int(sys.argv[1])
start = np.load(sys.argv[3])
inst = generate("llada2-mini", steps=32, seed=seed)
for ly in [int(x) for x in sys.argv[2].split(",")]:
    p, prep_s = prepare_layer(inst, ly, start)
    c = time.process_time()
    r = mip.finish(inst, p, time_limit=600, seed=0)
    np.save(f"{sys.argv[4]}/opt_s{seed}_l{ly}.npy", r.mask[:, 0, :])
    np.save(
        f"{sys.argv[4]}/rens_s{seed}_l{ly}.npy", mip.read_mask(inst, p.model, p.incumbent)[:, 0, :]
    )
    print(seed, ly, r.status.value, r.objective * 1e6, time.process_time() - c, flush=True)
