"""The generator: ranges, clipping, weights, determinism, round trip through JSON."""

from __future__ import annotations

import json

import pytest

from planner.core.errors import InputError
from planner.smtt.generate import generate
from planner.smtt.instance import Instance


def test_ranges_follow_the_generator():
    insts = generate(200, 0.4, 0.6, count=3, seed=5)
    assert [i.name for i in insts] == [f"smtt200_rdd0.6_tf0.4_0{k}" for k in (1, 2, 3)]
    for inst in insts:
        total = sum(inst.p)
        assert all(1 <= x <= 100 for x in inst.p)
        assert all(total * (1 - 0.4 - 0.3) - 1 <= x <= total * (1 - 0.4 + 0.3) + 1 for x in inst.d)
        assert inst.w is None and inst.meta["tf"] == 0.4 and inst.meta["seed"] == 5


def test_clip_and_weights():
    raw = generate(50, 1.0, 1.0, count=5, seed=1)
    assert any(x < 0 for i in raw for x in i.d)  # TF = 1 centres due dates at 0
    clipped = generate(50, 1.0, 1.0, count=5, seed=1, clip=True)
    assert all(x >= 0 for i in clipped for x in i.d)
    weighted = generate(50, 0.6, 0.2, weighted=True, seed=2)[0]
    assert weighted.weighted and all(1 <= x <= 10 for x in weighted.w)
    assert weighted.name.startswith("wt50_")


def test_seed_determinism_and_round_trip():
    a = generate(30, 0.6, 0.4, count=2, seed=9)
    assert a == generate(30, 0.6, 0.4, count=2, seed=9)
    assert a != generate(30, 0.6, 0.4, count=2, seed=10)
    again = [Instance.from_dict(json.loads(json.dumps(i.to_dict()))) for i in a]
    assert again == a


@pytest.mark.parametrize(
    ("args", "message"),
    [((0, 0.2, 0.2), "--n"), ((5, -0.1, 0.2), "--tf"), ((5, 0.2, float("nan")), "--rdd")],
)
def test_bad_parameters(args, message):
    with pytest.raises(InputError, match=message):
        generate(*args)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": 1.5}, "--n 1.5: must be an integer"),
        ({"n": None}, "--n None: must be an integer"),
        ({"count": 1.5}, "--count 1.5"),
        ({"seed": None}, "--seed None"),
        ({"tf": "x"}, "--tf: must be a finite number >= 0, got 'x'"),
    ],
)
def test_wrong_kinds_of_parameters_are_input_errors(kwargs, message):
    """These raised TypeError from numpy or a comparison (s15bad)."""
    with pytest.raises(InputError, match=message):
        generate(**{"n": 5, "tf": 0.2, "rdd": 0.6, **kwargs})
