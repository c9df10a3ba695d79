"""``bench/session_runs/s21queue/ttft_percentiles.py`` writing its output here: model vs
simulator TTFT / TPOT at p50 / p90 / p99 on a few grid cases (10,000-request traces, seed 0;
simulations cached in ``--sims``, default ``/tmp/s21queue_sims``).

Usage::

    PYTHONPATH=. nice -n 10 .venv/bin/python bench/session_runs/s22burst/ttft_percentiles.py \
        --sims /tmp/s22burst_sims [--case '8B chat'] [--out NAME]
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

HERE = Path(__file__).resolve().parent
_SPEC = importlib.util.spec_from_file_location(
    "s21queue_ttft_percentiles", HERE.parent / "s21queue" / "ttft_percentiles.py"
)
s21 = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(s21)
s21.HERE = HERE

if __name__ == "__main__":
    s21.main()
