"""The memory split behind the 70B H200 TP1 overview rows' KV pool (branch code): what the
runtime reports, weights, reserve, activation workspace, and the KV pool at 0.95.

``PYTHONPATH=. .venv/bin/python bench/session_runs/s28rev/kv_pool_70b_h200.py``
"""

from __future__ import annotations

import planner.serve  # noqa: F401  (registers the serving predictor)
from planner.perfmodel.calibration.published import SERVING_ROWS
from planner.perfmodel.hardware import GIB
from planner.perfmodel.memory import RUNTIME_RESERVED_GIB
from planner.serve.calibration import row_bench_settings, row_role


def main() -> None:
    """Print the split of each 70B H200 row's GPU memory and its batch limits."""
    for row in SERVING_ROWS:
        if not row.id.startswith("trtllm_overview/llama-3.1-70b/H200/"):
            continue
        eng = row_role(row).engine
        limits = row_bench_settings(row)
        print(
            f"{row.id}: runtime {eng.config.gpu.runtime_bytes / GIB:.1f} GiB, weights "
            f"{eng.weight_bytes / GIB:.1f}, reserve {RUNTIME_RESERVED_GIB:.1f}, workspace "
            f"{eng.workspace_bytes / GIB:.2f}, KV pool {eng.free_bytes / GIB:.1f} GiB = "
            f"{eng.kv_tokens:,.0f} tokens ({eng.kv_tokens / (row.input_tokens + row.output_tokens):.0f}"
            f" requests); trtllm-bench bs {limits.max_batch_size}, tokens {limits.max_num_tokens},"
            f" its estimate {limits.kv_requests:.0f} requests"
        )


if __name__ == "__main__":
    main()
