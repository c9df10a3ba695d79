"""FlexSP's micro-batch split: consecutive sorted chunks of least largest token sum."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.seqpar.microbatch import largest_sum, split_sorted


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 100), min_size=1, max_size=9), st.integers(1, 5))
def test_split_is_optimal_and_consecutive(lengths, m):
    arr = np.array(lengths)
    parts = split_sorted(arr, m)
    assert sorted(np.concatenate(parts).tolist()) == list(range(len(lengths)))
    assert len(parts) <= min(m, len(lengths))
    # consecutive in sorted order: every part's lengths lie between its neighbours'
    for a, b in itertools.pairwise(parts):
        assert arr[a].max() <= arr[b].min()
    s = sorted(lengths)
    k = min(m, len(s))
    best = min(
        max(sum(s[x:y]) for x, y in itertools.pairwise([0, *cuts, len(s)]))
        for cuts in itertools.combinations(range(1, len(s)), k - 1)
    )
    assert largest_sum(arr, parts) == best
