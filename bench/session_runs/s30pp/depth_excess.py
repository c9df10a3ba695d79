"""s30pp: how the RTX PRO 70B rows' error grows with pipeline depth, pair by pair.

For each ISL/OSL pair: r_pp = (1 + e_pp) / (1 + e_pp1) - 1 (the depth part of the error, the
PP1 row of the same pair as reference), and the time per micro-batch and stage it implies,
X = r_pp * round / pp (round: the model's decode-only round at its batch), beside the per-stage
GPU time U, the host term g and the batch B. Diagnostic only: nothing here is fitted.

    PYTHONPATH=. python bench/session_runs/s30pp/depth_excess.py
"""

import sys
from pathlib import Path

from planner.perfmodel.calibration.inference_gpus import INFERENCE_GPU_ROWS

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pp_decompose import terms

rows = [r for r in INFERENCE_GPU_ROWS if r.source == "trtllm_rtxpro" and "70b" in r.id]
by = {}
for r in rows:
    pair = r.id.rsplit("/", 1)[1]
    by.setdefault(pair, {})[r.pp] = terms(r)
print(
    "| pair | pp | err | depth part r | B | U ms | g ms | round ms | X ms / (mb, stage) | X/U | X/B us |"
)
print("|---|---|---|---|---|---|---|---|---|---|---|")
for pair, d in by.items():
    e1 = d[1]["err"]
    for pp in (2, 4, 8):
        t = d[pp]
        r = (1 + t["err"]) / (1 + e1) - 1
        X = r * t["t0"] / pp
        print(
            f"| {pair} | {pp} | {t['err']:+.1%} | {r:+.1%} | {t['B']:.0f} | {1e3 * t['smax']:.2f} | "
            f"{1e3 * t['g']:.2f} | {1e3 * t['t0']:.1f} | {1e3 * X:+.2f} | {X / t['smax']:+.2f} | {1e6 * X / t['B']:+.1f} |"
        )
