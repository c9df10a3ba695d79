"""One llada2-mini layer proved by SCIP (OR-Tools 9.15 model_builder) instead of HiGHS: the same
MIP (planner.offload.mip.build, milliseconds), LP + RENS as `exact` prepares it (HiGHS), then SCIP
from the RENS incumbent as a hint. One thread, CPU seconds of this process.

usage: scip_layer.py SEED LAYERS START.npy [FEASTOL]
prints: seed layer prep_s scip_s status objective_us bound_us plan_us (recomputed by evaluate)
"""

import os
import sys
import tempfile
import time
from pathlib import Path

import highspy
import numpy as np
from ortools.linear_solver.python import model_builder as mb

from planner.offload import mip
from planner.offload.generate import generate
from planner.offload.policy import plan_times

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "s15off"))
from layer_run import prepare_layer

seed = int(sys.argv[1])
layers = [int(x) for x in sys.argv[2].split(",")]
start = np.load(sys.argv[3])
feastol = sys.argv[4] if len(sys.argv) > 4 else "1e-9"
extra = os.environ.get("SCIPOPT", "")
inst = generate("llada2-mini", steps=32, seed=seed)
for ly in layers:
    p, prep_s = prepare_layer(inst, ly, start)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(p.model.lp)
    path = os.path.join(tempfile.mkdtemp(), "layer.mps")
    h.writeModel(path)
    model = mb.ModelBuilder()
    model.import_from_mps_file(path)
    vars_ = model.get_variables()
    for i, v in enumerate(vars_):
        model.add_hint(v, float(p.incumbent[i]))
    solver = mb.Solver("scip")
    params = (
        f"limits/gap = 1e-6\nlimits/absgap = 1e-9\nnumerics/feastol = {feastol}\nparallel/maxnthreads = 1\n"
        + extra.replace(";", "\n")
    )
    solver.set_solver_specific_parameters(params)
    solver.set_time_limit_in_seconds(600)
    c2 = time.process_time()
    status = solver.solve(model)
    c3 = time.process_time()
    vals = np.array([solver.value(v) for v in vars_])
    mask = mip.read_mask(inst, p.model, vals)
    full = np.zeros((inst.steps, inst.layers, inst.experts), dtype=bool)
    full[:, ly, :] = mask[:, 0, :]
    plan = float(plan_times(inst, full)[:, ly].sum()) * 1e6
    print(
        f"scip {seed} {ly:2d} prep {prep_s:6.2f} scip {c3 - c2:7.2f} {status.name} "
        f"obj {solver.objective_value * 1e3:.3f} bound {solver.best_objective_bound * 1e3:.3f} "
        f"plan {plan:.3f} rens {p.best * 1e3:.3f} lp {p.lp_bound * 1e3:.3f}",
        flush=True,
    )
