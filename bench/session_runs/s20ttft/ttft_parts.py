"""Where the model's p99 TTFT of the NVIDIA llama2-70b MLPerf v4.1 Server rows comes from:
at the scheduled rate and at the model's capacity, the prefill server's pieces (decode step
t0, full-token-budget iteration tc, prefill utilization), the KV cache and whether the KV
admission wait is in the TTFT law.

Usage: PYTHONPATH=. python bench/session_runs/s20ttft/ttft_parts.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from planner.perfmodel.calibration.mlperf import MLPERF_ROWS

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "s20mlperf"))
from mlperf_role import role


def show(name: str, rm, lam: float) -> None:
    point = rm.at_rate(lam)
    B = point.batch
    f = rm._prefill(B)
    s = rm._batch_state(B)
    law = s.ttft()
    print(
        f"  {name}: rate {lam:.3f}/s batch {B:.0f} t0 {f['t0'] * 1e3:.1f} ms "
        f"tc {f['tc'] * 1e3:.1f} ms (C={rm.split}) s1 {f['s1'] * 1e3:.1f} ms util {point.utilization:.3f} "
        f"kv {point.kv_tokens:,.0f}/{point.kv_capacity:,.0f} p99 TTFT {point.ttft_s:.3f} "
        f"p99 TPOT {point.tpot_s:.3f} mean iter {point.tpot_mean_s * 1e3:.1f} ms "
        f"offset {s.ttft_offset * 1e3:.1f} ms law {type(law).__name__}"
    )


def main() -> None:
    for r in MLPERF_ROWS:
        if r.model != "llama-2-70b" or r.scenario != "Server" or r.metric != "ttft_s":
            continue
        if r.submitter != "NVIDIA":
            continue
        rm = role(r)
        print(r.id, "measured p99 TTFT", round(r.value, 3))
        per_engine = r.rate / r.engines
        lam, _, _ = rm.capacity()
        show("scheduled", rm, per_engine)
        show("capacity ", rm, lam)
        for frac in (0.6, 0.8, 0.9):
            show(f"{frac:.1f} x cap", rm, frac * lam)


if __name__ == "__main__":
    main()
