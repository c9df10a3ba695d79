"""Reading and writing files: JSON, TOML, JSON Lines, atomic writes.

Every reader raises :class:`InputError` naming the file (and line) on
malformed input. Every writer goes through :func:`write_atomic` (temp file in
the same directory + ``os.replace``) so a killed run never leaves half a file.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import json
import os
import tempfile
import tomllib
import uuid
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from planner.core.errors import InputError
from planner.core.paths import missing_data_hint

#: The first bytes of a gzip stream (RFC 1952) and of a zip archive.
GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
#: Largest text a gzip-compressed input may expand to: the largest benchmark file (1M
#: Wikipedia lengths) is 7 MB; a small ``.gz`` that expands without bound is not an input.
MAX_GUNZIPPED = 1 << 30


def read_text(path: str | Path) -> str:
    """Read a text file, turning I/O problems into ``InputError``.

    A leading UTF-8 byte-order mark (Windows editors write one) is dropped: JSON and TOML
    parsers refused it ("Unexpected UTF-8 BOM"), and RFC 8259 lets a parser ignore it.
    Universal newlines: ``\\r\\n`` and ``\\r`` read as ``\\n``.

    A gzip-compressed file (recognized by its first bytes, whatever its name) is read
    decompressed: benchmark sets are downloaded that way (``j30.sm.gz``,
    ``tkindt_n500.jsonl.gz``), and "not UTF-8 text (invalid start byte at byte 1)" did not
    say why such a file was refused. A zip archive is refused naming what to do.
    """
    path = Path(path)
    try:
        # bytes once: a FIFO or /dev/stdin cannot be opened twice (once to look at the magic)
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file{missing_data_hint(path)}") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, expected a file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    what = ""
    if data.startswith(GZIP_MAGIC):
        data, what = _gunzip(path, data), " once decompressed"
    elif data.startswith(ZIP_MAGIC):
        raise InputError(_zip_refusal(path))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not UTF-8 text{what} ({exc.reason} at byte {exc.start})"
        ) from None
    # universal newlines, as open() in text mode reads them
    return text.replace("\r\n", "\n").replace("\r", "\n")


def refuse_archive(path: str | Path) -> None:
    """Raise ``InputError`` when the regular file ``path`` is a zip archive (PSPLIB ships its
    sets as ``j30.sm.zip``): "unknown file type '.zip'" or a parse error of its binary said
    nothing of unzipping it. Other paths (a FIFO: reading would consume it) pass.

    Parameters
    ----------
    path
        The input file about to be read.

    Raises
    ------
    InputError
        When the file starts with the zip magic bytes.
    """
    path = Path(path)
    try:
        if not path.is_file():
            return
        with open(path, "rb") as fh:
            head = fh.read(len(ZIP_MAGIC))
    except OSError:
        return  # the reader names the problem
    if head == ZIP_MAGIC:
        raise InputError(_zip_refusal(path))


def _gunzip(path: Path, data: bytes) -> bytes:
    """The decompressed bytes of the gzip stream ``data`` read from ``path``."""
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as fh:
            out = fh.read(MAX_GUNZIPPED + 1)
    except (OSError, EOFError, zlib.error) as exc:  # a cut or corrupt stream
        raise InputError(f"{path}: corrupt or truncated gzip file ({exc})") from None
    if len(out) > MAX_GUNZIPPED:
        raise InputError(f"{path}: expands to more than {MAX_GUNZIPPED >> 20} MiB uncompressed")
    return out


def _without_gz(path: str | Path) -> Path:
    """``path`` without a trailing ``.gz`` (any case): the name of the text it holds."""
    path = Path(path)
    return path.with_suffix("") if path.suffix.lower() == ".gz" else path


def _zip_refusal(path: Path) -> str:
    return f"{path}: a zip archive, not a text file: unzip it and give the folder or a file in it"


def format_suffix(path: str | Path) -> str:
    """The lower-case suffix that names a file's format, under a ``.gz`` compression suffix
    (``j301_1.sm.gz`` -> ``.sm``; ``PSP1.SCH`` -> ``.sch``).

    Parameters
    ----------
    path
        An input file name.

    Returns
    -------
    str
        Its format suffix, lower case, with the dot (``""`` when it has none).
    """
    return _without_gz(path).suffix.lower()


def format_stem(path: str | Path) -> str:
    """The file name without its format suffix and a ``.gz`` (``j301_1.sm.gz`` -> ``j301_1``):
    instance names come from it and must not change when a file is compressed.

    Parameters
    ----------
    path
        An input file name.

    Returns
    -------
    str
        The name the instances of the file are called by default.
    """
    return _without_gz(path).stem


def read_csv_text(path: str | Path) -> str:
    """:func:`read_text` of a CSV file, with the ``csv`` module's field limit raised to the
    file's length (no field is longer).

    The module refuses fields over 128 KiB by default with ``csv.Error``: planner's own
    benchmark CSVs carry ``stats`` cells past that (the offload rows of
    ``bench/results/time_limits``), and ``--compare`` on them, like any CSV input with such
    a field, ended in "internal error", exit 1. The limit is process-wide and only grows.
    """
    text = read_text(path)
    csv.field_size_limit(max(csv.field_size_limit(), len(text)))
    return text


def loads_json(text: str, where: str | Path, *, unique_keys: bool = False) -> Any:
    """``json.loads(text)``; a document nested too deep for the parser is bad input naming
    ``where`` (``[[[[...`` 100,000 deep raised RecursionError: an internal error, exit 1).
    ``json.JSONDecodeError`` passes through: readers fall back to JSON Lines on it.
    ``unique_keys``: an object with a key given twice is bad input naming it (``json`` keeps
    the last silently; a reader whose program refuses duplicates, as DeepSpeed's config
    loader does, says so instead of reading a value that program would not run)."""

    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise InputError(f"{where}: key {key!r} given twice")
            out[key] = value
        return out

    try:
        return json.loads(text, object_pairs_hook=unique if unique_keys else None)
    except RecursionError:
        raise InputError(f"{where}: JSON nested too deeply") from None


def _nonempty_text(path: str | Path) -> str:
    """The file's text; an empty (or blank) file is bad input."""
    text = read_text(path)
    if not text.strip():
        raise InputError(f"{path}: empty file")
    return text


def read_json(path: str | Path) -> Any:
    """Parse a JSON file."""
    text = _nonempty_text(path)
    try:
        return loads_json(text, path)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}: malformed JSON ({exc.msg})") from None


def read_json_or_lines(path: str | Path) -> Any:
    """A JSON file's value, or the list of its objects when it holds JSON Lines (several
    objects, one a line: what ``planner gen FAMILY --count N -o x.json`` writes)."""
    text = _nonempty_text(path)
    try:
        return loads_json(text, path)
    except json.JSONDecodeError as exc:
        if exc.msg != "Extra data":
            raise InputError(f"{path}:{exc.lineno}: malformed JSON ({exc.msg})") from None
    return [obj for _, obj in iter_jsonl(path)]


def read_toml(path: str | Path) -> dict[str, Any]:
    """Parse a TOML file."""
    text = read_text(path)
    return loads_toml(text, path)


def loads_toml(text: str, where: str | Path) -> dict[str, Any]:
    """``tomllib.loads(text)``; malformed or too deeply nested TOML is bad input naming
    ``where`` (nesting raised RecursionError, as in :func:`loads_json`)."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{where}: malformed TOML ({exc})") from None
    except RecursionError:
        raise InputError(f"{where}: TOML nested too deeply") from None


def iter_jsonl(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line number, object)`` for each non-blank line of a JSON Lines file."""
    text = read_text(path)
    seen = False
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = loads_json(line, f"{path}:{lineno}")
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{lineno}: malformed JSON line ({exc.msg})") from None
        if not isinstance(obj, dict):
            raise InputError(f"{path}:{lineno}: expected a JSON object, got {type(obj).__name__}")
        seen = True
        yield lineno, obj
    if not seen:
        raise InputError(f"{path}: empty file")


def write_atomic(path: str | Path, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temp file + rename).

    The directory is created if needed. Readers see either the old file or
    the complete new one, never a partial write. See :func:`atomic_target`.
    """
    path = Path(path)
    mode = "wb" if isinstance(data, bytes) else "w"
    encoding = {} if mode == "wb" else {"encoding": "utf-8"}
    with atomic_target(path) as target, open(target, mode, **encoding) as fh:
        fh.write(data)
        fh.flush()
        if target != path:  # a temp file: on disk before the rename
            os.fsync(fh.fileno())
    return path


@contextlib.contextmanager
def atomic_target(path: Path, *, suffix: str = ".tmp") -> Iterator[Path]:
    """The path to write ``path``'s new content to: a temp file renamed over ``path`` when
    the block ends (removed if it fails).

    An existing ``path`` that is not a regular file (``/dev/stdout``, a FIFO) is written in
    place: renaming over it replaced the device node itself (``--out /dev/full`` as root left
    a regular file at ``/dev/full``). An ``OSError`` (disk full, read-only, permission) is
    bad input naming the path.

    A symlink is written through: the temp file is renamed over the link's final target
    (renaming over the link itself replaced the link with a regular file and left its target
    unchanged). Callers refuse a link whose target is an input (:func:`ensure_not_input`
    compares resolved paths).
    """
    # Checked on the path as given, before resolving links: ``/dev/stdout`` is a link to
    # ``/proc/self/fd/1``, whose target on a pipe is ``pipe:[N]``, a name resolve() turns
    # into a path that does not exist (``... | jq`` failed with "cannot write").
    if _is_special(path):
        try:
            yield path
        except OSError as exc:
            raise InputError(f"{path}: cannot write ({exc.strerror or exc})") from None
        return
    if path.is_symlink():
        try:
            path = path.resolve()
        except (OSError, RuntimeError) as exc:  # a symlink loop (RuntimeError on 3.11)
            raise InputError(f"{path}: cannot write ({exc})") from None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
        os.close(fd)
    except OSError as exc:
        raise InputError(f"{path}: cannot write ({exc.strerror or exc})") from None
    try:
        yield Path(tmp)
        os.chmod(tmp, default_file_mode())  # mkstemp creates 0600; outputs are ordinary files
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(f"{path}: cannot write ({exc.strerror or exc})") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _is_special(path: Path) -> bool:
    """Whether ``path`` (links followed) exists and is neither a regular file nor a folder:
    a device, a FIFO, a terminal."""
    try:
        return path.exists() and not path.is_file() and not path.is_dir()
    except OSError:  # a symlink loop: left to the resolve() that names it
        return False


def default_file_mode() -> int:
    """``0o666`` minus the process umask: the mode ``open()`` would have given."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def dumps_json(obj: Any, *, indent: int | None = 2) -> str:
    """JSON text with a trailing newline.

    With ``indent``, objects and lists of containers are indented and a list of scalars
    (numbers, strings, booleans, nulls) stays on one line. Why: the standard encoder
    indents in pure Python, one line per item, so a solution of a million jobs took 0.6 CPU
    s and 14 MB to write; its lists now go through the C encoder (s30polish,
    ``bench/session_runs/s30polish/smtt_io_phases.py``).
    """
    if indent is None:
        return json.dumps(obj, default=_default) + "\n"
    leaves: list[list[Any]] = []
    tag = f"\0planner-leaf-{uuid.uuid4().hex}-"  # a string no content holds
    try:
        skeleton = _hoist_scalar_lists(obj, leaves, tag)
    except RecursionError:
        # a value that contains itself (or nests deeper than the stack): the standard encoder
        # raises its own error for it ("Circular reference detected")
        return json.dumps(obj, indent=indent, default=_default) + "\n"
    text = json.dumps(skeleton, indent=indent, default=_default)
    if leaves:
        quoted = json.dumps(tag)[:-1]  # the tag as the encoder escapes it, without its end quote
        parts = text.split(quoted)
        out = [parts[0]]
        for part in parts[1:]:
            k, rest = part.split('"', 1)
            out.append(json.dumps(leaves[int(k)], default=_default) + rest)
        text = "".join(out)
    return text + "\n"


#: JSON's scalar types (what a one-line list may hold).
_SCALARS = (str, int, float, bool, type(None))


def _hoist_scalar_lists(obj: Any, leaves: list[list[Any]], tag: str) -> Any:
    """``obj`` with each non-empty list of scalars replaced by ``tag + index`` into
    ``leaves`` (other values converted as :func:`_default` converts them)."""
    if isinstance(obj, dict):
        return {k: _hoist_scalar_lists(v, leaves, tag) for k, v in obj.items()}
    if not isinstance(obj, (list, *_SCALARS)):
        try:
            obj = _default(obj)
        except TypeError:
            return obj  # the encoder raises its own error for it
        if isinstance(obj, dict):
            return _hoist_scalar_lists(obj, leaves, tag)
    if isinstance(obj, list):
        if obj and all(isinstance(x, _SCALARS) for x in obj):
            leaves.append(obj)
            return f"{tag}{len(leaves) - 1}"
        return [_hoist_scalar_lists(x, leaves, tag) for x in obj]
    return obj


def dump_json(path: str | Path, obj: Any) -> Path:
    """Write ``obj`` as JSON atomically."""
    return write_atomic(path, dumps_json(obj))


def dump_jsonl(path: str | Path, objs: list[Any]) -> Path:
    """Write ``objs`` as JSON Lines atomically."""
    return write_atomic(path, "".join(dumps_json(o, indent=None) for o in objs))


def plot_path(plot: Path, instance: str, several: bool) -> Path:
    """Where the plot of one of ``several`` instances goes: ``plot`` itself for a single
    instance, else ``STEM_INSTANCE.SUFFIX`` beside it (the name made file-safe)."""
    if not several:
        return plot
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in instance)
    return plot.with_name(f"{plot.stem}_{safe}{plot.suffix}")


def referenced_files(path: str | Path, keys: tuple[str, ...]) -> list[Path]:
    """Existing files an input file names under ``keys`` at any depth (a problem's
    ``model = "config.json"``, ``trace = "t.jsonl"``), beside it or from the working
    directory as its reader resolves them: outputs must not overwrite them either."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".toml":
        data: Any = read_toml(path)
    elif suffix == ".json":
        data = read_json_or_lines(path)  # JSON Lines too, as the readers take them
    elif suffix == ".jsonl":
        data = [obj for _, obj in iter_jsonl(path)]
    else:
        return []
    found: list[Path] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in keys and isinstance(value, str):
                    found.extend(p for p in (path.parent / value, Path(value)) if p.is_file())
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(data)
    return found


def ensure_not_input(output: str | Path, inputs: list[Path], flag: str | None = None) -> None:
    """Refuse to write an output over one of the inputs.

    Parameters
    ----------
    output
        The file about to be written.
    inputs
        Files the same run reads.
    flag
        The option that named ``output`` (``--out``), put before it in the message, as
        :func:`planner.core.validate.output_file` does (the serve line named only the file).
    """
    for path in inputs:
        if same_file(path, output):
            named = f"{flag} {output}" if flag else str(output)
            raise InputError(f"{named}: refusing to overwrite an input file")


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether ``a`` and ``b`` name one file: the same resolved path (``./``, symlinks), or,
    for existing files, the same inode (a hard link resolves elsewhere)."""
    a, b = Path(a), Path(b)
    if a.resolve() == b.resolve():
        return True
    try:
        return a.is_file() and b.is_file() and a.samefile(b)
    except OSError:
        return False


def _default(obj: Any) -> Any:
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    if hasattr(obj, "tolist"):  # numpy arrays and scalars
        return obj.tolist()
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serializable: {type(obj).__name__}")


#: The ``--out`` suffixes ``gen`` writes (JSON; every family's reader takes both as JSON).
GEN_SUFFIXES = (".json", ".jsonl")


def check_gen_out(out: str | Path) -> None:
    """Refuse a ``gen --out`` name whose suffix names another format than JSON.

    ``solve`` reads a file by its suffix (``.txt``: OR-Library, ``.sm``: PSPLIB), so JSON
    written as ``x.txt`` was read as OR-Library and refused (s30bad). An existing path that
    is not a regular file (``/dev/stdout``, a FIFO) has no format to promise and is kept.

    Raises
    ------
    InputError
        The suffix is not ``.json`` / ``.jsonl`` (``--out`` named, exit 2).
    """
    path = Path(out)
    if path.exists() and not path.is_file():
        return
    if path.suffix.lower() not in GEN_SUFFIXES:
        got = f"a {path.suffix!r} name" if path.suffix else "no suffix"
        raise InputError(
            f"--out {path}: gen writes JSON, and solve reads a file by its suffix ({got}); "
            "name it .json (one instance) or .jsonl (JSON Lines)"
        )


def emit_instances(instances: list[Any], out: str | Path | None) -> None:
    """Write generated instances: to ``out`` atomically, else to stdout.

    One instance is written as a JSON object, several as JSON Lines (one
    ``to_dict()`` per line), which every family reader accepts; a ``.jsonl`` ``out`` is
    always JSON Lines (one instance was an indented object that the JSON Lines readers of
    train and pipelining refused). ``out`` must be a ``.json`` or ``.jsonl`` name
    (:func:`check_gen_out`).
    """
    if out is not None:
        check_gen_out(out)
    dicts = [inst.to_dict() for inst in instances]
    lines = len(dicts) > 1 or (out is not None and Path(out).suffix.lower() == ".jsonl")
    text = "".join(dumps_json(d, indent=None) for d in dicts) if lines else dumps_json(dicts[0])
    if out is None:
        import sys

        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        write_atomic(out, text)
