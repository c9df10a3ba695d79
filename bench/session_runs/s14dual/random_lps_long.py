"""The random-LP property of tests/core/test_lp_bound.py at 2000 examples (two seeds).

Usage: ``PYTHONPATH=. .venv/bin/python bench/session_runs/s14dual/random_lps_long.py``
"""

import sys
from pathlib import Path

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
from tests.core.test_lp_bound import small_lps
from tests.core.test_lp_bound import test_safe_bound_is_below_the_exact_optimum_for_any_duals as t

inner = t.hypothesis.inner_test
for sd in (11, 12):
    run = seed(sd)(
        settings(max_examples=1000, deadline=None, database=None,
                 suppress_health_check=list(HealthCheck))(
            given(small_lps(), st.integers(0, 2**31 - 1))(inner)
        )
    )  # fmt: skip
    run()
    print(f"seed {sd}: 1000 random LPs, safe bound <= exact optimum, within 1e-6 of it")
