"""The random loop generator: seeded, within its ranges, schedulable."""

from __future__ import annotations

import pytest

from planner.core.errors import InputError
from planner.pipelining.bounds import static_infeasibility
from planner.pipelining.generate import MAX_OPS, generate, parse_range
from planner.pipelining.instance import Instance, zero_distance_cycle


def test_seeded_and_reproducible():
    a = [i.to_dict() for i in generate((10, 30), (3, 5), 2, count=3, seed=7)]
    b = [i.to_dict() for i in generate((10, 30), (3, 5), 2, count=3, seed=7)]
    c = [i.to_dict() for i in generate((10, 30), (3, 5), 2, count=3, seed=8)]
    assert a == b and a != c


def test_loops_are_valid_and_in_range():
    for inst in generate((10, 60), (3, 5), (1, 3), count=8, seed=1):
        assert 10 <= inst.n <= 60
        assert 3 <= len(inst.machine.units) <= 5
        assert any(op.variable_latency for op in inst.ops)
        assert any(e.distance > 0 for e in inst.edges)
        assert not zero_distance_cycle(inst.ops, inst.edges)
        assert static_infeasibility(inst) is None
        assert Instance.from_dict(inst.to_dict()).to_dict() == inst.to_dict()


def test_largest_settings_and_bad_ranges():
    big = generate(MAX_OPS, 8, 10, seed=2)[0]
    assert big.n == MAX_OPS
    with pytest.raises(InputError, match="--ops"):
        generate(MAX_OPS + 1)
    assert parse_range("10..60", "ops") == (10, 60)
    assert parse_range("7", "ops") == (7, 7)
    with pytest.raises(InputError, match="--units"):
        parse_range("a..b", "units")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"ops": 1.5}, "--ops: expected an integer or a \\(min, max\\) pair, got 1.5"),
        ({"units": None}, "--units: expected an integer or a"),
        ({"recurrences": ("a", 2)}, "--recurrences: expected integers"),
    ],
)
def test_wrong_kinds_of_ranges_are_input_errors(kwargs, message):
    """A float or None raised 'cannot unpack non-iterable float object' (s15bad)."""
    with pytest.raises(InputError, match=message):
        generate(**kwargs)


def test_each_recurrence_edge_is_generated_once():
    """A recurrence drawn twice was emitted twice (56 of 300 loops of up to 10 recurrences at
    seed 0, 7 of 300 at the default 2): the copy constrains nothing, yet counted as one."""
    for inst in generate((10, 60), (3, 5), (0, 10), count=40, seed=0):
        pairs = [(e.src, e.dst) for e in inst.edges]
        assert len(pairs) == len(set(pairs)), inst.name


def test_a_loop_without_a_duplicate_is_unchanged():
    """The fix skips a duplicate before its distance is drawn: loop_s0_000 never drew one, so
    it is byte-identical to what the generator wrote before the fix."""
    import hashlib
    import json

    (loop,) = generate((10, 60), (3, 5), 2, count=1, seed=0)
    text = json.dumps(loop.to_dict(), sort_keys=True).encode()
    assert hashlib.sha256(text).hexdigest()[:16] == "78c271b0971aee91"
