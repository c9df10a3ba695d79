"""Reading kernel files: one JSON object, a list of them, or JSON Lines.

Every error is an ``InputError`` naming the file (and line for JSON Lines)
and the field, op or edge at fault.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from planner.core.errors import InputError
from planner.core.io import format_stem, format_suffix, iter_jsonl, loads_json, read_text
from planner.core.specs import select
from planner.pipelining.instance import Instance


def read(path: str | Path, selector: str | None = None) -> list[Instance]:
    """Every instance of ``path`` (or the one ``selector`` names, by name or 0-based index)."""
    path = Path(path)
    text = read_text(path)
    if not text.strip():
        raise InputError(f"{path}: empty file")
    if format_suffix(path) == ".jsonl":
        instances = _lines(path)
    else:
        try:
            data = loads_json(text, path)
        except json.JSONDecodeError as exc:
            if text.lstrip().startswith("{") and len(text.strip().splitlines()) > 1:
                instances = _lines(path)  # JSON Lines under another suffix
            else:
                raise InputError(f"{path}:{exc.lineno}: malformed JSON ({exc.msg})") from None
        else:
            items = data if isinstance(data, list) else [data]
            if not items:
                raise InputError(f"{path}: empty list, no instance")
            instances = []
            for i, obj in enumerate(items):
                try:
                    instances.append(
                        _instance(
                            obj,
                            path,
                            f"{format_stem(path)}_{i}" if len(items) > 1 else format_stem(path),
                        )
                    )
                except InputError as exc:
                    where = f"{path}" if len(items) == 1 else f"{path} item {i}"
                    message = str(exc).removeprefix(f"{path}: ")  # _instance names the file
                    raise InputError(f"{where}: {message}") from None
    return select(instances, selector, path)


def _lines(path: Path) -> list[Instance]:
    out = []
    for lineno, obj in iter_jsonl(path):
        try:
            out.append(_instance(obj, path, f"{format_stem(path)}_{len(out)}"))
        except InputError as exc:
            raise InputError(f"{path}:{lineno}: {exc}") from None
    return out


def _instance(obj: Any, path: Path, default_name: str) -> Instance:
    if not isinstance(obj, dict):
        raise InputError(f"{path}: expected a JSON object, got {type(obj).__name__}")
    data = dict(obj)
    data.setdefault("name", default_name)
    try:
        return Instance.from_dict(data)
    except InputError as exc:
        message = str(exc)
        raise InputError(
            message if message.startswith(str(path)) else f"{path}: {message}"
        ) from None
