"""Control for the L40S rows: the same TensorRT-LLM v0.17 table's H100 (FP8) column for the
same models and layouts (read from the same page version as ``inference_gpus.L40S_017``;
not entered as rows: the 8B / 70B H100 rows of a later version are fit rows). If the model
misses the H100 TP4 / TP8 cells as it misses the L40S ones, the L40S error is the v0.17
software, not the PCIe GPU. Writes ``h100_control_017.md``.

    PYTHONPATH=. .venv/bin/python bench/session_runs/s18infer/h100_control_017.py
"""

from __future__ import annotations

import statistics
from pathlib import Path

from planner.perfmodel.calibration.inference_gpus import ISL_OSL_017, L40S_017
from planner.serve.calibration import offline_tokens_per_s

HERE = Path(__file__).resolve().parent
#: v0.17 table, column "H100 80GB HBM3" (FP8), pairs of ``ISL_OSL_017``.
H100_017 = {
    ("llama-3.1-8b", 1): (
        28836.77,
        21109.38,
        13593.65,
        16500.69,
        15244.78,
        3556.73,
        9488.42,
        3559.36,
        1401.31,
    ),
    ("llama-3.1-70b", 4): (
        11127.53,
        11511.93,
        7439.41,
        9836.7,
        7430.99,
        1302.6,
        5480.03,
        1602.78,
        920.19,
    ),
    ("llama-3.1-70b", 8): (
        14730.69,
        17061.82,
        14171.43,
        14679.33,
        11451.16,
        1923.41,
        8801.95,
        2457.42,
        1512.6,
    ),
    ("mixtral-8x7b", 4): (
        41068.23,
        41164.73,
        27912.48,
        34489.34,
        27784.74,
        5234.98,
        19432.08,
        6401.56,
        3303.83,
    ),
    ("mixtral-8x7b", 8): (
        50849.55,
        61607.7,
        48280.37,
        52583.65,
        40631.71,
        6988.18,
        30983.35,
        9210.11,
        5602.43,
    ),
}


def main() -> None:
    lines = [
        "# TensorRT-LLM v0.17 table: H100 column (control) beside the L40S column",
        "",
        "`PYTHONPATH=. .venv/bin/python bench/session_runs/s18infer/h100_control_017.py`",
        "",
        "| model | tp | GPU | within 15 % | median abs | signed mean | min | max |",
        "|---|---|---|---|---|---|---|---|",
    ]
    detail = ["", "| model | tp | ISL/OSL | H100 error | L40S error |", "|---|---|---|---|---|"]
    for (model, tp), values in H100_017.items():
        errs = {}
        for gpu, table in (("H100", values), ("L40S", L40S_017[(model, tp)])):
            errs[gpu] = [
                offline_tokens_per_s(model, gpu, tp, i, o, "fp8") / v - 1.0
                for (i, o), v in zip(ISL_OSL_017, table, strict=True)
            ]
            e = errs[gpu]
            lines.append(
                f"| {model} | {tp} | {gpu} | {sum(abs(x) <= 0.15 for x in e)} / 9 | "
                f"{100 * statistics.median(abs(x) for x in e):.1f} % | "
                f"{100 * statistics.fmean(e):+.1f} % | {100 * min(e):+.1f} % | {100 * max(e):+.1f} % |"
            )
        for (i, o), a, b in zip(ISL_OSL_017, errs["H100"], errs["L40S"], strict=True):
            detail.append(f"| {model} | {tp} | {i}/{o} | {100 * a:+.1f} % | {100 * b:+.1f} % |")
    (HERE / "h100_control_017.md").write_text("\n".join(lines + detail) + "\n")


if __name__ == "__main__":
    main()
