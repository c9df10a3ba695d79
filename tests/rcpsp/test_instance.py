"""Instance / Solution: validation, serialization, derived data."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import given, settings

from planner.core.errors import InputError
from planner.rcpsp.instance import Downtime, Instance, Precedence, Solution

from .helpers import INSTANCES, tiny_instances


def small(**kw) -> Instance:
    base = dict(
        name="t",
        durations=(2, 3, 1),
        demands=((1,), (2,), (1,)),
        capacities=(2,),
        precedences=(Precedence(0, 1), Precedence(1, 2, -4)),
    )
    base.update(kw)
    return Instance(**base)


def test_defaults_and_derived():
    inst = small()
    assert inst.num_jobs == 3 and inst.num_resources == 1
    assert inst.job_names == ("1", "2", "3") and inst.resource_names == ("R1",)
    assert inst.release == (0, 0, 0) and inst.deadline == (None, None, None)
    assert inst.arcs == ((0, 1, 2), (1, 2, -4))
    assert inst.successors == ((1,), (2,), ()) and inst.predecessors == ((), (0,), (1,))
    assert inst.is_generalized


@pytest.mark.parametrize(
    "kw, needle",
    [
        (dict(durations=(2, -1, 1)), "negative duration"),
        (dict(capacities=(-2,)), "negative capacity"),
        (dict(demands=((1,), (-2,), (1,))), "negative demand"),
        (dict(demands=((1,), (2, 1), (1,))), "expected 1"),
        (dict(precedences=(Precedence(0, 7),)), "unknown job index 7"),
        (dict(precedences=(Precedence(0, 1), Precedence(1, 2), Precedence(2, 0))), "cycle"),
        (dict(precedences=(Precedence(1, 1),)), "cycle"),
        (dict(downtimes=(Downtime(3, 0, 2),)), "unknown resource"),
        (dict(downtimes=(Downtime(0, 4, 2),)), "start < end"),
        (dict(disjunctive=((0, 0),)), "itself"),
        (dict(release=(0, -1, 0)), "negative release"),
    ],
)
def test_bad_input_names_the_item(kw, needle):
    with pytest.raises(InputError, match=needle):
        small(**kw)


def test_cycle_through_lags_is_allowed():
    # a maximal lag closes a cycle: legal data (feasible iff no positive cycle)
    inst = small(precedences=(Precedence(0, 1), Precedence(1, 0, -5)))
    assert inst.num_jobs == 3


def test_capacity_profile_merges_overlaps():
    inst = small(
        capacities=(4,),
        demands=((1,), (1,), (1,)),
        downtimes=(Downtime(0, 2, 6, 2), Downtime(0, 4, 8, 0), Downtime(0, 10, 11, 4)),
    )
    assert inst.capacity_profile(0) == [(2, 4, 2), (4, 8, 0)]


@settings(max_examples=60, deadline=None)
@given(tiny_instances())
def test_dict_roundtrip(inst):
    again = Instance.from_dict(inst.to_dict())
    assert again == inst


def test_from_dict_names_and_errors():
    data = {
        "name": "x",
        "resources": [{"name": "team", "capacity": 2}],
        "jobs": [
            {"name": "a", "duration": 2, "demands": {"team": 1}},
            {"name": "b", "duration": 1, "demands": [2], "release": 1, "deadline": 9},
        ],
        "precedences": [{"pred": "a", "succ": "b"}, ["b", "a", -5]],
        "downtimes": [{"resource": "team", "start": 3, "end": 4}],
        "disjunctive": [["a", "b"]],
    }
    inst = Instance.from_dict(data)
    assert inst.precedences == (Precedence(0, 1), Precedence(1, 0, -5))
    assert inst.downtimes == (Downtime(0, 3, 4, 0),)
    data["precedences"].append({"pred": "a", "succ": "zzz"})
    with pytest.raises(InputError, match="unknown job 'zzz'"):
        Instance.from_dict(data, where="f.json")
    with pytest.raises(InputError, match="missing field 'duration'"):
        Instance.from_dict({"jobs": [{"name": "q"}], "resources": []})


def test_solution_roundtrip_and_errors():
    sol = Solution((0, 2, 5))
    assert Solution.from_dict(sol.to_dict()) == sol
    assert Solution.from_dict([0, 2, 5]) == sol
    with pytest.raises(InputError):
        Solution.from_dict({"start": ["x"]})


@pytest.mark.parametrize("starts", [[0, 1.5, 5], [0, True, 5], [0, None, 5]])
def test_solution_refuses_starts_that_are_not_integers(starts):
    # 1.5 and true were read as 1: a corrupt schedule verified as job 1 starting at 1.
    with pytest.raises(InputError, match=r"start\[1\]"):
        Solution.from_dict({"start": starts})
    assert Solution.from_dict({"start": [0, 2.0, 5]}) == Solution((0, 2, 5))


WRONG = [None, "x", -1, 1.5, [], {}, True, 10**30, [None], {"a": 1}, float("nan")]


def _places(obj, path=()):
    """Every key / index path of a JSON document (the first two items of each list)."""
    yield path
    items = (
        obj.items()
        if isinstance(obj, dict)
        else enumerate(obj[:2])
        if isinstance(obj, list)
        else ()
    )
    for key, value in items:
        yield from _places(value, (*path, key))


def test_every_wrong_value_anywhere_in_a_json_instance_is_an_input_error():
    good = json.loads((INSTANCES / "datacenter_migration.json").read_text())
    for path in _places(good):
        for value in WRONG:
            data = copy.deepcopy(good)
            if not path:
                data = value
            else:
                *outer, last = path
                holder = data
                for key in outer:
                    holder = holder[key]
                holder[last] = value
            try:  # some replacements stay valid; any other exception fails the test
                Instance.from_dict(data)
            except InputError as exc:
                assert "\n" not in str(exc)
