"""The loosened-tolerance LP of tests/core/test_lp_bound.py through ``planner.core.mip.outcome``.

min 0.9999 x0 + x1 s.t. x0 + x1 >= 1000, x >= 0 (optimum 999.9), solved with HiGHS's primal
and dual feasibility tolerances at 1e-3 and presolve off. Run it with PYTHONPATH pointing at
main (old: the bound is the LP objective) and at this branch (new: the safe bound).
"""

import highspy
import numpy as np

from planner.core.mip import new_highs, outcome

inf = highspy.kHighsInf
h = new_highs(time_limit=10)
h.setOptionValue("dual_feasibility_tolerance", 1e-3)
h.setOptionValue("primal_feasibility_tolerance", 1e-3)
h.setOptionValue("presolve", "off")
h.addVars(2, np.zeros(2), np.array([inf, inf]))
h.changeColsCost(2, np.array([0, 1], dtype=np.int32), np.array([0.9999, 1.0]))
h.addRow(1000.0, inf, 2, np.array([0, 1], dtype=np.int32), np.array([1.0, 1.0]))
h.run()
out = outcome(h)
print(f"status {out.status.value} objective {out.objective!r} bound {out.bound!r} (optimum 999.9)")
print("bound above the optimum" if out.bound > 999.9 else "bound at most the optimum")
