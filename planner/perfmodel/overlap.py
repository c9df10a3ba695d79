"""What communication overlapped with computation costs: written once, used by every term.

A collective that runs while kernels compute is hidden up to the kernels' time,
but not for free: NCCL kernels occupy SMs (8-16 channels of 108-132 SMs) and
HBM bandwidth, slowing the concurrent work by ``OVERLAP_SLOWDOWN`` of the
overlapped time (an assumption from that SM share, listed in the calibration
report). Every overlap switch of the model (tensor-parallel user buffers,
expert-parallel all-to-all overlap, data-parallel gradient reduction and
parameter gathers, pipeline sends) goes through :func:`exposed_after`. One schedule pays
more: a DualPipe rank whose DeepEP kernels hold their SMs through every pass computes on the
SMs they leave (:func:`~planner.perfmodel.stage.sm_share`), never for less than this price.
"""

from __future__ import annotations

import numpy as np

#: Slowdown of work overlapped with communication (an assumption, see the module notes).
OVERLAP_SLOWDOWN = 0.15


def overlapped(compute: float, communication: float) -> float:
    """Time of ``compute`` and ``communication`` run concurrently.

    ``max(a, b) + OVERLAP_SLOWDOWN * min(a, b)``, written as the convex
    ``max(a + k b, b + k a)``.
    """
    k = OVERLAP_SLOWDOWN
    return max(compute + k * communication, communication + k * compute)


def exposed_after(communication, window):
    """Extra time of ``communication`` hidden behind ``window`` of compute (arrays ok).

    ``max(0, c - w) + OVERLAP_SLOWDOWN * min(c, w)``, written as the convex
    ``max(k c, c - (1 - k) w)``.
    """
    k = OVERLAP_SLOWDOWN
    if isinstance(communication, np.ndarray) or isinstance(window, np.ndarray):
        return np.maximum(k * communication, communication - (1 - k) * window)
    return max(k * communication, communication - (1 - k) * window)


def exposed(communication: float, window: float, overlap: bool) -> float:
    """Exposed time of ``communication``: all of it, or with ``overlap`` :func:`exposed_after`."""
    return exposed_after(communication, window) if overlap else communication


__all__ = ["OVERLAP_SLOWDOWN", "exposed", "exposed_after", "overlapped"]
