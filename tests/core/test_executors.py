"""Executors: the Ray path against an in-process stand-in for ``ray`` (Ray is an optional extra)."""

from __future__ import annotations

import sys
import types

import pytest

from planner.bench.executors import ray_map
from planner.core.errors import InputError


def _fake_ray(in_flight: list[int]) -> types.ModuleType:
    """Enough of Ray's API for ``ray_map``: remote functions, ``wait``, ``get``."""
    ray = types.ModuleType("ray")
    state = {"init": False, "pending": 0}

    class Ref:
        def __init__(self, value):
            self.value = value

    def remote(**_options):
        def wrap(func):
            def submit(item):
                state["pending"] += 1
                in_flight.append(state["pending"])
                return Ref(func(item))

            return types.SimpleNamespace(remote=submit)

        return wrap

    def wait(refs, num_returns):
        state["pending"] -= num_returns
        return refs[:num_returns], refs[num_returns:]

    ray.is_initialized = lambda: state["init"]
    ray.init = lambda **_kw: state.update(init=True)
    ray.remote = remote
    ray.wait = wait
    ray.get = lambda ref: ref.value
    return ray


def test_ray_map_returns_every_result_with_at_most_jobs_in_flight(monkeypatch):
    in_flight: list[int] = []
    monkeypatch.setitem(sys.modules, "ray", _fake_ray(in_flight))
    out = list(ray_map(lambda x: x * x, range(10), jobs=3))
    assert sorted(out) == [x * x for x in range(10)]
    assert max(in_flight) == 3


def test_ray_map_without_ray_is_bad_input(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # makes `import ray` raise ImportError
    with pytest.raises(InputError, match="pip install 'planner\\[ray\\]'"):
        list(ray_map(abs, [1], jobs=1))
