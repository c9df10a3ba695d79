"""A primal probe: the counts k_s of the relaxation with k integer and x relaxed, then the MIP
with every k_s fixed there (x binary; a restriction, so its plan is feasible for the layer),
then the proof from the better of that plan and RENS's. One thread, CPU seconds.

usage: kfix.py SEED LAYERS START.npy
"""

import sys
import time
from pathlib import Path

import numpy as np

from planner.offload import mip
from planner.offload.generate import generate

sys.path.insert(0, str(Path(__file__).resolve().parent))
from kcount import add_counts

seed = int(sys.argv[1])
start = np.load(sys.argv[3])
inst = generate("llada2-mini", steps=32, seed=seed)
S = inst.steps
for layer in [int(x) for x in sys.argv[2].split(",")]:
    m = mip.build(inst, [layer], capacity=inst.capacity, global_budget=False, overlap=False)
    add_counts(inst, m, "eq", relax_x=True)
    c0 = time.process_time()
    h = mip.new_highs(time_limit=120, seed=0)
    h.setOptionValue("mip_rel_gap", 1e-7)
    h.passModel(m.lp)
    h.run()
    val = np.asarray(h.getSolution().col_value)
    k_hat = np.round(val[-S:])
    kbound = h.getInfo().mip_dual_bound * 1e3
    c1 = time.process_time()
    p = mip.prepare(
        inst, [layer], capacity=inst.capacity, global_budget=False, overlap=False,
        time_limit=300, start=start, seed=0,
    )  # fmt: skip
    c2 = time.process_time()
    m2 = mip.build(inst, [layer], capacity=inst.capacity, global_budget=False, overlap=False)
    add_counts(inst, m2, "eq")
    lp = m2.lp
    lp.col_lower_ = np.concatenate([np.asarray(lp.col_lower_)[:-S], k_hat])
    lp.col_upper_ = np.concatenate([np.asarray(lp.col_upper_)[:-S], k_hat])
    h = mip.mip_highs(120, 0)
    h.passModel(lp)
    h.run()
    out = mip.outcome(h)
    c3 = time.process_time()
    kobj = None if out.objective is None else out.objective * 1e3
    # the proof (model without k) from the better plan
    best = p.incumbent
    if out.values is not None and out.objective < p.best:
        best = np.asarray(out.values)[: p.model.lp.num_col_]
        p.incumbent, p.best = best, out.objective
    r = mip.finish(inst, p, time_limit=600, seed=0)
    c4 = time.process_time()
    print(
        f"{seed} {layer:2d} kint {c1 - c0:5.2f}s bound {kbound:.3f} | prep {c2 - c1:5.2f}s "
        f"rens {p.stats['rens_objective_s'] * 1e6:.3f} | kfixed {c3 - c2:5.2f}s obj {kobj} | "
        f"proof {c4 - c3:6.2f}s nodes {r.stats.get('nodes')} {r.status.value} "
        f"obj {r.objective * 1e6:.3f}",
        flush=True,
    )
