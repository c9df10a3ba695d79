"""Readers: PSPLIB ``.sm``, RCPSP/max ``.SCH``, Patterson ``.rcp`` (through ``psplib``) and native JSON.

The ``psplib`` package does the parsing. It reports no line numbers, so each format first goes
through a small scanner here that checks the layout and remembers on which line every job is
described; errors (malformed lines, a successor that is not a job, negative durations or
capacities, a cycle of finish-to-start precedences) then name the file, the line and the job.

Job order is the file's (PSPLIB: dummy source first, sink last), and so is ``Solution.start``.
"""

from __future__ import annotations

import csv
import math
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psplib

from planner.core.errors import InputError
from planner.core.family import Reference
from planner.core.io import (
    GZIP_MAGIC,
    format_stem,
    format_suffix,
    iter_jsonl,
    loads_json,
    read_csv_text,
    read_text,
)
from planner.core.paths import missing_data_hint
from planner.core.specs import select
from planner.rcpsp.instance import Instance, Precedence, find_fs_cycle

#: File suffixes the family reads (matched case-insensitively).
EXTENSIONS = (".sm", ".sch", ".rcp", ".json", ".jsonl")


def read(path: str | Path, selector: str | None = None) -> list[Instance]:
    """Read every instance of one file (``selector``: ``#NAME`` / ``#INDEX`` of a multi-instance file).

    Parameters
    ----------
    path
        A ``.sm`` (PSPLIB), ``.SCH`` (RCPSP/max), ``.rcp`` (Patterson), ``.json`` or ``.jsonl`` file.
    selector
        Optional instance name or 0-based index.

    Raises
    ------
    InputError
        On a malformed file, naming the file, line and job.
    """
    path = Path(path)
    suffix = format_suffix(path)  # under a .gz: PSPLIB sets are downloaded compressed
    if suffix == ".sm":
        items = [read_psplib(path)]
    elif suffix == ".sch":
        items = [read_rcpsp_max(path)]
    elif suffix == ".rcp":
        items = [read_patterson(path)]
    elif suffix in (".json", ".jsonl"):
        items = read_json(path)
    elif suffix == ".mm":
        raise InputError(
            f"{path}: a multi-mode PSPLIB file (MRCPSP): rcpsp reads single-mode .sm files only"
        )
    else:
        raise InputError(
            f"{path}: unknown file type {path.suffix!r} (rcpsp reads .sm, .SCH, .rcp, .json, .jsonl"
            " and each of them gzip-compressed, .sm.gz ...)"
        )
    return select(items, selector, path)


# ---------------------------------------------------------------------------- line scanning
@dataclass
class _Lines:
    """Non-blank stripped lines (as ``psplib`` sees them) with their 1-based file line numbers."""

    path: Path
    text: list[str] = field(default_factory=list)
    lineno: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, path: Path) -> _Lines:
        out = cls(path)
        for k, raw in enumerate(read_text(path).splitlines(), start=1):
            if raw.strip():
                out.text.append(raw.strip())
                out.lineno.append(k)
        if not out.text:
            raise InputError(f"{path}: empty file")
        return out

    def error(self, idx: int, msg: str) -> InputError:
        line = self.lineno[min(idx, len(self.lineno) - 1)] if self.lineno else 0
        return InputError(f"{self.path}:{line}: {msg}")

    def ints(self, idx: int, what: str, *, strip_brackets: bool = False) -> list[int]:
        if idx >= len(self.text):
            raise InputError(f"{self.path}: unexpected end of file (expected {what})")
        out = []
        for tok in self.text[idx].split():
            t = tok.strip("[]") if strip_brackets else tok
            try:
                out.append(int(t))
            except ValueError:
                raise self.error(idx, f"{what}: {tok!r} is not an integer") from None
        return out

    def find(self, pattern: str) -> int:
        for i, t in enumerate(self.text):
            if pattern in t:
                return i
        raise InputError(f"{self.path}: section {pattern!r} not found (not a PSPLIB .sm file?)")


