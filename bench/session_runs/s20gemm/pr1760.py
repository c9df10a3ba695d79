"""The 25.11 B200 Qwen3-235B MXFP8 row against Megatron-Bridge PR #1760's re-measured recipe.

Run: ``PYTHONPATH=. /work/main/.venv/bin/python bench/session_runs/s20gemm/pr1760.py``.

NVIDIA-NeMo/Megatron-Bridge PR #1760 "Improving Qwen3-235B-A22B B200 performance." (opened
2025-12-17, merged as a6e92de5f on 2026-01-09): "Update Qwen3 235B A22B B200 performance recipe
to address performance regression from 25.09. MXFP8 step time improved from 20.1s to 16.9s. ...
Disable ``moe_a2a_overlap`` due to CPU overhead for BF16 and MXFP8. Disable VP for mxfp8." The
diff (``scripts/performance/configs/qwen/qwen3_workload_base_configs.py``) removes
``virtual_pipeline_model_parallel_size=4`` and sets ``moe_a2a_overlap=False`` on
``QWEN3_235B_A22B_PRETRAIN_CONFIG_B200_FP8_CS`` (= ``..._FP8_MX``): 64 GPUs, PP8, EP8, GBS 1024,
MBS 1; the fp8-mx ``overlap_param_gather = False`` stays (``qwen3_llm_pretrain.py``). 20.1 s is
the 25.11 table row (3,269 tokens/s/GPU: 20.05 s). A diagnostic, not a calibration row: the
16.9 s is a number in a PR description, not a published table.
"""

from __future__ import annotations

import math
from dataclasses import replace

import planner.train  # noqa: F401  (registers the training predictor)
from planner.perfmodel.calibration.fit import log_error, time_log_error
from planner.perfmodel.calibration.published import BRIDGE_MOE
from planner.train.calibration import row_estimate

ROW = "bridge2511moe/B200/qwen3-235b-a22b/fp8-mx/64"
#: PR #1760's step times, seconds (before = the 25.11 recipe, after = its fix).
BEFORE_S, AFTER_S = 20.1, 16.9


def main() -> None:
    row = next(r for r in BRIDGE_MOE if r.id == ROW)
    est = row_estimate(row)
    err = math.exp(time_log_error(row, log_error(row))) - 1.0
    print(
        f"{ROW} (PP8 VP{row.interleave} EP8, A2A overlap): model {est.step_time:.2f} s, "
        f"table {est.step_time / (1 + err):.2f} s (PR: {BEFORE_S} s), error {100 * err:+.1f} %"
    )
    fixed = replace(
        row,
        id=ROW + " (PR #1760 recipe)",
        interleave=1,
        software=tuple((k, v) for k, v in row.software if k != "ep_overlap"),
        value=row.global_batch * row.seq_len / (AFTER_S * row.gpus),
    )
    est2 = row_estimate(fixed)
    print(
        f"PR #1760 recipe (PP8 VP1 EP8, no A2A overlap): model {est2.step_time:.2f} s, "
        f"measured {AFTER_S} s, error {100 * (est2.step_time / AFTER_S - 1):+.1f} %"
    )
    keys = ("compute", "ep_comm", "host", "bubble", "dp_comm", "pp_comm")
    for name, e in (("table row", est), ("PR #1760", est2)):
        print(f"  {name}: " + ", ".join(f"{k} {e.breakdown.get(k, 0.0):.2f}" for k in keys))


if __name__ == "__main__":
    main()
