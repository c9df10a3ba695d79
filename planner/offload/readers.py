"""Readers and writers of routing traces.

Formats
-------
* JSON: one instance object ``{"name", "model", "hardware", "blocks",
  "initial", "counts", ...}`` (or a list of them), ``counts`` a nested list
  ``[steps][layers][experts]`` -- or a string naming a ``.npy`` file next to
  the JSON file, which then is the header of that array;
* ``.npy``: the array ``[steps, layers, experts]`` with its header in the
  JSON file of the same stem (``trace.npy`` + ``trace.json``);
* JSON Lines: either one instance object per line (select with
  ``FILE#NAME`` / ``#INDEX``), or one trace: a header line (the instance
  object without ``counts``, with ``steps``), then one line per (step, layer)
  with tokens, ``{"step": s, "layer": l, "counts": [per expert]}`` or sparse
  ``{"step": s, "layer": l, "experts": [ids], "tokens": [counts]}``; missing
  (step, layer) lines are all-zero.

Every error is an ``InputError`` naming the file, the line and the field.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from planner.core import validate
from planner.core.errors import InputError
from planner.core.io import (
    dump_json,
    dumps_json,
    format_stem,
    format_suffix,
    iter_jsonl,
    read_json,
    write_atomic,
)
from planner.core.specs import select
from planner.offload.instance import Instance


def read(path: str | Path, selector: str | None = None) -> list[Instance]:
    """Read every instance of ``path`` (or the one ``selector`` names)."""
    path = Path(path)
    suffix = format_suffix(path)  # under a .gz
    if suffix == ".npy":
        if path.suffix.lower() == ".gz":  # np.load reads no gzip stream; the header is beside it
            raise InputError(f"{path}: a compressed .npy trace: decompress it (gunzip) first")
        return select([read_npy(path)], selector, path)
    if suffix == ".jsonl":
        return select(read_jsonl(path), selector, path)
    data = read_json(path)
    if isinstance(data, list):
        if not data:
            raise InputError(f"{path}: empty list, no instance")
        out = [
            _instance(obj, path, f"item {i}", f"{format_stem(path)}_{i}")
            for i, obj in enumerate(data)
        ]
        return select(out, selector, path)
    return select([_instance(data, path, "", format_stem(path))], selector, path)


def companions(path: str | Path) -> list[Path]:
    """The other files reading ``path`` opens: a ``.npy``'s ``.json`` header, the ``.npy``
    counts a ``.json`` names (outputs must not overwrite them)."""
    path = Path(path)
    if path.suffix.lower() == ".npy":
        return [path.with_suffix(".json")]
    if path.suffix.lower() != ".json":
        return []
    data = read_json(path)  # read before: valid
    items = data if isinstance(data, list) else [data]
    return [
        path.parent / item["counts"]
        for item in items
        if isinstance(item, dict) and isinstance(item.get("counts"), str)
    ]


def _instance(obj: Any, path: Path, where: str, default_name: str) -> Instance:
    prefix = f"{path}: {where}: " if where else f"{path}: "
    if not isinstance(obj, dict):
        raise InputError(f"{prefix}expected a JSON object, got {type(obj).__name__}")
    data = dict(obj)
    data.setdefault("name", default_name)
    counts = None
    if isinstance(data.get("counts"), str):
        try:
            counts = load_npy(path.parent / data["counts"])
        except InputError as exc:  # the file the field names: say which field named it
            raise InputError(f"{prefix}field 'counts': {exc}") from None
    try:
        return Instance.from_dict(data, counts=counts)
    except InputError as exc:
        raise InputError(f"{prefix}{exc}") from None


def load_npy(path: Path, label: str = "") -> np.ndarray:
    """The one array of the ``.npy`` file ``path``; ``InputError`` naming ``label`` + path.

    Shared by the trace readers and ``planner gen offload --counts`` (``label="--counts "``),
    which had a copy of its own that let an empty file escape as click's Abort ("planner:
    aborted", exit 1).
    """
    where = f"{label}{path}"
    try:
        with open(path, "rb") as f:
            magic = f.read(6)
    except FileNotFoundError:
        raise InputError(f"{where}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{where}: is a directory, expected a .npy file") from None
    except OSError as exc:
        raise InputError(f"{where}: cannot read ({exc.strerror or exc})") from None
    if not magic:
        raise InputError(f"{where}: empty file, not a .npy array")
    if magic != b"\x93NUMPY":  # numpy then tries pickle and suggests allow_pickle=True
        raise InputError(f"{where}: not a .npy file (no NumPy header)")
    try:
        arr = np.load(path, allow_pickle=False)
    except EOFError:  # a header cut short
        raise InputError(f"{where}: truncated .npy file") from None
    except (ValueError, OSError) as exc:
        raise InputError(f"{where}: not a readable .npy array ({exc})") from None
    if not isinstance(arr, np.ndarray):
        raise InputError(f"{where}: expected one array, got {type(arr).__name__}")
    return arr


def read_npy(path: Path) -> Instance:
    """A ``.npy`` trace with its header ``<stem>.json`` beside it."""
    header_path = path.with_suffix(".json")
    if not header_path.is_file():
        raise InputError(
            f"{path}: no header {header_path.name} beside it (model and hardware); write one with "
            f"`planner gen offload --counts {path.name} --preset NAME ... --out {header_path.name}`"
        )
    header = read_json(header_path)
    if not isinstance(header, dict):
        raise InputError(f"{header_path}: expected a JSON object")
    ref = header.get("counts")
    if ref is not None and (not isinstance(ref, str) or Path(ref).name != path.name):
        raise InputError(
            f"{header_path}: field 'counts' must name {path.name} (or be absent) "
            f"for the header of {path.name}"
        )
    data = dict(header)
    data.setdefault("name", path.stem)
    counts = load_npy(path)
    try:
        return Instance.from_dict(data, counts=counts)
    except InputError as exc:  # the counts of the .npy or a field of its header
        raise InputError(f"{path} (header {header_path.name}): {exc}") from None


def read_jsonl(path: Path) -> list[Instance]:
    """Instances of a JSON Lines file (one per line, or one trace: header + rows)."""
    lines = list(iter_jsonl(path))
    first = lines[0][1]
    if "counts" in first:
        return [
            _instance(obj, path, f"line {n}", f"{format_stem(path)}_{i}")
            for i, (n, obj) in enumerate(lines)
        ]
    return [_trace_lines(path, lines)]


def _trace_lines(path: Path, lines: list[tuple[int, dict[str, Any]]]) -> Instance:
    header_line, header = lines[0]
    for key in ("model", "hardware", "steps"):
        if key not in header:
            raise InputError(f"{path}:{header_line}: header is missing field {key!r}")
    model = header["model"]
    if not isinstance(model, dict):
        raise InputError(f"{path}:{header_line}: header field 'model' must be an object")
    # int() raised OverflowError on inf (exit 1) and truncated 4.5 to 4, "4" and true to 4, 1
    steps, layers, experts = (
        validate.bounded(
            obj.get(key), f"{path}:{header_line}: header field {name!r}", low=1, high=1 << 27
        )
        for obj, key, name in (
            (header, "steps", "steps"),
            (model, "layers", "model.layers"),
            (model, "experts", "model.experts"),
        )
    )
    if steps * layers * experts > 1 << 27:
        raise InputError(f"{path}:{header_line}: header: bad shape {steps} x {layers} x {experts}")
    counts = np.zeros((steps, layers, experts), dtype=np.int64)
    seen: set[tuple[int, int]] = set()
    for lineno, row in lines[1:]:
        s, layer = row.get("step"), row.get("layer")
        if not isinstance(s, int) or not 0 <= s < steps:
            raise InputError(f"{path}:{lineno}: field 'step' must be an integer in 0..{steps - 1}")
        if not isinstance(layer, int) or not 0 <= layer < layers:
            raise InputError(
                f"{path}:{lineno}: field 'layer' must be an integer in 0..{layers - 1}"
            )
        if (s, layer) in seen:
            raise InputError(f"{path}:{lineno}: step {s} layer {layer} given twice")
        seen.add((s, layer))
        if "counts" in row:
            values = row["counts"]
            if not isinstance(values, list) or len(values) != experts:
                raise InputError(f"{path}:{lineno}: field 'counts' must list {experts} numbers")
            ids, tokens = list(range(experts)), values
        else:
            ids, tokens = row.get("experts"), row.get("tokens")
            if not isinstance(ids, list) or not isinstance(tokens, list) or len(ids) != len(tokens):
                raise InputError(
                    f"{path}:{lineno}: give 'counts' or 'experts' and 'tokens' of equal length"
                )
        for e, c in zip(ids, tokens, strict=True):
            if isinstance(e, bool) or not isinstance(e, int) or not 0 <= e < experts:
                raise InputError(f"{path}:{lineno}: expert {e!r} out of range 0..{experts - 1}")
            if isinstance(c, bool) or not isinstance(c, int):
                raise InputError(
                    f"{path}:{lineno}: field 'tokens' / 'counts': {c!r} is not an integer"
                )
            if c < 0:
                raise InputError(f"{path}:{lineno}: field 'counts' of expert {e}: {c} is negative")
            counts[s, layer, e] = c
    data = dict(header)
    data.setdefault("name", format_stem(path))
    try:
        return Instance.from_dict(data, counts=counts)
    except InputError as exc:
        raise InputError(f"{path}:{header_line}: {exc}") from None


def write(instance: Instance, path: str | Path) -> list[Path]:
    """Write ``instance`` by the suffix of ``path``: ``.json``, ``.jsonl`` or ``.npy`` (+ header).

    Returns the files written (atomically).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".npy":
        header = instance.header()
        header["counts"] = path.name
        from io import BytesIO

        buf = BytesIO()
        np.save(buf, np.asarray(instance.counts))
        return [write_atomic(path, buf.getvalue()), dump_json(path.with_suffix(".json"), header)]
    if suffix == ".jsonl":
        lines = [dumps_json(instance.header(), indent=None)]
        for s in range(instance.steps):
            for layer in range(instance.layers):
                row = instance.counts[s, layer]
                ids = np.flatnonzero(row)
                if len(ids):
                    lines.append(
                        json.dumps(
                            {
                                "step": s,
                                "layer": layer,
                                "experts": ids.tolist(),
                                "tokens": row[ids].tolist(),
                            }
                        )
                        + "\n"
                    )
        return [write_atomic(path, "".join(lines))]
    return [write_atomic(path, dumps_json(instance.to_dict(), indent=None))]
