"""The local executor: a pool of worker processes that survives the death of a worker.

A worker that dies (killed, out of memory, a crash in compiled code) breaks a
``ProcessPoolExecutor`` for every task in flight. :func:`local_map` then starts
a new pool and runs the unfinished tasks again, each at most ``retries`` more
times; a task that keeps killing its worker is given to ``lost`` and the run
goes on. Finished results are never run twice.
"""

from __future__ import annotations

import multiprocessing
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from planner.core.sigint import deaf_children

T = TypeVar("T")
R = TypeVar("R")


def local_map(
    func: Callable[[T], R],
    items: Iterable[T],
    *,
    jobs: int,
    retries: int = 2,
    lost: Callable[[T, str], R] | None = None,
) -> Iterator[R]:
    """Apply ``func`` to ``items`` in ``jobs`` processes, yielding results as they finish.

    With ``jobs == 1`` the work runs in this process. Workers are started with
    ``spawn`` because forking a process that holds solver threads is unsafe.
    At most ``2 * jobs`` tasks are queued at once, so an interrupted run wastes
    little work. When a worker dies, the tasks that were in flight are run
    again one at a time in a pool of their own (so a death is charged to the
    task that caused it), then the run goes on.

    Parameters
    ----------
    retries
        Extra attempts of a task whose worker died.
    lost
        ``lost(item, reason)`` gives the result of a task that used up its
        attempts (default: re-raise the pool's error).
    """
    queue = list(items)
    if jobs <= 1:
        for item in queue:
            yield func(item)
        return
    ctx = multiprocessing.get_context("spawn")
    todo = list(range(len(queue)))[::-1]  # a stack of indices: pop() takes the next in order
    previous = _interrupt_on_sigterm()
    try:
        while todo:
            suspects: list[int] = []
            yield from _pool_run(func, queue, todo, suspects, jobs, ctx)
            for k in suspects:
                yield from _alone(func, queue[k], retries, lost, ctx)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _interrupt_on_sigterm() -> Any:
    """Turn SIGTERM into KeyboardInterrupt so the pools' cleanup kills their workers.

    The default SIGTERM action ends this process at once and leaves the
    workers solving until their tasks end. Returns the previous handler (None
    when not on the main thread, where handlers cannot be set).
    """
    if threading.current_thread() is not threading.main_thread():
        return None

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    return signal.signal(signal.SIGTERM, interrupt)


def _pool_run(
    func: Callable[[T], R],
    queue: list[T],
    todo: list[int],
    suspects: list[int],
    jobs: int,
    ctx: Any,
) -> Iterator[R]:
    """Run ``todo`` in a pool until it is empty or a worker dies (in-flight tasks -> ``suspects``)."""
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=ctx)
    pending: dict[Future[R], int] = {}
    broken = False
    finished = False
    try:
        while (todo or pending) and not broken:
            while todo and len(pending) < 2 * jobs:
                k = todo.pop()
                try:
                    with deaf_children():  # submit starts the workers (spawn context)
                        fut = pool.submit(func, queue[k])
                except BrokenProcessPool:  # a worker died since the last wait: k never ran
                    todo.append(k)
                    broken = True
                    break
                pending[fut] = k
            if broken:
                break
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                k = pending.pop(fut)
                try:
                    result = fut.result()
                except BrokenProcessPool:
                    broken = True
                    suspects.append(k)
                    continue
                yield result
        for fut, k in pending.items():  # in flight when the pool broke
            if fut.done() and not fut.cancelled() and fut.exception() is None:
                yield fut.result()
            else:
                suspects.append(k)
        finished = not broken
    finally:
        _close(pool, finished)


def _alone(
    func: Callable[[T], R],
    item: T,
    retries: int,
    lost: Callable[[T, str], R] | None,
    ctx: Any,
) -> Iterator[R]:
    """Run one task in a pool of its own, again after each worker death (at most ``retries``)."""
    for attempt in range(retries + 1):
        pool = ProcessPoolExecutor(max_workers=1, mp_context=ctx)
        try:
            with deaf_children():
                future = pool.submit(func, item)
            result = future.result()
        except BrokenProcessPool as exc:
            _close(pool, False)
            if attempt == retries:
                if lost is None:
                    raise
                yield lost(item, f"its worker process died {retries + 1} times ({exc})")
            continue
        except BaseException:
            _close(pool, False)
            raise
        _close(pool, True)
        yield result
        return


def _close(pool: ProcessPoolExecutor, finished: bool) -> None:
    """Shut ``pool`` down; after an interruption or a death, kill its workers at once.

    Without the kill, an interrupted run (SIGINT, an exception) would wait for
    every task in flight to finish only to throw its result away.
    """
    if finished:
        pool.shutdown(wait=True)
        return
    workers = list((getattr(pool, "_processes", None) or {}).values())  # no public handle
    pool.shutdown(wait=False, cancel_futures=True)
    for process in workers:
        if process.is_alive():
            process.kill()
