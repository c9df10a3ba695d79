import json

import pytest

from planner.core.result import Result, Status, relative_gap


@pytest.mark.parametrize(
    ("objective", "bound", "expected"),
    [
        (10.0, 8.0, 0.2),
        (10.0, 10.0, 0.0),
        (0.0, 0.0, 0.0),
        (None, 3.0, None),
        (5.0, None, None),
        (-10.0, -12.0, 0.2),
    ],
)
def test_relative_gap(objective, bound, expected):
    gap = relative_gap(objective, bound)
    if expected is None:
        assert gap is None
    else:
        assert gap == pytest.approx(expected)


def test_optimal_result_has_zero_gap_and_stable_schema():
    r = Result("toy", "x", "exact", Status.OPTIMAL, objective=7.0, bound=7.0, runtime_s=0.5)
    d = r.to_dict()
    assert list(d) == [
        "schema_version",
        "family",
        "instance",
        "method",
        "status",
        "objective",
        "bound",
        "gap",
        "runtime_s",
        "verified",
        "reason",
        "solution",
        "stats",
        "time_limit",
        "threads",
        "seed",
        "planner_version",
        "git_commit",
        "solvers",
    ]
    assert d["gap"] == 0.0
    assert d["objective"] == 7 and isinstance(d["objective"], int)
    assert d["status"] == "OPTIMAL"
    json.dumps(d)  # serializable as is


def test_feasible_gap_from_bound():
    r = Result("toy", "x", "h", Status.FEASIBLE, objective=10.0, bound=9.0)
    assert r.gap == pytest.approx(0.1)
    assert not r.has_solution  # no solution object attached
