"""The ``planner`` command's entry point: pins the BLAS thread pools before numpy loads.

The models' numpy work is many small arrays; OpenBLAS's default thread pool (one thread
per core) only adds contention: ``planner solve serve instances/serve/fleet-3x3.toml`` took
3.7 s wall / 7.0 s CPU with two BLAS threads and 3.3 s / 3.3 s pinned (load 0.55). A value
the user set is kept.
"""

from __future__ import annotations

import os


def main() -> None:
    """Run the CLI (:func:`planner.cli.main`) with one BLAS thread unless told otherwise."""
    for name in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")
    from planner.cli import main as cli_main  # numpy loads here, after the pin

    cli_main()
