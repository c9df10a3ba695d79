"""Job and resource names of the rcpsp JSON form (s31bad): text or an integer; ``null``,
booleans, lists, objects and blank text were solved under the names ``str()`` gave them."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from planner.core.errors import InputError
from planner.rcpsp.instance import Instance

DATA = json.loads(
    (Path(__file__).parents[2] / "instances/rcpsp/datacenter_migration.json").read_text()
)


@pytest.mark.parametrize("value", [None, True, [1, 2], {"a": 1}, "", "  ", 1.5])
@pytest.mark.parametrize("table", ["jobs", "resources"])
def test_a_name_that_is_not_text_or_an_integer_is_refused(table, value):
    data = copy.deepcopy(DATA)
    data[table][0]["name"] = value
    with pytest.raises(InputError, match=rf"{table}\[0\]\.name: (expected a string|empty name)"):
        Instance.from_dict(data, where="x.json")


@pytest.mark.parametrize("value", ["plan:ml-1", 7])
def test_text_and_integer_names_are_kept(value):
    data = copy.deepcopy(DATA)
    data["jobs"][0]["name"] = value
    assert Instance.from_dict(data).job_names[0] == str(value)
