"""What-if (s21decode): trtllm-bench's finite request count -- the last, partial wave.

trtllm-bench queues a fixed number of fixed-length requests at once and reports total output
tokens over the run's total latency (TensorRT-LLM perf overview, "Preparing a Dataset":
``$num_requests`` per ISL/OSL -- 30000 at 128/128; 3000 at 128/2048, 2048/128, 1000/1000,
500/2000; 1500 at 128/4096, 1000/2000, 2048/2048, 5000/500; 1000 at 20000/2000 -- the same
table at v0.17 and @00f37686; the "Guaranteed No Evict" scheduler reserves a request's whole
ISL + OSL, so with equal lengths a batch of ``B`` requests starts within a few iterations and
ends together: the run is ``floor(N / B)`` full waves and one wave of ``r = N - k B``
requests, each wave lasting ``b / lam(b)`` (:meth:`RoleModel.at_batch`, the model's own rate
at mean batch ``b``). Throughput ``N * OSL / (k B / lam(B) + r / lam(r))`` per engine
(``N / engines`` requests each) instead of the steady state's ``OSL * lam(B)``.

Usage: ``PYTHONPATH=. python bench/session_runs/s21decode/whatif_finite.py`` (prints every row
and the within-15 % counts per source, before / after; writes whatif_finite.md)
"""

from __future__ import annotations

import math

from common import publish, summary

from planner.perfmodel.calibration.inference_gpus import INFERENCE_GPU_ROWS
from planner.perfmodel.calibration.published import SERVING_ROWS
from planner.serve.calibration import row_role

#: trtllm-bench ``$num_requests`` per (ISL, OSL), the perf overview's table.
NUM_REQUESTS = {
    (128, 128): 30000,
    (128, 2048): 3000,
    (128, 4096): 1500,
    (1000, 2000): 1500,
    (2048, 128): 3000,
    (2048, 2048): 1500,
    (5000, 500): 1500,
    (1000, 1000): 3000,
    (500, 2000): 3000,
    (20000, 2000): 1000,
}


def finite(row) -> tuple[float, float, float, float]:
    """(steady-state, finite-run) output tokens/s, the steady batch and the waves per engine."""
    role = row_role(row)
    rate, point, _ = role.capacity()
    engines = role.engine.config.engines
    B = point.batch
    steady = rate * engines * row.output_tokens
    n = NUM_REQUESTS[(row.input_tokens, row.output_tokens)] / engines
    k = math.floor(n / B)
    r = n - k * B
    total = k * B / rate + (r / role.at_batch(r).rate if r > 1e-9 else 0.0)
    return steady, n * engines * row.output_tokens / total, B, n / B


def main() -> None:
    rows = [*SERVING_ROWS, *INFERENCE_GPU_ROWS]
    lines = ["| row | B | waves | steady err | finite err |", "|---|---|---|---|---|"]
    before, after = {}, {}
    for row in rows:
        steady, fin, B, waves = finite(row)
        before[row.id], after[row.id] = steady / row.value - 1, fin / row.value - 1
        lines.append(
            f"| {row.id} | {B:.0f} | {waves:.2f} | {before[row.id]:+.1%} | {after[row.id]:+.1%} |"
        )
    text = "\n".join([*lines, "", *summary(rows, before, after)])
    publish(
        "whatif_finite",
        "What-if: trtllm-bench's finite request count (the last, partial wave)",
        text,
    )


if __name__ == "__main__":
    main()
