"""Time per micro-batch against micro-batch size, measured and modeled (helper s17near).

For every group of LLM Foundry runs that share GPU, model, sequence, recompute mode, precision
and software and differ in micro-batch size (the published table ``llmfoundry2401`` and the
unpublished runs of ``offtable_pairs.RUNS``), the time one GPU spends on one micro-batch,
``b * seq / (tokens/s/GPU)``, is read as ``t(b) = c + k b``: ``k`` the time per sequence,
``c`` what a micro-batch costs whatever its size (FSDP's per-micro-batch gathers,
reductions, gradient passes, launches, and the step's own costs over the micro-batches per
step). The same fit on the model's predictions of the same runs says which of the two the
model misses. Groups whose runs differ in GPU count as well are marked.

Usage::

    PYTHONPATH=.:bench/session_runs/s17near .venv/bin/python \
        bench/session_runs/s17near/microbatch_series.py
"""

from __future__ import annotations

from pathlib import Path

from offtable_pairs import RUNS, run_row

import planner.train  # noqa: F401
from planner.perfmodel.calibration.published import MPT_DIMS, TRAINING_ROWS
from planner.train.calibration import row_estimate

OUT = Path("bench/session_runs/s17near/microbatch_series.md")


def per_microbatch(row) -> tuple[float, float]:
    """(measured, modeled) seconds one GPU spends on one micro-batch."""
    est = row_estimate(row)
    tokens = row.microbatch * row.seq_len
    return tokens / row.value, tokens / (est.tokens / est.step_time / est.gpus)


def fit(points: list[tuple[int, float]]) -> tuple[float, float]:
    """Least-squares ``(c, k)`` of ``t = c + k b``."""
    n = len(points)
    sb = sum(b for b, _ in points)
    st = sum(t for _, t in points)
    sbb = sum(b * b for b, _ in points)
    sbt = sum(b * t for b, t in points)
    k = (n * sbt - sb * st) / (n * sbb - sb * sb)
    return (st - k * sb) / n, k


def main() -> None:
    rows = [r for r in TRAINING_ROWS if r.source == "llmfoundry2401"]
    rows += [run_row(i, r) for i, r in enumerate(RUNS) if r[-1] != "published"]
    groups: dict[tuple, list] = {}
    for r in rows:
        key = (r.gpu, r.model, r.seq_len, r.recompute, r.precision, r.software)
        groups.setdefault(key, []).append(r)
    lines = [
        "# Time per micro-batch against micro-batch size (LLM Foundry runs)",
        "",
        "Command: `PYTHONPATH=.:bench/session_runs/s17near .venv/bin/python "
        "bench/session_runs/s17near/microbatch_series.py`",
        "",
        "`t(b) = c + k b` fitted to the seconds one GPU spends on one micro-batch of `b` "
        "sequences; `c / layer` in ms. `GPUs`: the runs' GPU counts (one count: a clean "
        "series).",
        "",
        "| GPU | model | seq | recompute | sources | GPUs | micro-batches | measured c / layer ms"
        " | model c / layer ms | measured k s | model k s | model k / measured - 1 |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (gpu, model, seq, rc, _prec, _sw), members in sorted(
        groups.items(), key=lambda x: x[0][:5]
    ):
        by_b: dict[int, list] = {}
        for r in members:
            by_b.setdefault(r.microbatch, []).append(r)
        if len(by_b) < 2:
            continue
        meas, mod = [], []
        for b, rs in by_b.items():
            for r in rs:
                m, p = per_microbatch(r)
                meas.append((b, m))
                mod.append((b, p))
        cm, km = fit(meas)
        cp, kp = fit(mod)
        layers = MPT_DIMS[model.split("@")[0]][0]
        sources = sorted({r.source.removeprefix("llmfoundry") for r in members})
        gpus = sorted({r.gpus for r in members})
        lines.append(
            f"| {gpu} | {model.split('@')[0]} | {seq} | {rc} | {', '.join(sources)} | "
            f"{', '.join(map(str, gpus))} | {', '.join(map(str, sorted(by_b)))} | "
            f"{1e3 * cm / layers:.2f} | {1e3 * cp / layers:.2f} | {km:.4f} | {kp:.4f} | "
            f"{kp / km - 1:+.1%} |"
        )
    OUT.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
