"""Score the AMD serving rows (MLPerf AMD llama2-70b, dstack MI300X, rocm_vllm066 fit rows).

Usage: PYTHONPATH=. python bench/session_runs/s19amd/score_amd.py [--fast] [--source S]
"""

from __future__ import annotations

import argparse
import statistics
import time

from planner.perfmodel.calibration.mlperf import DATASETS, MLPERF_ROWS
from planner.perfmodel.calibration.published import FIT
from planner.perfmodel.calibration.serving_public import PUBLIC_SERVING_ROWS
from planner.serve.calibration import predict_mlperf, predict_public_fit
from planner.serve.public import predict_public

AMD = ("MI300X", "MI325X")
TARGET = {"latency": 0.25, "throughput": 0.15}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", action="append", default=[])
    args = ap.parse_args()
    out = []
    t0 = time.process_time()
    for r in PUBLIC_SERVING_ROWS:
        if r.gpu not in AMD or (args.source and r.source not in args.source):
            continue
        v = predict_public_fit(r) if r.split == FIT else predict_public(r)
        out.append((r.source, r.split, r.metric, r.id, r.value, v))
    for r in MLPERF_ROWS:
        if r.gpu not in AMD or DATASETS[r.model].input_mean is None:
            continue
        if args.source and r.source not in args.source:
            continue
        out.append((r.source, r.split, r.metric, r.id, r.value, predict_mlperf(r)))
    groups: dict = {}
    for src, split, metric, rid, meas, pred in out:
        err = pred / meas - 1
        kind = "latency" if metric in ("ttft_s", "tpot_s", "latency_s") else "throughput"
        print(f"{rid:80s} {meas:10.4g} {pred:10.4g} {err:+7.1%}")
        groups.setdefault((src, split, kind), []).append(err)
    print()
    for (src, split, kind), errs in sorted(groups.items()):
        ok = sum(abs(e) <= TARGET[kind] for e in errs)
        errs = [e for e in errs if e == e and abs(e) != float("inf")] or [float("nan")]
        print(
            f"{src:14s} {split:8s} {kind:10s} {ok:3d}/{len(errs):3d} "
            f"median|e| {statistics.median(abs(e) for e in errs):6.1%} "
            f"signed {statistics.mean(errs):+6.1%}"
        )
    print(f"CPU {time.process_time() - t0:.1f} s")


if __name__ == "__main__":
    main()
