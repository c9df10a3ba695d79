"""LLM Foundry rows that differ in one setting: does the step-time model rank them as measured?

The LLM Foundry MPT benchmark tables (``llmfoundry2401`` in
:mod:`planner.perfmodel.calibration.published`) measure the same model on the same
GPU type with different micro-batch sizes, activation checkpointing and attention
kernels. Throughput per GPU is nearly flat in the GPU count (8 -> 512 GPUs), so two
rows of one model that differ in GPU count and one other setting measure that
setting. For each pair this prints the measured and the modeled ratio of the time
per token per GPU (second row over first): where they disagree, the model ranks the
two plans differently from the measurement. The A100 MPT-70B pairs set the one held-out
row over 25 % (64 A100-40GB, micro-batch 2) against its neighbours: the same micro-batch
on 32 A100-80GB, and the micro-batch effect on each A100 cluster.

It also writes the attention kernel's rate implied by the source alone: two 8-GPU rows of
one model, GPU and recompute mode at sequence lengths ``s1 < s2`` differ in time per
token by the attention core's extra work (per token, ``2 s d L`` causal forward FLOPs
times forward + backward + recomputed forward), the GEMMs per token being the same;
the FLOPs over the time difference is the kernel's rate, set against the rate the model
assumes for the row's kernel.

Writes ``bench/results/calibration/llmfoundry_pairs.md``.

Usage::

    .venv/bin/python bench/train_llmfoundry_pairs.py
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import planner.train  # noqa: F401  (registers the training predictor)
from planner.core.io import write_atomic
from planner.perfmodel.attention_kernels import attention_efficiency
from planner.perfmodel.calibration.published import LLMFOUNDRY_TABLE, MPT_DIMS, ROWS
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.kernels import FLASH_BWD_RATIO, FLASH_CAUSAL_FRACTION
from planner.train.calibration import row_estimate

OUT = Path("bench/results/calibration/llmfoundry_pairs.md")
COMMAND = ".venv/bin/python bench/train_llmfoundry_pairs.py"

#: (what differs, first row, second row): ids after ``llmfoundry2401/``.
PAIRS = (
    (
        "micro-batch, both full checkpointing (triton)",
        "H100/mpt-30b/2048/8/bf16/zero3/full/b3/B504",
        "H100/mpt-30b/2048/32/bf16/zero3/full/b14/B1344",
    ),
    (
        "micro-batch, both full checkpointing (triton)",
        "H100/mpt-30b/2048/8/bf16/zero3/full/b3/B504",
        "H100/mpt-30b/2048/16/bf16/zero3/full/b10/B480",
    ),
    (
        "micro-batch, both full checkpointing (triton vs fa2)",
        "H100/mpt-70b/2048/32/bf16/zero3/full/b2/B1024",
        "H100/mpt-70b/2048/128/bf16/zero3/full/b8/B1024",
    ),
    (
        "no checkpointing b2 -> full checkpointing b16 (triton)",
        "H100/mpt-13b/2048/64/bf16/zero3/none/b2/B128",
        "H100/mpt-13b/2048/128/bf16/zero3/full/b16/B2048",
    ),
    (
        "no checkpointing b2 -> full checkpointing b16 (triton)",
        "H100/mpt-13b/2048/8/bf16/zero3/none/b2/B16",
        "H100/mpt-13b/2048/512/bf16/zero3/full/b16/B8192",
    ),
    (
        "attention kernel triton -> fa2, same micro-batch b6",
        "H100/mpt-7b/2048/8/bf16/zero3/none/b6/B48",
        "H100/mpt-7b/2048/128/bf16/zero3/none/b6/B768",
    ),
    (
        "attention kernel triton b20 -> fa2 b12 (ZeRO-3 -> ZeRO-2)",
        "H100/mpt-1b/2048/64/bf16/zero3/none/b20/B1280",
        "H100/mpt-1b/2048/128/bf16/zero2/none/b12/B1536",
    ),
    (
        "attention kernel triton b6 -> fa2 b8 (ZeRO-3 -> ZeRO-2)",
        "H100/mpt-3b/2048/64/bf16/zero3/none/b6/B1152",
        "H100/mpt-3b/2048/128/bf16/zero2/none/b8/B1024",
    ),
    # A100 MPT-70B (one software image and commit for both A100 tables, sweep.sh @5f43bf16):
    # the micro-batch effect on each A100 cluster, and the same micro-batch on both
    (
        "A100-80GB: micro-batch b2 (16 per step) -> b8 (4 per step)",
        "A100/mpt-70b/2048/32/bf16/zero3/full/b2/B1024",
        "A100/mpt-70b/2048/64/bf16/zero3/full/b8/B2048",
    ),
    (
        "A100-40GB: micro-batch b2 -> b4 (one per step)",
        "A100-40GB/mpt-70b/2048/64/bf16/zero3/full/b2/B128",
        "A100-40GB/mpt-70b/2048/128/bf16/zero3/full/b4/B512",
    ),
    (
        "same micro-batch b2: 32 A100-80GB (16 per step) -> 64 A100-40GB (one)",
        "A100/mpt-70b/2048/32/bf16/zero3/full/b2/B1024",
        "A100-40GB/mpt-70b/2048/64/bf16/zero3/full/b2/B128",
    ),
    (
        "same layout b10, 64 -> 32 A100-40GB (the table's other single-row dip)",
        "A100-40GB/mpt-1b/2048/64/bf16/zero3/none/b10/B640",
        "A100-40GB/mpt-1b/2048/32/bf16/zero3/none/b10/B320",
    ),
)


def _per_token(row) -> tuple[float, float, dict[str, float]]:
    """(measured, modeled) seconds per token per GPU and the modeled breakdown shares."""
    est = row_estimate(row)
    tokens = est.tokens / est.gpus
    shares = {k: v / est.step_time for k, v in est.breakdown.items() if v > 0}
    return 1.0 / row.value, est.step_time / tokens, shares


def implied_attention_rates() -> list[str]:
    """Markdown rows: the attention kernel rate implied by same-model rows at two lengths."""
    groups: dict[tuple[str, str, str], list[tuple[int, float]]] = {}
    for gpu, gpus, model, seq, _gbs, _mbs, _zero, rc, prec, value, _params in LLMFOUNDRY_TABLE:
        if gpus == 8 and prec == "bf16" and seq >= 4096:
            groups.setdefault((gpu, model, rc), []).append((seq, value))
    lines = []
    for (gpu, model, rc), points in sorted(groups.items()):
        layers, hidden, _heads = MPT_DIMS[model]
        work = 1.0 + FLASH_BWD_RATIO + (1.0 if rc == "full" else 0.0)
        spec = get_gpu(gpu)
        peak = spec.peak_flops("bf16")
        assumed = attention_efficiency(spec, "triton")  # every 8-GPU row ran Triton
        points.sort()
        for (s1, v1), (s2, v2) in itertools.pairwise(points):
            flops = work * 4.0 * FLASH_CAUSAL_FRACTION * hidden * layers * (s2 - s1)
            rate = flops / (1.0 / v2 - 1.0 / v1)
            lines.append(
                f"| {gpu} | {model} | {rc} | {s1} -> {s2} | {rate / 1e12:.0f} "
                f"| {rate / peak:.3f} | {assumed:.3f} |"
            )
    return lines


def main() -> None:
    by_id = {r.id: r for r in ROWS if r.source == "llmfoundry2401"}
    lines = [
        "# LLM Foundry rows that differ in one setting",
        "",
        f"Command: `{COMMAND}`",
        "",
        "Time per token per GPU of the second row over the first, as measured (LLM Foundry's",
        "table) and as the step-time model predicts it for each row's published layout.",
        "",
        "| differs | first row | second row | measured | model | model / measured - 1 |",
        "|---|---|---|---|---|---|",
    ]
    for what, a, b in PAIRS:
        ra, rb = by_id[f"llmfoundry2401/{a}"], by_id[f"llmfoundry2401/{b}"]
        ma, pa, _ = _per_token(ra)
        mb, pb, _ = _per_token(rb)
        lines.append(
            f"| {what} | {a} | {b} | {mb / ma:.3f} | {pb / pa:.3f} | "
            f"{(pb / pa) / (mb / ma) - 1:+.1%} |"
        )
    lines += [
        "",
        "## Every H100 bf16 row: measured over modeled compute",
        "",
        "`compute` is the modeled forward + backward kernel time, `recompute` the modeled",
        "recomputation, `other` the rest (exposed communication, optimizer); the last column is",
        "(measured step - other) / compute: 1.33 would mean the recompute costs what the model",
        "charges and the compute is right.",
        "",
        "| row | tokens per micro-batch | measured s | model s | compute | recompute | other "
        "| (measured - other) / compute |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in by_id.values():
        if row.gpu != "H100" or row.precision != "bf16":
            continue
        est = row_estimate(row)
        measured = est.tokens / est.gpus / row.value
        c = est.breakdown.get("compute", 0.0)
        rc = est.breakdown.get("recompute", 0.0)
        other = est.step_time - c - rc
        lines.append(
            f"| {row.id.removeprefix('llmfoundry2401/H100/')} | {row.microbatch * row.seq_len} "
            f"| {measured:.4g} | {est.step_time:.4g} | {c:.4g} | {rc:.4g} | {other:.3g} "
            f"| {(measured - other) / c:.3f} |"
        )
    lines += [
        "",
        "## Attention kernel rate implied by the source alone (8-GPU bf16 rows, >= 4K tokens)",
        "",
        "Two rows of one model, GPU and recompute mode at lengths s1 < s2: the attention",
        "core's extra FLOPs per token (causal forward `2 s d L`, times 1 + "
        f"{FLASH_BWD_RATIO:g} backward (+ 1 recomputed forward under full checkpointing)) over "
        "the extra measured time per token per GPU. `model` is the fraction of the bf16 peak "
        "the model assumes for the rows' kernel (Triton). MPT-30B's 4K -> 8K pair (one "
        "sequence per micro-batch) is an outlier on both GPUs, not read as a kernel rate.",
        "",
        "| GPU | model | recompute | lengths | implied TFLOP/s | of bf16 peak | model |",
        "|---|---|---|---|---|---|---|",
        *implied_attention_rates(),
    ]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(OUT, "\n".join(lines) + "\n")
    print("\n".join(lines[: 9 + len(PAIRS)]))


if __name__ == "__main__":
    main()
