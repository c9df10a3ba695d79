"""Proving runs of a few layers under HiGHS option variants (same prepared model and start).

usage: opt_sweep.py SEED LAYERS START.npy 'name=value,...' ['name=value,...' ...]
('' = as configured). One thread, CPU seconds of the proving run; one line per layer and variant.
"""

import sys
import time

import numpy as np

from planner.offload import mip
from planner.offload.generate import generate

seed = int(sys.argv[1])
start = np.load(sys.argv[3])
variants = sys.argv[4:]
inst = generate("llada2-mini", steps=32, seed=seed)
base = dict(mip.MIP_OPTIONS)


def parse(v: str) -> object:
    for kind in (int, float):
        try:
            return kind(v)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(v, v)


for ly in [int(x) for x in sys.argv[2].split(",")]:
    p = mip.prepare(
        inst, [ly], capacity=inst.capacity, global_budget=False, overlap=False,
        time_limit=300, start=start, seed=0,
    )  # fmt: skip
    for var in variants:
        mip.MIP_OPTIONS.clear()
        mip.MIP_OPTIONS.update(base)
        for item in filter(None, var.split(",")):
            k, v = item.split("=")
            mip.MIP_OPTIONS[k] = parse(v)
        c = time.process_time()
        r = mip.finish(inst, p, time_limit=600, seed=0)
        print(
            f"{seed} {ly:2d} [{var or 'as is'}] proof {time.process_time() - c:6.2f} nodes "
            f"{r.stats.get('nodes')} {r.status.value} obj {r.objective * 1e6:.3f}",
            flush=True,
        )
