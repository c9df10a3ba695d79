"""One llada2-mini layer as `exact` runs it (LP + RENS, then the proof), for the probes here."""

import time

from planner.offload import mip


def prepare_layer(inst, layer, start):
    """``prepare`` of one layer as ``mip.solve`` calls it (ample time): ``(prepared, cpu s)``."""
    c = time.process_time()
    p = mip.prepare(
        inst,
        [layer],
        capacity=inst.capacity,
        global_budget=False,
        overlap=False,
        time_limit=300,
        start=start,
        seed=0,
    )
    return p, time.process_time() - c


def finish_layer(inst, prepared):
    """The proving run: ``(run, cpu s)``."""
    c = time.process_time()
    r = mip.finish(inst, prepared, time_limit=600, seed=0)
    return r, time.process_time() - c
