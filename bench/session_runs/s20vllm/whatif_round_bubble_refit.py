"""What-if with a refit (not adopted in the model): vLLM V0's host bubble per scheduling round.

vLLM's multi-step RFC (github vllm-project/vllm issue #6854, 2024-07-26) measured "about 4ms
of GPU bubble" per scheduling round (GPU->CPU copy of the sampled tokens, scheduling, input
preparation, output processing), "incurred on every decode" with one step per round and once
every ``k`` steps with ``--num-scheduler-steps k``. The model's vLLM host time is per step
and fitted on rows run at ``k = 10`` (``sglang_vllm060``). Structure tried here: host per step
= fitted part + ``ROUND_BUBBLE_S / k`` for vLLM releases before 0.8.0 (the V0 engine; V1
overlaps scheduling), on every row whose engine it covers: the ``sglang_vllm060`` vLLM rows
(k = 10: +0.4 ms), the ``rocm_vllm066`` fit rows and the held-out dstack rows (k = 1: +4 ms).
The serving and CDNA3 stages are refitted from the shipped constants (the training stages do
not see the term), then the dstack 405B rows and the rocm_vllm066 fit rows are scored.
s15d405's what-if (``bench/session_runs/s15d405/whatif_round_bubble.py``) added the bubble
without a refit.

Usage: PYTHONPATH=. python bench/session_runs/s20vllm/whatif_round_bubble_refit.py
"""

from __future__ import annotations

import time

import numpy as np

from planner.perfmodel import constants, engines, stage
from planner.perfmodel.calibration import fit as fitmod
from planner.perfmodel.calibration.published import FIT
from planner.perfmodel.calibration.serving_public import PUBLIC_SERVING_ROWS
from planner.serve.calibration import predict_public_fit
from planner.serve.public import predict_public

#: Host bubble per scheduling round, seconds (vLLM issue #6854).
ROUND_BUBBLE_S = 4e-3
_BASE = engines.host_overhead_s


def host_with_round_bubble(engine, sequences=0.0):
    """The model's host time plus the per-round bubble spread over the round's steps (V0)."""
    base = _BASE(engine, sequences)
    version = engines.version_tuple(engine.version)[:3]
    if engine.name != "vllm" or not version or version >= engines.VLLM_V1_DEFAULT_RELEASE:
        return base
    return base + ROUND_BUBBLE_S / engine.scheduler_steps + 0.0 * np.asarray(sequences)


def score(tag: str, values: dict) -> None:
    with constants.override(values):
        groups: dict[str, list[float]] = {}
        for r in PUBLIC_SERVING_ROWS:
            if r.source not in ("dstack_405b", "rocm_vllm066", "sglang_vllm060"):
                continue
            v = predict_public_fit(r) if r.split == FIT else predict_public(r)
            groups.setdefault(f"{r.source}/{r.gpu}", []).append(v / r.value - 1)
            if r.source == "dstack_405b":
                print(f"  {tag} {r.id:36s} {v / r.value - 1:+7.1%}", flush=True)
    for k, errs in sorted(groups.items()):
        target = 0.15 if "dstack" in k else 1.0
        ok = sum(abs(e) <= target for e in errs)
        mae = sum(abs(e) for e in errs) / len(errs)
        print(
            f"{tag} {k:26s} n={len(errs):2d} within15={ok:2d} mean|e|={mae:6.1%} "
            f"signed={sum(errs) / len(errs):+6.1%}",
            flush=True,
        )


def main() -> None:
    t0 = time.process_time()
    shipped = dict(constants.FITTED)
    print("== shipped constants, shipped model")
    score("now", shipped)
    stage.host_overhead_s = host_with_round_bubble
    print("== round bubble, shipped constants (no refit)")
    score("bubble", shipped)
    rows = [r for r in fitmod.CALIBRATION_ROWS if fitmod.kind_of(r) in ("serving", "cdna3")]
    result = fitmod.fit(rows=rows, start=shipped, on_stage=print)
    moved = {k: (shipped[k], v) for k, v in result.values.items() if abs(v / shipped[k] - 1) > 1e-3}
    for k, (a, b) in moved.items():
        print(f"refit {k}: {a:.6g} -> {b:.6g}")
    print(f"stage loss: {result.loss}")
    print("== round bubble, refitted serving + CDNA3 constants")
    score("refit", result.values)
    print(f"CPU {time.process_time() - t0:.0f} s")


if __name__ == "__main__":
    main()
