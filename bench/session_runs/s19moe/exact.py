"""Each Megatron-Bridge MoE row: model step seconds and error, six digits (s19moe before / after diff).

Run: ``PYTHONPATH=<tree> .venv/bin/python bench/session_runs/s19moe/exact.py`` once on main and once on the branch, then diff.
"""
import math, planner.train
from planner.perfmodel.calibration.fit import log_error, time_log_error
from planner.perfmodel.calibration.published import BRIDGE_MOE
from planner.train.calibration import row_estimate
for r in BRIDGE_MOE:
    e=row_estimate(r); err=math.exp(time_log_error(r, log_error(r)))-1
    print(r.id, f"{e.step_time:.6f}", f"{100*err:+.3f}")
