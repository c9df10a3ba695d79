"""The latency percentile of a workload served by several replica groups.

The router sends each request of a workload to one engine, drawn in proportion to the
plan's split (the groups' ``load_qps``, :mod:`planner.serve.assemble`), independently of the
engines' queues, as a weighted load balancer does (and the simulator's router,
:mod:`planner.serve.simulate`). A request's TTFT (TPOT) is then drawn from its group's law,
so the workload's law is the mixture ``F(t) = sum_g w_g F_g(t)``, ``w_g`` the group's
share of the load, and its ``q`` quantile is the root of ``F(t) = q``: the 99th percentile
of all requests, which is what a benchmark of the deployment measures.

The largest of the groups' quantiles (what plans reported before) is an upper bound: at
``t = max_g Q_g`` every ``F_g(t) >= q``, so ``F(t) >= q``. Likewise ``F < q`` below the
smallest, so the mixture's quantile lies between the two and is bracketed and bisected.
The solver's SLO constraint stays per group (every group's quantile within the target, as
:func:`~planner.serve.evaluate.verify` checks): by that bound it implies the mixture's,
so it is valid and conservative, and exact when the groups share one layout.

A group whose engines are saturated has no law (its quantile is infinite); the mixture is
then reported infinite as well (its requests' latency grows without bound).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from planner.serve.capacity import LoadState

#: Relative width at which the bisection of the mixture's quantile stops.
MIXTURE_RTOL = 1e-9

#: One group of a mixture: (weight, CDF, the group's own quantile).
Part = tuple[float, Callable[[float], float], float]


def mixture_quantile(parts: Sequence[Part], q: float, rtol: float = MIXTURE_RTOL) -> float:
    """The ``q`` quantile of the mixture ``sum_g w_g F_g`` (weights need not sum to 1).

    Parameters
    ----------
    parts
        ``(weight, cdf, quantile)`` per group: its share, ``t -> P(X_g <= t)`` and its own
        ``q`` quantile (the bracket's ends); parts of zero weight are ignored.
    q
        The percentile as a fraction.
    rtol
        Relative width of the final bracket; the top is returned (``F >= q`` there).

    Returns
    -------
    float
        The smallest ``t`` (to ``rtol``) with ``F(t) >= q``; ``inf`` when a group with
        weight has an infinite quantile; 0 without parts.
    """
    live = [(w, cdf, x) for w, cdf, x in parts if w > 0]
    if not live:
        return 0.0
    if any(not math.isfinite(x) for _, _, x in live):
        return math.inf
    total = sum(w for w, _, _ in live)

    def mixed(t: float) -> float:
        return sum(w * cdf(t) for w, cdf, _ in live) / total

    lo = min(x for _, _, x in live)
    hi = max(x for _, _, x in live)
    if hi - lo <= rtol * max(abs(hi), 1e-300) or mixed(lo) >= q:
        return lo if mixed(lo) >= q else hi
    # invariant: mixed(lo) < q <= mixed(hi) (hi is every group's quantile or above)
    for _ in range(200):
        if hi - lo <= rtol * max(abs(hi), 1e-300):
            break
        mid = 0.5 * (lo + hi)
        if mixed(mid) >= q:
            hi = mid
        else:
            lo = mid
    return hi


def state_cdf(state: LoadState, metric: str) -> Callable[[float], float] | None:
    """``t -> P(metric <= t)`` of one engine's load state (``metric``: ``ttft`` or
    ``tpot``), its TTFT law shifted by the state's offset (the iteration in progress);
    ``None`` when the role has no such metric."""
    if metric == "ttft":
        build, offset = state.ttft, float(state.ttft_offset)
    elif metric == "tpot":
        build, offset = state.tpot, 0.0
    else:
        raise ValueError(f"unknown metric {metric!r}")
    if build is None:
        return None
    law = build()
    return lambda t: law.at_most(t - offset)


__all__ = ["MIXTURE_RTOL", "Part", "mixture_quantile", "state_cdf"]
