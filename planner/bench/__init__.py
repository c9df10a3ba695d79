"""Benchmarks: run methods over suites of instances, write CSV rows and a Markdown summary."""

from planner.bench.report import summarize, write_markdown
from planner.bench.runner import CSV_FIELDS, BenchTask, run_bench, run_task

__all__ = ["CSV_FIELDS", "BenchTask", "run_bench", "run_task", "summarize", "write_markdown"]
