"""Sensitivity of the Megatron-Bridge MoE rows to host time exposed after the dropless sync.

Run: ``PYTHONPATH=. .venv/bin/python bench/session_runs/s31sync/sync_probe.py`` (seconds).
Wraps ``planner.perfmodel.layer.expert_host_wait``; for every dropless row on the eager expert
path (``sync=True``) the forward wait becomes, per variant:

* ``ops N``: the shipped wait with N more eager launches (``EAGER_LAUNCH_S`` each) issued
  after the sync before the expert segment's GPU work can hide them (the dispatcher's and
  combine's non-expert ops), i.e. ``max(0, host + N * launch - experts_fwd) + launch``;
* ``adds``: the host's per-expert launches wholly added to the GPU time (no overlap with the
  expert segment's kernels), ``host + launch``: the brief's upper bound.

Prints the six rows over 25 %, the guide's H100 all-to-all run residual and the 53-row and
313-row held-out mean / max for each variant.
"""

from __future__ import annotations

import math
import statistics

import planner.perfmodel.layer as layer_mod
import planner.serve
import planner.train  # noqa: F401
from planner.perfmodel import constants
from planner.perfmodel.calibration import fit
from planner.perfmodel.calibration.fit import log_error, time_log_error
from planner.perfmodel.calibration.published import BRIDGE_MOE, FIT
from planner.perfmodel.host import EAGER_LAUNCH_S, expert_host_seconds

_orig = layer_mod.expert_host_wait
MODE: dict[str, object] = {"kind": "shipped", "n": 0}


def _wrapped(local_experts, prec, *, experts_fwd, layer_fwd, layer_bwd, sync):
    fwd, bwd = _orig(
        local_experts,
        prec,
        experts_fwd=experts_fwd,
        layer_fwd=layer_fwd,
        layer_bwd=layer_bwd,
        sync=sync,
    )
    if not sync or MODE["kind"] == "shipped":
        return fwd, bwd
    host_fwd = local_experts * expert_host_seconds(prec)[0]
    if MODE["kind"] == "ops":
        extra = MODE["n"] * EAGER_LAUNCH_S
        return max(0.0, host_fwd + extra - experts_fwd) + EAGER_LAUNCH_S, bwd
    return host_fwd + EAGER_LAUNCH_S, bwd  # adds


layer_mod.expert_host_wait = _wrapped

SIX = (
    "bridge2511moe/H100/qwen3-30b-a3b/fp8-cs/16",
    "bridge2511moe/B200/qwen3-30b-a3b/fp8-mx/8",
    "bridge2511moe/B200/qwen3-235b-a22b/fp8-mx/64",
    "bridge2511moe/GB300/qwen3-235b-a22b/bf16/256",
    "bridge2509moe/GB200/qwen3-235b-a22b/fp8/64",
    "bridge2608moe/GB200/gpt-oss-120b/fp8-mx/64",
)


def errors() -> dict[str, float]:
    with constants.override({}):  # clears the model's caches
        return {r.id: math.exp(time_log_error(r, log_error(r))) - 1.0 for r in BRIDGE_MOE}


def held_out() -> list[float]:
    with constants.override({}):
        return [
            abs(math.exp(time_log_error(r, log_error(r))) - 1.0)
            for r in fit.CALIBRATION_ROWS
            if r.split != FIT
        ]


def main() -> None:
    variants = [("shipped", 0), ("ops", 10), ("ops", 30), ("ops", 100), ("adds", 0)]
    head = ["row"] + [f"{k} {n}" if k == "ops" else k for k, n in variants]
    print("| " + " | ".join(head) + " |")
    print("|---" * len(head) + "|")
    res = []
    for kind, n in variants:
        MODE.update(kind=kind, n=n)
        res.append((errors(), held_out()))
    more = (
        "bridge2604moe/H100/qwen3-30b-a3b/fp8-cs/16",
        "bridge2511moe/GB200/qwen3-30b-a3b/fp8-mx/8",
        "bridge2511moe/GB300/qwen3-30b-a3b/fp8-mx/8",
    )
    for rid in (*SIX, *more):
        print(f"| {rid} | " + " | ".join(f"{100 * e[rid]:+.1f} %" for e, _ in res) + " |")
    print(
        "| 53 Bridge MoE mean / max | "
        + " | ".join(
            f"{100 * statistics.fmean(abs(x) for x in e.values()):.1f} / "
            f"{100 * max(abs(x) for x in e.values()):.1f} %"
            for e, _ in res
        )
        + " |"
    )
    print(
        "| held-out mean / max | "
        + " | ".join(
            f"{100 * statistics.fmean(h):.2f} / {100 * max(h):.1f} % ({len(h)})" for _, h in res
        )
        + " |"
    )


if __name__ == "__main__":
    main()
