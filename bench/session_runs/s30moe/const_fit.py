"""Would one constant per MoE layer and microbatch on the eager expert path close the rows?

Run: ``PYTHONPATH=. .venv/bin/python bench/session_runs/s30moe/const_fit.py`` (about 10 s).
The probe of ``implied.py`` (a fixed time added to each eager MoE layer's forward host wait)
at value ``c``; ``c`` minimizing the mean squared log error over one source's eager rows
(golden section, 0-10 ms), then every eager row's time error at that ``c``, by source, and
the mean / max |error| per source before / after. The 25.09 graphed rows (``eager_experts``
False, whole-layer CUDA graphs over the same per-expert kernels) are listed with their gap
per layer-microbatch: the probe does not act on them.
"""

from __future__ import annotations

import math
import statistics
import sys

sys.path.insert(0, "bench/session_runs/s30moe")
from implied import step

import planner.train  # noqa: F401
from planner.perfmodel.calibration.fit import golden_section, log_error, time_log_error
from planner.perfmodel.calibration.published import BRIDGE_MOE
from planner.train.calibration import row_problem


def measured_step(row) -> float:
    s0 = step(row, 0.0)
    err = math.exp(time_log_error(row, log_error(row))) - 1.0
    return s0 / (1 + err)


def main(fit_source: str) -> None:
    eager = [r for r in BRIDGE_MOE if row_problem(r).software.eager_experts]
    meas = {r.id: measured_step(r) for r in eager}
    fit_rows = [r for r in eager if r.source == fit_source]

    def loss(c: float) -> float:
        return statistics.fmean(math.log(step(r, c) / meas[r.id]) ** 2 for r in fit_rows)

    c = golden_section(loss, 0.0, 10e-3, 30)
    print(
        f"fit on {fit_source} ({len(fit_rows)} eager rows): c = {1e3 * c:.3f} ms per MoE layer-microbatch\n"
    )
    print("| row | before | after |")
    print("|---|---|---|")
    by = {}
    for r in eager:
        b = step(r, 0.0) / meas[r.id] - 1
        a = step(r, c) / meas[r.id] - 1
        by.setdefault(r.source, []).append((b, a))
        print(f"| {r.id} | {100 * b:+.1f} % | {100 * a:+.1f} % |")
    print("\n| source | rows | mean abs before | max before | mean abs after | max after |")
    print("|---|---|---|---|---|---|")
    for s, v in by.items():
        bs, as_ = [abs(x[0]) for x in v], [abs(x[1]) for x in v]
        print(
            f"| {s}{' (fit)' if s == fit_source else ''} | {len(v)} | {100 * statistics.fmean(bs):.1f} % | "
            f"{100 * max(bs):.1f} % | {100 * statistics.fmean(as_):.1f} % | {100 * max(as_):.1f} % |"
        )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bridge2509moe")
