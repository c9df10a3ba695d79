"""Two checks on the NVIDIA llama2-70b MLPerf v4.1 Server rows (held out; nothing here is fitted).

1. How much of the model's p99 TTFT at its own capacity is the KV-admission wait: the TTFT
   law with and without :class:`planner.serve.kv_admission.KvWaitLaw` at the same state.
2. TensorRT-LLM's micro-batch scheduler counts each decode as one token of ``max_num_tokens``
   (microBatchScheduler.cpp, generation requests: ``reqNumTokens = beamWidth + draft``), so
   the prompt tokens an iteration can carry are ``max_num_tokens - B``, not the model's
   ``C = max_num_tokens`` on top of ``B``: the rows re-predicted with ``tokens = 4096 - B``
   at the model's capacity batch (a sensitivity, not a change of the model).

Usage: PYTHONPATH=. python bench/session_runs/s20ttft/budget_and_kvwait.py
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

from planner.perfmodel.calibration.mlperf import MLPERF_ROWS
from planner.serve.calibration import predict_mlperf
from planner.serve.chunked_ttft import ChunkedPrefillLaw
from planner.serve.queueing import gg1_mean_wait

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "s20mlperf"))
from mlperf_role import role


def main() -> None:
    rows = [
        r
        for r in MLPERF_ROWS
        if r.model == "llama-2-70b" and r.submitter == "NVIDIA" and r.scenario == "Server"
    ]
    print("## 1. KV-admission wait in the p99 TTFT at the model's capacity\n")
    print(
        "| system | rate/engine | batch | p99 TTFT with KV wait | without | P(wait) | wait rate /s |"
    )
    print("|---|---|---|---|---|---|---|")
    seen = set()
    for r in rows:
        if r.system in seen:
            continue
        seen.add(r.system)
        rm = role(r)
        lam, point, _ = rm.capacity()
        s = rm._batch_state(point.batch)
        law = s.ttft()
        f = rm._prefill(point.batch)
        ew = gg1_mean_wait(s.rate, f["s1"], f["s2"], rm.ca2)
        hold = ew + f["s1"]
        wait = rm.admission(s.rate, hold, point.batch, f["t0"])
        base = ChunkedPrefillLaw(
            s.rate,
            f["s1"],
            f["s2"],
            rm.ca2,
            s.ttft_offset,
            rm.split,
            f["t0"],
            f["tc"],
            rm.win_lo,
            rm.win_hi,
            rm.win_attn,
            rm.wp,
            rm.pc,
            rm.q,
        )
        print(
            f"| {r.system} | {lam:.3f} | {point.batch:.0f} | {law.quantile() + s.ttft_offset:.3f} "
            f"| {base.quantile() + s.ttft_offset:.3f} | "
            f"{(wait.probability if wait else 0):.4f} | {(wait.rate if wait else 0):.3f} |"
        )
    print("\n## 2. Prompt budget max_num_tokens - B (sensitivity)\n")
    print("| row | measured | model (tokens=4096) | tokens=4096-B | prediction |")
    print("|---|---|---|---|---|")
    for r in rows:
        rm = role(r)
        _, point, _ = rm.capacity()
        budget = int(4096 - round(point.batch))
        alt = dataclasses.replace(r, engine=f"trtllm,tokens={budget}")
        a, b = predict_mlperf(r), predict_mlperf(alt)
        print(
            f"| {r.id.split('/', 1)[1]} | {r.value:.4g} | {a:.4g} ({a / r.value - 1:+.1%}) "
            f"| {budget} | {b:.4g} ({b / r.value - 1:+.1%}) |"
        )


if __name__ == "__main__":
    main()
