"""Summaries of benchmark rows: one line per method, as data and as Markdown.

Every run is scored against a *basis* per instance: the known optimum (or
best-known value) from ``--reference``, else the best bound any method of the
run proved. The gap of a run is ``100 (objective - basis) / |basis|`` (the
LLM-heuristics paper's convention), over instances with a non-zero basis.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from planner.core.io import write_atomic

#: Statuses of runs with an objective: a verified solution, or a measurement row of a
#: benchmark script (:func:`planner.bench.runner.measurement_row`).
SOLVED = ("OPTIMAL", "FEASIBLE", "MEASURED")
#: Relative tolerance when comparing objectives.
TOL = 1e-9


@dataclass
class MethodSummary:
    """Aggregates of one method over a benchmark.

    Attributes
    ----------
    runs, solved, optimal, infeasible
        Runs; with a verified solution; proven optimal; proven infeasible.
    best
        Instances where its objective is the best of any method of the run.
    failures
        Runs without a verified solution and no infeasibility proof;
        ``failure_kinds`` counts them by the ``failure`` column (raised,
        timeout, type, infeasible, error, lost, ...; ``none`` when the method
        simply found nothing in its time).
    mean_gap_pct, median_gap_pct, max_gap_pct, gap_runs
        Gap to the basis (see the module docstring) over ``gap_runs`` solved
        runs with a non-zero basis and a finite gap.
    infinite_gaps
        Solved runs whose gap is infinite (a model's prediction that saturates:
        infinite latency against a measured one), counted apart so that one of
        them does not make every gap statistic infinite.
    matched_ref, with_ref, ref_violations
        Runs that hit the reference (its optimum, or INFEASIBLE on an
        instance known infeasible) of the runs that have one; runs whose
        ``ref_check`` flags a contradiction with it.
    mean_time_s, max_time_s
        The method's runtime.
    """

    method: str
    runs: int
    solved: int
    optimal: int
    best: int
    infeasible: int
    failures: int
    mean_gap_pct: float | None
    median_gap_pct: float | None
    max_gap_pct: float | None
    gap_runs: int
    matched_ref: int
    with_ref: int
    ref_violations: int
    mean_time_s: float
    max_time_s: float
    infinite_gaps: int = 0
    failure_kinds: dict[str, int] = field(default_factory=dict)
    first_reasons: dict[str, str] = field(default_factory=dict)


def basis_values(rows: Sequence[Mapping[str, Any]]) -> dict[str, tuple[float | None, str]]:
    """Per instance: the value gaps are measured against and where it comes from.

    ``("reference", value)`` when the rows carry a numeric reference, else the
    largest bound of any run on the instance (``"bound"``), else ``None``.
    """
    out: dict[str, tuple[float | None, str]] = {}
    for row in rows:
        name = row["instance"]
        ref = row.get("reference")
        if _num(ref):
            out[name] = (ref, "reference")
        elif out.get(name, (None, ""))[1] != "reference":
            bound = row.get("bound") if row.get("status") in SOLVED else None
            if _num(bound):
                old = out.get(name, (None, "bound"))[0]
                out[name] = (bound if old is None else max(old, bound), "bound")
            else:
                out.setdefault(name, (None, "bound"))
    return out


def best_objectives(rows: Iterable[Mapping[str, Any]]) -> dict[str, float]:
    """Per instance, the best (smallest) verified objective of any run."""
    best: dict[str, float] = {}
    for row in rows:
        obj = row.get("objective")
        if row.get("status") in SOLVED and _num(obj):
            name = row["instance"]
            best[name] = obj if name not in best else min(best[name], obj)
    return best


def run_gap_pct(row: Mapping[str, Any], basis: tuple[float | None, str] | None) -> float | None:
    """The gap of one run to its instance's basis, in percent (``None`` when undefined)."""
    obj = row.get("objective")
    if row.get("status") not in SOLVED or not _num(obj) or basis is None or basis[0] is None:
        return None
    value = basis[0]
    if value == 0:
        return None
    return 100.0 * (obj - value) / abs(value)


