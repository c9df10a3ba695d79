"""Per decode step: the model's error on AMD's graph rows against dstack's eager excess.

For Llama 3.1 405B TP8 on MI300X at the same lengths and batches, reads the model's
predictions of the ``rocm_vllm066`` fit rows (vLLM 0.6.6, HIP graphs, FP8 KV; ``latency_s``
of a batch) and of the held-out ``dstack_405b`` rows (vLLM 0.6.4, ``--enforce-eager``, BF16 KV;
total tokens/s), both from ``bench/serve_public.py`` outputs, and prints each run's
``(measured - model) / (O - 1)`` milliseconds a decode step, and the measured eager - graphs
difference a step.

Usage: PYTHONPATH=. .venv/bin/python bench/session_runs/s29d405/fit_vs_dstack.py FIT.csv DSTACK.csv
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path


def seconds(path: Path, prefix: str) -> dict[tuple[int, int, int], tuple[float, float]]:
    """(input, output, batch) -> (measured, model) seconds of the run."""
    out = {}
    for r in csv.DictReader(path.open()):
        name = r["instance"]
        if not name.startswith(prefix):
            continue
        parts = name.split("/")
        lengths = next(p for p in parts if "-" in p and p.split("-")[0].isdigit())
        isl, osl = (int(x) for x in lengths.split("-"))
        n = int(next(p for p in parts if p.startswith("b") and p[1:].isdigit())[1:])
        meas, pred = float(r["reference"]), float(r["objective"])
        if "latency_s" not in name:  # total tokens/s -> seconds of the run
            tokens = n * (isl + osl)
            meas, pred = tokens / meas, tokens / pred
        out[(isl, osl, n)] = (meas, pred)
    return out


def main(fit: Path, dstack: Path) -> None:
    graphs = seconds(fit, "rocm_vllm066/llama-3.1-405b/")
    eager = seconds(dstack, "dstack_405b/MI300X/")
    print(
        f"{'run':>16s} {'graph meas-model':>17s} {'eager meas-model':>17s} "
        f"{'eager-graph meas':>17s}   (ms a decode step)"
    )
    for key in sorted(graphs):
        if key not in eager:
            continue
        isl, osl, n = key
        steps = osl - 1
        (gm, gp), (em, ep) = graphs[key], eager[key]
        print(
            f"{isl:>5}/{osl} b{n:<4} {(gm - gp) / steps * 1e3:17.2f} "
            f"{(em - ep) / steps * 1e3:17.2f} {(em - gm) / steps * 1e3:17.2f}"
        )


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
