"""LLM Foundry's unpublished benchmark runs: full checkpointing at a large micro-batch against
no checkpointing at a small one, same model, GPU, GPU count and sequence (helper s17near).

The published tables (``llmfoundry2401``) never run one (model, GPU, GPU count, sequence) both
ways. The benchmark branch of mosaicml/llm-foundry at commit beb8dee6 (2023-08-22, Chris
Rinard, ``scripts/train/benchmarking/``) kept the result tables of the sweeps behind them:
``torches.md`` (A100-80GB, full checkpointing, MP mode PURE, torch 1.13.1 and 2.0.1),
``larger_mb_1.md`` (A100-80GB, no checkpointing at micro-batch 1-6, ``act_ckpt_optimize.sh``
@431051c8: torch 2.0.1, llm-foundry v0.2.0), ``compils.md`` (A100-80GB 13B full checkpointing,
MP mode DEFAULT), ``h100old.md`` (H100, torch 2.0.1, PURE; three repeats, averaged here). Each
row below is evaluated with the model at its own layout and software (Triton attention, fused
loss as every MPT yaml of the period; PURE -> bf16 gradient reduction; torch >= 2.1 -> the
recompute early stop) and set against the other rows of its group: for every pair, the
measured and modeled ratio of time per token per GPU.

Not calibration rows (no fitted constant reads them); not held out either: a check of the
ranking the near-best search relies on.

Usage::

    PYTHONPATH=. .venv/bin/python bench/session_runs/s17near/offtable_pairs.py
"""

from __future__ import annotations

import itertools
from pathlib import Path

import planner.train  # noqa: F401
from planner.perfmodel.calibration.published import (
    LLMFOUNDRY_PURE_REDUCE,
    LLMFOUNDRY_SOFTWARE,
    LLMFOUNDRY_TORCH21,
    TrainingRow,
    llmfoundry_row,
)
from planner.train.calibration import row_estimate

OUT = Path("bench/session_runs/s17near/offtable_pairs.md")

#: gpu, model, seq, gpus, global batch, micro-batch, recompute, MP mode, torch, tok/s/GPU, file
RUNS = (
    # torches.md @beb8dee6: A100-80GB, full checkpointing, PURE
    ("A100", "mpt-13b", 2048, 8, 480, 20, "full", "PURE", "2.0.1", 2101, "torches.md"),
    ("A100", "mpt-13b", 2048, 8, 480, 20, "full", "PURE", "1.13.1", 2036, "torches.md"),
    ("A100", "mpt-7b", 2048, 8, 512, 32, "full", "PURE", "2.0.1", 3918, "torches.md"),
    ("A100", "mpt-7b", 2048, 8, 512, 32, "full", "PURE", "1.13.1", 3790, "torches.md"),
    # compils.md @beb8dee6: A100-80GB, full checkpointing, DEFAULT (no torch.compile)
    ("A100", "mpt-13b", 2048, 8, 480, 20, "full", "DEFAULT", "2.0.1", 1964, "compils.md"),
    # larger_mb_1.md @beb8dee6: A100-80GB, no checkpointing, DEFAULT
    ("A100", "mpt-13b", 2048, 8, 32, 2, "none", "DEFAULT", "2.0.1", 2228, "larger_mb_1.md"),
    ("A100", "mpt-13b", 2048, 8, 16, 1, "none", "DEFAULT", "2.0.1", 1867, "larger_mb_1.md"),
    ("A100", "mpt-7b", 2048, 8, 96, 6, "none", "DEFAULT", "2.0.1", 4715, "larger_mb_1.md"),
    ("A100", "mpt-7b", 2048, 8, 64, 4, "none", "DEFAULT", "2.0.1", 4513, "larger_mb_1.md"),
    ("A100", "mpt-7b", 2048, 8, 32, 2, "none", "DEFAULT", "2.0.1", 4044, "larger_mb_1.md"),
    ("A100", "mpt-7b", 2048, 8, 16, 1, "none", "DEFAULT", "2.0.1", 3366, "larger_mb_1.md"),
    # the published A100-80GB rows of the same groups (llmfoundry2401, torch 2.1, DEFAULT)
    ("A100", "mpt-13b", 2048, 8, 48, 2, "none", "DEFAULT", "2.1", 2262, "published"),
    ("A100", "mpt-7b", 2048, 8, 96, 6, "none", "DEFAULT", "2.1", 4641, "published"),
    # h100old.md @beb8dee6: H100, torch 2.0.1, PURE (mean of three repeats)
    ("H100", "mpt-13b", 2048, 8, 480, 20, "full", "PURE", "2.0.1", 4949, "h100old.md"),
    ("H100", "mpt-7b", 2048, 8, 512, 32, "full", "PURE", "2.0.1", 9272, "h100old.md"),
    # the published H100 rows of the same groups (torch 2.1, DEFAULT)
    ("H100", "mpt-13b", 2048, 8, 16, 2, "none", "DEFAULT", "2.1", 4792, "published"),
    ("H100", "mpt-7b", 2048, 8, 48, 6, "none", "DEFAULT", "2.1", 10643, "published"),
)


