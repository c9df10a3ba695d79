"""Shared pieces of the s21decode scripts: the before / after summary per source and the
Markdown writer (written once)."""

from __future__ import annotations

import collections
from collections.abc import Iterable
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def summary(rows: Iterable, before: dict[str, float], after: dict[str, float]) -> list[str]:
    """One line per source and split: rows within +/-15 %, signed mean and median |error|,
    before -> after (errors by row id, predicted / published - 1)."""
    groups = collections.defaultdict(list)
    for r in rows:
        groups[f"{r.source} {r.split}"].append((before[r.id], after[r.id]))
    lines = []
    for key, v in groups.items():
        b = np.array([x[0] for x in v])
        a = np.array([x[1] for x in v])
        lines.append(
            f"- {key}: within 15 % {int(np.sum(np.abs(b) <= 0.15))} -> "
            f"{int(np.sum(np.abs(a) <= 0.15))} / {len(v)}; signed mean {np.mean(b):+.1%} -> "
            f"{np.mean(a):+.1%}; median |err| {np.median(np.abs(b)):.1%} -> "
            f"{np.median(np.abs(a)):.1%}"
        )
    return lines


def publish(name: str, title: str, text: str, args: str = "") -> None:
    """Print ``text`` and write it to ``NAME.md`` beside the scripts, under ``title`` and the
    command that reproduces it."""
    print(text)
    command = f"PYTHONPATH=. python bench/session_runs/s21decode/{name}.py{args}"
    (HERE / f"{name}.md").write_text(f"# {title}\n\n`{command}`\n\n{text}\n")
