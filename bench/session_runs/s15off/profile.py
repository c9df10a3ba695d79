"""Per-layer CPU profile of `exact`'s path: build, LP + RENS (prepare), proof (finish); one thread.

usage: profile.py SEED [LAYERS]  (prints one line per layer and the totals)
"""

import sys
import time

from layer_run import finish_layer, prepare_layer

from planner.offload import mip
from planner.offload.generate import generate
from planner.offload.methods import method_exact  # noqa: F401  (import cost outside timing)

seed = int(sys.argv[1])
inst = generate("llada2-mini", steps=32, seed=seed)
layers = [int(x) for x in sys.argv[2].split(",")] if len(sys.argv) > 2 else range(inst.layers)
c0 = time.process_time()
start = mip.lookahead_plan(inst)
print(f"lookahead start {time.process_time() - c0:.2f} s cpu", flush=True)
tot = {"prep": 0.0, "proof": 0.0}
for ly in layers:
    p, prep_s = prepare_layer(inst, ly, start)
    r, proof_s = finish_layer(inst, p)
    tot["prep"] += prep_s
    tot["proof"] += proof_s
    print(
        f"layer {ly:2d} prep {prep_s:6.2f} proof {proof_s:6.2f} nodes {r.stats.get('nodes')} "
        f"{r.status.value} obj {r.objective * 1e6:.2f} lp {p.lp_bound:.2f} rens {p.stats.get('rens_objective_s', 0) * 1e6:.2f} "
        f"frac {p.stats.get('fractional')}",
        flush=True,
    )
print(f"total prep {tot['prep']:.1f} proof {tot['proof']:.1f} sum {tot['prep'] + tot['proof']:.1f}")
