"""Reproduce: the relaxation's stage MIPs bound one micro-batch above a known plan (65,536 GPUs).

github mix, 32,768 and 131,072 documents, 65,536 GPUs, seed 0 (the sweep's instances). For each
stage of ``planner.seqpar.relaxation.STAGES`` and M = 1, 2 micro-batches the bound of
``_solve_count`` is printed under HiGHS settings: as shipped, presolve off, and the MIP
feasibility tolerance at HiGHS's default 1e-6. ``ls -t 2`` gives the plan to compare with
(one micro-batch: every M = 1 bound above it is invalid)::

    PYTHONPATH=. .venv/bin/python bench/session_runs/s24seqpar/relaxation_above_plan.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import planner
import planner.core.mip as core_mip
from planner.seqpar import relaxation as R

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sweep import make

SETTINGS = {
    "shipped": {},
    "presolve off": {"presolve": "off"},
    "tol 1e-6": {"mip_feasibility_tolerance": 1e-6},
}
shipped_new_highs = core_mip.new_highs


def with_options(options: dict):
    """``new_highs`` with extra HiGHS options."""

    def build(*args, **kwargs):
        h = shipped_new_highs(*args, **kwargs)
        for key, value in options.items():
            h.setOptionValue(key, value)
        return h

    return build


for batch in [int(x) for x in (sys.argv[1:] or ["32768", "131072"])]:
    inst = make("github", batch, 65536, 0, 196608)
    plan = planner.solve(inst, "ls", time_limit=2)
    print(
        f"github {batch} x 65536: ls plan {1000 * plan.objective:.1f} ms, "
        f"{plan.stats['microbatches']} micro-batch(es)",
        flush=True,
    )
    for label, options in SETTINGS.items():
        core_mip.new_highs = with_options(options)
        row = []
        for integral, long in R.STAGES:
            parts = R._Parts(inst.tables, inst.array, long)
            got = [R._solve_count(parts, M, 30, 1, 0, integral)[0] for M in (1, 2)]
            row.append(f"({integral},{long}): " + " / ".join(f"{v:.1f}" for v in got))
        core_mip.new_highs = shipped_new_highs
        print(f"  {label:13s} M=1 / M=2 by stage: " + "; ".join(row), flush=True)
