"""The calibration fit on several processes gives the serial fit's constants to the last bit.

``planner calibrate`` evaluates the rows on worker processes (``--jobs``, default 2): the
loss is an exactly rounded sum (``math.fsum``), so the split must not change a bit of it,
nor of the fitted constants that ``calibrate --check`` compares with the shipped file.
"""

from __future__ import annotations

import statistics

import planner.serve
import planner.train  # noqa: F401  (registers the predictors)
from planner.perfmodel import constants
from planner.perfmodel.calibration import fit as calibration
from planner.perfmodel.calibration import rowpool
from planner.perfmodel.calibration.rowpool import RowPool

FIT_ROWS = [r for r in calibration.CALIBRATION_ROWS if r.split == calibration.FIT]


def _serial_loss(values: dict[str, float], rows: list) -> float:
    # the fit's definition of its loss (fit._loss under constants.override)
    with constants.override(values):
        return statistics.fmean(calibration.log_error(r) ** 2 for r in rows)


def _rows(kind: str, count: int) -> list:
    return [r for r in FIT_ROWS if calibration.kind_of(r) == kind][:count]


def test_pooled_loss_is_the_serial_float(monkeypatch):
    # training rows (cheap), a trtllm-bench row and public serving rows with length
    # distributions (their own predictor module), CDNA3 rows: two families' predictors
    public = [r for r in FIT_ROWS if type(r).__name__ == "PublicServingRow"]
    rows = [*_rows("training", 10), *_rows("serving", 1), *public[:2], *_rows("cdna3", 3)]
    start = {p.name: p.initial for p in calibration.PARAMETERS}
    moved = {**start, "gemm_efficiency_hopper": 0.55, "weight_stream_efficiency": 0.6}
    monkeypatch.setattr(rowpool, "POOL_MIN_CPU_S", 0.0)  # these rows are cheap: pool them
    with RowPool(rows, 2, ["planner.serve.calibration", "planner.train.calibration"]) as pool:
        pool.loss(start, rows), pool.loss(start, rows[10:])  # first ones: in the parent
        for values in (start, moved, start):  # a worker must switch constants both ways
            serial = _serial_loss(values, rows)
            assert pool.loss(values, rows) == serial
            assert pool.loss(values, rows[10:]) == _serial_loss(values, rows[10:])
        # the comparisons above were of the workers' floats (were every set kept in the
        # parent, they would compare the serial loss with itself and pass: s27review)
        assert pool.pooled == {tuple(range(len(rows))): True, tuple(range(10, len(rows))): True}
    assert _serial_loss(start, rows) != _serial_loss(moved, rows)  # the switch is visible


def test_fit_on_two_processes_gives_the_serial_constants(monkeypatch):
    # the two stages of one constant (74 evaluations; a round trip to the workers each) on
    # rows of a few ms: the serving stage would take minutes
    rows = [*_rows("cdna3_training", 2), *_rows("sglang_moe", 2)]
    monkeypatch.setattr(rowpool, "POOL_MIN_CPU_S", 0.0)
    seen: list[dict] = []
    close = RowPool.close

    def record(pool: RowPool) -> None:
        seen.append(dict(pool.pooled))
        close(pool)

    monkeypatch.setattr(RowPool, "close", record)
    serial = calibration.fit(rows=rows)
    pooled = calibration.fit(rows=rows, jobs=2)
    # both stages' row sets went to the workers after their first evaluation (s27review: with
    # every set kept in the parent the test compared the serial fit with itself)
    assert len(seen) == 1 and len(seen[0]) == 2 and all(seen[0].values())
    assert pooled.values == serial.values
    assert pooled.loss == serial.loss and pooled.rows == serial.rows
    assert set(pooled.loss) == {"cdna3_training", "sglang_moe"}


def test_cheap_row_sets_stay_in_the_parent():
    rows = _rows("sglang_moe", 3)  # a few ms: below POOL_MIN_CPU_S
    start = {p.name: p.initial for p in calibration.PARAMETERS}
    with RowPool(rows, 2, ["planner.serve.calibration"]) as pool:
        assert pool.loss(start, rows) == pool.loss(start, rows) == _serial_loss(start, rows)
        assert pool.pooled == {(0, 1, 2): False}


def test_workers_do_not_hear_ctrl_c(monkeypatch):
    """A terminal's Ctrl-C reaches the whole process group: a worker that heard it died with a
    ``KeyboardInterrupt`` traceback and broke the pool; the parent alone answers it."""
    import os
    import signal

    rows = _rows("training", 10)
    start = {p.name: p.initial for p in calibration.PARAMETERS}
    monkeypatch.setattr(rowpool, "POOL_MIN_CPU_S", 0.0)
    with RowPool(rows, 2, ["planner.train.calibration"]) as pool:
        pool.loss(start, rows)  # in the parent (first evaluation)
        first = pool.loss(start, rows)  # on the workers: they are running now
        workers = list(pool.pool._processes)  # the executor's worker pids
        assert workers
        for pid in workers:
            os.kill(pid, signal.SIGINT)
        assert pool.loss(start, rows) == first  # the same workers, still alive
        assert sorted(pool.pool._processes) == sorted(workers)