def summarize(rows: Iterable[Mapping[str, Any]]) -> list[MethodSummary]:
    """Aggregate benchmark rows per method (in order of first appearance)."""
    rows = list(rows)
    bases = basis_values(rows)
    best = best_objectives(rows)
    by_method: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        by_method.setdefault(row["method"], []).append(row)
    return [_summarize_method(m, rs, bases, best) for m, rs in by_method.items()]


def _summarize_method(
    method: str,
    rows: Sequence[Mapping[str, Any]],
    bases: Mapping[str, tuple[float | None, str]],
    best: Mapping[str, float],
) -> MethodSummary:
    solved = [r for r in rows if r["status"] in SOLVED]
    every_gap = [g for r in solved if (g := run_gap_pct(r, bases.get(r["instance"]))) is not None]
    gaps = [g for g in every_gap if math.isfinite(g)]
    failed = [r for r in rows if r["status"] not in (*SOLVED, "INFEASIBLE")]
    kinds = Counter(str(r.get("failure") or "none") for r in failed)
    reasons: dict[str, str] = {}
    for r in failed:
        reasons.setdefault(str(r.get("failure") or "none"), str(r.get("reason") or ""))
    with_ref = [
        r for r in rows if r.get("reference") not in (None, "") and r.get("ref_check") != "measured"
    ]
    times = [r["runtime_s"] for r in rows if _num(r.get("runtime_s"))] or [0.0]
    return MethodSummary(
        method=method,
        runs=len(rows),
        solved=len(solved),
        optimal=sum(r["status"] == "OPTIMAL" for r in rows),
        best=sum(
            1
            for r in solved
            if _num(r.get("objective")) and _close(r["objective"], best.get(r["instance"]))
        ),
        infeasible=sum(r["status"] == "INFEASIBLE" for r in rows),
        failures=len(failed),
        mean_gap_pct=statistics.fmean(gaps) if gaps else None,
        median_gap_pct=statistics.median(gaps) if gaps else None,
        max_gap_pct=max(gaps) if gaps else None,
        gap_runs=len(gaps),
        matched_ref=sum(_matches_reference(r) for r in with_ref),
        with_ref=len(with_ref),
        ref_violations=sum(str(r.get("ref_check") or "ok") not in ("ok", "measured") for r in rows),
        mean_time_s=statistics.fmean(times),
        max_time_s=max(times),
        infinite_gaps=len(every_gap) - len(gaps),
        failure_kinds=dict(sorted(kinds.items())),
        first_reasons=reasons,
    )


def _matches_reference(row: Mapping[str, Any]) -> bool:
    ref = row.get("reference")
    if ref == "unsat":
        return row.get("status") == "INFEASIBLE"
    obj = row.get("objective")
    return _num(ref) and _num(obj) and _close(obj, ref)


def markdown_table(summaries: Sequence[MethodSummary], *, with_reference: bool) -> str:
    """The summary as a Markdown table (one line per method)."""
    infinite = any(s.infinite_gaps for s in summaries)
    head = ["method", "runs", "solved", "optimal", "best"]
    head += ["mean gap %", "median gap %", "max gap %", *(["infinite gap"] if infinite else [])]
    head += ["mean time s", "max time s", "failures"]
    if with_reference:
        head += ["matched ref", "ref violations"]
    rows = []
    for s in summaries:
        cells: list[Any] = [s.method, s.runs, s.solved, s.optimal, s.best]
        cells += [_fmt(s.mean_gap_pct), _fmt(s.median_gap_pct), _fmt(s.max_gap_pct)]
        cells += [s.infinite_gaps] if infinite else []
        cells += [_fmt(s.mean_time_s, 3), _fmt(s.max_time_s, 3), s.failures]
        if with_reference:
            cells += [f"{s.matched_ref}/{s.with_ref}", s.ref_violations]
        rows.append(cells)
    return _plain_table(head, rows)


