"""The LLM Foundry runs not near-best within Composer, against the model's measured ranking
error on the nearest pair LLM Foundry measured both ways (helper s17near).

For each run of ``llmfoundry_near_best.md`` that is not near-best within LLM Foundry /
Composer and whose Composer best plan drops checkpointing at a smaller micro-batch, the
analog is the A100-80GB pair of ``offtable_pairs.py`` (the only GPU with both settings of one
model measured on the same 8 GPUs): same MPT size, full checkpointing as the run's sweep ran
it (MP mode and torch: PURE / 1.13.1 for the April 2023 sweep, PURE / 2.0.1 otherwise, the
nearest measured), and no checkpointing at the measured micro-batch nearest the plan's. The
pair's ``model / measured - 1`` (how much too favourably the model rates no checkpointing)
corrects the run's gap: ``(1 + gap) (1 + bias) - 1``. For H100 13B the published pairs of
``bench/train_llmfoundry_pairs.py`` (none b2 against full b16, H100 itself) are used.

Usage::

    PYTHONPATH=.:bench/session_runs/s17near .venv/bin/python \\
        bench/session_runs/s17near/residual_gaps.py
"""

from __future__ import annotations

from pathlib import Path

from offtable_pairs import RUNS, run_row

import planner.train  # noqa: F401
from planner.train.calibration import row_estimate

HERE = Path("bench/session_runs/s17near")
OUT = HERE / "residual_gaps.md"
#: H100 MPT-13B: the published pairs (bench/results/calibration/llmfoundry_pairs.md).
H100_13B_BIAS = (0.042, 0.046)


def per_token(run: tuple) -> tuple[float, float]:
    """(measured, modeled) seconds per token per GPU of one run of ``RUNS``."""
    row = run_row(0, run)
    est = row_estimate(row)
    return 1.0 / row.value, est.step_time * est.gpus / est.tokens


def bias(model: str, torch: str, mbs: int) -> tuple[float, str]:
    """The A100-80GB pair's model / measured - 1 of none (nearest micro-batch) over full."""
    fulls = [
        r
        for r in RUNS
        if r[0] == "A100" and r[1] == model and r[6] == "full" and r[7] == "PURE" and r[8] == torch
    ]
    nones = [
        r
        for r in RUNS
        if r[0] == "A100" and r[1] == model and r[6] == "none" and r[-1] != "published"
    ]
    full = fulls[0]
    # ties: the smaller micro-batch (the larger bias: a run stays a genuine exception only
    # if its gap survives it)
    none = min(nones, key=lambda r: (abs(r[5] - mbs), r[5]))
    mf, pf = per_token(full)
    mn, pn = per_token(none)
    return (pn / pf) / (mn / mf) - 1, f"full b{full[5]} torch {torch} vs none b{none[5]}"


def main() -> None:
    lines = [
        "# LLM Foundry runs not near-best within Composer: gap after the measured ranking error",
        "",
        "Command: `PYTHONPATH=.:bench/session_runs/s17near .venv/bin/python "
        "bench/session_runs/s17near/residual_gaps.py`",
        "",
        "| run | gap (model) | Composer best plan | analog pair | bias | gap after the bias |",
        "|---|---|---|---|---|---|",
    ]
    for line in (HERE / "llmfoundry_near_best.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not cells[0].startswith("llmfoundry2401/") or cells[7] != "no":
            continue
        run, gap, plan = cells[0], float(cells[6].split()[0]) / 100, cells[8]
        parts = plan.split()
        if "norc" not in parts:
            lines.append(f"| {run} | {gap:+.1%} | {plan} | – | – | – |")
            continue
        mbs = int(next(p for p in parts if p[0] == "b" and p[1:].isdigit())[1:])
        gpu, model = run.split("/")[1:3]
        if gpu == "H100" and model == "mpt-13b":
            lo, hi = -H100_13B_BIAS[1], -H100_13B_BIAS[0]
            pair = "H100 none b2 vs full b16 (published)"
            b_lo, b_hi = lo, hi
        else:
            torch = "1.13.1" if gpu == "A100-40GB" else "2.0.1"
            b_lo, pair = bias(model, torch, mbs)
            b_hi = b_lo
        after = sorted({(1 + gap) * (1 + b_lo) - 1, (1 + gap) * (1 + b_hi) - 1})
        bias_cell = f"{b_lo:+.1%}" if b_lo == b_hi else f"{b_lo:+.1%} .. {b_hi:+.1%}"
        after_cell = " .. ".join(f"{a:+.1%}" for a in after)
        lines.append(f"| {run} | {gap:+.1%} | {plan} | {pair} | {bias_cell} | {after_cell} |")
    OUT.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
