"""Held-out rows whose TensorRT-LLM engine has no version although the run used a pre-1.0
release (the TensorRT engine flow): since s29kv an unversioned ``trtllm`` takes the PyTorch
flow's reserve. Prediction as entered vs with ``trtllm:0.17.0`` (a pre-1.0 version: the fixed
4 GiB reserve), and the per-GPU KV pool of each. Run with PYTHONPATH=. from a worktree."""

from __future__ import annotations

import dataclasses
import time

from planner.perfmodel.calibration import inference_gpus, mlperf
from planner.serve.calibration import predict, predict_mlperf, row_role


def versioned(engine: str) -> str:
    name, _, opts = engine.partition(",")
    return f"{name}:0.17.0" + (f",{opts}" if opts else "")


cpu = time.process_time()
print("row | value | predicted as entered | with trtllm:0.17.0 | change")
for row in inference_gpus._l40s_rows():
    old = dataclasses.replace(row, engine=versioned(row.engine))
    a, b = predict(row), predict(old)
    kv_a = row_role(row).engine.memory_breakdown()["kv_cache"]
    kv_b = row_role(old).engine.memory_breakdown()["kv_cache"]
    print(
        f"{row.id} | {row.value:g} | {a:.1f} (KV {kv_a:.2f} GiB) | {b:.1f} (KV {kv_b:.2f} GiB)"
        f" | {100 * (a / b - 1):+.2f} %"
    )
for row in mlperf.MLPERF_ROWS:
    if not row.engine.startswith("trtllm") or row.metric != "output_tokens_per_s":
        continue
    old = dataclasses.replace(row, engine=versioned(row.engine))
    try:
        a, b = predict_mlperf(row), predict_mlperf(old)
    except ValueError as exc:  # the Mixtral rows: no published mean prompt
        print(f"{row.id} | {row.value:g} | not predicted: {exc}")
        continue
    print(f"{row.id} | {row.value:g} | {a:.1f} | {b:.1f} | {100 * (a / b - 1):+.2f} %")
print(f"{time.process_time() - cpu:.1f} CPU s")
