"""CPU time of one serving-stage loss evaluation of the calibration fit, before and after.

Usage: PYTHONPATH=. .venv/bin/python bench/session_runs/s27fast/serving_loss_cpu.py [REPS]

*before*: the public rows' length histograms parsed at every evaluation (main); *after*: the
cached histograms (this branch), serial, then on a 2-process RowPool (CPU of the parent and of
the reaped workers). Each evaluation enters a fresh ``constants.override``, as the fit does;
before/after alternate within the same minute. The losses must be the same floats.
"""

import resource
import statistics
import sys
import time

import planner.serve
import planner.train  # noqa: F401  (registers the predictors)
from planner.perfmodel import constants
from planner.perfmodel.calibration import fit as calibration
from planner.perfmodel.calibration.rowpool import RowPool
from planner.serve import calibration as serve_calibration


def serial_loss(values: dict, rows: list) -> float:
    """The fit's loss (its definition, fit._loss under an override)."""
    with constants.override(values):
        return statistics.fmean(calibration.log_error(r) ** 2 for r in rows)


def main() -> None:
    """Print CPU seconds per evaluation, before / after / pooled."""
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    rows = [
        r
        for r in calibration.CALIBRATION_ROWS
        if r.split == calibration.FIT and calibration.kind_of(r) == "serving"
    ]
    base = {p.name: p.initial for p in calibration.PARAMETERS}
    serial_loss(base, rows)  # first touch: model files, numba kernels
    before, after, losses = [], [], []
    for rep in range(reps):
        values = {**base, "weight_stream_efficiency": 0.7 + 0.01 * rep}
        serve_calibration._lengths.cache_clear()  # main parsed them every time
        t = time.process_time()
        a = serial_loss(values, rows)
        before.append(time.process_time() - t)
        values = {**values, "layer_latency_s": 2.1e-5}
        t = time.process_time()
        b = serial_loss(values, rows)
        after.append(time.process_time() - t)
        losses.append((a, b))
    print(f"{len(rows)} serving rows, {reps} evaluations each")
    print("before (serial, histograms parsed):", " ".join(f"{x:.2f}" for x in before), "s CPU")
    print("after  (serial, histograms cached):", " ".join(f"{x:.2f}" for x in after), "s CPU")
    t, w = time.process_time(), time.perf_counter()
    with RowPool(rows, 2, ["planner.serve.calibration", "planner.train.calibration"]) as pool:
        start = time.perf_counter()
        pooled = [
            pool.loss({**base, "weight_stream_efficiency": 0.7 + 0.01 * rep}, rows)
            for rep in range(reps)
        ]
        evals = time.perf_counter() - start
    parent = time.process_time() - t
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        f"pooled (2 workers, incl. their start): parent {parent:.2f} s CPU, workers "
        f"{kids.ru_utime + kids.ru_stime:.2f} s CPU for {reps} evaluations; wall "
        f"{time.perf_counter() - w:.1f} s ({evals:.1f} s evaluating; wall under load is no result)"
    )
    serial = [a for a, _ in losses]
    print("pooled losses are the serial floats:", pooled == serial)


if __name__ == "__main__":
    main()
