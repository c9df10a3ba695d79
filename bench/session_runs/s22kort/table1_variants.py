"""Table 1 (fit) and Table 5 (held-out) rows under software variants of the 2021 code,
at the shipped constants (no refit): what each fact moves.

Usage: PYTHONPATH=. python bench/session_runs/s22kort/table1_variants.py
"""

from __future__ import annotations

from dataclasses import replace

import planner.train  # noqa: F401
from planner.perfmodel.calibration.fit import log_error, time_log_error
from planner.perfmodel.calibration.published import TRAINING_ROWS

VARIANTS = {
    "shipped": (),
    "fp16 grads": (("grad_bytes", 2.0),),
    "unfused acc fp32 (10 B)": (("unfused_grad_accumulation", True),),
    "fp16 grads + unfused acc (6 B)": (("grad_bytes", 2.0), ("unfused_grad_accumulation", True)),
}


def main() -> None:
    rows = [r for r in TRAINING_ROWS if r.source == "narayanan2021"]
    print(f"{'row':28s} " + " ".join(f"{k[:22]:>23s}" for k in VARIANTS))
    for r in rows:
        errs = []
        for extra in VARIANTS.values():
            sw = dict(r.software)
            sw.update(dict(extra))
            rr = replace(r, software=tuple(sw.items()))
            errs.append(100 * (2.718281828 ** time_log_error(rr, log_error(rr)) - 1))
        print(f"{r.id:28s} " + " ".join(f"{e:+23.2f}" for e in errs))


if __name__ == "__main__":
    main()
