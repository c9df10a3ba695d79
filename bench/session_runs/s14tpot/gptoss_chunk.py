"""gpt-oss-20b (exp:8192 prompts) at 70 %: the TPOT law's per-iteration cap (the largest
prompt class's full-chunk extra) against each class's own full-chunk extra, and the share of
prompt chunks (piece-weighted) per class. A check of the cap, not a model.

Usage: PYTHONPATH=. .venv/bin/python bench/session_runs/s14tpot/gptoss_chunk.py [CASE] [LOAD]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # bench/

import serve_simulator as grid

from planner.serve.capacity import role_model
from planner.serve.evaluate import plan_metrics

name = sys.argv[1] if len(sys.argv) > 1 else "gpt-oss"
u = float(sys.argv[2]) if len(sys.argv) > 2 else 0.7
case = next(c for c in grid.CASES if grid.selected(c.name, [name]))
cap = plan_metrics(grid.problem_for(case, 99, 1.0), grid.layout(case, 1.0))["capacity_qps"]
load = u * cap
plan = grid.layout(case, load)
g = plan.replicas[0]
rm = role_model(grid.problem_for(case, 99, load), g)
point = rm.at_rate(g.load_qps / (g.count * g.pp * g.ep))
f = rm._prefill(point.batch)
cx = np.asarray(f["chunk_x"])
pieces = np.ceil(rm.pc / rm.split)
pw = rm.wp * pieces / float(rm.wp @ pieces)
print(
    f"{case.name} at {u:.0%}: batch {point.batch:.1f}, t0 {1e3 * f['t0']:.1f} ms, "
    f"tc {1e3 * f['tc']:.1f} ms (a full chunk beside the batch, step model)"
)
print(
    f"cap (largest class's full-chunk extra) {1e3 * cx.max():.1f} ms; piece-weighted mean "
    f"{1e3 * float(pw @ cx):.1f} ms; request-weighted mean {1e3 * float(rm.wp @ cx):.1f} ms"
)
for p, w, c, q in zip(rm.pc, rm.wp, cx, pw, strict=True):
    print(
        f"  prompt {p:8.0f} tokens: weight {w:.3f}, chunk share {q:.3f}, full-chunk extra {1e3 * c:6.1f} ms"
    )
