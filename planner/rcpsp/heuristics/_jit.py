"""Optional numba compilation of the schedule-generation kernels.

The kernels are written as plain loops over numpy arrays. With numba installed they are compiled
(``njit``, cached on disk), which makes a serial SGS on a 120-job instance take tens of
microseconds; without numba the very same functions run as ordinary Python, correct but about a
hundred times slower (metaheuristics then simply evaluate fewer schedules in their time limit).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

try:  # pragma: no cover - exercised implicitly by whichever mode is installed
    if os.environ.get("PLANNER_NO_NUMBA"):
        raise ImportError("numba disabled by PLANNER_NO_NUMBA")
    from numba import njit as numba_njit
except ImportError:  # pragma: no cover
    numba_njit = None


def jit(func: F) -> F:
    """Compile ``func`` with ``numba.njit(cache=True)`` when numba is available."""
    if numba_njit is None:
        return func
    return numba_njit(cache=True, nogil=True)(func)  # type: ignore[no-any-return]
