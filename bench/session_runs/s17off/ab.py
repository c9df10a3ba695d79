"""The per-layer loop shared by this session's A/B probes: each layer prepared as `exact` does
(LP + RENS, s15off's layer_run), then proved; one thread, CPU seconds; one line per layer."""

import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from planner.offload import mip
from planner.offload.generate import generate

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "s15off"))
from layer_run import prepare_layer


def run(
    tag: str,
    seed: int,
    layers: str,
    start: np.ndarray,
    extra: Callable[[int], str] = lambda ly: "",
    start_for: Callable[[int], np.ndarray] | None = None,
) -> None:
    """Prove ``layers`` ("0,6,...") of the llada2-mini trace of ``seed`` from ``start`` (or
    ``start_for(layer)``) and print ``TAG seed layer prep proof nodes status obj bound rens lp``
    plus ``extra(layer)``."""
    inst = generate("llada2-mini", steps=32, seed=seed)
    for ly in [int(x) for x in layers.split(",")]:
        p, prep_s = prepare_layer(inst, ly, start if start_for is None else start_for(ly))
        c1 = time.process_time()
        r = mip.finish(inst, p, time_limit=600, seed=0)
        c2 = time.process_time()
        print(
            f"{tag} {seed} {ly:2d} prep {prep_s:6.2f} proof {c2 - c1:6.2f} nodes "
            f"{r.stats.get('nodes')} {r.status.value} obj {r.objective * 1e6:.3f} "
            f"bound {r.bound * 1e6:.3f} rens {p.best * 1e3:.3f} lp {p.lp_bound * 1e3:.3f} "
            f"{extra(ly)}",
            flush=True,
        )
