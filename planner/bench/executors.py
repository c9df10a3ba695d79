"""Where benchmark tasks run: local worker processes, or a Ray cluster."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, TypeVar

from planner.core.errors import InputError

T = TypeVar("T")
R = TypeVar("R")


def local_map(func: Callable[[T], R], items: Iterable[T], *, jobs: int) -> Iterator[R]:
    """Apply ``func`` to ``items`` in ``jobs`` processes, yielding results as they finish.

    With ``jobs == 1`` the work runs in this process. Workers are started with
    ``spawn`` because forking a process that holds solver threads is unsafe.
    At most ``2 * jobs`` tasks are queued at once so an interrupted run wastes
    little work.
    """
    items = list(items)
    if jobs <= 1:
        for item in items:
            yield func(item)
        return
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
        pending: set[Future[R]] = set()
        queue = iter(items)
        for item in queue:
            pending.add(pool.submit(func, item))
            if len(pending) >= 2 * jobs:
                break
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                yield fut.result()
                nxt = next(queue, None)
                if nxt is not None:
                    pending.add(pool.submit(func, nxt))


def ray_map(func: Callable[[T], R], items: Iterable[T], *, jobs: int) -> Iterator[Any]:
    """Apply ``func`` to ``items`` as Ray tasks (``ray.init()`` joins ``$RAY_ADDRESS`` if set)."""
    try:
        import ray
    except ImportError:
        raise InputError("--executor ray needs Ray: pip install 'planner[ray]'") from None
    if not ray.is_initialized():
        ray.init(ignore_reinit_error=True, log_to_driver=False)
    remote = ray.remote(num_cpus=1)(func)
    items = list(items)
    pending = []
    queue = iter(items)
    limit = max(1, jobs)
    for item in queue:
        pending.append(remote.remote(item))
        if len(pending) >= limit:
            break
    while pending:
        done, pending = ray.wait(pending, num_returns=1)
        for ref in done:
            yield ray.get(ref)
            nxt = next(queue, None)
            if nxt is not None:
                pending.append(remote.remote(nxt))
