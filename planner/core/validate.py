"""Checks of common arguments shared by the library and the CLI.

Each check returns the (normalized) value or raises :class:`InputError` with
one line naming the argument: ``name`` is the flag on the command line
(``--time-limit``) and the parameter name in library calls (``time_limit``),
so both say the same thing. Family ``gen`` commands use :func:`count` and
:func:`bounded` for their size options.

A message written once for both callers names an argument through :func:`arg`: the Python
keyword (``prefer_simple``) in a library call, the flag (``--prefer-simple``) while the
``planner`` command runs (:func:`flag_names`, entered by ``planner.cli.main``). A library
caller was told to fix ``--prefer-simple``, an option it never wrote.
"""

from __future__ import annotations

import math
import numbers
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from planner.core.errors import InputError
from planner.core.io import same_file

#: Largest seed every solver accepts (CP-SAT and HiGHS take a 32-bit int).
MAX_SEED = 2**31 - 1

#: Longest time limit accepted, in seconds (a typo guard, about 31 years): methods turn their
#: budget into nanosecond deadlines and step counts, which overflowed for ``-t 1e308``
#: (smtt's local search, seqpar's fill: "OverflowError: cannot convert float infinity").
MAX_TIME_LIMIT = 1e9

#: Largest thread count accepted (a typo guard, far above any machine here).
MAX_THREADS = 1024

#: Most instances one ``gen`` command writes (``--count``, ``--ramp``): every generator
#: builds its list in memory before writing it.
MAX_COUNT = 10_000

#: True while the ``planner`` command runs: messages then name flags, not keywords.
_FLAG_NAMES: ContextVar[bool] = ContextVar("planner_flag_names", default=False)


@contextmanager
def flag_names() -> Iterator[None]:
    """Within this block, :func:`arg` names arguments by their command-line flags."""
    token = _FLAG_NAMES.set(True)
    try:
        yield
    finally:
        _FLAG_NAMES.reset(token)


def on_command_line() -> bool:
    """Whether the ``planner`` command is running (inside :func:`flag_names`)."""
    return _FLAG_NAMES.get()


def arg(keyword: str, flag: str | None = None) -> str:
    """How a message names an argument: ``keyword`` in a library call, ``flag`` (default
    ``--keyword`` with dashes for underscores) on the command line.

    Parameters
    ----------
    keyword
        The Python keyword (``prefer_simple``).
    flag
        The command line's flag when it is not derived from the keyword (``cluster`` is
        ``--gpus``).
    """
    if not _FLAG_NAMES.get():
        return keyword
    return flag or "--" + keyword.replace("_", "-")


#: Image formats matplotlib writes without extra packages.
IMAGE_SUFFIXES = (".png", ".svg", ".pdf", ".jpg", ".jpeg", ".eps", ".ps", ".tif", ".tiff", ".webp")


def time_limit(value: Any, name: str = "time_limit") -> float:
    """A finite, positive number of seconds, at most :data:`MAX_TIME_LIMIT`."""
    seconds = number(value, name)
    if not math.isfinite(seconds) or seconds <= 0:
        raise InputError(f"{name} {value}: must be a finite number of seconds > 0")
    if seconds > MAX_TIME_LIMIT:
        raise InputError(f"{name} {value}: must be at most {MAX_TIME_LIMIT:g} s (about 31 years)")
    return seconds


def threads(value: Any, name: str = "threads") -> int:
    """A thread count from 1 to :data:`MAX_THREADS`."""
    return bounded(value, name, low=1, high=MAX_THREADS)


def seed(value: Any, name: str = "seed") -> int:
    """A random seed from 0 to :data:`MAX_SEED`."""
    return bounded(value, name, low=0, high=MAX_SEED)


def count(value: Any, name: str, *, high: int) -> int:
    """A size (jobs, instances, GPUs, ...) from 1 to ``high``: generators state their limit."""
    return bounded(value, name, low=1, high=high)


def bounded(value: Any, name: str, *, low: int, high: int) -> int:
    """An integer in ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise InputError(f"{name} {value!r}: must be an integer from {low} to {high}")
    if not low <= value <= high:
        raise InputError(f"{name} {value}: must be an integer from {low} to {high}")
    return int(value)


def output_file(
    path: str | Path,
    name: str = "out",
    *,
    inputs: Iterable[str | Path] = (),
    force: bool = True,
    suffixes: tuple[str, ...] | None = None,
) -> Path:
    """A path an output file may be written to.

    Parameters
    ----------
    path
        The output file.
    name
        Flag or parameter named in the message.
    inputs
        Files read by the same run: never overwritten.
    force
        Whether an existing file may be replaced.
    suffixes
        Accepted file suffixes (lower case), e.g. :data:`IMAGE_SUFFIXES`.
    """
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{name} {path}: is a directory, expected a file")
    if suffixes is not None and path.suffix.lower() not in suffixes:
        shown = path.suffix or "no suffix"
        raise InputError(f"{name} {path}: unsupported format {shown!r} (use {', '.join(suffixes)})")
    for source in inputs:
        if same_file(source, path):
            raise InputError(f"{name} {path}: refusing to overwrite an input file")
    # Only a regular file (or a link to one) is kept: a device or a pipe (`--out /dev/stdout`)
    # has no content to lose and is written in place.
    if not force and path.is_file():
        raise InputError(f"{name} {path}: exists; pass --force to overwrite it")
    for parent in _written_at(path).parents:
        if parent.exists():
            if not parent.is_dir():
                raise InputError(f"{name} {path}: {parent} is not a directory")
            if not (path.exists() and not path.is_file()):  # a device is written in place
                _check_writable(parent, path, name)
            break
    return path


def _written_at(path: Path) -> Path:
    """Where the writer puts ``path``'s content: a link's final target (``io.atomic_target``
    renames over it), else ``path``; a link loop is left to the writer, which names it."""
    if path.is_symlink():
        try:
            return path.resolve()
        except (OSError, RuntimeError):  # RuntimeError: a loop on Python 3.11
            return path
    return path


def _check_writable(folder: Path, path: Path, name: str) -> None:
    """Refuse an output whose folder cannot take a new file, before the run: ``-o
    /proc/x.json`` or a read-only folder was refused only after the whole solve (s30bad).

    An unnamed temporary file (``O_TMPFILE`` where the system has it) leaves nothing behind;
    ``os.access`` alone is not enough, since root passes it on ``/proc``.
    """
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise InputError(
            f"{name} {path}: cannot write in {folder} ({exc.strerror or exc})"
        ) from None


def number(value: Any, name: str) -> float:
    """``value`` as a float when it is a real number (not a bool), else :class:`InputError`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputError(f"{name} {value!r}: must be a number")
    return float(value)
