"""Errors of the TensorRT-LLM overview fit rows under the branch (s28lead) constants and code,
grouped by model and GPU: which rows the bound-hitting constants are pulled by.

``PYTHONPATH=. .venv/bin/python bench/session_runs/s28rev/overview_errors.py``
"""

from __future__ import annotations

import math
from collections import defaultdict

import planner.serve  # noqa: F401  (registers the serving predictor)
from planner.perfmodel.calibration import fit
from planner.perfmodel.calibration.published import SERVING_ROWS


def main() -> None:
    """Print each row's error and the mean log error per (model, GPU) of the fit rows."""
    groups: dict[tuple[str, str], list[float]] = defaultdict(list)
    for row in SERVING_ROWS:
        if row.split != "fit":
            continue
        err = math.log(fit.predict(row) / row.value)
        groups[(row.model, row.gpu)].append(err)
        print(f"{row.id}: {math.expm1(err):+.2%}")
    for (model, gpu), errs in sorted(groups.items()):
        mean = sum(errs) / len(errs)
        print(
            f"{model} {gpu}: {len(errs)} rows, mean {math.expm1(mean):+.2%}, "
            f"min {math.expm1(min(errs)):+.2%}, max {math.expm1(max(errs)):+.2%}"
        )


if __name__ == "__main__":
    main()
