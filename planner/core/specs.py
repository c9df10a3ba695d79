"""Turn instance specs from the command line into instances.

A spec is one of

* ``FILE`` — every instance in the file;
* ``FILE#NAME`` or ``FILE#INDEX`` — one instance of a multi-instance file
  (JSON Lines, OR-Library), by name or 0-based index;
* a directory — every file in it with one of the family's extensions;
* a glob pattern such as ``data/j30/*.sm``;
* a suite name of the family (``planner families`` lists them);
* a path relative to the bundled ``instances/<family>/`` folder, so
  ``planner solve smtt example.json`` works from an installed wheel.
"""

from __future__ import annotations

import glob
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planner.core.errors import InputError
from planner.core.family import Family
from planner.core.io import refuse_archive
from planner.core.paths import data_dir, given_or_bundled, missing_data_hint

log = logging.getLogger("planner")


@dataclass(frozen=True)
class Loaded:
    """An instance with the file it came from."""

    instance: Any
    path: Path


def split_spec(spec: str) -> tuple[str, str | None]:
    """Split ``FILE#SELECTOR`` into its parts (selector ``None`` when absent)."""
    if "#" in spec:
        path, selector = spec.rsplit("#", 1)
        return path, selector or None
    return spec, None


def expand_paths(family: Family, spec: str) -> list[tuple[Path, str | None]]:
    """Resolve one spec into ``(file, selector)`` pairs, without parsing the files."""
    if spec in family.suites:
        root = data_dir()
        if root is None:
            raise InputError(
                f"suite {spec!r} needs the benchmark data: set PLANNER_DATA or put shared/data beside the checkout"
            )
        return [
            pair for item in family.suites[spec] for pair in expand_paths(family, str(root / item))
        ]
    raw, selector = split_spec(spec)
    path = Path(raw) if glob.has_magic(raw) else given_or_bundled(raw, family.name)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and _takes(family, p))
        if not files:
            raise InputError(f"{path}: no {'/'.join(family.extensions)} files in directory")
        return [(p, None) for p in files]
    if glob.has_magic(raw):
        files = sorted(Path(p) for p in glob.glob(raw) if Path(p).is_file())
        if not files:
            raise InputError(f"{raw}: pattern matches no file")
        return [(p, selector) for p in files]
    if not path.exists():
        raise InputError(f"{raw}: no such file{missing_data_hint(raw)}")
    return [(path, selector)]


def load_instances(family: Family, specs: Iterable[str]) -> list[Loaded]:
    """Parse every instance named by ``specs`` with the family's reader."""
    loaded: list[Loaded] = []
    specs = list(specs)
    for spec in specs:
        for path, selector in expand_paths(family, spec):
            for instance in read_file(family, path, selector):
                loaded.append(Loaded(instance, path))
    if not loaded:
        where = ", ".join(specs)
        raise InputError(
            f"{where}: no {family.name} instance in it" if specs else "no instance given"
        )
    return loaded


def read_file(family: Family, path: Path, selector: str | None = None) -> list[Any]:
    """Parse one file with the family's reader; any malformed content is an ``InputError``.

    Readers should raise ``InputError`` themselves (naming the field). At this
    boundary, a ``TypeError``, ``AttributeError``, ``KeyError``, ``IndexError``
    or ``ValueError`` escaping a reader can only come from the file's content
    (``null`` where an object was expected, a string where a number was, ...),
    so it becomes an ``InputError`` naming the file; errors elsewhere are
    left alone.
    """
    refuse_archive(path)
    try:
        return list(family.read(path, selector))
    except InputError as exc:
        if _takes(family, path) or path.is_dir():
            raise
        # a serve problem saved as s.yaml was read as JSON: "s.yaml:1: malformed JSON" named
        # no file type the family reads
        raise InputError(
            f"{exc} (a {family.name} input is a {' / '.join(family.extensions)} file)"
        ) from None
    except (TypeError, AttributeError, KeyError, IndexError, ValueError) as exc:
        log.debug("reader of %s failed on %s", family.name, path, exc_info=True)
        detail = f"{type(exc).__name__}: {exc}".splitlines()[0]
        raise InputError(f"{path}: not a valid {family.name} instance ({detail})") from None


def select(
    items: list[Any], selector: str | None, path: Path, *, name_of=lambda x: x.name
) -> list[Any]:
    """Apply a ``#NAME`` / ``#INDEX`` selector to the instances of a multi-instance file.

    Family readers call this after parsing a file that holds several instances.
    """
    if selector is None:
        return items
    names = [name_of(x) for x in items]
    if selector in names:
        return [items[names.index(selector)]]
    try:
        index = int(selector)
    except ValueError:
        raise InputError(f"{path}#{selector}: no instance named {selector!r}") from None
    if not 0 <= index < len(items):
        raise InputError(
            f"{path}#{selector}: index out of range (the file has {len(items)} instances, 0..{len(items) - 1})"
        )
    return [items[index]]


def _takes(family: Family, path: Path) -> bool:
    # a gzip-compressed file of a format the family reads (read_text decompresses it)
    name = path.name.lower().removesuffix(".gz")
    return any(name.endswith(ext.lower()) for ext in family.extensions)