def _parse(path: Path, fmt: str) -> psplib.ProjectInstance:
    """``psplib.parse`` of the text :func:`read_text` reads from ``path``.

    ``psplib`` opens the path itself, in the locale's encoding and without dropping a UTF-8
    byte-order mark: a ``.SCH`` or ``.rcp`` file saved by a Windows editor failed on
    ``int('\\ufeff10')`` after the scanner here had accepted it, and a ``.gz`` file was not
    text to it at all. Such a file gets a plain copy of the text instead (BOM dropped,
    decompressed, ASCII: the scanner has checked every line it reads holds numbers).
    """
    with open(path, "rb") as fh:
        head = fh.read(3)
    if not head.startswith((b"\xef\xbb\xbf", GZIP_MAGIC)):
        # a plain file straight to psplib: the copy costs ~0.5 ms a file (j30: 0.9 -> 1.4 ms)
        return _psplib(path, path, fmt)
    text = read_text(path)
    with tempfile.TemporaryDirectory(prefix="planner-psplib-") as tmp:
        plain = Path(tmp) / "instance.txt"
        plain.write_text(text, encoding="ascii", errors="replace")
        return _psplib(plain, path, fmt)


def _psplib(source: Path, path: Path, fmt: str) -> psplib.ProjectInstance:
    """``psplib.parse(source)``, its errors bad input naming ``path`` (the user's file)."""
    try:
        return psplib.parse(source, instance_format=fmt)
    except (ValueError, IndexError, StopIteration, TypeError) as exc:
        raise InputError(f"{path}: malformed {fmt} file ({type(exc).__name__}: {exc})") from None


def _check_cycle(
    lines: _Lines,
    n: int,
    precs: Sequence[Precedence],
    line_of_job: Sequence[int],
    names: Sequence[str],
) -> None:
    cycle = find_fs_cycle(n, [(p.pred, p.succ) for p in precs if p.lag is None])
    if cycle:
        chain = " -> ".join(names[j] for j in [*cycle, cycle[0]])
        raise lines.error(line_of_job[cycle[0]], f"job {names[cycle[0]]}: precedence cycle {chain}")


def _build(lines: _Lines, **kwargs) -> Instance:
    try:
        return Instance(**kwargs)
    except InputError as exc:  # should have been caught with a line number above; keep the file
        raise InputError(f"{lines.path}: {exc}") from None


def _from_project(
    lines: _Lines,
    data: psplib.ProjectInstance,
    precs: list[Precedence],
    names: list[str],
    fmt: str,
) -> Instance:
    """An instance from a single-mode project parsed by ``psplib`` (first mode of each job)."""
    return _build(
        lines,
        name=format_stem(lines.path),
        durations=tuple(a.modes[0].duration for a in data.activities),
        demands=tuple(tuple(a.modes[0].demands) for a in data.activities),
        capacities=tuple(r.capacity for r in data.resources),
        precedences=tuple(precs),
        job_names=tuple(names),
        meta={"format": fmt, "source": str(lines.path)},
    )


