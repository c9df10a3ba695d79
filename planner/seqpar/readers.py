"""Reader of seqpar instance files.

Formats: one JSON instance object (``{"name", "lengths", "cluster", "cost" |
"model", "max_len"?, ...}``), a JSON list of them, or JSON Lines (one object
per line, any suffix), selected with ``FILE#NAME`` or ``FILE#INDEX``. Every
error is an ``InputError`` naming the file, the line and the field.
"""

from __future__ import annotations

import json
from pathlib import Path

from planner.core.errors import InputError
from planner.core.io import format_stem, loads_json, read_text
from planner.core.specs import select
from planner.seqpar.instance import Instance


def read(path: str | Path, selector: str | None = None) -> list[Instance]:
    """Every instance of ``path`` (or the one ``selector`` names)."""
    path = Path(path)
    text = read_text(path)
    if not text.strip():
        raise InputError(f"{path}: empty file")
    items: list[tuple[int, object]] = []
    try:
        data = loads_json(text, path)
        if isinstance(data, list):
            if not data:
                raise InputError(f"{path}: empty list, no instance")
            items = [(1, obj) for obj in data]
        else:
            items = [(1, data)]
    except json.JSONDecodeError as exc:
        lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
        if len(lines) < 2:
            raise InputError(f"{path}:{exc.lineno}: malformed JSON ({exc.msg})") from None
        for lineno, line in lines:
            try:
                items.append((lineno, loads_json(line, f"{path}:{lineno}")))
            except json.JSONDecodeError as err:
                raise InputError(f"{path}:{lineno}: malformed JSON line ({err.msg})") from None
    out = []
    for k, (lineno, obj) in enumerate(items):
        if not isinstance(obj, dict):
            raise InputError(
                f"{path}:{lineno}: expected an instance object, got {type(obj).__name__}"
            )
        obj = dict(obj)
        stem = format_stem(path)
        obj.setdefault("name", stem if len(items) == 1 else f"{stem}_{k}")
        try:
            out.append(Instance.from_dict(obj))
        except InputError as exc:
            where = f"{path}:{lineno}" if lineno > 1 or len(items) > 1 else str(path)
            raise InputError(f"{where}: {exc}") from None
    return select(out, selector, path)
