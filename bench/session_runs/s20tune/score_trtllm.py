"""Predict every trtllm-bench row (fit overview, held-out 405B, L40S v0.17, RTX PRO 1.0) and
write id, split, measured, predicted, error and the trtllm-bench settings the row runs with.

Usage (from the worktree, PYTHONPATH set to it)::

    python bench/session_runs/s20tune/score_trtllm.py OUT.csv
"""

from __future__ import annotations

import csv
import statistics
import sys
import time

from planner.perfmodel.calibration.inference_gpus import INFERENCE_GPU_ROWS
from planner.perfmodel.calibration.published import SERVING_ROWS
from planner.serve import calibration

ROWS = (*SERVING_ROWS, *INFERENCE_GPU_ROWS)


def settings(row) -> tuple[str, str]:
    """The row's max batch and token budget when the model has them (after the change)."""
    fn = getattr(calibration, "row_bench_settings", None)
    if fn is None:
        return "", ""
    s = fn(row)
    return str(s.max_batch_size), str(s.max_num_tokens)


def main() -> None:
    out = sys.argv[1]
    t0 = time.process_time()
    rows = []
    for r in ROWS:
        value = calibration.predict(r)
        bs, tok = settings(r)
        err = value / r.value - 1.0
        rows.append(
            {
                "id": r.id,
                "source": r.source,
                "split": r.split,
                "measured": r.value,
                "predicted": round(value, 2),
                "error": round(err, 4),
                "max_batch_size": bs,
                "max_num_tokens": tok,
            }
        )
    with open(out, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    for src, split in sorted({(r["source"], r["split"]) for r in rows}):
        sel = [r for r in rows if r["source"] == src and r["split"] == split]
        errs = [r["error"] for r in sel]
        inside = sum(abs(e) <= 0.15 for e in errs)
        print(
            f"{src:16s} {split:8s} {inside:3d} / {len(sel):3d} within 15 %, "
            f"median |err| {100 * statistics.median(abs(e) for e in errs):5.1f} %, "
            f"signed mean {100 * statistics.mean(errs):+5.1f} %"
        )
    print(f"CPU {time.process_time() - t0:.1f} s")


if __name__ == "__main__":
    main()
