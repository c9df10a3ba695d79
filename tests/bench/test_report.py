"""Reports, plots, --compare and the paired tests behind its significance note."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.bench.compare import compare, markdown
from planner.bench.plots import run_gaps, time_ratios
from planner.bench.report import summarize, write_report
from planner.bench.stats import sign_test, wilcoxon


def _row(instance, method, objective, *, status="FEASIBLE", bound=None, ref=None, t=1.0, **kw):
    return {
        "instance": instance,
        "method": method,
        "status": status,
        "objective": objective,
        "bound": bound,
        "reference": ref,
        "runtime_s": t,
        "seed": 0,
        "size": kw.pop("size", 10),
        **kw,
    }


ROWS = [
    _row("i1", "a", 110, ref=100, t=1.0),
    _row("i1", "b", 100, ref=100, t=4.0, status="OPTIMAL"),
    _row("i2", "a", 50, bound=40, t=2.0, size=20),
    _row("i2", "b", 60, bound=45, t=1.0, size=20),
    _row("i3", "a", None, status="UNKNOWN", failure="timeout", reason="too slow", t=3.0),
    _row("i3", "b", 7, bound=0, t=1.0),
]


def test_summary_scores_against_the_reference_else_the_best_bound():
    s = {m.method: m for m in summarize(ROWS)}
    # i1 against the reference 100; i2 against the best bound 45; i3's basis 0 is left out
    assert s["a"].mean_gap_pct == pytest.approx((10 + 100 * 5 / 45) / 2)
    assert s["b"].mean_gap_pct == pytest.approx((0 + 100 * 15 / 45) / 2)
    assert s["a"].median_gap_pct == pytest.approx((10 + 100 * 5 / 45) / 2)
    assert s["b"].max_gap_pct == pytest.approx(100 * 15 / 45)
    assert (s["a"].best, s["b"].best) == (1, 2)  # a wins i2; b wins i1 and i3
    assert (s["a"].optimal, s["b"].optimal) == (0, 1)
    assert s["a"].failures == 1 and s["a"].failure_kinds == {"timeout": 1}
    assert s["a"].mean_time_s == pytest.approx(2.0) and s["b"].max_time_s == 4.0


def test_an_infinite_gap_is_counted_apart_not_averaged(tmp_path):
    """A saturated prediction (objective inf against a measured reference) made the method's
    mean and max gap read "inf" in every report."""
    from planner.bench.report import markdown_table, terminal_tables

    rows = [
        _row("i1", "model", 110, ref=100, status="MEASURED"),
        _row("i2", "model", 90, ref=100, status="MEASURED"),
        _row("i3", "model", math.inf, ref=100, status="MEASURED"),
    ]
    (s,) = summarize(rows)
    assert s.mean_gap_pct == pytest.approx(0.0) and s.max_gap_pct == pytest.approx(10.0)
    assert s.infinite_gaps == 1 and s.gap_runs == 2
    for table in (
        markdown_table([s], with_reference=True),
        terminal_tables([s], with_reference=False),
    ):
        line = next(x for x in table.splitlines() if x.startswith("| model | 3 "))
        assert "inf" not in line and "| 10.00 | 1 |" in line  # the count, in its own column
    assert "infinite gap" in markdown_table([s], with_reference=False)
    (finite,) = summarize(rows[:2])
    assert "infinite" not in markdown_table([finite], with_reference=False)  # shown when any
    write_report(tmp_path / "r.md", rows, title="t", command="c", plots=False)
    assert "| model | 3 | 3 | 0 | 2 | 0.00 | 0.00 | 10.00 | 1 |" in (tmp_path / "r.md").read_text()


def test_profiles_count_each_instance_once_per_method():
    ratios = time_ratios(ROWS)
    assert ratios["a"] == [1.0, 1.0 * 2.0 / 1.0, math.inf]  # i1 1/1, i2 2/1, i3 failed
    assert ratios["b"] == [4.0, 1.0, 1.0]
    gaps = run_gaps(ROWS)
    assert gaps["a"][2] == math.inf and gaps["b"][0] == 0.0
    assert gaps["b"][2] == math.inf  # 7 against a zero bound: no gap can be given


def test_report_writes_markdown_and_plots_next_to_it(tmp_path):
    path = tmp_path / "r.md"
    write_report(path, ROWS, title="t", command="planner bench x", size_label="jobs")
    text = path.read_text()
    assert text.startswith("# t\n\nReproduce with:\n\n```\nplanner bench x\n```")
    assert "| a | 3 | 2 | 0 | 1 |" in text and "## Failures" in text and "too slow" in text
    for name in ("r_profiles.png", "r_gap_vs_size.png", "r_time_vs_size.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"]({name})" in text


def test_compare_pairs_runs_and_lists_changes():
    after = [dict(r) for r in ROWS]
    after[0] = {**after[0], "objective": 100, "runtime_s": 0.5}  # a improves on i1
    after[5] = {**after[5], "status": "UNKNOWN", "objective": None}  # b loses i3
    result = compare(ROWS, after)
    by = {d.method: d for d in result.methods}
    assert (by["a"].better, by["a"].equal, by["a"].worse) == (1, 2, 0)
    assert (by["b"].better, by["b"].equal, by["b"].worse) == (0, 2, 1)
    assert len(result.changed) == 2
    text = markdown(result, "A.csv", "B.csv")
    assert "| i1 | a | FEASIBLE | 110 | FEASIBLE | 100 |" in text
    assert "Wilcoxon" in text


def _brute_wilcoxon_p(diffs):
    """Two-sided p by enumerating every sign pattern (ties by average rank, written apart)."""
    d = [x for x in diffs if x != 0]
    absd = sorted(abs(x) for x in d)
    rank = {}
    for v in set(absd):
        positions = [i + 1 for i, w in enumerate(absd) if w == v]
        rank[v] = sum(positions) / len(positions)
    ranks = [rank[abs(x)] for x in d]
    observed = sum(r for r, x in zip(ranks, d, strict=True) if x > 0)
    total = sum(ranks)
    dev = abs(observed - total / 2)
    count = 0
    patterns = list(itertools.product((0, 1), repeat=len(d)))
    for signs in patterns:
        w = sum(r for r, s in zip(ranks, signs, strict=True) if s)
        count += abs(w - total / 2) >= dev - 1e-9
    return count / len(patterns)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(-6, 6), min_size=1, max_size=11))
def test_wilcoxon_exact_agrees_with_enumeration(diffs):
    expected = _brute_wilcoxon_p(diffs) if any(diffs) else 1.0
    assert wilcoxon(diffs).p_value == pytest.approx(expected, abs=1e-12)


def test_sign_test_and_normal_approximation():
    assert sign_test([1] * 10).p_value == pytest.approx(2 / 2**10)
    assert sign_test([1, -1]).p_value == 1.0
    shifted = [1.0 + 0.01 * k for k in range(60)]
    result = wilcoxon(shifted)
    assert result.method == "wilcoxon normal" and result.p_value < 1e-9
    balanced = [(-1) ** k * (1 + k) for k in range(60)]
    assert wilcoxon(balanced).p_value > 0.5


def test_a_failure_of_kind_none_is_explained(tmp_path):
    """A built-in heuristic that gives up (rcpsp `sgs-lft` on a deadline) has an empty `failure`
    cell; the report's Failures table showed it as kind "none" with no word on what that is."""
    from planner.bench.report import failures_table

    gave_up = _row("i4", "c", None, status="UNKNOWN", reason="no start meets every deadline")
    text = failures_table(summarize([*ROWS, gave_up]))
    assert "| c | none | 1 | no start meets every deadline |" in text
    assert "*none*: the method returned no solution without an error" in text
    assert "*none*" not in failures_table(summarize(ROWS))  # only when there is one