# ---------------------------------------------------------------------------- PSPLIB .sm
def read_psplib(path: str | Path) -> Instance:
    """Read a single-mode PSPLIB ``.sm`` file (j30, j60, j90, j120)."""
    path = Path(path)
    lines = _Lines.of(path)
    prec_idx = lines.find("PRECEDENCE RELATIONS")
    req_idx = lines.find("REQUESTS/DURATIONS")
    avail_idx = lines.find("AVAILABILITIES")
    kinds = [t for t in lines.text[avail_idx + 1].split() if t.isalpha()]
    caps = lines.ints(avail_idx + 2, "resource availabilities")
    if len(caps) != len(kinds):
        raise lines.error(avail_idx + 2, f"{len(caps)} availabilities for {len(kinds)} resources")
    for r, c in enumerate(caps):
        if c < 0:
            raise lines.error(avail_idx + 2, f"resource {kinds[r]}{r + 1}: negative capacity {c}")
    m = len(caps)
    prec_rows = range(prec_idx + 2, req_idx - 1)
    n = len(prec_rows)
    declared = _declared_jobs(lines)
    if declared is not None and declared[1] != n:
        raise lines.error(
            declared[0], f"declares {declared[1]} jobs but lists {n} precedence lines"
        )
    line_of_job = []
    for j, idx in enumerate(prec_rows):
        row = lines.ints(idx, f"precedence line of job {j + 1}")
        if len(row) < 3 or row[0] != j + 1:
            raise lines.error(
                idx, f"expected 'jobnr #modes #successors successors...' for job {j + 1}"
            )
        if row[1] != 1:
            raise lines.error(
                idx, f"job {j + 1}: {row[1]} modes (only single-mode RCPSP is supported)"
            )
        succ = row[3:]
        if len(succ) != row[2]:
            raise lines.error(idx, f"job {j + 1}: declares {row[2]} successors, lists {len(succ)}")
        for s in succ:
            if not 1 <= s <= n:
                raise lines.error(idx, f"job {j + 1}: successor {s} is not a job (jobs are 1..{n})")
        line_of_job.append(idx)
    mode_rows = range(req_idx + 3, avail_idx - 1)
    if len(mode_rows) != n:
        raise lines.error(req_idx, f"{len(mode_rows)} request lines for {n} jobs")
    for j, idx in enumerate(mode_rows):
        row = lines.ints(idx, f"request line of job {j + 1}")
        if len(row) != m + 3 or row[0] != j + 1:
            raise lines.error(
                idx, f"expected 'jobnr mode duration' and {m} requests for job {j + 1}"
            )
        if row[2] < 0:
            raise lines.error(idx, f"job {j + 1}: negative duration {row[2]}")
        if any(d < 0 for d in row[3:]):
            raise lines.error(idx, f"job {j + 1}: negative resource request")
    data = _parse(path, "psplib")
    renewable = [r for r, res in enumerate(data.resources) if res.renewable]
    names = [str(j + 1) for j in range(n)]
    precs = [Precedence(j, s) for j, act in enumerate(data.activities) for s in act.successors]
    for j, act in enumerate(data.activities):
        for r, res in enumerate(data.resources):
            if not res.renewable and act.modes[0].demands[r]:
                raise lines.error(
                    mode_rows[j], f"job {j + 1}: non-renewable resource requests are not supported"
                )
    _check_cycle(lines, n, precs, line_of_job, names)
    meta = {"format": "psplib", "source": str(path)}
    horizon = _field_after(lines, "horizon")
    if horizon is not None:
        meta["file_horizon"] = horizon
    return _build(
        lines,
        name=format_stem(path),
        durations=tuple(a.modes[0].duration for a in data.activities),
        demands=tuple(tuple(a.modes[0].demands[r] for r in renewable) for a in data.activities),
        capacities=tuple(data.resources[r].capacity for r in renewable),
        precedences=tuple(precs),
        job_names=tuple(names),
        resource_names=tuple(f"R{k + 1}" for k in range(len(renewable))),
        meta=meta,
    )


def _declared_jobs(lines: _Lines) -> tuple[int, int] | None:
    for i, t in enumerate(lines.text):
        if t.startswith("jobs (incl. supersource/sink"):
            try:
                return i, int(t.split(":")[-1])
            except ValueError:
                raise lines.error(i, "job count is not an integer") from None
    return None


def _field_after(lines: _Lines, key: str) -> int | None:
    for t in lines.text:
        if t.startswith(key) and ":" in t:
            try:
                return int(t.split(":")[-1])
            except ValueError:
                return None
    return None


