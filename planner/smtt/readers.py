"""Readers of the SMTT formats and of benchmark reference values.

Formats
-------
* native JSON: one instance object ``{"name", "p", "d"[, "w"], ...}``, a list
  of them, or JSON Lines (one object per line, any suffix);
* JSON Lines sets (``tkindt_n100.jsonl``, ``llm_paper_n20.jsonl``), one
  instance per line, selected with ``FILE.jsonl#NAME`` or ``#INDEX``;
* OR-Library ``wt40.txt`` / ``wt50.txt`` / ``wt100.txt``: whitespace-separated
  integers, for each instance ``n`` processing times, ``n`` weights, ``n`` due
  dates. ``n`` comes from the file name (``wt40`` -> 40) or, failing that, from
  the count (125 instances per file). Instances are named ``wt40_001`` ...
  (1-based, OR-Library numbering); ``wt40.txt#7`` is the 0-based index 7,
  i.e. ``wt40_008``.

Every error is an ``InputError`` naming the file, the line and the field.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from planner.core.errors import InputError
from planner.core.family import Reference
from planner.core.io import format_stem, format_suffix, iter_jsonl, loads_json, read_text
from planner.core.specs import select
from planner.smtt.instance import Instance

#: Instances per OR-Library weighted tardiness file.
ORLIB_COUNT = 125

#: Unsolved instances (1-based) of wtopt40 / wtopt50, whose values are only best known.
ORLIB_OPEN = {40: {19}, 50: {11, 12, 14, 19, 36, 44, 66, 87, 88, 111}}

_WT_NAME = re.compile(r"wt(?:opt|best)?(\d+)", re.IGNORECASE)


def read(path: str | Path, selector: str | None = None) -> list[Instance]:
    """Read every instance of ``path`` (or the one ``selector`` names).

    Parameters
    ----------
    path
        A ``.json``, ``.jsonl`` or OR-Library ``.txt`` file; the content decides
        between JSON and OR-Library when the suffix is unknown.
    selector
        Instance name or 0-based index (the ``#...`` part of a spec), or None.
    """
    path = Path(path)
    text = read_text(path)
    if not text.strip():
        raise InputError(f"{path}: empty file")
    suffix = format_suffix(path)  # under a .gz
    if suffix in (".json", ".jsonl") or (suffix != ".txt" and text.lstrip()[:1] in "{["):
        instances = read_json_text(text, path)
    else:
        instances = read_orlib_text(text, path)
    return select(instances, selector, path)


def read_json_text(text: str, path: Path) -> list[Instance]:
    """Instances from JSON text: one object, a list of objects, or JSON Lines."""
    if format_suffix(path) == ".jsonl":
        return _read_json_lines(text, path)
    try:
        data = loads_json(text, path)
    except json.JSONDecodeError as exc:
        if len(text.strip().splitlines()) > 1 and text.lstrip()[:1] == "{":
            return _read_json_lines(text, path)  # JSON Lines, whatever the suffix
        raise InputError(f"{path}:{exc.lineno}: malformed JSON ({exc.msg})") from None
    if isinstance(data, dict):
        return [_instance(data, path, 1, default_name=format_stem(path))]
    if isinstance(data, list):
        if not data:
            raise InputError(f"{path}: empty list, no instance")
        lines = _object_lines(text)
        return [
            _instance(
                obj,
                path,
                lines[i] if i < len(lines) else 1,
                default_name=f"{format_stem(path)}_{i}",
            )
            for i, obj in enumerate(data)
        ]
    raise InputError(f"{path}:1: expected a JSON object or list, got {type(data).__name__}")


def _read_json_lines(text: str, path: Path) -> list[Instance]:
    """Instances of a JSON Lines file (``text`` is its content, already read)."""
    return [
        _instance(obj, path, lineno, default_name=f"{format_stem(path)}_{k}")
        for k, (lineno, obj) in enumerate(iter_jsonl(path))
    ]


def _object_lines(text: str) -> list[int]:
    """Line numbers where top-level list items start (best effort, for messages)."""
    lines, depth, lineno = [], 0, 1
    in_str = esc = False
    for ch in text:
        if ch == "\n":
            lineno += 1
        if in_str:
            esc, in_str = (False, in_str) if esc else (ch == "\\", ch != '"')
            continue
        if ch == '"':
            in_str = True
        elif ch in "[{":
            if depth == 1 and ch == "{":
                lines.append(lineno)
            depth += 1
        elif ch in "]}":
            depth -= 1
    return lines


def _instance(obj: Any, path: Path, lineno: int, *, default_name: str) -> Instance:
    if not isinstance(obj, dict):
        raise InputError(f"{path}:{lineno}: expected a JSON object, got {type(obj).__name__}")
    data = dict(obj)
    data.setdefault("name", default_name)
    try:
        return Instance.from_dict(data)
    except InputError as exc:
        raise InputError(f"{path}:{lineno}: {exc}") from None


def orlib_size(path: Path, count: int) -> int:
    """Jobs per instance of an OR-Library file: from its name, else from the number count."""
    match = _WT_NAME.search(format_stem(path))
    if match and int(match.group(1)) > 0:
        return int(match.group(1))
    if count % (3 * ORLIB_COUNT) == 0:
        return count // (3 * ORLIB_COUNT)
    raise InputError(
        f"{path}: cannot infer the number of jobs: name it like wt40.txt "
        f"or give {ORLIB_COUNT} instances ({count} numbers is not a multiple of {3 * ORLIB_COUNT})"
    )


def read_orlib_text(text: str, path: Path) -> list[Instance]:
    """Instances of an OR-Library ``wt*.txt`` file (p's, then w's, then d's, per instance)."""
    tokens: list[tuple[str, int]] = [
        (tok, lineno)
        for lineno, line in enumerate(text.splitlines(), start=1)
        for tok in line.split()
    ]
    if not tokens:
        raise InputError(f"{path}: empty file")
    if re.search(r"wt(opt|best)\d", format_stem(path), re.IGNORECASE):
        raise InputError(
            f"{path}: a file of reference values, not instances; pass it to --reference"
        )
    n = orlib_size(path, len(tokens))
    per = 3 * n
    whole, rest = divmod(len(tokens), per)
    if rest:
        field = ("p", "w", "d")[rest // n]
        raise InputError(
            f"{path}:{tokens[-1][1]}: instance {whole + 1} is truncated in field {field!r} "
            f"({rest} of {per} numbers; n = {n})"
        )
    stem = format_stem(path)
    out = []
    for k in range(whole):
        chunk = tokens[k * per : (k + 1) * per]
        values = {}
        for f, field in enumerate(("p", "w", "d")):
            items = []
            for i, (tok, lineno) in enumerate(chunk[f * n : (f + 1) * n]):
                try:
                    items.append(int(tok))
                except ValueError:
                    raise InputError(
                        f"{path}:{lineno}: instance {k + 1} field {field!r} item {i}: "
                        f"{tok!r} is not an integer"
                    ) from None
            values[field] = items
        name = f"{_WT_NAME.sub(lambda m: 'wt' + m.group(1), stem, count=1)}_{k + 1:03d}"
        try:
            inst = Instance(
                name=name,
                p=values["p"],
                d=values["d"],
                w=values["w"],
                meta={"source": "OR-Library", "orlib_index": k},
            )
        except InputError as exc:
            raise InputError(f"{path}:{chunk[0][1]}: {exc}") from None
        out.append(inst)
    return out


def reference(spec: str, instances: Sequence[Instance]) -> dict[str, Reference]:
    """Reference values for ``planner bench --reference``.

    Parameters
    ----------
    spec
        A field of the instances (``optimum``, ``optimum_as_published``), or an
        OR-Library value file (``wtopt40.txt``, ``wtbest100a.txt``, ...) with
        one value per line aligned with the instance index in its file. The
        number in the file name restricts it to instances of that size.
        ``wtopt`` values of instances still open when the file was published,
        and every ``wtbest`` value, are upper bounds (best known), not optima.
    instances
        The benchmark's instances.
    """
    path = Path(spec)
    if path.suffix.lower() == ".txt" or path.is_file():
        return _file_reference(path, instances)
    refs = {}
    for inst in instances:
        value = inst.meta.get(spec)
        # NaN / Infinity (json writes a missing float optimum as NaN) is no reference: it
        # gave a NaN gap and reference check; rcpsp's reference() skips them too
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            refs[inst.name] = Reference(value=float(value))
    if not refs:
        raise InputError(f"--reference: no instance has a numeric field {spec!r}")
    return refs


def read_values(path: Path) -> list[int]:
    """One integer per non-blank line (an OR-Library ``wtopt`` / ``wtbest`` file)."""
    values = []
    for lineno, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            values.append(int(line.strip()))
        except ValueError:
            raise InputError(f"{path}:{lineno}: {line.strip()!r} is not an integer value") from None
    if not values:
        raise InputError(f"{path}: empty file")
    return values


def _file_reference(path: Path, instances: Sequence[Instance]) -> dict[str, Reference]:
    values = read_values(path)
    match = _WT_NAME.search(path.stem)
    size = int(match.group(1)) if match else None
    best_known = "best" in path.stem.lower()
    refs = {}
    for inst in instances:
        index = inst.meta.get("orlib_index")
        if index is None or (size is not None and inst.n != size):
            continue
        if index >= len(values):
            raise InputError(
                f"{path}: has {len(values)} values, no value for {inst.name} (index {index})"
            )
        value = float(values[index])
        open_ = best_known or (index + 1) in ORLIB_OPEN.get(size or 0, set())
        refs[inst.name] = Reference(ub=value) if open_ else Reference(value=value)
    if not refs:
        raise InputError(
            f"--reference {path}: matches no instance (needs OR-Library instances"
            + (f" with n = {size})" if size else ")")
        )
    return refs
