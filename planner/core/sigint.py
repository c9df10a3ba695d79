"""Start worker processes deaf to Ctrl-C: the driver alone answers it and stops them.

A terminal's Ctrl-C sends SIGINT to the whole foreground process group, workers included. A
worker hit while starting printed a ``KeyboardInterrupt`` traceback from ``spawn_main``; a
pool worker hit while its exit finalizer joined a plugin worker printed "Exception ignored in
atexit callback" (twenty-seventh session, s27walk: 3 of about 30 interrupted benchmarks). The
driver kills its workers when it is interrupted (and a plugin worker dies with its parent),
so they need not see the signal at all.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator


@contextlib.contextmanager
def deaf_children() -> Iterator[None]:
    """Block SIGINT in this thread while children are started inside the block.

    A child inherits the blocked mask through ``fork`` and ``exec`` and keeps it (Python does
    not unblock signals at start-up), so a Ctrl-C stays pending in it forever. In this process
    a SIGINT that arrives inside the block is delivered when it ends: nothing is lost.
    """
    if not hasattr(signal, "pthread_sigmask"):  # not POSIX: nothing to do
        yield
        return
    # The first spawn of a process starts multiprocessing's resource tracker, which unblocks
    # SIGINT once it has launched it (the children started after it then heard Ctrl-C again):
    # start it first
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
