"""HiGHS's log of one layer's proving run (after LP + RENS as `exact` does). usage: log_layer.py SEED LAYER"""

import sys

from layer_run import finish_layer, prepare_layer

import planner.core.mip as core_mip
from planner.offload import mip
from planner.offload.generate import generate

seed, ly = int(sys.argv[1]), int(sys.argv[2])
inst = generate("llada2-mini", steps=32, seed=seed)
start = mip.lookahead_plan(inst)
p, _ = prepare_layer(inst, ly, start)
orig = core_mip.new_highs
mip.new_highs = lambda **kw: orig(**{**kw, "log": True})
r, _ = finish_layer(inst, p)
print(r.status, r.objective, r.stats)
