"""Cheap valid lower bounds on total (weighted) tardiness.

Every bound here is a relaxation argument, never a heuristic estimate:

* pairing: in any sequence the k-th smallest completion time is at least the
  sum of the k smallest processing times, and matching sorted completion times
  with sorted due dates minimizes ``Σ max(0, C - d)`` (the cost is convex in
  ``C - d``), so ``Σ_k max(0, SPT_k - d_(k))`` bounds ``Σ T_j``;
* for weights, that times ``min w``;
* each job completes no earlier than ``p_j``: ``Σ w_j max(0, p_j - d_j)``;
* some job completes last, at ``P = Σ p``: ``min_j w_j max(0, P - d_j)``.
"""

from __future__ import annotations

import numpy as np

from planner.smtt.instance import Instance


def pairing_bound(p: np.ndarray, d: np.ndarray, start: int = 0) -> int:
    """``Σ_k max(0, start + SPT_k - d_(k))``: a lower bound on ``Σ T_j`` from time ``start``."""
    if len(p) == 0:
        return 0
    c = start + np.cumsum(np.sort(p))
    return int(np.maximum(c - np.sort(d), 0).sum())


def lower_bound(instance: Instance) -> int:
    """The best of the cheap bounds above (0 when every bound is trivial)."""
    p, d, w = instance.arrays
    unweighted = pairing_bound(p, d)
    if not instance.weighted:
        return unweighted
    own = int(np.dot(w, np.maximum(p - d, 0)))
    last = int(np.min(w * np.maximum(int(p.sum()) - d, 0)))
    return max(int(w.min()) * unweighted, own, last)
