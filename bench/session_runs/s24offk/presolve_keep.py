"""Does HiGHS's presolve keep the k_s columns? Presolved size with and without them.

usage: presolve_keep.py SEED LAYER MODE
"""

import sys
from pathlib import Path

from planner.offload import mip
from planner.offload.generate import generate

sys.path.insert(0, str(Path(__file__).resolve().parent))
from kcount import add_counts

seed, layer, mode = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
inst = generate("llada2-mini", steps=32, seed=seed)
model = mip.build(inst, [layer], capacity=inst.capacity, global_budget=False, overlap=False)
if mode != "none":
    add_counts(inst, model, mode)
h = mip.new_highs(time_limit=60, seed=0)
h.passModel(model.lp)
h.presolve()
p = h.getPresolvedLp()
ints = (
    sum(1 for v in p.integrality_ if v == mip.highspy.HighsVarType.kInteger)
    if p.integrality_
    else 0
)
print(
    mode,
    "original",
    model.lp.num_col_,
    model.lp.num_row_,
    "presolved",
    p.num_col_,
    p.num_row_,
    "integer",
    ints,
)
