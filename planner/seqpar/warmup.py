"""Load (or compile, once per installation) the family's numba kernels ahead of timed runs."""

from __future__ import annotations

import numpy as np

#: Per-method limit of the warm-up runs: every kernel is called (and loaded) within the first
#: moments of a run; searching longer only delays the user's own timed solve.
WARMUP_LIMIT_S = 0.3


def warmup() -> None:
    """Run the kernel-backed methods once on a small batch (results discarded).

    Running the real methods, rather than calling kernels directly, compiles
    exactly the type signatures production calls use: target filling, local
    search, bucketing, the micro-batch split.
    """
    from planner.seqpar.instance import Instance
    from planner.seqpar.methods import METHODS
    from planner.seqpar.presets import get_preset

    preset = get_preset("flexsp-7b")
    rng = np.random.default_rng(0)
    lengths = np.maximum(1, rng.lognormal(6.5, 1.4, size=48).astype(np.int64))
    lengths[0] = 30000
    instance = Instance("warmup", lengths.tolist(), preset.cluster(16), preset.cost())
    for method in ("ls", "flexsp", "auto"):
        METHODS[method].func(instance, time_limit=WARMUP_LIMIT_S, threads=1, seed=0, hint=None)
