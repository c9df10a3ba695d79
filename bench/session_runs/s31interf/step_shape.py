"""A prompt's extra in an iteration: the step model t(B + p) - t(B) vs the linear kappa p.

PYTHONPATH=. .venv/bin/python bench/session_runs/s31interf/step_shape.py MODEL GPU [CHUNK...]
"""

import sys

import numpy as np

from planner.serve import ReplicaGroup, make_problem
from planner.serve.capacity import role_model

model, gpu = sys.argv[1], sys.argv[2]
chunks = [int(c) for c in sys.argv[3:]] or [2048, 8192]
prob = make_problem(model, f"{gpu}:1", qps=1.0, prompt_tokens="exp:800", output_tokens="exp:200")
name = prob.inventory.pools[0].label
for C in chunks:
    rm = role_model(prob, ReplicaGroup(name, 1, 1, 1, 1, "both", C, 1.0))
    B = 2.0
    f = rm._prefill(B)
    ps = np.array([16, 64, 256, 800, 2048, 4096, 8192], float)
    ps = ps[ps <= f["chunk"]]
    t = rm.engine.base_time(np.concatenate([[B], B + ps]), B, rm.ctx, keys=rm.keys)
    kappa = (f["tc"] - f["t0"]) / f["chunk"]
    print(
        f"{model} {name} chunk {C} (prompt tokens {f['chunk']:.0f}): t0 {f['t0'] * 1e3:.2f} ms, "
        f"tc {f['tc'] * 1e3:.2f} ms, kappa {kappa * 1e6:.2f} us/token, xbar {f['xbar'] * 1e3:.2f} ms"
    )
    for p, tp in zip(ps, t[1:], strict=True):
        print(
            f"  p {p:5.0f}: step extra {(tp - t[0]) * 1e3:8.2f} ms, kappa p {kappa * p * 1e3:8.2f} ms"
        )
