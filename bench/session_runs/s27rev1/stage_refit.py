"""A cheaper serving-stage refit (one coordinate sweep, 16 golden-section iterations instead of
the fit's 2 x 24) under a variant of profile.py, started from the merged constants; prints the
constants and the loss. Not the committed fit: an indication of where the constants go.

Usage: PYTHONPATH=. python bench/session_runs/s27rev1/stage_refit.py VARIANT
"""

from __future__ import annotations

import json
import sys
import time

from planner.perfmodel.calibration import fit as F

sys.path.insert(0, "bench/session_runs/s27rev1")
from profile import patch

variant = sys.argv[1]
patch(variant)
F.SEARCH["serving"] = (1, 16)
t = time.process_time()
rows = [r for r in F.CALIBRATION_ROWS if F.kind_of(r) == "serving"]
result = F.fit(rows=rows, start=F.shipped())
serving = {p.name: result.values[p.name] for p in F.PARAMETERS if p.kind == "serving"}
print(
    json.dumps(
        {
            "variant": variant,
            "loss": result.loss.get("serving"),
            **serving,
            "cpu_s": round(time.process_time() - t, 1),
        }
    )
)