def terminal_tables(summaries: Sequence[MethodSummary], *, with_reference: bool) -> str:
    """The summary as two Markdown tables whose headers fit an 80-column terminal.

    Quality (solved, optimal, gaps) first, then time, failures and reference checks;
    :func:`markdown_table` keeps the single wide table for the written report.
    """
    infinite = any(s.infinite_gaps for s in summaries)
    quality = ["method", "runs", "solved", "optimal", "best", "gap % mean", "median", "max"]
    quality += ["inf"] if infinite else []
    timing = ["method", "time s mean", "max", "failures"]
    if with_reference:
        timing += ["matched ref", "ref violations"]
    rows_q: list[list[Any]] = []
    rows_t: list[list[Any]] = []
    for s in summaries:
        rows_q.append([s.method, s.runs, s.solved, s.optimal, s.best])
        rows_q[-1] += [_fmt(s.mean_gap_pct), _fmt(s.median_gap_pct), _fmt(s.max_gap_pct)]
        rows_q[-1] += [s.infinite_gaps] if infinite else []
        rows_t.append([s.method, _fmt(s.mean_time_s, 3), _fmt(s.max_time_s, 3), s.failures])
        if with_reference:
            rows_t[-1] += [f"{s.matched_ref}/{s.with_ref}", s.ref_violations]
    return _plain_table(quality, rows_q) + "\n" + _plain_table(timing, rows_t)


