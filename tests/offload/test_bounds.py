"""The cheap lower bound is valid (never above the optimum) and not trivial."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

from planner.offload.bounds import compute_floor, lower_bound

from .strategies import brute_force, tiny, tiny_instances


@settings(max_examples=30, deadline=None)
@given(inst=tiny_instances())
def test_bound_never_above_brute_force(inst):
    assert lower_bound(inst) <= brute_force(inst) + 1e-12


def test_bound_is_the_best_split_when_copies_are_free():
    # two experts, capacity 1: best split puts the costlier CPU call (4 tokens) on the GPU
    inst = tiny([[[4, 1]]], budget=1)
    # GPU: 20 + 4 = 24 us; CPU: 50 + 10 = 60 us -> 60 us (vs all on CPU: 90 + 60 = 150 us)
    assert lower_bound(inst) == pytest.approx(60e-6)


def test_floor_respects_capacity_and_chunks(small, monkeypatch):
    from planner.offload import bounds

    whole = compute_floor(small)
    monkeypatch.setattr(bounds, "CHUNK_CELLS", 600)  # forces one step per chunk
    assert np.allclose(compute_floor(small), whole)
    assert (whole > 0).all()
