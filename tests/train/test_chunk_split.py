"""The exact interleaved split of mixed-layer models against CP-SAT and a brute force."""

from __future__ import annotations

import math
import random
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.train.chunk_split import (
    chunk_size,
    cpsat_chunk_split,
    dense_placements,
    interleaved_mixed_layers,
)
from planner.train.generate import tiny_model
from planner.train.instance import TrainingPlan
from planner.train.layer_split import best_stage_layers
from planner.train.step_time import chunk_layers, quick, stage_layer_indices

from .conftest import mixed_model, random_pool_problem


def _splits(L: int, p: int, least: int):
    """Every tuple of ``p`` stage sizes >= ``least`` summing to ``L`` (own recursion)."""
    if p == 1:
        if least <= L:
            yield (L,)
        return
    for first in range(least, L - least * (p - 1) + 1):
        for rest in _splits(L - first, p - 1, least):
            yield (first, *rest)


def _objective(prob, plan, layers):
    q = quick(prob, replace(plan, stage_layers=tuple(layers)))
    return q.objective if q.fits else math.inf


def _case(seed: int, pp: int, v: int, mem_gib: int | None, mtp: int, dense: int):
    rng = random.Random(seed)
    base = tiny_model(rng)
    layers = pp * v + rng.randint(0, 4)
    model = mixed_model(base, layers, min(dense, layers - 1), mtp)
    prob, dp = random_pool_problem(rng, "chunks", model, pp, mem_gib, (1, 2))
    recompute = rng.choice(["none", "selective", "full", "full"])
    # partial recompute of k layers per stage (every stage holds at least k)
    k = rng.choice([0, v, v + 1]) if recompute == "full" else 0
    plan = TrainingPlan(
        tp=1,
        pp=pp,
        dp=dp,
        microbatch=1,
        interleave=v,
        recompute=recompute,
        recompute_layers=k if k * pp <= layers else 0,
        zero=rng.choice([0, 1]),
        stage_layers=(),
    )
    return prob, plan


def test_chunk_size_follows_the_chunk_rule():
    for j in range(3):
        for n in range(2, 12):
            for v in (2, 3):
                if n < v:
                    continue
                sizes = chunk_layers(tuple([n] * (j + 1)), v)[j]
                assert [chunk_size(j, n, k, v) for k in range(v)] == sizes


def test_dense_placements_cover_every_split():
    """Every composition falls in a branch whose dense counts match the layers it holds."""
    for L, D, pp, v in ((9, 3, 3, 2), (10, 1, 2, 3), (8, 5, 2, 2), (12, 2, 3, 3)):
        branches = dense_placements(L, D, pp, v)
        assert branches
        for s in _splits(L, pp, v):
            idx = stage_layer_indices(L, s, v)
            dense = tuple(sum(1 for i in ids if i < D) for ids in idx)
            hits = [
                b
                for b in branches
                if all(b.lo[j] <= s[j] <= b.hi[j] for j in range(pp)) and b.dense == dense
            ]
            assert len(hits) == 1, (L, D, pp, v, s)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    pp=st.sampled_from([2, 3]),
    v=st.sampled_from([2, 3]),
    mem_gib=st.sampled_from([None, 1, 2]),
    mtp=st.sampled_from([0, 1]),
    dense=st.integers(1, 4),
)
def test_interleaved_mixed_split_matches_brute_force_and_cpsat(seed, pp, v, mem_gib, mtp, dense):
    prob, plan = _case(seed, pp, v, mem_gib, mtp, dense)
    L = prob.model.layers
    least = max(v, plan.recompute_layers)
    brute = min(_objective(prob, plan, s) for s in _splits(L, pp, least))
    layers = interleaved_mixed_layers(prob, plan)
    got = math.inf if layers is None else _objective(prob, plan, layers)
    if brute == math.inf:
        assert got == math.inf
    else:
        assert layers is not None and sum(layers) == L and min(layers) >= least
        assert got == pytest.approx(brute, rel=1e-9)
    ref = cpsat_chunk_split(prob, plan, time_limit=20)
    ref_value = math.inf if ref is None else _objective(prob, plan, ref)
    # CP-SAT works on times rounded to nanoseconds
    assert ref_value == pytest.approx(brute, rel=1e-5) or ref_value == brute == math.inf
    # the search's choice
    _chosen, q = best_stage_layers(prob, plan)
    assert (q.objective if q.fits else math.inf) == pytest.approx(brute, rel=1e-9) or (
        brute == math.inf and not q.fits
    )