# ---------------------------------------------------------------------------- RCPSP/max .SCH
def read_rcpsp_max(path: str | Path) -> Instance:
    """Read an RCPSP/max (ProGen/max) ``.SCH`` file: generalized precedences with time lags."""
    path = Path(path)
    lines = _Lines.of(path)
    head = lines.ints(0, "header 'jobs resources ...'")
    if len(head) < 2:
        raise lines.error(0, "header must start with the number of jobs and of resources")
    n, m = head[0] + 2, head[1]
    if head[0] < 0 or m < 0:
        raise lines.error(0, "negative job or resource count")
    if len(lines.text) < 2 * n + 2:
        raise InputError(f"{path}: unexpected end of file ({n} jobs need {2 * n + 2} lines)")
    line_of_job = []
    for j in range(n):
        idx = 1 + j
        row = lines.ints(idx, f"successor line of job {j}", strip_brackets=True)
        if len(row) < 3 or row[0] != j:
            raise lines.error(
                idx, f"expected 'job #modes #successors successors... [lags]' for job {j}"
            )
        if row[1] != 1:  # the .sm reader refused it; here a 2-mode job was read as 1 mode
            raise lines.error(
                idx, f"job {j}: {row[1]} modes (only single-mode RCPSP/max is supported)"
            )
        k = row[2]
        if len(row) != 3 + 2 * k:
            raise lines.error(idx, f"job {j}: declares {k} successors, lists {len(row) - 3} values")
        for s in row[3 : 3 + k]:
            if not 0 <= s < n:
                raise lines.error(idx, f"job {j}: successor {s} is not a job (jobs are 0..{n - 1})")
        line_of_job.append(idx)
    for j in range(n):
        idx = 1 + n + j
        row = lines.ints(idx, f"activity line of job {j}")
        if len(row) != 3 + m or row[0] != j:
            raise lines.error(idx, f"expected 'job mode duration' and {m} demands for job {j}")
        if row[2] < 0:
            raise lines.error(idx, f"job {j}: negative duration {row[2]}")
        if any(d < 0 for d in row[3:]):
            raise lines.error(idx, f"job {j}: negative resource demand")
    caps = lines.ints(1 + 2 * n, "resource capacities")
    if len(caps) != m:
        raise lines.error(1 + 2 * n, f"{len(caps)} capacities for {m} resources")
    if any(c < 0 for c in caps):
        raise lines.error(1 + 2 * n, "negative resource capacity")
    data = _parse(path, "rcpsp_max")
    names = [str(j) for j in range(n)]
    precs = [
        Precedence(j, s, lag)
        for j, act in enumerate(data.activities)
        for s, lag in zip(act.successors, act.delays or [], strict=True)
    ]
    return _from_project(lines, data, precs, names, "rcpsp_max")


# ---------------------------------------------------------------------------- Patterson .rcp
def read_patterson(path: str | Path) -> Instance:
    """Read a Patterson ``.rcp`` file (RCPLIB / PSPLIB RCP format)."""
    path = Path(path)
    lines = _Lines.of(path)
    # Patterson records may wrap over lines: scan tokens, remembering each token's line.
    toks: list[tuple[int, int]] = []  # (value, index into lines)
    for i in range(len(lines.text)):
        toks.extend((v, i) for v in lines.ints(i, "value"))
    if len(toks) < 2:
        raise lines.error(0, "header must hold the number of jobs and of resources")
    n, m = toks[0][0], toks[1][0]
    if n < 0 or m < 0:
        raise lines.error(0, "negative job or resource count")
    pos = 2
    caps = [v for v, _ in toks[pos : pos + m]]
    if len(caps) != m:
        raise InputError(f"{path}: unexpected end of file (resource capacities)")
    if any(c < 0 for c in caps):
        raise lines.error(toks[pos][1], "negative resource capacity")
    pos += m
    line_of_job = []
    for j in range(n):
        if pos + m + 1 >= len(toks):
            raise InputError(f"{path}: unexpected end of file in job {j + 1}")
        dur, idx = toks[pos]
        line_of_job.append(idx)
        if dur < 0:
            raise lines.error(idx, f"job {j + 1}: negative duration {dur}")
        if any(v < 0 for v, _ in toks[pos + 1 : pos + 1 + m]):
            raise lines.error(idx, f"job {j + 1}: negative resource demand")
        k = toks[pos + 1 + m][0]
        succ = toks[pos + 2 + m : pos + 2 + m + k]
        if k < 0 or len(succ) != k:
            raise lines.error(idx, f"job {j + 1}: bad successor count {k}")
        for s, sidx in succ:
            if not 1 <= s <= n:
                raise lines.error(
                    sidx, f"job {j + 1}: successor {s} is not a job (jobs are 1..{n})"
                )
        pos += 2 + m + k
    data = _parse(path, "patterson")
    names = [str(j + 1) for j in range(n)]
    precs = [Precedence(j, s) for j, act in enumerate(data.activities) for s in act.successors]
    _check_cycle(lines, n, precs, line_of_job, names)
    return _from_project(lines, data, precs, names, "patterson")


# ---------------------------------------------------------------------------- native JSON
def read_json(path: str | Path) -> list[Instance]:
    """Read native JSON: one object, a list of objects, or JSON Lines (one instance a line)."""
    import json

    path = Path(path)
    text = read_text(path)
    if not text.strip():
        raise InputError(f"{path}: empty file")
    try:
        data = loads_json(text, path)
    except json.JSONDecodeError as exc:
        if format_suffix(path) != ".jsonl" and exc.msg != "Extra data":
            raise InputError(f"{path}:{exc.lineno}: malformed JSON ({exc.msg})") from None
        return [Instance.from_dict(obj, where=f"{path}:{ln}") for ln, obj in iter_jsonl(path)]
    if isinstance(data, list):
        return [Instance.from_dict(obj, where=f"{path}[{k}]") for k, obj in enumerate(data)]
    return [Instance.from_dict(data, where=str(path))]


