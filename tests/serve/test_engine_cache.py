"""``capacity.engine_for`` is the planner's one cache of engine step models: every candidate,
evaluation and simulation of a plan asks it for the same few engines, and a refit (a constants
override) must drop them. A decorator moved onto another function (s20review: a branch
inserted a function between ``engine_for`` and its decorators) loses both silently."""

from __future__ import annotations

from planner.perfmodel import constants
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.readers import load_model
from planner.serve.capacity import engine_for


def _engine():
    return engine_for(load_model("llama-3.1-8b"), get_gpu("H100"), 1, 1, 1, "bf16", "bf16")


def test_engine_for_returns_the_cached_step_model():
    assert _engine() is _engine()


def test_engine_for_cache_is_dropped_when_the_constants_change():
    before = _engine()
    name = constants.NAMES[0]
    with constants.override({name: constants.FITTED[name]}):
        assert _engine() is not before  # override clears every registered cache
