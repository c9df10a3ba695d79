"""Benchmarks: run methods and plugins over suites, on local processes or Ray; CSV, reports, plots.

Library API (what ``planner bench`` and the scripts under ``bench/`` use):

* :func:`family_tasks` / :func:`variant_tasks` build the runs; :func:`run_bench`
  runs them on an executor and appends each finished row to a CSV;
* :func:`measurement_row` / :func:`certificate_row` make rows of a script's own
  measurements and of solves run elsewhere; :func:`read_rows` reads a CSV back; :func:`summarize` and :func:`write_report`
  turn rows into the Markdown report (and its plots);
* :func:`compare` / :func:`compare_markdown` diff two runs.
"""

from planner.bench.compare import compare
from planner.bench.compare import markdown as compare_markdown
from planner.bench.report import markdown_rows, markdown_table, summarize, write_report
from planner.bench.rows import CSV_FIELDS, read_rows
from planner.bench.runner import (
    BenchTask,
    certificate_row,
    family_tasks,
    measurement_row,
    run_bench,
    run_task,
    variant_tasks,
)

__all__ = [
    "CSV_FIELDS",
    "BenchTask",
    "certificate_row",
    "compare",
    "compare_markdown",
    "family_tasks",
    "markdown_rows",
    "markdown_table",
    "measurement_row",
    "read_rows",
    "run_bench",
    "run_task",
    "summarize",
    "variant_tasks",
    "write_report",
]
