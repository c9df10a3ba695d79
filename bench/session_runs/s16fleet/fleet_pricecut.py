"""bench/serve_fleet.py with planner.serve.methods.PRICE_CUT on (the price cut and the MIP's
most-capacity tie-break); its outputs are copied here as fleet_pricecut.* by the caller."""

import os

# one BLAS thread before numpy loads, as bench/serve_fleet.py (importing planner first would
# load numpy with OpenBLAS threads: a first version of this wrapper took 33 s on 70B)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import runpy
import sys
from pathlib import Path

import planner.serve.methods as methods

methods.PRICE_CUT = True
sys.argv = [sys.argv[0], *sys.argv[1:]]
runpy.run_path(str(Path(__file__).resolve().parents[2] / "serve_fleet.py"), run_name="__main__")
