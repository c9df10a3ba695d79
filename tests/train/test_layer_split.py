"""The exact layers-per-stage split against CP-SAT and a brute force over all compositions."""

from __future__ import annotations

import math
import random
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.train.generate import tiny_model
from planner.train.instance import TrainingPlan
from planner.train.layer_split import best_stage_layers, cpsat_stage_layers, exact_stage_layers
from planner.train.step_time import balanced_stage_layers, quick

from .conftest import random_pool_problem


def _all_splits(L: int, p: int, least: int):
    """Every tuple of ``p`` stage sizes >= ``least`` summing to ``L`` (own recursion)."""
    if p == 1:
        if least <= L:
            yield (L,)
        return
    for first in range(least, L - least * (p - 1) + 1):
        for rest in _all_splits(L - first, p - 1, least):
            yield (first, *rest)


def _objective(prob, plan, layers):
    q = quick(prob, replace(plan, stage_layers=layers))
    return q.objective if q.fits else math.inf


def _case(seed: int, pp: int, interleave: int, mem_gib: int | None):
    rng = random.Random(seed)
    model = tiny_model(rng)
    model = replace(model, layers=rng.choice([pp * interleave + k for k in range(0, 5)]))
    prob, dp = random_pool_problem(rng, "split", model, pp, mem_gib)
    recompute = rng.choice(["none", "selective", "full", "full"])
    # partial recompute of k layers per stage (every stage holds at least k)
    k = rng.choice([0, 1, 2, 3]) if recompute == "full" else 0
    k = k if k * pp <= model.layers else 0
    plan = TrainingPlan(
        tp=rng.choice([1, 2]),
        pp=pp,
        dp=dp,
        microbatch=1,
        interleave=interleave,
        recompute=recompute,
        recompute_layers=k,
        zero=rng.choice([0, 1]),
        stage_layers=(),
    )
    return prob, plan


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    pp=st.sampled_from([2, 3, 4]),
    interleave=st.sampled_from([1, 1, 2]),
    mem_gib=st.sampled_from([None, 1, 2, 4]),
)
def test_exact_split_matches_brute_force_and_cpsat(seed, pp, interleave, mem_gib):
    prob, plan = _case(seed, pp, interleave, mem_gib)
    L = prob.model.layers
    least = max(interleave, plan.recompute_layers)
    brute = min((_objective(prob, plan, s) for s in _all_splits(L, pp, least)), default=math.inf)
    layers = exact_stage_layers(prob, plan)
    got = math.inf if layers is None else _objective(prob, plan, layers)
    if brute == math.inf:
        assert got == math.inf
    else:
        assert got == pytest.approx(brute, rel=1e-9)
        assert sum(layers) == L and min(layers) >= least
    ref = cpsat_stage_layers(prob, plan, time_limit=10)
    ref_value = math.inf if ref is None else _objective(prob, plan, ref)
    # CP-SAT works on times rounded to nanoseconds
    assert ref_value == pytest.approx(brute, rel=1e-5) or ref_value == brute == math.inf
    # the search's choice is never worse than the balanced rule (nor than the brute force)
    chosen, q = best_stage_layers(prob, plan)
    balanced = _objective(prob, plan, balanced_stage_layers(L, pp))
    assert (q.objective if q.fits else math.inf) <= balanced * (1 + 1e-12)
    assert (q.objective if q.fits else math.inf) <= brute * (1 + 1e-9)
    assert sum(chosen.stage_layers) == L


def test_uneven_split_beats_the_fixed_rule_on_a_long_head():
    """A large vocabulary makes the last stage slow: the exact split gives it fewer layers."""
    prob, plan = _case(1, 4, 1, None)
    model = replace(prob.model, layers=16, vocab=256_000)
    prob = replace(prob, model=model)
    layers = exact_stage_layers(prob, plan)
    assert layers is not None and layers[-1] < 4 and sum(layers) == 16
    assert _objective(prob, plan, layers) < _objective(prob, plan, (4, 4, 4, 4))
