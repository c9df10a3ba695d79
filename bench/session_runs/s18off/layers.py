"""Each llada2-mini layer as `exact` runs it (LP + RENS, then the proof), one thread, CPU s.

usage: layers.py TAG SEED LAYERS START.npy   (PYTHONPATH at the tree under test)
prints: TAG seed layer prep_s proof_s nodes status objective_us bound_us rens_us lp_us
"""

import sys
import time
from pathlib import Path

import numpy as np

from planner.offload import mip
from planner.offload.generate import generate

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "s15off"))
from layer_run import prepare_layer

tag, seed = sys.argv[1], int(sys.argv[2])
start = np.load(sys.argv[4])
inst = generate("llada2-mini", steps=32, seed=seed)
layers = range(inst.layers) if sys.argv[3] == "all" else [int(x) for x in sys.argv[3].split(",")]
for ly in layers:
    p, prep_s = prepare_layer(inst, ly, start)
    c1 = time.process_time()
    r = mip.finish(inst, p, time_limit=600, seed=0)
    c2 = time.process_time()
    print(
        f"{tag} {seed} {ly:2d} prep {prep_s:6.2f} proof {c2 - c1:6.2f} nodes "
        f"{r.stats.get('nodes')} {r.status.value} obj {r.objective * 1e6:.3f} "
        f"bound {r.bound * 1e6:.3f} rens {p.best * 1e3:.3f} lp {p.lp_bound * 1e3:.3f} "
        f"cols {p.stats['columns']} rows {p.stats['rows']}",
        flush=True,
    )