def _plain_table(head: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for cells in rows:
        lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def failures_table(summaries: Sequence[MethodSummary]) -> str:
    """Failures by method and kind with the first reason seen (empty when none failed)."""
    lines = []
    for s in summaries:
        for kind, count in s.failure_kinds.items():
            reason = s.first_reasons.get(kind, "").replace("|", "/").replace("\n", " ")
            lines.append(f"| {s.method} | {kind} | {count} | {reason[:160]} |")
    if not lines:
        return ""
    legend = ""
    if any("none" in s.failure_kinds for s in summaries):
        # the CSV's `failure` cell is empty for these; a bare "none" read as "no failure"
        legend = (
            "\n*none*: the method returned no solution without an error (it found none within "
            "its time limit or gave up; the first reason says which).\n"
        )
    return (
        "| method | failure | runs | first reason |\n|---|---|---|---|\n"
        + "\n".join(lines)
        + "\n"
        + legend
    )


def basis_note(rows: Sequence[Mapping[str, Any]], *, with_reference: bool = True) -> str:
    """What the gaps are measured against and what the columns mean."""
    kinds = Counter(kind for value, kind in basis_values(rows).values() if value is not None)
    parts = []
    if kinds.get("reference"):
        parts.append(f"the reference value ({kinds['reference']} instances)")
    if kinds.get("bound"):
        parts.append(
            f"the best bound proved by any method of this run ({kinds['bound']} instances)"
        )
    against = " or ".join(parts) or "nothing (no reference and no bound)"
    text = (
        f"*gap*: 100·(objective − basis)/|basis| over solved runs, the basis being {against} "
        "(against a measured reference the gap is the error, signed); instances with a zero "
        "basis are left out of the gap columns, and runs with an infinite gap (a prediction "
        "that saturates) are counted apart (*infinite gap*, shown when there is one). *best*: runs whose objective is the best any "
        "method found on the instance. *failures*: runs without a verified solution or an "
        "infeasibility proof (see below)."
    )
    if with_reference:
        text += (
            " *matched ref*: runs equal to the reference optimum (or INFEASIBLE where the "
            "reference says infeasible), of those with a reference that is not a measurement; "
            "*ref violations*: a bound above the reference, an objective below its lower bound, "
            "a solution of an instance known infeasible (a bug, or a record to check twice)."
        )
    return text + "\n"


def reference_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """Per method, how its runs fare against each kind of reference (empty without any).

    *known optimum* (``reference == ref_lb``): runs that match it (of those with
    one) and that are also proven optimal; *unsat*: runs proving infeasibility;
    *open* (``ref_lb < reference``): runs within the best known upper bound, below
    it (a new record), proven optimal (closed), with a bound above the best known
    lower bound.
    """
    methods = list(dict.fromkeys(r["method"] for r in rows))
    lines = []
    for method in methods:
        mine = [r for r in rows if r["method"] == method]
        known = [
            r for r in mine if _num(r.get("reference")) and r.get("reference") == r.get("ref_lb")
        ]
        unsat = [r for r in mine if r.get("reference") == "unsat"]
        open_ = [
            r
            for r in mine
            if _num(r.get("reference")) and _num(r.get("ref_lb")) and r["ref_lb"] < r["reference"]
        ]
        if not (known or unsat or open_):
            continue
        solved = [r for r in open_ if r["status"] in SOLVED and _num(r.get("objective"))]
        cells = [
            method,
            f"{sum(_matches_reference(r) for r in known)}/{len(known)}",
            f"{sum(_matches_reference(r) and r['status'] == 'OPTIMAL' for r in known)}/{len(known)}",
            f"{sum(r['status'] == 'INFEASIBLE' for r in unsat)}/{len(unsat)}",
            f"{sum(r['objective'] <= r['reference'] for r in solved)}/{len(open_)}",
            sum(r["objective"] < r["reference"] for r in solved),
            f"{sum(r['status'] == 'OPTIMAL' for r in open_)}/{len(open_)}",
            sum(_num(r.get("bound")) and r["bound"] > r["ref_lb"] for r in open_),
        ]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    if not lines:
        return ""
    head = (
        "| method | known optimum matched | … and proven | unsat proven infeasible "
        "| open: within best UB | open: below best UB | open: closed | open: bound above best LB |\n"
        "|---|---|---|---|---|---|---|---|\n"
    )
    return head + "\n".join(lines) + "\n"


def report_text(
    rows: Sequence[Mapping[str, Any]],
    *,
    title: str,
    command: str,
    notes: Sequence[str] = (),
    plots: Sequence[Path] = (),
    sections: Sequence[tuple[str, str]] = (),
) -> str:
    """The whole Markdown report: command, summary table, failures, plots, extra sections."""
    summaries = summarize(rows)
    with_ref = any(r.get("reference") not in (None, "") for r in rows)
    text = f"# {title}\n\nReproduce with:\n\n```\n{command}\n```\n\n"
    for note in notes:
        text += f"{note}\n\n"
    text += markdown_table(summaries, with_reference=with_ref) + "\n"
    text += basis_note(rows, with_reference=with_ref)
    references = reference_table(rows)
    if references:
        text += "\n## Against the references\n\n" + references
    failures = failures_table(summaries)
    if failures:
        text += "\n## Failures\n\n" + failures
    if plots:
        text += "\n## Plots\n\n" + "".join(f"![{p.stem}]({p.name})\n" for p in plots)
    for heading, body in sections:
        text += f"\n## {heading}\n\n{body.rstrip()}\n"
    return text


def write_report(
    path: Path,
    rows: Sequence[Mapping[str, Any]],
    *,
    title: str,
    command: str,
    notes: Sequence[str] = (),
    sections: Sequence[tuple[str, str]] = (),
    plots: bool = True,
    size_label: str = "instance size",
    sizes: Mapping[str, float] | None = None,
) -> Path:
    """Write the Markdown report and, with ``plots``, its PNG figures next to it.

    Figures: ``<stem>_profiles.png`` (Dolan–Moré performance profiles),
    ``<stem>_gap_vs_size.png`` and ``<stem>_time_vs_size.png``
    (:mod:`planner.bench.plots`). ``sections`` are ``(heading, Markdown)``
    pairs appended after the summary (a benchmark script's own tables).
    ``sizes`` (instance name -> size) replaces the rows' ``size`` in the plots,
    with ``size_label`` saying what it counts (e.g. constraints of a ramp).
    """
    figures: list[Path] = []
    if sizes is not None:
        rows = [{**r, "size": sizes.get(r["instance"], r.get("size"))} for r in rows]
    if plots and rows:
        from planner.bench.plots import draw_all

        figures = draw_all(rows, path, title=title, size_label=size_label)
    text = report_text(
        rows, title=title, command=command, notes=notes, plots=figures, sections=sections
    )
    return write_atomic(path, text)


def summaries_as_dicts(summaries: Sequence[MethodSummary]) -> list[dict[str, Any]]:
    """Plain dicts, for ``--json``."""
    return [asdict(s) for s in summaries]


def markdown_rows(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """Rows as a Markdown table of the given columns (for a report's extra sections)."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = [_cell(row.get(c)) for c in columns]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value).replace("|", "/").replace("\n", " ")


def _num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _close(a: float, b: float | None) -> bool:
    if b is None:
        return False
    if isinstance(a, int) and isinstance(b, int):
        return a == b
    return abs(a - b) <= TOL * max(1.0, abs(a), abs(b)) or abs(a - b) <= 1e-6 * max(1.0, abs(b))


def _fmt(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"
