"""CPU seconds of the four cold searches of the fleet test for one model and mode.

The parts (solve with probes, listing with probes, solve without, listing without), each
after ``constants._clear_caches()`` like the test's paths; optionally one cProfile file per
part (``S29_PROFILE=DIR``; cProfile roughly doubles the CPU time, so the timings of a
profiled run are not results).

Run: ``PYTHONPATH=. nice -n 10 .venv/bin/python bench/session_runs/s29fleet/fleet_parts.py mixtral-8x7b allow``
"""

from __future__ import annotations

import os

# one BLAS thread before numpy loads, as tests/conftest.py sets for the test (spinning
# OpenBLAS threads count as CPU time)
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import cProfile  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import replace  # noqa: E402
from pathlib import Path  # noqa: E402

from planner.perfmodel import constants  # noqa: E402
from planner.perfmodel.readers import load_model  # noqa: E402
from planner.serve import read, solve  # noqa: E402
from planner.serve.candidates import candidates  # noqa: E402
from planner.serve.capacity import RoleModel  # noqa: E402
from planner.serve.instance import ServingConstraints  # noqa: E402

FLEET = Path("instances/serve/fleet-3x3.toml")


def main(name: str, mode: str) -> None:
    """Time (and optionally profile) the four parts; print one line per path."""
    (base,) = read(FLEET)
    problem = replace(
        base, model=load_model(name), constraints=ServingConstraints(disaggregation=mode)
    )
    out = os.environ.get("S29_PROFILE")
    real = RoleModel.capacity_at_most
    for label in ("fast", "plain"):
        RoleModel.capacity_at_most = real if label == "fast" else (lambda self, rate: False)
        constants._clear_caches()
        cpu = {}
        for part in ("solve", "listing"):
            prof = cProfile.Profile(time.process_time) if out else None
            t0 = time.process_time()
            if prof:
                prof.enable()
            if part == "solve":
                r = solve(problem, "auto", time_limit=600)
            else:
                usable = [c for c in candidates(problem) if c.usable]
            if prof:
                prof.disable()
                prof.dump_stats(f"{out}/{name}_{mode}_{label}_{part}.prof")
            cpu[part] = time.process_time() - t0
        print(
            f"{name} {mode} {label}: solve_cpu={cpu['solve']:.1f} "
            f"listing_cpu={cpu['listing']:.1f} status={r.status.value} "
            f"objective={r.objective!r} usable={len(usable)} load={os.getloadavg()[0]:.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
