"""Suspects (b)-(d) of brief s21decode, measured on the model's own decomposition.

For every trtllm-bench row (fit and held-out, 161) from :mod:`decompose`:

* (b) decode attention: the KV-read efficiency ``e`` (of the datasheet bandwidth; the model
  reads at the fitted ``weight_stream_efficiency``) that alone would bring the row's
  throughput to the published one, with everything else fixed: ``kv_share * e0 / e =
  kv_share + (pred / meas - 1)`` (``None`` when no ``e`` in (0, 1] does it: the KV read is
  too small a part of the row's time, or the row is under-predicted);
* (c) prefill attention: its share of the predicted time per request;
* (d) host time per running sequence: TensorRT-LLM's own measurement of a host iteration,
  ``TRTLLM_HOST_PER_SEQUENCE_S`` (29.4 us per sequence, PR #10273,
  :mod:`planner.perfmodel.engines`) at the row's batch ``B``: the ratio to the decode
  iteration ``t0`` (> 1: it would bind even when overlapped with the GPU) and the change in
  throughput if it were added in series (per request ``OSL * 29.4 us``).

Usage: ``PYTHONPATH=. python bench/session_runs/s21decode/suspects.py`` (writes suspects.md)
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import publish
from decompose import decompose

from planner.perfmodel import constants
from planner.perfmodel.calibration.inference_gpus import INFERENCE_GPU_ROWS
from planner.perfmodel.calibration.published import SERVING_ROWS
from planner.perfmodel.engines import TRTLLM_HOST_PER_SEQUENCE_S


def main() -> None:
    e0 = constants.FITTED["weight_stream_efficiency"]
    lines = [
        "| row | err | decode share | kv share | (b) e_kv needed | (c) prefill attn share | "
        "(d) host / t0 | (d) in series |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in (*SERVING_ROWS, *INFERENCE_GPU_ROWS):
        d = decompose(row)
        err = d["pred"] / row.value - 1
        kv = d["dec"]["kv_read"]
        needed = None
        if err > 0 and kv > 0:
            e = kv * e0 / (kv + err)
            needed = e if 0 < e <= 1 else None
        host = TRTLLM_HOST_PER_SEQUENCE_S * d["B"]
        per_req = d["t0"] * row.output_tokens / d["B"] / d["decode_share"]
        series = 1.0 / (1.0 + row.output_tokens * TRTLLM_HOST_PER_SEQUENCE_S / per_req) - 1
        lines.append(
            f"| {row.id} | {err:+.1%} | {d['decode_share']:.0%} | {kv:.0%} | "
            f"{'-' if needed is None else f'{needed:.2f}'} | {d['pre']['prefill_attn']:.0%} | "
            f"{host / d['t0']:.2f} | {series:+.0%} |"
        )
    publish("suspects", "Suspects (b)-(d) per trtllm-bench row", "\n".join(lines))


if __name__ == "__main__":
    main()
