"""Each llada2-mini layer as `exact` runs it (LP + RENS, then the proof), one thread, CPU s,
with the GPU call counts k_s added to the model (kcount.add_counts) or not.

usage: ab.py MODE SEED LAYERS|all START.npy   MODE: none | eq | gpu | eq+opt=value,...
prints: MODE seed layer prep_s proof_s nodes status objective_us bound_us rens_us lp_us
"""

import sys
import time
from pathlib import Path

import numpy as np

from planner.offload import mip
from planner.offload.generate import generate

sys.path.insert(0, str(Path(__file__).resolve().parent))
from kcount import add_counts

mode, seed = sys.argv[1], int(sys.argv[2])
layers = range(19) if sys.argv[3] == "all" else [int(x) for x in sys.argv[3].split(",")]
start = np.load(sys.argv[4])
kmode, _, opts = mode.partition("+")
for item in filter(None, opts.split(",")):
    name, value = item.split("=")
    mip.MIP_OPTIONS[name] = int(value) if value.lstrip("-").isdigit() else float(value)
inst = generate("llada2-mini", steps=32, seed=seed)
build, start_values = mip.build, mip.start_values


def build_k(instance, layers, **kw):
    model = build(instance, layers, **kw)
    if kmode != "none":
        add_counts(instance, model, kmode)
    return model


def start_k(instance, model, mask):
    values = start_values(instance, model, mask)
    if kmode != "none":
        (ly,), u, xc = model.layers, model.experts[0], model.xcol[0]
        used = instance.counts[:, ly, u].T > 0
        x = np.where(xc >= 0, values[np.maximum(xc, 0)], 0.0)
        k0 = model.lp.num_col_ - instance.steps
        values[k0:] = (x * used).sum(axis=0)
    return values


mip.build, mip.start_values = build_k, start_k
for ly in layers:
    c0 = time.process_time()
    p = mip.prepare(
        inst, [ly], capacity=inst.capacity, global_budget=False, overlap=False,
        time_limit=300, start=start, seed=0,
    )  # fmt: skip
    c1 = time.process_time()
    r = mip.finish(inst, p, time_limit=600, seed=0)
    c2 = time.process_time()
    print(
        f"{mode} {seed} {ly:2d} prep {c1 - c0:6.2f} proof {c2 - c1:6.2f} nodes "
        f"{r.stats.get('nodes')} {r.status.value} obj {r.objective * 1e6:.3f} "
        f"bound {r.bound * 1e6:.3f} rens {p.best * 1e3:.3f} lp {p.lp_bound * 1e3:.3f}",
        flush=True,
    )
