"""HiGHS's log of one layer's proving run (after LP + RENS as `exact` does). usage: log_layer.py SEED LAYER"""

import sys

import planner.core.mip as core_mip
from planner.offload import mip
from planner.offload.generate import generate

seed, ly = int(sys.argv[1]), int(sys.argv[2])
inst = generate("llada2-mini", steps=32, seed=seed)
start = mip.lookahead_plan(inst)
p = mip.prepare(
    inst,
    [ly],
    capacity=inst.capacity,
    global_budget=False,
    overlap=False,
    time_limit=300,
    start=start,
    seed=0,
)
orig = core_mip.new_highs
mip.new_highs = lambda **kw: orig(**{**kw, "log": True})
r = mip.finish(inst, p, time_limit=600, seed=0)
print(r.status, r.objective, r.stats)
