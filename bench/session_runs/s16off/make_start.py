"""Save the start plan `exact` uses (the better of auto and the look-ahead plan) for a seed.

usage: make_start.py SEED OUT.npy   (run with PYTHONPATH at a tree whose start code is wanted)
"""

import sys

import numpy as np

from planner.core.timing import Deadline
from planner.offload import mip
from planner.offload.adaptive import AdaptivePolicy
from planner.offload.generate import generate
from planner.offload.policy import plan_times, simulate_until

seed = int(sys.argv[1])
inst = generate("llada2-mini", steps=32, seed=seed)
auto, _ = simulate_until(inst, AdaptivePolicy(), Deadline(1e9))
ahead = mip.lookahead_plan(inst)
best = min((auto, ahead), key=lambda m: float(plan_times(inst, m).sum()))
np.save(sys.argv[2], best)
print(seed, [float(plan_times(inst, m).sum()) * 1e3 for m in (auto, ahead)])
