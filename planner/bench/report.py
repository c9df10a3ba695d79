"""Summaries of benchmark rows: one line per method, as data and as Markdown."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from planner.core.io import write_atomic


@dataclass
class MethodSummary:
    """Aggregates of one method over a benchmark.

    ``mean_ref_gap_pct`` follows the LLM-heuristics paper's convention: the
    mean of ``100 (objective - reference) / reference`` over instances with a
    non-zero reference value.
    """

    method: str
    runs: int
    solved: int
    optimal: int
    infeasible: int
    errors: int
    mean_gap_pct: float | None
    mean_ref_gap_pct: float | None
    max_ref_gap_pct: float | None
    matched_ref: int
    with_ref: int
    ref_violations: int
    mean_time_s: float
    max_time_s: float


def summarize(rows: Iterable[Mapping[str, Any]]) -> list[MethodSummary]:
    """Aggregate benchmark rows per method (in order of first appearance)."""
    by_method: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        by_method.setdefault(row["method"], []).append(row)
    return [_summarize_method(m, rs) for m, rs in by_method.items()]


def _summarize_method(method: str, rows: Sequence[Mapping[str, Any]]) -> MethodSummary:
    solved = [r for r in rows if r["status"] in ("OPTIMAL", "FEASIBLE")]
    gaps = [100.0 * r["gap"] for r in solved if _num(r.get("gap"))]
    ref_gaps = [r["ref_gap_pct"] for r in solved if _num(r.get("ref_gap_pct"))]
    with_ref = [r for r in rows if _num(r.get("reference"))]
    matched = [
        r
        for r in with_ref
        if _num(r.get("objective"))
        and abs(r["objective"] - r["reference"]) <= 1e-6 * max(1.0, abs(r["reference"]))
    ]
    times = [r["runtime_s"] for r in rows if _num(r.get("runtime_s"))] or [0.0]
    return MethodSummary(
        method=method,
        runs=len(rows),
        solved=len(solved),
        optimal=sum(r["status"] == "OPTIMAL" for r in rows),
        infeasible=sum(r["status"] == "INFEASIBLE" for r in rows),
        errors=sum(r["status"] == "ERROR" for r in rows),
        mean_gap_pct=statistics.fmean(gaps) if gaps else None,
        mean_ref_gap_pct=statistics.fmean(ref_gaps) if ref_gaps else None,
        max_ref_gap_pct=max(ref_gaps) if ref_gaps else None,
        matched_ref=len(matched),
        with_ref=len(with_ref),
        ref_violations=sum(str(r.get("ref_check", "ok")) not in ("ok", "", "None") for r in rows),
        mean_time_s=statistics.fmean(times),
        max_time_s=max(times),
    )


def markdown_table(summaries: Sequence[MethodSummary], *, with_reference: bool) -> str:
    """The summary as a Markdown table."""
    head = ["method", "runs", "solved", "optimal", "infeasible", "mean gap to bound %"]
    if with_reference:
        head += ["mean gap to ref %", "max gap to ref %", "matched ref", "ref violations"]
    head += ["mean time s", "max time s", "errors"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for s in summaries:
        cells = [s.method, s.runs, s.solved, s.optimal, s.infeasible, _fmt(s.mean_gap_pct)]
        if with_reference:
            cells += [
                _fmt(s.mean_ref_gap_pct),
                _fmt(s.max_ref_gap_pct),
                f"{s.matched_ref}/{s.with_ref}",
                s.ref_violations,
            ]
        cells += [_fmt(s.mean_time_s, 3), _fmt(s.max_time_s, 3), s.errors]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def write_markdown(
    path: Path,
    summaries: Sequence[MethodSummary],
    *,
    title: str,
    command: str,
    with_reference: bool,
) -> Path:
    """Write the Markdown report atomically."""
    text = f"# {title}\n\nReproduce with:\n\n```\n{command}\n```\n\n"
    text += markdown_table(summaries, with_reference=with_reference)
    text += (
        "\n*gap to bound*: mean of 100·(objective − proven bound)/objective over solved runs; "
        "*gap to ref*: mean of 100·(objective − reference)/reference over solved runs with a non-zero "
        "reference; *ref violations*: a bound above the reference optimum / upper bound or an "
        "objective below its lower bound (a bug, or a record to check twice).\n"
    )
    return write_atomic(path, text)


def summaries_as_dicts(summaries: Sequence[MethodSummary]) -> list[dict[str, Any]]:
    """Plain dicts, for ``--json``."""
    return [asdict(s) for s in summaries]


def _num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _fmt(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"