def run_row(i: int, run: tuple) -> TrainingRow:
    """A :class:`TrainingRow` for one run (its software from the MP mode and torch version)."""
    gpu, model, seq, gpus, gbs, mbs, rc, mp, torch, value, where = run
    software = LLMFOUNDRY_SOFTWARE
    if mp == "PURE":
        software += LLMFOUNDRY_PURE_REDUCE
    if torch.startswith("2.1"):
        software += LLMFOUNDRY_TORCH21
    return llmfoundry_row(
        f"{where}/{gpu}/{model}/{seq}/{gpus}/{rc}/b{mbs}/B{gbs}/{mp}/torch{torch}",
        "llmfoundry-beb8dee6",
        gpu,
        gpus,
        model,
        seq,
        (gbs, mbs),
        value,
        recompute=rc,
        software=software,
    )


def main() -> None:
    rows = [run_row(i, r) for i, r in enumerate(RUNS)]
    lines = [
        "# LLM Foundry's unpublished runs: full checkpointing against none, same group",
        "",
        "Command: `PYTHONPATH=. .venv/bin/python bench/session_runs/s17near/offtable_pairs.py`",
        "(source: mosaicml/llm-foundry @beb8dee6 `scripts/train/benchmarking/*.md`; see the "
        "script's docstring).",
        "",
        "## Rows",
        "",
        "| run | measured tok/s/GPU | model tok/s/GPU | model / measured - 1 | model memory GiB"
        " (capacity) | fits |",
        "|---|---|---|---|---|---|",
    ]
    per_token = {}
    for r in rows:
        est = row_estimate(r)
        model_tps = est.tokens / est.step_time / est.gpus
        per_token[r.id] = (1.0 / r.value, 1.0 / model_tps)
        ws = est.worst_stage
        lines.append(
            f"| {r.id} | {r.value:.0f} | {model_tps:.0f} | {model_tps / r.value - 1:+.1%} | "
            f"{ws.memory.total_gib:.1f} ({ws.capacity / 2**30:.1f}) | {est.fits} |"
        )
    lines += [
        "",
        "## Pairs: full checkpointing (first) against no checkpointing (second)",
        "",
        "Time per token per GPU of the second over the first; below 1: the second is faster.",
        "",
        "| group | first | second | measured | model | model / measured - 1 |",
        "|---|---|---|---|---|---|",
    ]
    groups: dict[tuple, list[TrainingRow]] = {}
    for r in rows:
        groups.setdefault((r.gpu, r.model, r.seq_len, r.gpus), []).append(r)
    for key, members in groups.items():
        fulls = [r for r in members if r.recompute == "full"]
        nones = [r for r in members if r.recompute == "none"]
        for a, b in itertools.product(fulls, nones):
            ma, pa = per_token[a.id]
            mb, pb = per_token[b.id]
            lines.append(
                f"| {key[0]} {key[1]} | {a.id.split('/', 1)[1]} | {b.id.split('/', 1)[1]} | "
                f"{mb / ma:.3f} | {pb / pa:.3f} | {(pb / pa) / (mb / ma) - 1:+.1%} |"
            )
    # the same model at micro-batches the sweep asked for and the table lacks (1-8 swept by
    # act_ckpt_optimize.sh): modeled memory, to set against what ran
    lines += [
        "",
        "## Modeled memory of the no-checkpointing micro-batches swept on 8 A100-80GB",
        "",
        "`act_ckpt_optimize.sh` @431051c8 swept micro-batch 1, 2, 4, 8 without checkpointing "
        "for MPT-3B / 7B / 13B at 2K; `larger_mb_1.md` holds 13B at 1-2 and 7B at 1-6 (absent: "
        "13B at 4 and 8, 7B at 8; 3B's no-checkpointing runs are absent at every size, so an "
        "absent row is not proof of an out-of-memory run).",
        "",
        "| model | micro-batch | model memory GiB (capacity) | fits under the model |",
        "|---|---|---|---|",
    ]
    for model in ("mpt-7b", "mpt-13b"):
        for mbs in (1, 2, 4, 6, 8):
            r = run_row(
                0, ("A100", model, 2048, 8, 16 * mbs, mbs, "none", "DEFAULT", "2.0.1", 1.0, "probe")
            )
            est = row_estimate(r)
            ws = est.worst_stage
            lines.append(
                f"| {model} | {mbs} | {ws.memory.total_gib:.1f} ({ws.capacity / 2**30:.1f}) | "
                f"{est.fits} |"
            )
    OUT.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
