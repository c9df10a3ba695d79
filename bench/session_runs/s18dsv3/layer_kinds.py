"""Per-kind decomposition of the model's DeepSeek-V3 MoE layer (anchor layout), to set beside
the deepseek-ai/profile-data train.json kinds (bench/results/train/deepseek_profile.md).

Instruments planner.perfmodel.layer's kernel helpers (GEMM, memory-bound, flash attention,
dispatch) while one MoE layer's cost is computed, and prints the forward + backward sums of
each kind for the middle DualPipe rank's 4-layer stage.

    PYTHONPATH=. .venv/bin/python bench/session_runs/s18dsv3/layer_kinds.py
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from train_anchors import deepseek_v3

from planner.perfmodel import comm, layer
from planner.perfmodel.stage import layer_time
from planner.train.step_time import estimate


def main() -> None:
    prob, plan, _measured, _ = deepseek_v3()
    est = estimate(prob, plan)
    mid = est.stages[7]
    print(
        f"middle stage: layers {mid.layers}, fwd {mid.fwd * 1e3:.2f} ms, bwd {mid.bwd * 1e3:.2f} ms"
    )
    calls = defaultdict(list)
    orig = {
        "gemm_time": layer.gemm_time,
        "memory_time": layer.memory_time,
        "flash_attention_time": layer.flash_attention_time,
    }
    orig_disp = comm.dispatch_all_to_all

    def wrap(name, f):
        def g(*a, **k):
            r = f(*a, **k)
            calls[name].append((a[1:4] if name == "gemm_time" else (), k.get("batch", 1), r))
            return r

        return g

    for n, f in orig.items():
        setattr(layer, n, wrap(n, f))

    def disp(*a, **k):
        r = orig_disp(*a, **k)
        calls["dispatch"].append(((a[0], a[2]), 1, r))
        return r

    comm.dispatch_all_to_all = disp
    layer.layer_cost.cache_clear()
    # find the step used by the estimate: rebuild it through the public path
    from planner.train import step_time

    step = step_time.training_step(prob, plan) if hasattr(step_time, "training_step") else None
    if step is None:
        raise SystemExit("no training_step helper; adapt")
    c = layer_time(step, prob.cluster.pools[0].gpu, True)
    for n, f in orig.items():
        setattr(layer, n, f)
    comm.dispatch_all_to_all = orig_disp
    print(c)
    tot = defaultdict(float)
    for name, lst in calls.items():
        for shp, batch, r in lst:
            print(f"{name:22s} {shp!s:40s} batch {batch!s:6s} {r * 1e3:8.3f} ms")
            tot[name] += r
    print({k: round(v * 1e3, 3) for k, v in tot.items()})


if __name__ == "__main__":
    main()
