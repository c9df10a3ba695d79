"""Instance and Solution: validation, round trips."""

from __future__ import annotations

import numpy as np
import pytest

from planner.core.errors import InputError
from planner.smtt.instance import Instance, Solution


def test_round_trip_keeps_data_and_meta():
    inst = Instance("a", p=[3, 2], d=[-4, 7], w=[1, 5], meta={"optimum": 9, "tf": 0.2})
    again = Instance.from_dict(inst.to_dict())
    assert again == inst
    assert again.meta == {"optimum": 9, "tf": 0.2}
    assert inst.to_dict()["n"] == 2
    assert again.weighted and again.n == 2


def test_unweighted_arrays_have_unit_weights():
    inst = Instance("a", p=[3, 2, 0], d=[1, 2, 3])
    p, _, w = inst.arrays
    assert not inst.weighted
    assert w.tolist() == [1, 1, 1]
    assert p.dtype == np.int64
    with pytest.raises(ValueError):
        p[0] = 5  # read-only: the instance is immutable


def test_integral_floats_and_numpy_values_are_accepted():
    inst = Instance("a", p=np.array([3, 2]), d=[1.0, 2.0])
    assert inst.p == (3, 2) and inst.d == (1, 2)
    assert all(type(x) is int for x in inst.p + inst.d)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"p": [1, -2], "d": [0, 0]}, "field 'p' item 1: -2 is negative"),
        ({"p": [1, 2.5], "d": [0, 0]}, "field 'p' item 1: 2.5 is not an integer"),
        ({"p": [1, "x"], "d": [0, 0]}, "field 'p' item 1"),
        ({"p": [1, True], "d": [0, 0]}, "field 'p' item 1"),
        ({"p": [1, 2], "d": [0, 0], "w": [1, -1]}, "field 'w' item 1: -1 is negative"),
        ({"p": [1, 2], "d": [0]}, "field 'd' has 1 items but 'p' has 2"),
        ({"p": [1, 2], "d": [0, 1], "w": [1]}, "field 'w' has 1 items but 'p' has 2"),
        ({"p": [], "d": []}, "field 'p' is empty"),
        ({"p": [1], "d": [float("nan")]}, "field 'd' item 0"),
    ],
)
def test_invalid_data_names_the_item(kwargs, message):
    with pytest.raises(InputError, match="instance 'bad'") as err:
        Instance("bad", **kwargs)
    assert message in str(err.value)


def test_negative_due_dates_are_valid():
    assert Instance("a", p=[1], d=[-100]).d == (-100,)


def test_from_dict_checks_n_and_required_fields():
    with pytest.raises(InputError, match="field 'n' is 3 but 'p' has 2"):
        Instance.from_dict({"name": "x", "n": 3, "p": [1, 2], "d": [1, 2]})
    with pytest.raises(InputError, match="missing field 'd'"):
        Instance.from_dict({"name": "x", "p": [1, 2]})
    with pytest.raises(InputError, match="must be a list"):
        Instance.from_dict({"name": "x", "p": 5, "d": [1]})


def test_solution_round_trip_and_numpy_indices():
    sol = Solution(np.array([2, 0, 1]))
    assert sol.order == [2, 0, 1] and all(type(j) is int for j in sol.order)
    assert Solution.from_dict(sol.to_dict()) == sol
    assert Solution.from_dict([1, 0]).order == [1, 0]
    with pytest.raises(InputError, match="order"):
        Solution.from_dict({"order": [0, "1"]})


WRONG = [None, "x", -1, 1.5, [], {}, True, 10**30, [None], {"a": 1}, float("nan")]


def test_every_wrong_value_in_every_field_is_an_input_error():
    good = {"name": "a", "p": [1, 2, 3], "d": [2, 3, 4], "w": [1, 2, 1], "n": 3}
    for key in good:
        for index in (None, 0):
            for value in WRONG:
                data = {k: list(v) if isinstance(v, list) else v for k, v in good.items()}
                if index is None:
                    data[key] = value
                elif isinstance(data[key], list):
                    data[key][index] = value
                else:
                    continue
                try:  # some replacements stay valid; any other exception fails the test
                    Instance.from_dict(data)
                except InputError as exc:
                    assert "\n" not in str(exc)
    with pytest.raises(InputError):
        Instance.from_dict(None)
    with pytest.raises(InputError):
        Instance.from_dict([good])


def test_unknown_data_like_key_is_refused_and_metadata_are_kept():
    """A misspelt key was kept as metadata and the instance solved without it (s15bad): an
    unknown key holding a list is refused; scalar metadata stay readable."""
    data = {"name": "a", "p": [3, 2], "d": [1, 4]}
    with pytest.raises(
        InputError, match=r"instance 'a': unknown field 'ww' holds data.*did you mean 'w'"
    ):
        Instance.from_dict({**data, "ww": [1, 2]})
    with pytest.raises(InputError, match=r"unknown field 'weights' holds data"):
        Instance.from_dict({**data, "weights": [1, 2]})
    # a scalar is metadata (an id, a best-known value `planner bench --reference KEY` reads)
    kept = Instance.from_dict({**data, "id": "x7", "best_known": 3})
    assert kept.meta == {"id": "x7", "best_known": 3}
    assert Instance.from_dict(kept.to_dict()).meta == kept.meta
    with pytest.raises(InputError, match="field 'meta' must be an object"):
        Instance.from_dict({**data, "meta": [1]})
    inst = Instance.from_dict({**data, "optimum": 7, "meta": {"note": "x"}})
    assert inst.meta == {"optimum": 7, "note": "x"}
    out = inst.to_dict()
    assert out["optimum"] == 7 and out["meta"] == {"note": "x"}
    assert Instance.from_dict(out).meta == inst.meta


def test_a_solution_keeps_its_own_copy_of_the_order():
    """The plain-int fast path kept the caller's list: mutating it changed the solution."""
    order = [2, 0, 1]
    sol = Solution(order)
    order.reverse()
    assert sol.order == [2, 0, 1]
