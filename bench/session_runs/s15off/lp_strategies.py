"""CPU seconds of a layer's LP relaxation under HiGHS's LP strategies (the LP of prepare()).
usage: lp_strategies.py SEED LAYERS"""

import sys
import time

from planner.core.mip import new_highs
from planner.offload import mip
from planner.offload.generate import generate

seed = int(sys.argv[1])
inst = generate("llada2-mini", steps=32, seed=seed)
STRATEGIES = {
    "dual (default)": {},
    "primal": {"simplex_strategy": 4},
    "ipm": {"solver": "ipm"},
    "pdlp-free: dual no presolve": {"presolve": "off"},
}
for ly in [int(x) for x in sys.argv[2].split(",")]:
    model = mip.build(inst, [ly], capacity=inst.capacity, global_budget=False, overlap=False)
    out = []
    for name, opts in STRATEGIES.items():
        h = new_highs(time_limit=100)
        h.setOptionValue("solve_relaxation", True)
        for k, v in opts.items():
            h.setOptionValue(k, v)
        h.passModel(model.lp)
        c = time.process_time()
        h.run()
        out.append(
            f"{name} {time.process_time() - c:.2f} s {h.getInfo().objective_function_value:.4f}"
        )
    print(f"layer {ly}: " + " | ".join(out), flush=True)
