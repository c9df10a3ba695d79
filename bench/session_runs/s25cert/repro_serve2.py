"""s25cert: separate the two causes: the chunk sizes searched, the capacity search's tolerance."""

from sweep_serve import capacity
from sweep_train import TINY

import planner
import planner.serve
from planner.core.timing import Deadline
from planner.serve.candidates import candidates_within

base = dict(prompt_tokens=512, output_tokens=128, ttft="1s", tpot="50ms", pricing="on-demand")
probe = planner.serve.make_problem(TINY, "L4:1", qps=1, name="probe", **base)
mine = capacity(probe, "L4", 1, 8192)
cands, _ = candidates_within(probe, Deadline(30))
theirs = {(c.config.tp, c.chunk): c.capacity for c in cands if c.usable}
print("own bisection, chunk 8192:", mine, "| candidates:", theirs)
for frac in (1e-4, 1e-5, 3e-6, 1e-6, 1e-7):
    p = planner.serve.make_problem(TINY, "L4:1", qps=mine * (1 - frac), name="c8192", **base)
    r = planner.solve(p, "mip", time_limit=5)
    print(f"demand = own capacity(8192) x (1 - {frac:g}): mip {r.status} {r.objective}")
