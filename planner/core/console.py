"""Terminal output shared by all commands: Rich consoles and a clean JSON stdout.

Solvers written in C++ (HiGHS, OR-Tools) may print banners straight to file
descriptor 1. Under ``--json`` stdout must carry JSON Lines and nothing else,
so :func:`clean_stdout` points fd 1 at stderr for the duration of the command
and hands back a writer for the real stdout.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from typing import IO, Any

from rich.console import Console

#: Progress bars, logs and warnings.
err = Console(stderr=True)


@contextlib.contextmanager
def clean_stdout() -> Iterator[IO[str]]:
    """Redirect fd 1 to stderr inside the block; yield a stream to the real stdout.

    When ``sys.stdout`` is not file descriptor 1 (captured by a test runner or
    replaced by the caller), it is yielded as is; fd 1 is still redirected.
    """
    stream = sys.stdout
    stream.flush()
    try:
        backed_by_fd1 = stream.fileno() == 1
    except (AttributeError, OSError, ValueError):
        backed_by_fd1 = False
    try:
        saved = os.dup(1)
    except OSError:  # no fd 1 at all: nothing to protect
        yield stream
        return
    real = os.fdopen(saved, "w", encoding="utf-8", closefd=True)
    os.dup2(2, 1)
    try:
        yield real if backed_by_fd1 else stream
    finally:
        stream.flush()
        real.flush()
        os.dup2(real.fileno(), 1)
        real.close()


def write_json_line(stream: IO[str], obj: Any) -> None:
    """One compact JSON object per line, flushed."""
    stream.write(json.dumps(obj, default=_default) + "\n")
    stream.flush()


def _default(obj: Any) -> Any:
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    if hasattr(obj, "tolist"):
        return obj.tolist()
    return str(obj)


def out_console() -> Console:
    """Console for human-readable results on stdout.

    Wide when stdout is not a terminal (pipes, files, CI logs), where Rich
    would otherwise cut tables at 80 columns.
    """
    console = Console()
    if not console.is_terminal:
        console = Console(width=160)
    return console
