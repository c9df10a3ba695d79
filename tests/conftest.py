"""Test-session setup shared by every test directory."""

import os

import pytest

# One BLAS thread per process: the suite runs on two cores with two pytest workers, and an
# OpenBLAS pool per worker oversubscribes them (a fleet solve took minutes under load and
# time-limited tests lost their proofs). Set before any test module imports numpy.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")


@pytest.fixture(autouse=True, scope="module")
def _stop_plugin_workers():
    """Stop the plugin worker processes a test module left idle.

    A plugin's worker stays up for the next call of the same function in the process
    (:func:`planner.core.isolation.isolated`), and every test's plugin is a new file: a pytest
    worker kept 20-30 idle interpreters (1.35 GB for the two at a quarter of the suite, 2026-12-07)
    until the session ended. A module's tests may still share a worker.
    """
    yield
    from planner.core.isolation import close_all

    close_all()
