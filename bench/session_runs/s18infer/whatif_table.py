"""Shared by s18infer's what-if scripts: one process per setting, and the two Markdown tables: per group of rows (within 15 %,
median absolute and signed mean error under each setting) and per row."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from collections.abc import Callable


def run_each(script: str, args: dict[object, str]) -> dict[object, dict[str, float]]:
    """Run ``script ARG`` in a fresh process per setting (the model caches engines) and read
    the JSON object of row errors it prints last: ``{setting: {row id: error}}``."""
    out = {}
    for key, arg in args.items():
        done = subprocess.run(
            [sys.executable, script, arg], capture_output=True, text=True, check=True
        )
        out[key] = json.loads(done.stdout.strip().splitlines()[-1])
    return out


def whatif_tables(
    results: dict[object, dict[str, float]], labels: dict[object, str], group_of: Callable
) -> list[str]:
    """Markdown lines: ``results[setting][row id]`` = error, ``labels[setting]`` its column."""
    settings = list(results)
    ids = list(results[settings[0]])
    lines = [
        "| group | rows | "
        + " | ".join(f"{labels[s]}: within 15 % / median abs / signed mean" for s in settings)
        + " |",
        "|---|---|" + "---|" * len(settings),
    ]
    for g in sorted({group_of(i) for i in ids}):
        sel = [i for i in ids if group_of(i) == g]
        cells = []
        for s in settings:
            e = [results[s][i] for i in sel]
            cells.append(
                f"{sum(abs(x) <= 0.15 for x in e)} / "
                f"{100 * statistics.median(abs(x) for x in e):.1f} % / "
                f"{100 * statistics.fmean(e):+.1f} %"
            )
        lines.append(f"| {g} | {len(sel)} | " + " | ".join(cells) + " |")
    lines += ["", "| row | " + " | ".join(labels[s] for s in settings) + " |"]
    lines += ["|---|" + "---|" * len(settings)]
    lines += [
        f"| {i} | " + " | ".join(f"{100 * results[s][i]:+.1f} %" for s in settings) + " |"
        for i in ids
    ]
    return lines
