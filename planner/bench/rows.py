"""The benchmark CSV: its columns, a crash-safe appender, and reading it back for ``--resume``.

One row per finished ``(instance, method, seed)`` run. Each row is written with
a single ``write`` to a file opened for appending and ``fsync``'ed before the
next task's result is taken, so a run killed at any moment (SIGINT, SIGKILL of
the driver or of a worker, a lost node) leaves every finished row on disk and
at most a partial last line, which :func:`open_for_resume` cuts off.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from planner.core.errors import InputError
from planner.core.io import read_csv_text, read_text, write_atomic

#: Columns of every benchmark CSV, in order: the certificate, then where it comes from
#: (schema, planner version, git commit, solver versions, seed, threads, time limit), then
#: the benchmark's own columns.
CSV_FIELDS = (
    "instance",
    "method",
    "status",
    "objective",
    "bound",
    "gap",
    "runtime_s",
    "verified",
    "reason",
    "schema_version",
    "planner_version",
    "git_commit",
    "ortools",
    "highspy",
    "seed",
    "threads",
    "time_limit",
    "family",
    "size",
    "failure",
    "reference",
    "ref_lb",
    "ref_gap_pct",
    "ref_check",
    "stats",
)

#: Numeric columns (parsed back as int when integral, else float).
NUMERIC = (
    "objective",
    "bound",
    "gap",
    "runtime_s",
    "reference",
    "ref_lb",
    "ref_gap_pct",
    "time_limit",
    "threads",
    "seed",
    "schema_version",
    "size",
)

#: Status of a run that did not finish (the harness lost it); ``--resume`` runs it again.
ERROR = "ERROR"
#: Every ``status`` planner writes: a solve's (:class:`~planner.core.result.Status`), a
#: measured row's (``runner.measured_row``) and a lost run's.
STATUSES = ("OPTIMAL", "FEASIBLE", "INFEASIBLE", "UNKNOWN", "MEASURED", ERROR)

Key = tuple[str, str, int]


def row_key(row: Mapping[str, Any]) -> Key:
    """``(instance, method, seed)``: what ``--resume`` considers one finished run."""
    seed = row.get("seed")
    return (str(row["instance"]), str(row["method"]), int(seed) if seed not in ("", None) else 0)


def format_row(row: Mapping[str, Any]) -> str:
    """One CSV line (with its newline) for ``row``."""
    buf = io.StringIO()
    csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n").writerow(
        {k: _cell(row.get(k)) for k in CSV_FIELDS}
    )
    return buf.getvalue()


def header() -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(CSV_FIELDS)
    return buf.getvalue()


def _cell(value: Any) -> Any:
    return "" if value is None else value


class RowSink:
    """Appends rows to a CSV, one ``write`` + ``fsync`` per row (header when the file is new)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        info = os.fstat(self._fd)
        # a device or a pipe (--csv /dev/null, /dev/stdout) has nothing to make durable, and
        # fsync on it fails with EINVAL: "internal error" before the first run (s30bad)
        self._sync = stat.S_ISREG(info.st_mode)
        if info.st_size == 0:
            self._write(header())

    def write(self, row: Mapping[str, Any]) -> None:
        self._write(format_row(row))

    def _write(self, text: str) -> None:
        data = text.encode("utf-8")
        try:
            while data:  # one write for a row in practice; loop only on a short write
                data = data[os.write(self._fd, data) :]
            if self._sync:
                os.fsync(self._fd)
        except OSError as exc:  # disk full, /dev/full: named, as write_atomic does
            raise InputError(f"--csv {self.path}: cannot write ({exc.strerror or exc})") from None

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def read_rows(path: Path) -> list[dict[str, Any]]:
    """All complete rows of a benchmark CSV, numbers parsed back (a partial last line is skipped).

    Older CSVs (other column sets) are read by column name; missing columns are ``None``.
    """
    text = read_csv_text(path)  # non-UTF-8 bytes: one line naming the file
    if text and not text.endswith("\n"):
        text = text[: text.rfind("\n") + 1]  # a row cut by a kill is not a finished run
    reader = csv.DictReader(io.StringIO(text))
    try:
        if reader.fieldnames is None or not {"instance", "method"} <= set(reader.fieldnames):
            raise InputError(
                f"{path}: not a planner benchmark CSV (no 'instance' and 'method' columns)"
            )
        if "status" not in reader.fieldnames:  # every report and --compare reads it
            raise InputError(f"{path}: not a planner benchmark CSV (no 'status' column)")
        rows = []
        for number, raw in enumerate(reader, start=1):
            row = parse_row(raw)
            _check_numbers(path, number, reader.line_num, row)
            rows.append(row)
    except csv.Error as exc:
        raise InputError(f"{path}: line {reader.line_num}: not a readable CSV ({exc})") from None
    return rows


