"""Per-stage times (first, a middle, last) of the Korthikanti Table 5 rows and their Table 1 twins.

Usage: PYTHONPATH=. python bench/session_runs/s19kor/stages.py
"""

from __future__ import annotations

import planner.train  # noqa: F401
from planner.perfmodel.calibration.published import ROWS
from planner.train.calibration import row_estimate

IDS = (
    "korthikanti2022/gpt-530b/full",
    "narayanan2021/gpt-529.6b",
    "korthikanti2022/gpt-1t/full",
    "narayanan2021/gpt-1008b",
    "korthikanti2022/gpt-1t/selective",
)


def main() -> None:
    for row in ROWS:
        if row.id not in IDS:
            continue
        est = row_estimate(row)
        st = est.stages
        print(
            row.id,
            "m",
            est.microbatches,
            "pipe",
            round(est.pipeline_time, 3),
            "bubble",
            round(est.bubble_time, 3),
        )
        for i in sorted({0, len(st) // 2, len(st) - 1}):
            s = st[i]
            print(
                f"  stage {i}: layers {s.layers} fwd {s.fwd * 1e3:.1f} ms bwd "
                f"{s.bwd * 1e3:.1f} p2p {s.p2p * 1e3:.2f} micro {s.micro_time * 1e3:.1f}"
            )


if __name__ == "__main__":
    main()
