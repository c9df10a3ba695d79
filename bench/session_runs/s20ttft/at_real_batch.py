"""The model's DGX-H100 llama2-70b engine at the batch the MLPerf v4.1 Server run held
(Little's law on its log: scheduled rate per engine x (mean TTFT + (output - 1) x mean TPOT)),
against the run's mean TPOT: is the iteration at that batch the gap, or the batch?

Usage: PYTHONPATH=. python bench/session_runs/s20ttft/at_real_batch.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from planner.perfmodel.calibration.mlperf import MLPERF_ROWS

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "s20mlperf"))
from mlperf_role import role

# mlperf_log_summary.txt of closed/NVIDIA/results/<system>/llama2-70b-99/Server/performance/run_1
# (inference_results_v4.1 @198fc467): mean first-token latency, mean time to output token (s)
LOGS = {
    "DGX-H100_H100-SXM-80GBx8_TRT": (0.275926440, 0.154960329),
    "H200-SXM-141GBx8_TRT": (0.198269106, 0.123263268),
}


def main() -> None:
    for r in MLPERF_ROWS:
        if r.system not in LOGS or r.model != "llama-2-70b" or r.metric != "tpot_s":
            continue
        if r.scenario != "Server" or r.statistic != "p99":
            continue
        ttft, tpot = LOGS[r.system]
        lam = r.rate / r.engines
        batch = lam * (ttft + (r.output_mean - 1) * tpot)
        rm = role(r)
        p = rm.at_batch(batch)
        print(
            f"{r.system}: run rate {lam:.3f}/s, Little batch {batch:.0f}, mean TPOT {tpot * 1e3:.0f} ms; "
            f"model at that batch: rate {p.rate:.3f}/s, mean iteration {p.tpot_mean_s * 1e3:.0f} ms, "
            f"p99 TPOT {p.tpot_s * 1e3:.0f} ms, p99 TTFT {p.ttft_s:.3f} s, KV {p.kv_tokens:,.0f} / "
            f"{p.kv_capacity:,.0f}"
        )


if __name__ == "__main__":
    main()
