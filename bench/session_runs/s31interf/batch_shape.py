"""Decode-only step time against the batch: t(b) for b = 1..8 (context at the traffic's)."""

import sys

import numpy as np

from planner.serve import ReplicaGroup, make_problem
from planner.serve.capacity import role_model

model, gpu = sys.argv[1], sys.argv[2]
prob = make_problem(model, f"{gpu}:1", qps=1.0, prompt_tokens="exp:800", output_tokens="exp:200")
name = prob.inventory.pools[0].label
rm = role_model(prob, ReplicaGroup(name, 1, 1, 1, 1, "both", 8192, 1.0))
for b in [1, 2, 3, 4, 6, 8, 16, 32]:
    t = rm.engine.base_time(np.array([float(b)]), float(b), rm.ctx, keys=rm.keys)[0]
    print(f"{model} {name}: t({b}) = {t * 1e3:.2f} ms")
