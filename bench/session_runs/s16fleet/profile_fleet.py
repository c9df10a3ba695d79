"""cProfile of one issue-19 solve: bench/serve_fleet.py's Mixtral case (cold caches).

python profile_fleet.py [MODE=allow|off] [MODEL] [SORT] [N]
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import cProfile
import pstats
import sys
import time
from dataclasses import replace
from pathlib import Path

from planner.perfmodel import constants
from planner.perfmodel.readers import load_model
from planner.serve import read, solve
from planner.serve.instance import ServingConstraints

ROOT = Path(__file__).resolve().parents[3]
mode = sys.argv[1] if len(sys.argv) > 1 else "allow"
model = sys.argv[2] if len(sys.argv) > 2 else "mixtral-8x7b"
sort = sys.argv[3] if len(sys.argv) > 3 else "cumulative"
n = int(sys.argv[4]) if len(sys.argv) > 4 else 60
(base,) = read(ROOT / "instances" / "serve" / "fleet-3x3.toml")
problem = replace(
    base, model=load_model(model), constraints=ServingConstraints(disaggregation=mode)
)
constants._clear_caches()
prof = cProfile.Profile()
cpu = time.process_time()
prof.enable()
r = solve(problem, "auto", time_limit=60)
prof.disable()
print(r.status.value, repr(r.objective), repr(r.bound), f"cpu {time.process_time() - cpu:.2f}")
pstats.Stats(prof, stream=sys.stdout).sort_stats(sort).print_stats(n)
