"""Public serving rows whose engine is vLLM 0.7-0.8 (the rows the non-torch rule can move),
predicted with the rule's constants before (0.13 + 0.28 per peer) and after (0.05 + 0.29).

Usage: PYTHONPATH=. .venv/bin/python bench/session_runs/s31polish/vllm_window_rows.py [--list]
       [--skip SOURCE ...]
"""

import sys

import planner.perfmodel.vllm_memory as vm
from planner.perfmodel.calibration.serving_public import PUBLIC_SERVING_ROWS
from planner.perfmodel.engines import parse_engine, release_tuple
from planner.serve.public import predict_public

skip = set(sys.argv[sys.argv.index("--skip") + 1 :]) if "--skip" in sys.argv else set()
rows = []
for r in PUBLIC_SERVING_ROWS:
    eng = parse_engine(r.engine) if isinstance(r.engine, str) else r.engine
    if eng.name != "vllm" or not eng.version:
        continue
    if (0, 7, 0) <= release_tuple(eng.version) <= (0, 8, 999) and r.source not in skip:
        rows.append(r)
print(f"{len(rows)} rows in the window:", sorted({r.source for r in rows}), flush=True)
if "--list" in sys.argv:
    sys.exit()
changed = 0
for r in rows:
    vm.VLLM_NON_TORCH_BASE_GIB, vm.VLLM_NON_TORCH_PER_PEER_GIB = 0.13, 0.28
    old = predict_public(r)
    vm.VLLM_NON_TORCH_BASE_GIB, vm.VLLM_NON_TORCH_PER_PEER_GIB = 0.05, 0.29
    new = predict_public(r)
    moved = abs(new - old) > 1e-9 * max(1.0, abs(old))
    changed += moved
    print(
        f"{r.id}: measured {r.value:.4g} predicted {old:.4g} -> {new:.4g}, error "
        f"{old / r.value - 1:+.1%} -> {new / r.value - 1:+.1%}{'  MOVED' if moved else ''}",
        flush=True,
    )
print(f"{changed} of {len(rows)} rows moved")
