"""``planner bench --compare A.csv B.csv``: what changed between two benchmark runs.

Runs are paired by ``(instance, method, seed)``. Per method: how many
objectives got better, stayed equal or got worse from A to B, the mean gap of
each (:mod:`.report`'s convention, each run against its own basis), the
median run times, and whether the run-time difference is significant
(Wilcoxon signed-rank test on the paired differences, with the sign test as a
robustness check). Per instance: every pair whose status or objective differs.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from planner.bench.report import SOLVED, basis_values, run_gap_pct
from planner.bench.rows import Key, row_key
from planner.bench.stats import TestResult, sign_test, wilcoxon
from planner.core.errors import InputError

#: Significance level of the note on run-time differences.
ALPHA = 0.05
#: Instances listed at most in the per-instance table.
MAX_LISTED = 50


@dataclass
class MethodDiff:
    """How one method changed between run A and run B."""

    method: str
    pairs: int
    better: int
    equal: int
    worse: int
    solved_a: int
    solved_b: int
    mean_gap_a: float | None
    mean_gap_b: float | None
    median_time_a: float | None
    median_time_b: float | None
    wilcoxon: TestResult | None
    sign: TestResult | None

    @property
    def note(self) -> str:
        """One sentence on the run-time difference and its significance."""
        if self.wilcoxon is None or self.wilcoxon.n == 0:
            return "no run-time difference to test"
        p = self.wilcoxon.p_value
        ta, tb = self.median_time_a or 0.0, self.median_time_b or 0.0
        faster = "B faster" if tb < ta else "B slower" if tb > ta else "same median"
        verdict = "significant" if p < ALPHA else "not significant"
        return (
            f"{faster}, {verdict} at {ALPHA:g} (Wilcoxon signed-rank p = {p:.3g}, n = "
            f"{self.wilcoxon.n}; sign test p = {self.sign.p_value:.3g})"
            if self.sign is not None
            else f"{faster}, {verdict} (p = {p:.3g})"
        )


@dataclass
class Comparison:
    """The comparison of two runs."""

    methods: list[MethodDiff]
    changed: list[tuple[Mapping[str, Any], Mapping[str, Any]]]
    only_a: list[Key] = field(default_factory=list)
    only_b: list[Key] = field(default_factory=list)


def check_same_family(
    rows_a: Sequence[Mapping[str, Any]],
    rows_b: Sequence[Mapping[str, Any]],
    name_a: str,
    name_b: str,
) -> None:
    """``InputError`` when the two CSVs hold results of different families.

    Without it ``--compare smtt.csv rcpsp.csv`` printed an empty table and "No run changed
    its status or objective", exit 0. CSVs without a ``family`` column pass.
    """
    fam_a = sorted({str(r.get("family")) for r in rows_a if r.get("family")})
    fam_b = sorted({str(r.get("family")) for r in rows_b if r.get("family")})
    if fam_a and fam_b and fam_a != fam_b:
        raise InputError(
            f"--compare: {name_a} holds results of family {', '.join(map(repr, fam_a))}, "
            f"{name_b} of {', '.join(map(repr, fam_b))}; compare two runs of one family"
        )


def compare(rows_a: Sequence[Mapping[str, Any]], rows_b: Sequence[Mapping[str, Any]]) -> Comparison:
    """Pair the runs of A and B and compare them per method and per instance."""
    a = {row_key(r): r for r in rows_a}
    b = {row_key(r): r for r in rows_b}
    bases_a, bases_b = basis_values(list(rows_a)), basis_values(list(rows_b))
    common = [k for k in a if k in b]
    methods = list(dict.fromkeys(k[1] for k in common))
    diffs = []
    for method in methods:
        keys = [k for k in common if k[1] == method]
        better = worse = equal = 0
        for k in keys:
            cmp = _compare_objectives(a[k], b[k])
            better += cmp < 0
            worse += cmp > 0
            equal += cmp == 0
        times = [
            (a[k]["runtime_s"], b[k]["runtime_s"])
            for k in keys
            if _num(a[k].get("runtime_s")) and _num(b[k].get("runtime_s"))
        ]
        deltas = [tb - ta for ta, tb in times]
        # finite gaps only, as the report's gap columns (saturating predictions count apart)
        gaps_a = [g for k in keys if _finite(g := run_gap_pct(a[k], bases_a.get(k[0])))]
        gaps_b = [g for k in keys if _finite(g := run_gap_pct(b[k], bases_b.get(k[0])))]
        diffs.append(
            MethodDiff(
                method=method,
                pairs=len(keys),
                better=better,
                equal=equal,
                worse=worse,
                solved_a=sum(a[k]["status"] in SOLVED for k in keys),
                solved_b=sum(b[k]["status"] in SOLVED for k in keys),
                mean_gap_a=statistics.fmean(gaps_a) if gaps_a else None,
                mean_gap_b=statistics.fmean(gaps_b) if gaps_b else None,
                median_time_a=statistics.median(t for t, _ in times) if times else None,
                median_time_b=statistics.median(t for _, t in times) if times else None,
                wilcoxon=wilcoxon(deltas) if deltas else None,
                sign=sign_test(deltas) if deltas else None,
            )
        )
    changed = [
        (a[k], b[k])
        for k in common
        if a[k]["status"] != b[k]["status"] or _compare_objectives(a[k], b[k]) != 0
    ]
    return Comparison(
        methods=diffs,
        changed=changed,
        only_a=[k for k in a if k not in b],
        only_b=[k for k in b if k not in a],
    )


def _compare_objectives(ra: Mapping[str, Any], rb: Mapping[str, Any]) -> int:
    """-1 when B is better than A (smaller objective, or a solution where A had none), 1 worse."""
    oa = ra.get("objective") if ra.get("status") in SOLVED else None
    ob = rb.get("objective") if rb.get("status") in SOLVED else None
    if not _num(oa) and not _num(ob):
        return 0
    if not _num(oa):
        return -1
    if not _num(ob):
        return 1
    if oa == ob or abs(oa - ob) <= 1e-9 * max(1.0, abs(oa), abs(ob)):  # inf == inf too
        return 0
    return -1 if ob < oa else 1


def markdown(result: Comparison, name_a: str, name_b: str) -> str:
    """The comparison as Markdown: per method, then the instances that changed."""
    lines = [
        f"# Comparison: A = {name_a}, B = {name_b}",
        "",
        "| method | pairs | B better | equal | B worse | solved A | solved B | mean gap A % "
        "| mean gap B % | median time A s | median time B s | run time |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for d in result.methods:
        cells = [
            d.method,
            d.pairs,
            d.better,
            d.equal,
            d.worse,
            d.solved_a,
            d.solved_b,
            _fmt(d.mean_gap_a),
            _fmt(d.mean_gap_b),
            _fmt(d.median_time_a, 4),
            _fmt(d.median_time_b, 4),
            d.note,
        ]
        lines.append("| " + " | ".join(str(c).replace("|", "/") for c in cells) + " |")
    lines += [
        "",
        f"Runs only in A: {len(result.only_a)}; only in B: {len(result.only_b)}. Time "
        "differences on a shared machine also reflect its load; see the significance note.",
    ]
    if result.changed:
        lines += [
            "",
            f"## Runs whose status or objective changed ({len(result.changed)})",
            "",
            "| instance | method | status A | objective A | status B | objective B |",
            "|---|---|---|---|---|---|",
        ]
        for ra, rb in result.changed[:MAX_LISTED]:
            lines.append(
                f"| {ra['instance']} | {ra['method']} | {ra['status']} | {_obj(ra)} | "
                f"{rb['status']} | {_obj(rb)} |"
            )
        if len(result.changed) > MAX_LISTED:
            lines.append(f"\n... and {len(result.changed) - MAX_LISTED} more.")
    else:
        lines += ["", "No run changed its status or objective."]
    return "\n".join(lines) + "\n"


def _obj(row: Mapping[str, Any]) -> str:
    value = row.get("objective")
    return "–" if value is None else str(value)


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def _num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _fmt(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"
