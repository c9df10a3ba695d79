"""planner.core.hashing: a frozen dataclass's field hash kept per instance."""

from __future__ import annotations

import copy
import pickle
from dataclasses import dataclass, replace

import pytest

from planner.core.hashing import cached_hash


@cached_hash
@dataclass(frozen=True)
class Spec:
    name: str
    size: int
    parts: tuple[int, ...] = ()


def test_hash_is_the_field_hash_and_computed_once():
    s = Spec("a", 3, (1, 2))
    assert hash(s) == hash(("a", 3, (1, 2)))  # the dataclass's own hash of the fields
    assert s.__dict__["_cached_field_hash"] == hash(s)
    object.__setattr__(s, "_cached_field_hash", 12345)  # kept, not recomputed
    assert hash(s) == 12345


def test_equal_specs_hash_alike_and_equality_ignores_the_cache():
    a, b = Spec("a", 3), Spec("a", 3)
    hash(a)  # only a has a kept hash
    assert a == b and hash(a) == hash(b) and {a: 1}[b] == 1
    assert replace(a, size=4) != a


def test_copies_and_pickles_recompute_their_hash():
    a = Spec("a", 3)
    object.__setattr__(a, "_cached_field_hash", 12345)  # as if from another process
    for other in (pickle.loads(pickle.dumps(a)), copy.copy(a), copy.deepcopy(a)):
        assert other == a and "_cached_field_hash" not in other.__dict__
        assert hash(other) == hash(("a", 3, ()))


def test_frozen_still_frozen():
    a = Spec("a", 3)
    with pytest.raises(AttributeError):
        a.size = 4  # type: ignore[misc]


def test_unhashable_class_refused():
    @dataclass
    class Mutable:
        x: int

    with pytest.raises(TypeError):
        cached_hash(Mutable)


def test_perfmodel_specs_keep_their_hash():
    from planner.perfmodel.hardware import get_gpu
    from planner.perfmodel.options import Software
    from planner.perfmodel.readers import load_model

    for spec in (get_gpu("H100-SXM"), load_model("llama-3.1-8b"), Software()):
        h = hash(spec)
        assert spec.__dict__["_cached_field_hash"] == h
        assert hash(pickle.loads(pickle.dumps(spec))) == h  # same process: same fields hash
