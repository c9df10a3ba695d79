"""Shared pieces of this session's floor probes (floor.py, floor_lp.py, floor_log.py, heur_off.py)."""

import dataclasses
import time

import numpy as np

from planner.offload import mip

#: HiGHS's primal heuristics off.
OFF = {
    "mip_heuristic_effort": 0.0,
    "mip_heuristic_run_feasibility_jump": False,
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
}


def prepared(inst, layer: int, start: np.ndarray) -> mip.Prepared:
    """``mip.prepare`` of one layer as ``mip.solve`` calls it (ample time)."""
    return mip.prepare(
        inst, [layer], capacity=inst.capacity, global_budget=False, overlap=False,
        time_limit=300, start=start, seed=0,
    )  # fmt: skip


def proof(inst, p: mip.Prepared, options: dict) -> tuple[mip.MipRun, float]:
    """``mip.finish`` with ``options`` on top of ``mip.MIP_OPTIONS``: ``(run, CPU s)``."""
    base = dict(mip.MIP_OPTIONS)
    mip.MIP_OPTIONS.update(options)
    try:
        c = time.process_time()
        r = mip.finish(inst, p, time_limit=600, seed=0)
        return r, time.process_time() - c
    finally:
        mip.MIP_OPTIONS.clear()
        mip.MIP_OPTIONS.update(base)


def with_optimal_start(inst, layer: int, p: mip.Prepared) -> tuple[mip.Prepared, mip.MipRun, float]:
    """Prove the layer from ``p`` as `exact` does, then ``p`` with the optimum as its start:
    ``(that prepared, the proving run, its CPU s)``."""
    r, cpu = proof(inst, p, {})
    opt = np.zeros(inst.counts.shape, dtype=bool)
    opt[:, layer, :] = r.mask[:, 0, :]
    values = mip.start_values(inst, p.model, opt)
    best = float(np.dot(p.model.lp.col_cost_, values))
    return dataclasses.replace(p, incumbent=values, best=best), r, cpu