# ---------------------------------------------------------------------------- reference files
def read_reference(path: str | Path) -> dict[str, Reference]:
    """Reference values keyed by instance name.

    Two layouts are recognized: PSPLIB ``bounds.csv`` (``set, instance, n_jobs, cpm_lb,
    best_lb, best_ub, closed``) and RCPSP/max ``optimum.csv`` (``problem, optimum`` where the
    optimum is a number, ``LB..UB`` or ``unsat``; ``unsat`` gives ``Reference(infeasible=True)``).
    """
    path = Path(path)
    rows = _csv_rows(path)
    out: dict[str, Reference] = {}
    for lineno, row in rows:
        if "best_ub" in row:
            try:
                lb, ub = float(row["best_lb"]), float(row["best_ub"])
            except (KeyError, TypeError, ValueError):
                raise InputError(f"{path}:{lineno}: best_lb/best_ub must be numbers") from None
            closed = str(row.get("closed", "")).strip() == "1" or lb == ub
            out[row["instance"]] = Reference(value=ub if closed else None, lb=lb, ub=ub)
        elif "optimum" in row and "problem" in row:
            name = Path(row["problem"]).stem
            value = row["optimum"].strip()
            if value == "unsat":
                out[name] = Reference(infeasible=True)
                continue
            try:
                if ".." in value:
                    lo, hi = value.split("..")
                    out[name] = Reference(lb=float(lo), ub=float(hi))
                else:
                    out[name] = Reference(value=float(value))
            except ValueError:
                raise InputError(
                    f"{path}:{lineno}: optimum {value!r} is not a number, LB..UB or unsat"
                ) from None
        else:
            raise InputError(f"{path}: unknown reference layout (columns {sorted(row)})")
    return out


def read_unsat(path: str | Path) -> set[str]:
    """Names of the instances an RCPSP/max ``optimum.csv`` marks ``unsat`` (proven infeasible)."""
    return {
        Path(row["problem"]).stem
        for _, row in _csv_rows(Path(path))
        if row.get("optimum", "").strip() == "unsat"
    }


def _check_reference_sizes(path: str | Path, instances: Sequence[Instance]) -> None:
    """Refuse a PSPLIB ``bounds.csv`` row whose ``n_jobs`` is not the instance's job count.

    References are matched by instance name, and names repeat across sets (a j60 file's
    ``j601_1`` is not a j30 instance); a row of another size would be compared silently and
    flag correct certificates. The count excludes PSPLIB's dummy source and sink.
    """
    sizes = {row.get("instance"): row.get("n_jobs") for _, row in _csv_rows(Path(path))}
    for inst in instances:
        size = str(sizes.get(inst.name) or "").strip()
        jobs = len(inst.durations) - 2 if inst.meta.get("format") == "psplib" else None
        if size.isdigit() and jobs is not None and int(size) != jobs:
            raise InputError(
                f"{path}: instance {inst.name!r} has n_jobs {size} in the reference file but "
                f"{jobs} jobs (without source and sink): a reference file of another set?"
            )


def _csv_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    text = read_csv_text(path)
    reader = csv.DictReader(text.splitlines())
    if not reader.fieldnames:
        raise InputError(f"{path}: empty reference file")
    return [(k, row) for k, row in enumerate(reader, start=2)]


def reference(spec: str, instances: Sequence[Instance]) -> dict[str, Reference]:
    """``planner bench rcpsp ... --reference SPEC``: a reference CSV file, else a ``meta`` field."""
    if Path(spec).is_file():
        refs = read_reference(spec)
        _check_reference_sizes(spec, [inst for inst in instances if inst.name in refs])
        return {inst.name: refs[inst.name] for inst in instances if inst.name in refs}
    out = {}
    for inst in instances:
        value = inst.meta.get(spec)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            out[inst.name] = Reference(value=float(value))
    if not out:
        raise InputError(
            f"--reference: {spec!r} is neither a file nor a numeric field of the instances"
            f"{missing_data_hint(spec)}"
        )
    return out
