"""FlexSP's micro-batching: sorted sequences cut into ``M`` consecutive micro-batches.

The cut minimizes the largest token sum of a micro-batch (the linear
partition problem). It is solved exactly by dynamic programming over prefix
sums: ``best[k][i]`` is the smallest possible largest sum when the first
``i`` sequences form ``k`` micro-batches; because the prefix sums increase,
the best last cut point moves right with ``i`` and each layer takes one pass.
"""

from __future__ import annotations

import itertools

import numpy as np
from numba import njit


@njit(cache=True)
def _partition(prefix, M):  # pragma: no cover - compiled
    n = prefix.shape[0] - 1
    INF = np.iinfo(np.int64).max
    best = np.full((M + 1, n + 1), INF, np.int64)
    cut = np.zeros((M + 1, n + 1), np.int64)
    best[0, 0] = 0
    for k in range(1, M + 1):
        j = k - 1  # candidate last cut, monotone in i
        for i in range(k, n + 1):
            if j < k - 1:
                j = k - 1
            # move j right while it does not make things worse
            while j + 1 < i:
                cur = max(best[k - 1, j], prefix[i] - prefix[j])
                nxt = max(best[k - 1, j + 1], prefix[i] - prefix[j + 1])
                if nxt <= cur:
                    j += 1
                else:
                    break
            best[k, i] = max(best[k - 1, j], prefix[i] - prefix[j])
            cut[k, i] = j
    return best, cut


def split_sorted(lengths: np.ndarray, microbatches: int) -> list[np.ndarray]:
    """Cut the sequences, sorted by length, into consecutive micro-batches of least largest token sum.

    Parameters
    ----------
    lengths
        Sequence lengths (batch order).
    microbatches
        ``M``; at most the number of sequences.

    Returns
    -------
    list of numpy arrays
        Batch indices of each micro-batch (non-empty), shortest sequences first.
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    n = len(lengths)
    M = max(1, min(int(microbatches), n))
    order = np.argsort(lengths, kind="stable")
    prefix = np.concatenate([[0], np.cumsum(lengths[order])]).astype(np.int64)
    _, cut = _partition(prefix, M)
    bounds = [n]
    i = n
    for k in range(M, 0, -1):
        i = int(cut[k, i])
        bounds.append(i)
    bounds.reverse()
    return [order[a:b] for a, b in itertools.pairwise(bounds) if b > a]


def largest_sum(lengths: np.ndarray, parts: list[np.ndarray]) -> int:
    """Largest token sum over the parts."""
    return max(int(np.asarray(lengths)[p].sum()) for p in parts)
