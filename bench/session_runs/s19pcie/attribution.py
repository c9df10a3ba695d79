"""What each s19pcie term moves on the inference-GPU rows: the PCIe collectives alone (the RTX
rows timed with the unversioned engine, i.e. no blocking pipeline loop) and with TensorRT-LLM
1.0's blocking pipeline loop (the rows' own ``trtllm:1.0``). Writes ``attribution.md``; the
main-branch column is ``inference_gpu_errors_main.md`` (same script on main d13bf73).

    PYTHONPATH=. /work/main/.venv/bin/python bench/session_runs/s19pcie/attribution.py
"""

from __future__ import annotations

import os
import statistics
import time
from dataclasses import replace
from pathlib import Path

from planner.perfmodel.calibration.inference_gpus import INFERENCE_GPU_ROWS
from planner.serve.calibration import predict

HERE = Path(__file__).resolve().parent


def _predict(r, engine: str) -> float:
    return predict(replace(r, engine=engine))


def _stats(errs: list[float]) -> str:
    within = sum(abs(e) <= 0.15 for e in errs)
    med = 100 * statistics.median(abs(e) for e in errs)
    return f"{within} / {len(errs)}, {med:.1f} %, {100 * statistics.fmean(errs):+.1f} %"


def main() -> None:
    load0, c0 = os.getloadavg()[0], time.process_time()
    groups: dict[str, list[tuple[float, float]]] = {}
    for r in INFERENCE_GPU_ROWS:
        pcie = _predict(r, "") / r.value - 1.0
        both = _predict(r, r.engine) / r.value - 1.0
        for key in (r.gpu, f"{r.gpu} {r.model} tp{r.tp} pp{r.pp}"):
            groups.setdefault(key, []).append((pcie, both))
    lines = [
        "# s19pcie: what each term moves (inference-GPU rows, held out)",
        "",
        "`PYTHONPATH=. /work/main/.venv/bin/python bench/session_runs/s19pcie/attribution.py`"
        f" -- {time.process_time() - c0:.0f} s CPU, load {load0:.2f}",
        "",
        "Cells: within +/-15 % / rows, median abs error, signed mean.",
        "",
        "| group | PCIe collectives only | + TensorRT-LLM 1.0 blocking pipeline loop |",
        "|---|---|---|",
    ]
    for key, pairs in groups.items():
        lines.append(
            f"| {key} | {_stats([p for p, _ in pairs])} | {_stats([b for _, b in pairs])} |"
        )
    (HERE / "attribution.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
