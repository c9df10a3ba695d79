"""Serving loss along iteration_overhead_s, the other constants at the shipped (merged) values,
for the merged code and with merged changes switched off or model terms changed (monkeypatched).

Usage: PYTHONPATH=. python bench/session_runs/s27rev1/profile.py VARIANT [VALUE ...]

VARIANT, several joined with '+': merged | no_ends (embedding / LM head at the layers' bytes)
| no_sglang_frac | no_budget (no engine's budget counts the decodes) | head16 (the LM head
GEMM timed at 16 bits) | kv095 (TensorRT-LLM KV fraction 0.95). Prints one JSON line per
value and the per-row log errors at the first and last value.
"""

from __future__ import annotations

import json
import sys
import time

import planner.serve  # registers the serving predictors
import planner.train  # noqa: F401  (registers the training predictors)
from planner.perfmodel import constants
from planner.perfmodel.calibration import fit as F


def patch(variants: str) -> None:
    for variant in variants.split("+"):
        patch_one(variant)


def patch_one(variant: str) -> None:
    import planner.perfmodel.engines as engines
    import planner.perfmodel.stage as stage
    import planner.serve.capacity as cap
    import planner.serve.simulate as sim

    if variant == "no_ends":
        stage.end_weight_bytes = lambda wide: wide
    elif variant == "no_sglang_frac":
        stage.sglang_mem_fraction_static = lambda *a, **k: None
    elif variant == "head16":
        # time the LM head GEMM at 16 bits, as the checkpoint stores it (memory.end_weight_bytes)
        from planner.perfmodel.precision import get_precision

        orig = stage.EngineModel._gemm

        def gemm(self, N, n, k, batch=1.0, precision=None):
            if (n, k) == tuple(self.shapes.head) and (precision or self.precision).bytes < 2:
                precision = get_precision("bf16")
            return orig(self, N, n, k, batch, precision)

        stage.EngineModel._gemm = gemm
    elif variant == "kv095":
        # trtllm-bench --kv_cache_free_gpu_mem_fraction 0.95 ("in many cases", perf-overview)
        engines.TRTLLM_KV_FREE_FRACTION = 0.95
    elif variant == "no_budget":
        cap.decodes_in_budget = lambda engine: False
        sim.prompt_budget = lambda engine, budget, dec: float(budget)


def main() -> None:
    variant = sys.argv[1]
    values = [float(v) for v in sys.argv[2:]] or [0.0, 5e-5, 1e-4, 1.5e-4, 2e-4, 3e-4]
    patch(variant)
    rows = [r for r in F.CALIBRATION_ROWS if r.split == F.FIT and F.kind_of(r) == "serving"]
    shipped = F.shipped()
    per_row = {}
    for v in values:
        t = time.process_time()
        with constants.override({**shipped, "iteration_overhead_s": v}):
            errs = {r.id: F.log_error(r) for r in rows}
        loss = sum(e * e for e in errs.values()) / len(errs)
        per_row[v] = errs
        print(
            json.dumps(
                {
                    "variant": variant,
                    "iteration_overhead_s": v,
                    "loss": loss,
                    "rows": len(rows),
                    "cpu_s": round(time.process_time() - t, 2),
                }
            ),
            flush=True,
        )
    lo, hi = values[0], values[-1]
    moved = {
        k: (per_row[lo][k], per_row[hi][k])
        for k in per_row[lo]
        if abs(per_row[lo][k] - per_row[hi][k]) > 1e-9
    }
    for k, (a, b) in sorted(moved.items(), key=lambda kv: kv[1][0] ** 2 - kv[1][1] ** 2):
        print(
            json.dumps(
                {"variant": variant, "row": k, f"err@{lo}": round(a, 5), f"err@{hi}": round(b, 5)}
            )
        )


if __name__ == "__main__":
    main()
