"""The bucketing DP: optimal cut for each bucket count, raised until the padding error is small."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.seqpar.bucketing import bucketize


def best_cut_error(values: list[int], counts: list[int], q: int) -> int:
    """Least padding error over every cut of the sorted distinct values into q buckets (own loops)."""
    m = len(values)
    best = None
    for cuts in itertools.combinations(range(1, m), q - 1):
        bounds = [0, *cuts, m]
        err = 0
        for a, b in itertools.pairwise(bounds):
            top = values[b - 1]
            err += sum(counts[j] * (top - values[j]) for j in range(a, b))
        best = err if best is None else min(best, err)
    return best


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 60), min_size=1, max_size=12), st.integers(1, 5))
def test_optimal_against_every_cut(lengths, q):
    values, counts = np.unique(lengths, return_counts=True)
    q = min(q, len(values))
    cut = bucketize(np.array(lengths), start=q, max_buckets=q, tolerance=0.0)
    assert cut.size == q
    assert cut.error == best_cut_error(values.tolist(), counts.tolist(), q)
    # members partition the batch; bounds are the members' extremes
    seen = np.concatenate(cut.members)
    assert sorted(seen.tolist()) == list(range(len(lengths)))
    arr = np.array(lengths)
    for r, mem in enumerate(cut.members):
        assert arr[mem].min() == cut.lower[r] and arr[mem].max() == cut.upper[r]
        assert len(mem) == cut.count[r]


def test_raises_bucket_count_until_error_small():
    rng = np.random.default_rng(0)
    lengths = rng.lognormal(6, 1.5, size=400).astype(np.int64) + 1
    loose = bucketize(lengths, start=2, max_buckets=64, tolerance=0.05)
    tight = bucketize(lengths, start=2, max_buckets=64, tolerance=0.02)
    assert loose.relative_error <= 0.05 and tight.relative_error <= 0.02
    assert tight.size > loose.size >= 2
    # one bucket fewer would not have met the tolerance (the count is the smallest that does)
    fewer = bucketize(lengths, start=tight.size - 1, max_buckets=tight.size - 1, tolerance=0.0)
    assert fewer.relative_error > 0.02
    capped = bucketize(lengths, start=2, max_buckets=3, tolerance=0.0)
    assert capped.size == 3
