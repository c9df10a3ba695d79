"""Sensitivity of the DGX-H100 engine's KV admission (and so its p99 TTFT) at the MLPerf run's
own batch (847, at_real_batch.py) to the output-length spread, which MLPerf does not publish
(the rows assume a lognormal with standard deviation = mean). Not a fit: a what-if table.

Usage: PYTHONPATH=. python bench/session_runs/s20ttft/output_spread.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from planner.perfmodel.calibration.mlperf import DATASETS, MLPERF_ROWS
from planner.serve.calibration import ENGINE_CHUNK_TOKENS
from planner.serve.capacity import RoleModel
from planner.serve.slo import SLO
from planner.serve.traffic import Traffic, parse_lengths

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "s20mlperf"))
from mlperf_role import engine_model

BATCH = 847  # at_real_batch.txt


def main() -> None:
    r = next(
        x
        for x in MLPERF_ROWS
        if x.system.startswith("DGX-H100") and x.model == "llama-2-70b" and x.scenario == "Server"
    )
    data = DATASETS[r.model]
    prompt = parse_lengths(f"lognormal:{data.input_mean:g},{data.input_std:g}", what="in")
    em = engine_model(r)
    print(
        "| output sd / mean | rate at batch 847 | mean iteration ms | p99 TPOT ms | p99 TTFT s | KV p99 / cap |"
    )
    print("|---|---|---|---|---|---|")
    for cv in (1.0, 0.75, 0.5):
        out = parse_lengths(f"lognormal:{r.output_mean:g},{cv * r.output_mean:g}", what="out")
        rm = RoleModel(
            em,
            "both",
            Traffic(r.rate / r.engines, prompt, out),
            SLO(ttft_s=2.0, tpot_s=0.2, percentile=0.99),
            chunk=em.engine.batched_tokens or ENGINE_CHUNK_TOKENS[em.engine.name],
            online=True,
            kv_admission=r.kv_admission,
        )
        p = rm.at_batch(BATCH)
        print(
            f"| {cv:.2f} | {p.rate:.3f} | {p.tpot_mean_s * 1e3:.0f} | {p.tpot_s * 1e3:.0f} "
            f"| {p.ttft_s:.3f} | {p.kv_tokens:,.0f} / {p.kv_capacity:,.0f} |"
        )


if __name__ == "__main__":
    main()
