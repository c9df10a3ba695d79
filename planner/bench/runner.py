"""Run (instance, method) tasks in worker processes and append each row to a CSV as it finishes.

A killed run loses no finished row: each row is written and flushed to disk
the moment its task completes, and ``resume=True`` skips every
``(instance, method)`` pair already in the CSV.
"""

from __future__ import annotations

import csv
import json
import os
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planner.core.errors import InputError
from planner.core.family import Reference, get_family
from planner.core.provenance import SCHEMA_VERSION, SOLVERS, provenance
from planner.core.result import plain_number
from planner.core.solve import solve

CSV_FIELDS = (
    "family",
    "instance",
    "method",
    "status",
    "objective",
    "bound",
    "gap",
    "runtime_s",
    "verified",
    "reference",
    "ref_gap_pct",
    "ref_check",
    "time_limit",
    "threads",
    "seed",
    "reason",
    "stats",
    "schema_version",
    "planner_version",
    "git_commit",
    "ortools",
    "highspy",
)


@dataclass(frozen=True)
class BenchTask:
    """One method run on one instance."""

    family: str
    instance: Any
    method: str
    time_limit: float
    threads: int
    seed: int
    reference: Reference | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.instance.name, self.method)


def run_task(task: BenchTask) -> dict[str, Any]:
    """Solve one task and turn the certificate into a CSV row (runs in a worker)."""
    try:
        result = solve(
            task.instance,
            task.method,
            time_limit=task.time_limit,
            threads=task.threads,
            seed=task.seed,
        )
        row = {
            "status": result.status.value,
            "objective": result.to_dict(with_solution=False)["objective"],
            "bound": result.to_dict(with_solution=False)["bound"],
            "gap": _round(result.gap),
            "runtime_s": round(result.runtime_s, 4),
            "verified": result.verified,
            "reason": result.reason,
            "stats": json.dumps(result.stats, default=str, sort_keys=True),
        }
    except Exception as exc:  # one broken task must not stop the benchmark
        row = {
            "status": "ERROR",
            "reason": f"{type(exc).__name__}: {exc}",
            "stats": json.dumps({"traceback": traceback.format_exc(limit=5)}),
        }
    origin = provenance()
    row.update(
        family=task.family,
        instance=task.instance.name,
        method=task.method,
        time_limit=task.time_limit,
        threads=task.threads,
        seed=task.seed,
        schema_version=SCHEMA_VERSION,
        planner_version=origin["planner_version"],
        git_commit=origin["git_commit"] or "",
        **{name: origin["solvers"][name] or "" for name in SOLVERS},
    )
    row.update(_reference_columns(row, task.reference))
    return {field: row.get(field, "") for field in CSV_FIELDS}


def _reference_columns(row: Mapping[str, Any], ref: Reference | None) -> dict[str, Any]:
    """Gap to the reference value and a sanity check against known bounds."""
    if ref is None:
        return {}
    out: dict[str, Any] = {"reference": plain_number(ref.best)}
    objective = row.get("objective")
    bound = row.get("bound")
    best = ref.best
    if isinstance(objective, (int, float)) and best is not None and best != 0:
        out["ref_gap_pct"] = round(100.0 * (objective - best) / abs(best), 6)
    checks = []
    ub = ref.value if ref.value is not None else ref.ub
    lb = ref.value if ref.value is not None else ref.lb
    if isinstance(bound, (int, float)) and ub is not None and bound > ub + 1e-6 * max(1, abs(ub)):
        checks.append("bound>ref")
    if (
        isinstance(objective, (int, float))
        and lb is not None
        and objective < lb - 1e-6 * max(1, abs(lb))
    ):
        checks.append("objective<ref")
    out["ref_check"] = ",".join(checks) or "ok"
    return out


def read_done(csv_path: Path) -> set[tuple[str, str]]:
    """``(instance, method)`` pairs already recorded in a benchmark CSV."""
    if not csv_path.exists():
        return set()
    with csv_path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames is None or "instance" not in reader.fieldnames:
            raise InputError(f"{csv_path}: not a planner benchmark CSV (no 'instance' column)")
        if tuple(reader.fieldnames) != CSV_FIELDS:
            raise InputError(
                f"{csv_path}: written by another planner version (columns differ); "
                "start a new --csv file"
            )
        return {(r["instance"], r["method"]) for r in reader if r.get("status") != "ERROR"}


def read_rows(csv_path: Path) -> list[dict[str, Any]]:
    """All rows of a benchmark CSV, numbers parsed back."""
    with csv_path.open(newline="", encoding="utf-8") as fh:
        return [_parse_row(r) for r in csv.DictReader(fh)]


