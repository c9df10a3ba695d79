"""The fitted constants of the performance model, read from ``calibration/constants.json``.

The file is written only by the calibration fit (``planner calibrate``,
:mod:`planner.perfmodel.calibration.fit`), which also records the rows each
constant was fitted on; ``planner calibrate --check`` proves the shipped
values are what the fit produces. Model modules read the values from
:data:`FITTED` when they compute, so :func:`override` (used by the fit) takes
effect everywhere; functions that cache results computed from these values
register their cache with :func:`on_change`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

F = TypeVar("F", bound=Any)

#: The constants file (inside the package, so an installed wheel carries it).
PATH = Path(__file__).resolve().parent / "calibration" / "constants.json"

#: Names of the fitted constants.
NAMES = (
    "gemm_efficiency_ampere",
    "gemm_efficiency_hopper",
    "gemm_efficiency_blackwell",
    "fp8_gemm_factor",
    "gemm_half_dim",
    "hbm_efficiency",
    "nvlink_efficiency",
    "weight_stream_efficiency",
    "iteration_overhead_s",
    "host_overhead_vllm_s",
    "host_overhead_sglang_s",
    "host_per_sequence_vllm_s",
    "host_per_sequence_sglang_s",
    "layer_latency_s",
    "gemm_efficiency_cdna3",
    "weight_stream_efficiency_cdna3",
    "gemm_efficiency_cdna3_training",
    "moe_fp8_layer_latency_sglang04_s",
)


def load(path: Path = PATH) -> dict[str, float]:
    """The constants stored in ``path``."""
    data = json.loads(path.read_text(encoding="utf-8"))
    # a constant the file does not hold yet (added since the last ``planner calibrate``) is
    # NaN until the fit writes it: predictions that need it fail loudly, ``--check`` reports it
    values = {name: float(data["constants"].get(name, math.nan)) for name in NAMES}
    return values


#: Current values (mutated only by :func:`override`).
FITTED: dict[str, float] = load()

_CACHES: list[Callable[[], Any]] = []


def on_change(cached: F) -> F:
    """Register a cached function (``functools.lru_cache``): its cache is cleared whenever the
    constants change. Usable as a decorator above ``@functools.lru_cache``."""
    _CACHES.append(cached.cache_clear)
    return cached


def _clear_caches() -> None:
    for clear in _CACHES:
        clear()


@contextmanager
def override(values: Mapping[str, float]) -> Iterator[None]:
    """Temporarily replace some constants (caches cleared on entry and exit)."""
    unknown = sorted(set(values) - set(NAMES))
    if unknown:
        raise KeyError(f"unknown constant {unknown[0]!r}")
    saved = dict(FITTED)
    FITTED.update({k: float(v) for k, v in values.items()})
    _clear_caches()
    try:
        yield
    finally:
        FITTED.clear()
        FITTED.update(saved)
        _clear_caches()
