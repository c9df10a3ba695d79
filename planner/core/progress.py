"""Live progress of a running method: a tiny publish/subscribe channel.

Methods (and the shared solver helpers :mod:`planner.core.cpsat` and
:mod:`planner.core.mip`) call :func:`report` whenever they find a better
solution or bound; it costs nothing when nobody listens. :func:`planner.solve`
wraps every method call in :func:`run` (events ``begin`` / ``end``), so a
listener knows what is running. The CLI listens with :func:`listening` to draw
a live line (best objective, bound, gap, elapsed) on a terminal while a method
runs, and clears it before anything else is printed.

Numbers reported here are *live hints*, not certificates: a sub-model (an LNS
neighbourhood, a decomposition piece) may report its own objective. Methods
that solve sub-models wrap them in :func:`muted`; the certified numbers are
always those of the final :class:`~planner.core.result.Result`.

>>> from planner.core import progress
>>> progress.report(objective=42, bound=40)  # no listener: a no-op
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

Listener = Callable[[dict[str, Any]], None]

_listeners: list[Listener] = []
_muted = threading.local()


def active() -> bool:
    """True when someone listens (and this thread is not muted): worth computing a report."""
    return bool(_listeners) and not getattr(_muted, "depth", 0)


def report(*, objective: float | None = None, bound: float | None = None, **info: Any) -> None:
    """Tell listeners about a new incumbent objective and/or bound (minimisation).

    Parameters
    ----------
    objective
        Objective of the best solution found so far by the reporting solver.
    bound
        Best proven lower bound of the reporting solver.
    info
        Anything else worth showing (``source="cp-sat"``, ...).
    """
    if active():
        if getattr(_muted, "negated", 0):  # a maximisation solved as min of the negative
            objective = None if objective is None else -objective
            bound = None if bound is None else -bound
            info.setdefault("sense", "max")
        _publish({"event": "update", "objective": objective, "bound": bound, **info})


@contextlib.contextmanager
def run(title: str) -> Iterator[None]:
    """Announce a method run called ``title`` to listeners (``begin``, then ``end``)."""
    if active():
        _publish({"event": "begin", "title": title})
    try:
        yield
    finally:
        if active():
            _publish({"event": "end", "title": title})


def _publish(event: dict[str, Any]) -> None:
    for listener in list(_listeners):
        listener(event)


@contextlib.contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Call ``listener(event)`` for every :func:`report` inside the block."""
    _listeners.append(listener)
    try:
        yield
    finally:
        _listeners.remove(listener)


@contextlib.contextmanager
def muted() -> Iterator[None]:
    """Silence reports made by this thread inside the block (sub-models, probes)."""
    _muted.depth = getattr(_muted, "depth", 0) + 1
    try:
        yield
    finally:
        _muted.depth -= 1


@contextlib.contextmanager
def maximising() -> Iterator[None]:
    """Inside the block this thread's solvers minimise the *negative* of what the user
    maximises: reports are negated back and marked ``sense="max"`` (the bound is then an
    upper bound), so a live line shows the user's own numbers."""
    _muted.negated = getattr(_muted, "negated", 0) + 1
    try:
        yield
    finally:
        _muted.negated -= 1
