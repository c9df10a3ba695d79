"""``bench/serve_fleet.py`` of the tree on ``PYTHONPATH`` with its outputs redirected.

Its ``OUT`` (``bench/results/serve``, the lead's) is replaced by the directory given as the
first argument; the rest of the arguments go to its ``main`` (rows carry ``cpu_s``).

Usage: PYTHONPATH=<tree> python bench/session_runs/s26mg1/fleet_cpu.py OUTDIR --models ...
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import sys
from pathlib import Path

root = Path(os.environ.get("PYTHONPATH", ".").split(":")[0]).resolve()
sys.path.insert(0, str(root / "bench"))
import serve_fleet  # noqa: E402

serve_fleet.OUT = Path(sys.argv[1]).resolve()
sys.argv = [sys.argv[0], *sys.argv[2:]]
serve_fleet.main()
