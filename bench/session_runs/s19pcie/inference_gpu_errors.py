"""Errors of the serving model on the inference-GPU rows (s18infer; rerun by s19pcie), per row and per GPU.

Predicts every row of ``planner.perfmodel.calibration.inference_gpus`` at saturation (as the
overview rows: ``planner.serve.calibration.predict``) and writes ``inference_gpu_errors.md``
beside this script (or ``--out``). Usage::

    PYTHONPATH=. .venv/bin/python bench/session_runs/s19pcie/inference_gpu_errors.py [--out F]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from planner.perfmodel.calibration.inference_gpus import INFERENCE_GPU_ROWS
from planner.serve.calibration import predict

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=HERE / "inference_gpu_errors.md")
    args = ap.parse_args()
    load0 = os.getloadavg()
    c0, t0 = time.process_time(), time.perf_counter()
    rows = []
    for r in INFERENCE_GPU_ROWS:
        p = predict(r)
        rows.append((r, p, p / r.value - 1.0))
        print(f"{r.id}: {r.value:g} -> {p:.4g} ({p / r.value - 1:+.1%})", flush=True)
    cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    lines = [
        "# Inference-GPU rows: model vs published (held out)",
        "",
        "`PYTHONPATH=. .venv/bin/python bench/session_runs/s19pcie/inference_gpu_errors.py`"
        f" -- {cpu:.0f} s CPU, {wall:.0f} s wall, load {load0[0]:.2f} -> {os.getloadavg()[0]:.2f}",
        "",
        "| group | rows | within 15 % | median abs | signed mean | min | max |",
        "|---|---|---|---|---|---|---|",
    ]
    groups: dict[str, list[float]] = {}
    for r, _p, e in rows:
        groups.setdefault(r.gpu, []).append(e)
        groups.setdefault(f"{r.gpu} {r.model} tp{r.tp} pp{r.pp}", []).append(e)
    for key, errs in groups.items():
        lines.append(
            f"| {key} | {len(errs)} | {sum(abs(e) <= 0.15 for e in errs)} | "
            f"{100 * statistics.median(abs(e) for e in errs):.1f} % | "
            f"{100 * statistics.fmean(errs):+.1f} % | {100 * min(errs):+.1f} % | "
            f"{100 * max(errs):+.1f} % |"
        )
    lines += ["", "| row | published | predicted | error |", "|---|---|---|---|"]
    lines += [f"| {r.id} | {r.value:g} | {p:.4g} | {100 * e:+.1f} % |" for r, p, e in rows]
    args.out.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
