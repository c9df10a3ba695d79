"""Micro-benchmark of the step model on the Mixtral fleet's engines: layer_times and
base_time on the token arrays the lockstep prefill passes (8 values), per call, and their
outputs' bytes (to compare trees).

    PYTHONPATH=<tree> python bench_layer.py [OUT.npy] [--profile]
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import cProfile
import pstats
import sys
import time

import numpy as np

from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.readers import load_model
from planner.serve.capacity import engine_for

model = load_model("mixtral-8x7b")
engines = [
    engine_for(model, get_gpu(g), tp, 1, ep, "bf16", "bf16")
    for g, tp, ep in [("H100-SXM", 1, 2), ("A100-80GB", 2, 1), ("H100-SXM", 2, 4), ("L40S", 4, 2)]
]
rng = np.random.default_rng(0)
cases = []
for eng in engines:
    for _ in range(50):
        B = float(rng.uniform(0.5, 200))
        tok = np.concatenate([[B, B + 2048], B + rng.uniform(1, 2048, 6)])
        moe = tok + float(eng.config.ep - 1) * B
        cases.append((eng, tok, moe, B))


def run():
    outs = []
    for eng, tok, moe, B in cases:
        d, m = eng.layer_times(tok, moe_tokens=moe)
        t = eng.base_time(tok, B, 900.0, layers=(d, m), keys=700.0)
        t2 = eng.base_time(tok, B, 900.0, keys=700.0)
        outs += [d, m, t, t2]
    return np.concatenate(outs)


run()
times = []
for _ in range(5):
    c = time.process_time()
    for _ in range(10):
        out = run()
    times.append((time.process_time() - c) / (10 * len(cases)))
print("per case (layer_times + 2 base_time) us", [round(t * 1e6, 1) for t in times])
if len(sys.argv) > 1 and sys.argv[1].endswith(".npy"):
    np.save(sys.argv[1], out)
if "--profile" in sys.argv:
    p = cProfile.Profile()
    p.enable()
    for _ in range(10):
        run()
    p.disable()
    pstats.Stats(p).sort_stats("tottime").print_stats(30)
