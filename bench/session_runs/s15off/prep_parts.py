"""CPU split of prepare(): build, LP relaxation, rigorous LP bound, RENS; and method_exact's start plans.
usage: prep_parts.py SEED LAYERS"""

import sys
import time

import numpy as np

from planner.core.lp_bound import highs_lp_bound
from planner.core.mip import new_highs
from planner.core.timing import Deadline
from planner.offload import mip
from planner.offload.adaptive import AdaptivePolicy
from planner.offload.generate import generate
from planner.offload.policy import simulate_until

seed = int(sys.argv[1])
inst = generate("llada2-mini", steps=32, seed=seed)
c = time.process_time()
auto, _ = simulate_until(inst, AdaptivePolicy(), Deadline(100))
print(f"auto policy {time.process_time() - c:.2f} s cpu")
c = time.process_time()
start = mip.lookahead_plan(inst)
print(f"lookahead {time.process_time() - c:.2f} s cpu")
for ly in [int(x) for x in sys.argv[2].split(",")]:
    t = [time.process_time()]
    model = mip.build(inst, [ly], capacity=inst.capacity, global_budget=False, overlap=False)
    t.append(time.process_time())
    relax = new_highs(time_limit=100)
    relax.setOptionValue("solve_relaxation", True)
    relax.passModel(model.lp)
    relax.run()
    t.append(time.process_time())
    b = highs_lp_bound(relax, time_limit=100)
    t.append(time.process_time())
    nx = int(sum((xc >= 0).sum() for xc in model.xcol))
    x = np.asarray(relax.getSolution().col_value)[:nx]
    rens = mip.mip_highs(100, 0)
    rens.passModel(model.lp)
    rens.changeColsBounds(
        nx,
        np.arange(nx, dtype=np.int32),
        np.where(x > 1 - 1e-6, 1.0, 0.0),
        np.where(x < 1e-6, 0.0, 1.0),
    )
    rens.run()
    t.append(time.process_time())
    d = np.diff(t)
    print(
        f"layer {ly} build {d[0]:.2f} lp {d[1]:.2f} lp_bound {d[2]:.2f} rens {d[3]:.2f} nodes {rens.getInfo().mip_node_count}"
    )