def run_bench(
    tasks: list[BenchTask],
    *,
    csv_path: Path | None,
    jobs: int = 1,
    executor: str = "local",
    resume: bool = False,
    on_row: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Run tasks, appending each finished row to ``csv_path``.

    Parameters
    ----------
    tasks
        The (instance, method) runs.
    csv_path
        CSV file that rows are appended to (header written when new).
    jobs
        Worker processes (``local``) or concurrent tasks (``ray``).
    executor
        ``"local"`` (process pool; in-process when ``jobs == 1``) or ``"ray"``.
    resume
        Skip tasks whose ``(instance, method)`` is already in ``csv_path``.
    on_row
        Called with each finished row (progress bars).

    Returns
    -------
    list of dict
        The rows of this run, plus the earlier rows when resuming.
    """
    previous: list[dict[str, Any]] = []
    if csv_path is not None and csv_path.exists():
        if resume:
            done = read_done(csv_path)
            previous = [r for r in read_rows(csv_path) if (r["instance"], r["method"]) in done]
            tasks = [t for t in tasks if t.key not in done]
        else:
            raise InputError(f"{csv_path}: exists; pass --resume to continue it or remove it")
    sink = _CsvSink(csv_path) if csv_path is not None else None
    rows: list[dict[str, Any]] = []

    def record(row: dict[str, Any]) -> None:
        if sink is not None:
            sink.write(row)
        rows.append(row)
        if on_row is not None:
            on_row(row)

    try:
        for row in _execute(tasks, jobs=jobs, executor=executor):
            record(row)
    finally:
        if sink is not None:
            sink.close()
    return previous + rows


def _execute(tasks: list[BenchTask], *, jobs: int, executor: str) -> Iterable[dict[str, Any]]:
    if executor == "ray":
        from planner.bench.executors import ray_map

        yield from ray_map(run_task, tasks, jobs=jobs)
    elif executor == "local":
        from planner.bench.executors import local_map

        yield from local_map(run_task, tasks, jobs=jobs)
    else:
        raise InputError(f"--executor: unknown executor {executor!r} (local or ray)")


class _CsvSink:
    """Append-only CSV writer that flushes every row to disk."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        new = not path.exists() or path.stat().st_size == 0
        self._fh = path.open("a", newline="", encoding="utf-8")
        self._writer = csv.DictWriter(self._fh, fieldnames=CSV_FIELDS)
        if new:
            self._writer.writeheader()
            self._sync()

    def write(self, row: Mapping[str, Any]) -> None:
        self._writer.writerow(row)
        self._sync()

    def _sync(self) -> None:
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        self._fh.close()


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 8)


_NUMERIC = (
    "objective",
    "bound",
    "gap",
    "runtime_s",
    "reference",
    "ref_gap_pct",
    "time_limit",
    "threads",
    "seed",
    "schema_version",
)


def parse_number(text: str) -> int | float | None:
    """A CSV cell back as a number: integers exactly (10**18 + 17 survives), else float."""
    if text in ("", "None"):
        return None
    try:
        return int(text)
    except ValueError:
        return float(text)


def _parse_row(row: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = dict(row)
    for key in _NUMERIC:
        out[key] = parse_number(row.get(key, ""))
    out["verified"] = row.get("verified") == "True"
    return out


def json_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A benchmark row as ``--json`` prints it: numbers as numbers, ``stats`` as an object."""
    out = dict(row)
    for key in _NUMERIC:
        if isinstance(out.get(key), str):
            out[key] = parse_number(out[key])
        elif out.get(key) == "":
            out[key] = None
    if isinstance(out.get("stats"), str):
        out["stats"] = json.loads(out["stats"]) if out["stats"] else {}
    for key in ("git_commit", "ortools", "highspy", "reference", "ref_gap_pct", "ref_check"):
        if out.get(key) == "":
            out[key] = None
    return out


def family_tasks(
    family_name: str,
    instances: list[Any],
    methods: list[str],
    *,
    time_limit: float,
    threads: int,
    seed: int,
    references: Mapping[str, Reference] | None = None,
) -> list[BenchTask]:
    """The cross product of instances and methods as tasks (methods validated first)."""
    family = get_family(family_name)
    for m in methods:
        family.method(m, flag="--methods")
    refs = references or {}
    return [
        BenchTask(family_name, inst, m, time_limit, threads, seed, refs.get(inst.name))
        for inst in instances
        for m in methods
    ]