#: Words a numeric column may hold instead of a number (the reference of an infeasible instance).
NUMERIC_WORDS = {"reference": ("unsat",)}
#: Columns a MEASURED row may hold ``inf`` in: a model prediction that saturates (a p99 latency
#: at a rate above the modelled capacity) and its error against the measurement.
MEASURED_INFINITE = ("objective", "ref_gap_pct")


def _check_numbers(path: Path, number: int, line: int, row: Mapping[str, Any]) -> None:
    """Refuse a numeric cell planner never writes: ``nan`` / ``inf`` (but a saturating
    prediction's, :data:`MEASURED_INFINITE`) or text (a hand-edited CSV). ``--resume`` kept such rows as finished runs and reports averaged the ``nan`` in."""
    for key in NUMERIC:
        value = row.get(key)
        if value is None or isinstance(value, int) or value in NUMERIC_WORDS.get(key, ()):
            continue
        if isinstance(value, float) and math.isfinite(value):
            continue
        if value == math.inf and key in MEASURED_INFINITE and row.get("status") == "MEASURED":
            continue
        raise InputError(
            f"{path}: row {number} (line {line}), column {key!r}: expected a finite number "
            f"or an empty cell, got {value!r}"
        )


def parse_number(text: Any) -> int | float | str | None:
    """A CSV cell back as a number: integers exactly (10**18 + 17 survives), else float.

    A cell that is no number (the reference ``unsat``) stays a string.
    """
    if text is None or text in ("", "None"):
        return None
    if isinstance(text, (int, float)):
        return text
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return str(text)


def parse_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A CSV row with its numbers, ``verified`` and empty cells typed (``None``)."""
    out: dict[str, Any] = {k: (None if v == "" else v) for k, v in row.items() if k is not None}
    for key in NUMERIC:
        if key in out:
            out[key] = parse_number(out[key])
    out["verified"] = str(row.get("verified")) == "True"
    return out


def json_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A benchmark row as ``--json`` prints it: numbers as numbers, ``stats`` as an object."""
    out = parse_row(row)
    stats = out.get("stats")
    out["stats"] = json.loads(stats) if isinstance(stats, str) and stats else (stats or {})
    return out


def open_for_resume(path: Path, family: str) -> list[dict[str, Any]]:
    """Prepare an existing CSV for ``--resume`` and return its finished rows.

    A partial last line (a run killed while writing) is cut off; rows of runs
    the harness lost (status ``ERROR``) and repeated keys are dropped, so that
    running them again leaves one row per run. The file is rewritten
    atomically only when something was dropped.

    Raises
    ------
    InputError
        When the file is not a benchmark CSV of this planner version, or holds
        another family's results.
    """
    text = read_text(path)  # non-UTF-8 bytes: one line naming the file
    if not text.strip():
        return []
    first = text.split("\n", 1)[0]
    columns = next(csv.reader([first]))
    if not {"instance", "method"} <= set(columns):
        raise InputError(f"--resume: {path} is not a planner benchmark CSV")
    if tuple(columns) != CSV_FIELDS:
        raise InputError(
            f"--resume: {path} was written by another planner version (its columns differ); "
            "start a new --csv file"
        )
    rows = read_rows(path)
    others = sorted({str(r.get("family")) for r in rows if r.get("family") not in (None, family)})
    if others:
        raise InputError(
            f"--resume: {path} holds results of family {others[0]!r}, not {family!r}; "
            "start a new --csv file"
        )
    for number, row in enumerate(rows, start=1):
        _check_resumable(path, number, row)
    kept: dict[Key, dict[str, Any]] = {}
    for row in rows:
        if row.get("status") != ERROR:
            kept.setdefault(row_key(row), row)
    if len(kept) != len(rows) or not text.endswith("\n"):
        write_atomic(path, header() + "".join(format_row(_unparsed(r)) for r in kept.values()))
    return list(kept.values())


def _check_resumable(path: Path, number: int, row: Mapping[str, Any]) -> None:
    """Refuse a row whose ``status`` planner never writes (a hand-edited ``zz`` was kept as a
    finished run, s30bad)."""
    status = row.get("status")
    what = f"--resume: {path}: row {number} ({row.get('instance')} / {row.get('method')})"
    if status not in STATUSES:
        raise InputError(
            f"{what}: status {status!r} is not one planner writes ({', '.join(STATUSES)}); "
            "delete the row to run it again"
        )


def _unparsed(row: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(row)
    out["verified"] = "True" if row.get("verified") else "False"
    return out


def write_rows(path: Path, rows: Iterable[Mapping[str, Any]]) -> Path:
    """Write a whole CSV atomically (the header, then ``rows``)."""
    return write_atomic(path, header() + "".join(format_row(r) for r in rows))
