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
import threading
import time
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

    On a terminal (or with ``$COLUMNS`` set) tables fit its width; otherwise
    (pipes, files, CI logs) they are laid out 160 columns wide.
    """
    console = Console()
    if not console.is_terminal and not os.environ.get("COLUMNS"):
        console = Console(width=160)
    return console


class LiveProgress:
    """The live line of running methods: best objective, bound, gap and elapsed time.

    A :mod:`planner.core.progress` listener: a method run (``begin``) shows a
    transient line on stderr that Rich redraws a few times per second (so the
    clock moves between reports); updates come from any thread; ``end`` clears
    the line, so results printed afterwards are never mixed with it.
    """

    def __init__(self, console: Console) -> None:
        self._console = console
        self._lock = threading.Lock()
        self._live: Any = None
        self._reset("")

    def _reset(self, title: str) -> None:
        self.title = title
        self.started = time.perf_counter()
        self.objective: float | None = None
        self.bound: float | None = None
        self.source = ""
        self.stage = ""
        self.maximise = False

    def __call__(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        if kind == "begin":
            with self._lock:
                self._reset(str(event.get("title", "")))
            self._start()
        elif kind == "end":
            self._stop()
        else:
            with self._lock:
                if event.get("restart"):
                    self.started = time.perf_counter()
                if event.get("objective") is not None:
                    self.objective = event["objective"]
                if event.get("bound") is not None:
                    self.bound = event["bound"]
                self.source = str(event.get("source", self.source))
                self.maximise = event.get("sense", "max" if self.maximise else "min") == "max"
                self.stage = str(event.get("stage", self.stage))

    def line(self) -> str:
        """The text shown, e.g. ``3.2 s · best 43 · bound 41 · gap 4.65% · cp-sat · rcpsp j301_1 · cpsat``."""
        from planner.core.result import relative_gap

        with self._lock:
            parts = [f"{time.perf_counter() - self.started:.1f} s"]
            if self.objective is not None:
                parts.append(f"best {_short(self.objective)}")
            if self.bound is not None:
                parts.append(f"bound {_short(self.bound)}")
            if self.maximise:  # the bound is an upper bound: gap of the negated minimisation
                gap = relative_gap(
                    None if self.objective is None else -self.objective,
                    None if self.bound is None else -self.bound,
                )
            else:
                gap = relative_gap(self.objective, self.bound)
            if gap is not None:
                parts.append(f"gap {100 * gap:.2f}%")
            if self.stage and self.objective is None:
                parts.append(self.stage)
            if self.source:
                parts.append(self.source)
            if self.title:  # last: a narrow terminal cuts the name, not the numbers
                parts.append(self.title)
            return " · ".join(parts)

    def __rich__(self) -> Any:
        from rich.text import Text

        return Text(self.line(), style="dim", no_wrap=True, overflow="ellipsis")

    def _start(self) -> None:
        from rich.live import Live

        self._stop()
        self._live = Live(
            self,
            console=self._console,
            refresh_per_second=4,
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self._live.start()

    def _stop(self) -> None:
        live, self._live = self._live, None
        if live is not None:
            live.stop()


@contextlib.contextmanager
def live_progress(enabled: bool) -> Iterator[LiveProgress | None]:
    """Listen to :mod:`planner.core.progress` and show a live line on stderr (when ``enabled``).

    Callers enable it only on a terminal and never in ``--json`` mode.
    """
    if not enabled:
        yield None
        return
    from planner.core import progress

    live = LiveProgress(err)
    try:
        with progress.listening(live):
            yield live
    finally:
        live({"event": "end"})


def _short(value: float) -> str:
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return f"{value:.6g}"


def no_plot(flag: str, path: Any, result: Any) -> None:
    """Say on one stderr line why ``flag PATH`` was not written: ``result`` has no solution.

    An instance without a solution (INFEASIBLE, a time limit hit first) is not an error,
    so the exit code stays; the line keeps the missing image from going unnoticed.
    """
    why = result.status.value
    if result.reason:
        why += ": " + " ".join(str(result.reason).split())
    print(
        f"planner: note: {flag} {path} not written: {result.instance} has no solution ({why})",
        file=sys.stderr,
    )
