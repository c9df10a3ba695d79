import csv

import pytest

from planner.bench.report import markdown_table, summarize, terminal_tables
from planner.bench.rows import CSV_FIELDS, read_rows
from planner.bench.runner import family_tasks, run_bench
from planner.core import Reference, get_family
from planner.core.errors import InputError
from planner.core.specs import load_instances


def _tasks(toy_file, methods, refs=None):
    instances = [x.instance for x in load_instances(get_family("toy"), [str(toy_file)])]
    return family_tasks("toy", instances, methods, time_limit=1, threads=1, seed=0, references=refs)


def test_rows_are_appended_and_resume_skips_them(tmp_path, toy_file):
    out = tmp_path / "r.csv"
    rows = run_bench(_tasks(toy_file, ["first"]), csv_path=out)
    assert len(rows) == 3
    with out.open() as fh:
        lines = list(csv.DictReader(fh))
    assert [r["instance"] for r in lines] == ["a", "b", "c"]
    assert tuple(lines[0]) == CSV_FIELDS
    assert CSV_FIELDS[:9] == (
        "instance",
        "method",
        "status",
        "objective",
        "bound",
        "gap",
        "runtime_s",
        "verified",
        "reason",
    )

    with pytest.raises(InputError, match="--resume"):
        run_bench(_tasks(toy_file, ["first"]), csv_path=out)

    seen = []
    rows = run_bench(
        _tasks(toy_file, ["first", "exact"]), csv_path=out, resume=True, on_row=seen.append
    )
    assert [(r["instance"], r["method"]) for r in seen] == [
        ("a", "exact"),
        ("b", "exact"),
        ("c", "exact"),
    ]
    assert len(rows) == 6
    assert len(read_rows(out)) == 6


def test_worker_processes_give_the_same_rows(toy_file):
    serial = run_bench(_tasks(toy_file, ["exact", "first"]), csv_path=None, jobs=1)
    parallel = run_bench(_tasks(toy_file, ["exact", "first"]), csv_path=None, jobs=2)
    key = lambda r: (r["instance"], r["method"])  # noqa: E731
    strip = lambda r: {k: v for k, v in r.items() if k != "runtime_s"}  # noqa: E731
    assert sorted(map(strip, serial), key=key) == sorted(map(strip, parallel), key=key)


def test_errors_become_rows_and_reference_gaps(toy_file):
    refs = {"a": Reference(value=3), "b": Reference(value=1), "c": Reference(value=0)}
    rows = run_bench(_tasks(toy_file, ["first", "crash"], refs), csv_path=None)
    by = {(r["instance"], r["method"]): r for r in rows}
    assert by[("a", "crash")]["status"] == "ERROR" and "boom" in by[("a", "crash")]["reason"]
    assert by[("a", "crash")]["failure"] == "error"
    first_a = by[("a", "first")]
    assert first_a["objective"] == 5 and first_a["reference"] == 3
    assert first_a["ref_gap_pct"] == pytest.approx(100 * 2 / 3, rel=1e-6)
    assert by[("c", "first")]["ref_gap_pct"] in ("", None)  # zero optimum: no relative gap

    summary = {s.method: s for s in summarize(rows)}
    s = summary["first"]
    assert s.runs == 3 and s.solved == 3 and s.failures == 0
    # gaps over non-zero references only: a: 66.7 %, b: 0 %
    assert s.mean_gap_pct == pytest.approx((200 / 3 + 0) / 2)
    assert s.max_gap_pct == pytest.approx(200 / 3)
    assert s.matched_ref == 1 and s.with_ref == 3
    assert summary["crash"].failures == 3 and summary["crash"].failure_kinds == {"error": 3}
    table = markdown_table(list(summary.values()), with_reference=True)
    assert "| first | 3 | 3 |" in table
    narrow = terminal_tables(list(summary.values()), with_reference=True)
    assert "| first | 3 | 3 |" in narrow and "| first | " in narrow.split("\n\n")[1]
    assert all(len(line) <= 80 for line in narrow.splitlines() if line.startswith("| method"))


def test_reference_violation_is_counted(toy_file):
    refs = {"a": Reference(value=3)}
    rows = run_bench(_tasks(toy_file, ["overbound"], refs), csv_path=None)
    # overbound's bogus bound is dropped by certify, so no violation is left
    assert all(r["ref_check"] in ("ok", "") for r in rows)
    refs = {"a": Reference(lb=6, ub=8)}
    rows = run_bench(_tasks(toy_file, ["first"], refs), csv_path=None)
    row = next(r for r in rows if r["instance"] == "a")
    assert row["ref_check"] == "objective<ref"  # 5 below a lower bound of 6


def test_an_infeasible_reference_is_matched_only_by_a_proof(toy_file):
    refs = {"a": Reference(infeasible=True)}
    rows = run_bench(_tasks(toy_file, ["first", "prove-infeasible"], refs), csv_path=None)
    by = {(r["instance"], r["method"]): r for r in rows}
    assert by[("a", "first")]["ref_check"] == "solution<unsat"
    assert by[("a", "prove-infeasible")]["ref_check"] == "ok"
    summary = {s.method: s for s in summarize(rows)}
    assert summary["prove-infeasible"].matched_ref == 1
    assert summary["first"].matched_ref == 0 and summary["first"].ref_violations == 1
