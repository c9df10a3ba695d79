"""The DeepSeek-V3 batch-size ramp's share of the whole-run average step (report section 4.2:
"the batch size is gradually increased from 3072 to 15360 in the training of the first 469B
tokens, and then keeps 15360"; 14.8T tokens in all).

The published layout (bench/train_anchors.py) priced at every batch of the ramp (multiples of
256 sequences: an even microbatch count per pipeline at dp 128), the batch taken linear in
tokens (the report does not say how it grows). Prints the model's seconds per token during
the ramp and after it, and the whole run's average over the full-batch one.

    PYTHONPATH=. .venv/bin/python bench/session_runs/s18dsv3/ramp.py
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from train_anchors import deepseek_v3

from planner.train.step_time import (
    estimate,
    training_step,
)


def main() -> None:
    prob, plan, _measured, _ = deepseek_v3()
    full = prob.workload.global_batch
    per_token = {}
    for batch in range(3072, full + 1, 256):
        p = replace(prob, workload=replace(prob.workload, global_batch=batch))
        est = estimate(p, plan)
        per_token[batch] = est.step_time / (batch * prob.workload.seq_len)
        if batch in (3072, 4096, 8192, full):
            sched = training_step(p, plan).schedule
            print(
                f"batch {batch:5d}: {est.step_time:6.3f} s/step, {sched}, "
                f"{1e9 * per_token[batch]:.3f} ns/token"
            )
    ramp = sum(per_token.values()) / len(per_token)  # batch linear in tokens: uniform mean
    share = 469 / 14800
    run = share * ramp + (1 - share) * per_token[full]
    print(f"ramp mean {1e9 * ramp:.3f} ns/token vs {1e9 * per_token[full]:.3f} at full batch")
    print(f"whole-run average / full-batch step: {run / per_token[full]:.4f}")


if __name__ == "__main__":
    main()
