"""layers.py with experiment switches from the environment: RELAX=ipm|simplex (needs the tree of
commit ff76ccf, where the switch exists; reverted after),
(planner.offload.mip.RELAXATION_SOLVER). Same arguments and output as layers.py."""

import os
import runpy
import sys
from pathlib import Path

from planner.offload import mip

if "RELAX" in os.environ:
    mip.RELAXATION_SOLVER = os.environ["RELAX"]
sys.argv[0] = str(Path(__file__).with_name("layers.py"))
runpy.run_path(sys.argv[0], run_name="__main__")
