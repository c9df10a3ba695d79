"""Per-row effect of the 16-bit embedding/LM head on the serving fit rows at the merged
constants: log error with and without the rule, and the KV tokens per GPU of each row's
engine. Usage: PYTHONPATH=. python bench/session_runs/s27rev1/ends_rows.py"""

from __future__ import annotations

import planner.perfmodel.stage as stage
import planner.serve
import planner.train  # noqa: F401
from planner.perfmodel.calibration import fit as F

rows = [r for r in F.CALIBRATION_ROWS if r.split == F.FIT and F.kind_of(r) == "serving"]
with_ends = {r.id: F.log_error(r) for r in rows}
orig = stage.end_weight_bytes
stage.end_weight_bytes = lambda wide: wide
without = {r.id: F.log_error(r) for r in rows}
stage.end_weight_bytes = orig
n = 0
for r in rows:
    a, b = with_ends[r.id], without[r.id]
    if abs(a - b) > 1e-6:
        n += 1
        prec = getattr(r, "precision", "?")
        print(f"{r.id:55s} {prec!s:6s} err_ends {a:+.4f} err_layers_bytes {b:+.4f} d {a - b:+.4f}")
print(f"{n} of {len(rows)} rows move")
