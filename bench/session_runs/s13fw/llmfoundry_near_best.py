"""Both near-best counts on the held-out LLM Foundry rows (helper s13fw; not the full report).

For every ``llmfoundry2401`` row: the published layout's modeled step time, the planner's best
plan on all its GPUs (the report's strict column, :func:`planner.train.calibration.best_plan`)
and the best plan LLM Foundry / Composer could launch (``framework="llmfoundry"``), and the
strict count from the committed report for comparison (``bench/results/calibration/report.md``).

Usage::

    .venv/bin/python bench/session_runs/s13fw/llmfoundry_near_best.py [--every N] [--out F.md]

Writes ``bench/session_runs/s13fw/llmfoundry_near_best.md`` (or ``--out``); each row also
shows the committed report's two verdicts (strict / within the framework; session 17 on).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import planner.train  # noqa: F401
from planner.perfmodel.calibration.fit import NEAR_BEST
from planner.perfmodel.calibration.published import TRAINING_ROWS
from planner.train.calibration import best_plan

OUT = Path("bench/session_runs/s13fw/llmfoundry_near_best.md")
REPORT = Path("bench/results/calibration/report.md")


def committed() -> dict[str, tuple[str, str]]:
    """run -> the committed report's near-best cells (strict, within the framework)."""
    out = {}
    for line in REPORT.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 11 and cells[0].startswith("llmfoundry2401/"):
            out[cells[0]] = (cells[6], cells[10])
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--every", type=int, default=1, help="every n-th row only")
    ap.add_argument("--out", type=Path, default=OUT, help="the Markdown file written")
    args = ap.parse_args()
    rows = [r for r in TRAINING_ROWS if r.source == "llmfoundry2401"][:: args.every]
    old = committed()
    started = time.perf_counter()
    lines = [
        "| run | published s | best s | gap | near | framework best s | gap | near | "
        "framework best plan | committed report (strict / framework) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    strict = held = agree = agree_fw = 0
    for r in rows:
        b = best_plan(r)
        gap = b["published_s"] / b["best_s"] - 1 if b["best_s"] else float("inf")
        fgap = b["published_s"] / b["framework_best_s"] - 1 if b["framework_best_s"] else 1e9
        ok, fok = gap <= NEAR_BEST + 1e-12, fgap <= NEAR_BEST + 1e-12
        strict += ok
        held += fok
        was, was_fw = old.get(r.id, ("?", "?"))
        agree += was.startswith("yes") == ok
        agree_fw += was_fw.startswith("yes") == fok
        lines.append(
            f"| {r.id} | {b['published_s']:.4g} | {b['best_s']:.4g} | {100 * gap:+.1f} % | "
            f"{'yes' if ok else 'no'} | {b['framework_best_s']:.4g} | {100 * fgap:+.1f} % | "
            f"{'yes' if fok else 'no'} | {b['framework_best']} | {was} / {was_fw} |"
        )
    head = [
        "# LLM Foundry rows: near-best strict and within LLM Foundry / Composer",
        "",
        f"Command: `.venv/bin/python bench/session_runs/s13fw/llmfoundry_near_best.py"
        f"{'' if args.every == 1 else f' --every {args.every}'}"
        f"{'' if args.out == OUT else f' --out {args.out}'}` "
        f"({time.perf_counter() - started:.0f} s wall, load {os.getloadavg()[0]:.1f} at the end).",
        "",
        f"{len(rows)} rows. Near-best (strict, every plan): **{strict}**; against the best plan "
        f"LLM Foundry / Composer could launch: **{held}**. Strict verdict equal to the committed "
        f"report's: {agree} of {len(rows)}; within the framework: {agree_fw} of {len(rows)} "
        f"(committed: {sum(v[1].startswith('yes') for v in old.values())} near-best in "
        "framework).",
        "",
    ]
    args.out.write_text("\n".join(head + lines) + "\n")
    print("\n".join(head))


if __name__ == "__main__":
    main()
