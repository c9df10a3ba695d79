"""Test-session setup shared by every test directory."""

import os

# One BLAS thread per process: the suite runs on two cores with two pytest workers, and an
# OpenBLAS pool per worker oversubscribes them (a fleet solve took minutes under load and
# time-limited tests lost their proofs). Set before any test module imports numpy.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
