"""The 26.02 / 26.02.01 H100 Qwen3-30B A/B (same layout, all-to-all vs flex dispatcher) priced by
the shipped model, beside the 25.11 and 25.09 rows at the neighbouring layout.

Run: ``PYTHONPATH=. .venv/bin/python bench/session_runs/s31te/dispatcher_ab.py`` (seconds).

Public figures (Megatron-Bridge, ``docs/performance-summary.md``), DGX-H100, Qwen3_30B_a3B, 16
GPUs, FP8, GBS 1024, MBS 1, seq 4096, TP1 PP2 CP1 VP12 EP8:
* 26.02 NeMo container: 5113 tokens/s/GPU (v0.3.0 @21b02e0c line 104; v0.4.0 @0fbfe7d3 line 184);
* 26.02.01 NeMo container: 9058 tokens/s/GPU (v0.4.0 @0fbfe7d3 line 99).
Between them the Qwen3 perf presets gained ``moe_flex_dispatcher_backend="deepep"`` on the base
config (PR #2351, commit 5c38201c) and ``moe_token_dispatcher_type = "flex"`` set explicitly
(PR #2393, commit 6a41745d); the 26.02 container shipped without DeepEP (v0.4.0
``docs/releases/known-issues.md`` line 9), so the 26.02 run used the all-to-all dispatcher. Both
tables: force-balanced, token-dropless. The preset (v0.3.0 ``qwen3_workload_base_configs.py``
lines 421-429) sets ``moe_a2a_overlap=True`` and no CUDA graphs on H100 FP8.

These rows are NOT added to the calibration tables (a data decision for the lead); the probe
only prices them: clones of the 25.11 H100 row with the layout / GBS / dispatcher changed.
"""

from __future__ import annotations

import dataclasses
import math

import planner.serve
import planner.train  # noqa: F401
from planner.perfmodel import constants
from planner.perfmodel.calibration.fit import log_error, time_log_error
from planner.perfmodel.calibration.published import BRIDGE_MOE


def _row(rid: str):
    return next(r for r in BRIDGE_MOE if r.id == rid)


def _err(row) -> float:
    with constants.override({}):
        return math.exp(time_log_error(row, log_error(row))) - 1.0


def _step(row) -> float:
    return row.global_batch * row.seq_len / (row.value * row.gpus)


def _line(name: str, r) -> None:
    """One table line; the excess (measured - model) spread over the stage's MoE
    layer-microbatches (48 layers / PP, GBS / (DP x MBS) microbatches) and their tokens."""
    e = _err(r)
    measured, model = _step(r), _step(r) * (1 + e)
    lmb = 48 // r.pp * r.global_batch // (r.dp * r.microbatch)
    ms = (measured - model) / lmb * 1e3
    us = ms * 1e3 / (r.microbatch * r.seq_len)
    print(f"| {name} | {measured:.2f} | {model:.2f} | {e * 100:+.1f} % | {ms:.2f} | {us:.2f} |")


def main() -> None:
    base = _row("bridge2511moe/H100/qwen3-30b-a3b/fp8-cs/16")
    sw = tuple(kv for kv in base.software if kv[0] not in ("dispatcher", "flex_backend"))
    layout = dict(global_batch=1024, microbatch=1, interleave=12)
    variants = {
        "26.02 (all-to-all, measured 5113)": dataclasses.replace(
            base, id="b2602/H100/q30", value=5113.0, software=sw, **layout
        ),
        "26.02.01 (flex DeepEP, measured 9058)": dataclasses.replace(
            base,
            id="b260201/H100/q30",
            value=9058.0,
            software=(*sw, ("dispatcher", "flex"), ("flex_backend", "deepep")),
            **layout,
        ),
        "26.02.01 priced as all-to-all": dataclasses.replace(
            base, id="b260201a/H100/q30", value=9058.0, software=sw, **layout
        ),
    }
    print(
        "| row | measured step s | model step s | time error | excess ms per layer-microbatch "
        "| excess us per token and layer |"
    )
    print("|---|---|---|---|---|---|")
    for rid in (
        "bridge2509moe/H100/qwen3-30b-a3b/fp8/16",
        "bridge2511moe/H100/qwen3-30b-a3b/fp8-cs/16",
    ):
        _line(rid, _row(rid))
    for name, r in variants.items():
        _line(name, r)


if __name__ == "__main__":
    main()
