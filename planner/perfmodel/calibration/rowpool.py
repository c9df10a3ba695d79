"""The fit's loss evaluated on worker processes, row by row.

The fit's loss is the mean of the rows' squared log errors, summed with :func:`math.fsum`
(``statistics.fmean``), which is exactly rounded: the sum does not depend on the order of
its terms. Each row's error is computed by the same code in a worker as in the parent, so a
loss spread over processes is the same float as the serial one, and the fit ends on the
same constants to the last bit (``tests/perfmodel/test_calibration_jobs.py``).

The workers are spawned (never forked: the parent may hold solver threads) deaf to Ctrl-C
(:func:`planner.core.sigint.deaf_children`: the parent answers it and shuts them down), import the
modules that registered the row predictors, and keep the constants of the last evaluation
in force until the parent asks for others, so the model's caches
(:func:`planner.perfmodel.constants.on_change`) serve every row of one evaluation.
"""

from __future__ import annotations

import importlib
import math
import multiprocessing
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from typing import Any

from planner.core.sigint import deaf_children
from planner.perfmodel import constants

#: Chunks of rows per worker and evaluation: a few, so that a worker that drew the slow rows
#: (a public serving row costs up to ~3x a trtllm-bench row) does not leave the other idle.
CHUNKS_PER_WORKER = 4
#: CPU seconds below which a row set's loss is evaluated in the parent: a round trip to the
#: workers per evaluation costs more than it saves on cheap stages (the training stage's 27
#: rows take ~30 ms), the more so on a loaded machine, where a worker waits to be scheduled.
#: Either way the loss is the same float, so this choice never changes a constant.
POOL_MIN_CPU_S = 0.1

# worker state (one fit's rows; the constants in force and what keeps them in force)
_ROWS: Sequence[Any] = ()
_VALUES: tuple[tuple[str, float], ...] | None = None
_STACK = ExitStack()


def _start(modules: Sequence[str], rows: Sequence[Any]) -> None:
    global _ROWS
    for name in modules:  # importing a family registers its predictors (fit.PREDICTORS)
        importlib.import_module(name)
    _ROWS = rows


def log_error_squared(row: Any) -> float:
    """A row's term of the fit's loss, ``log(predicted / measured) ** 2``."""
    from planner.perfmodel.calibration.fit import log_error

    return log_error(row) ** 2


def _squared_errors(values: tuple[tuple[str, float], ...], indices: Sequence[int]) -> list[float]:
    global _VALUES
    if values != _VALUES:
        _STACK.close()
        _STACK.enter_context(constants.override(dict(values)))
        _VALUES = values
    return [log_error_squared(_ROWS[i]) for i in indices]


class RowPool:
    """Worker processes that evaluate the fit's loss over a fixed list of rows.

    Parameters
    ----------
    rows
        Every row any loss of this pool sums over (sent to each worker once).
    jobs
        Worker processes (>= 2; one process is the serial :func:`~planner.perfmodel.
        calibration.fit.fit` and needs no pool).
    modules
        Modules a worker imports before its first row: those that registered the predictors.
    """

    def __init__(self, rows: Sequence[Any], jobs: int, modules: Sequence[str]) -> None:
        self.rows = list(rows)
        self.index = {id(r): i for i, r in enumerate(self.rows)}
        self.jobs = jobs
        #: row set (indices) -> evaluated on the workers (else in the parent)
        self.pooled: dict[tuple[int, ...], bool] = {}
        self.pool = ProcessPoolExecutor(
            max_workers=jobs,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start,
            initargs=(tuple(modules), self.rows),
        )

    def loss(self, values: Mapping[str, float], rows: Sequence[Any]) -> float:
        """Mean squared log error of ``rows`` (rows of this pool) under ``values``: the same
        float as the serial loss."""
        indices = [self.index[id(r)] for r in rows]
        key = tuple(indices)
        if not self.pooled.get(key, False):
            # first evaluation of this row set (or a cheap set): in the parent, timed
            start = time.process_time()
            with constants.override(values):
                terms = [log_error_squared(r) for r in rows]
            if key not in self.pooled:
                self.pooled[key] = time.process_time() - start >= POOL_MIN_CPU_S
            return math.fsum(terms) / len(terms)
        chunks = max(1, min(len(indices), self.jobs * CHUNKS_PER_WORKER))
        frozen = tuple(sorted(values.items()))
        with deaf_children():  # a submit may start workers: Ctrl-C is the parent's alone
            futures = [
                self.pool.submit(_squared_errors, frozen, indices[k::chunks]) for k in range(chunks)
            ]
        terms = [t for f in futures for t in f.result()]
        return math.fsum(terms) / len(terms)

    def close(self) -> None:
        """Stop the workers."""
        self.pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> RowPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
