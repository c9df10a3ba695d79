"""External methods run in a killed-at-the-deadline worker; every failure is recorded."""

import pytest

from planner.core import InputError, Status, solve
from planner.core.isolation import FunctionSpec, check_function

PLUGIN = """
import os
import sys
from toyfam import ToySolution

def last(instance):
    return ToySolution(len(instance.costs) - 1)

def loop(instance):
    while True:
        pass

def boom(instance):
    raise ValueError("bad rule")

def leave(instance):
    sys.exit(3)

def crash(instance):
    os._exit(7)

def number(instance):
    return 42

def other_family(instance):
    from planner.smtt.instance import Solution
    return Solution(order=[0, 1, 2])

class Mine:
    pass

def private_class(instance):
    return Mine()

def no_args():
    return 1

def two_args(instance, other):
    return 1

def keyword_only(instance, *, mode):
    return 1

async def coroutine(instance):
    return 1

class Rule:
    pass

not_a_function = 3
"""


@pytest.fixture(scope="module")
def plugin(tmp_path_factory):
    path = tmp_path_factory.mktemp("plugin") / "rules.py"
    path.write_text(PLUGIN)
    return path


@pytest.fixture
def inst(toy):
    return toy.ToyInstance("a", (5, 3, 9))


def test_a_plugin_that_loops_is_killed_and_the_worker_replaced(inst, plugin):
    r = solve(inst, f"{plugin}:loop", time_limit=0.2)
    assert r.status is Status.UNKNOWN and r.stats["failure"] == "timeout"
    assert "exceeded its time limit of 0.2 s" in r.reason
    r = solve(inst, f"{plugin}:loop", time_limit=0.1)  # a fresh worker, killed again
    assert r.stats["failure"] == "timeout"


@pytest.mark.parametrize(
    ("func", "failure", "fragment"),
    [
        ("boom", "raised", "ValueError: bad rule at rules.py:"),
        ("leave", "exit", "sys.exit(3)"),
        ("crash", "died", "exit code 7"),
        ("number", "type", "returned int, expected a toy ToySolution"),
        ("private_class", "return", "cannot be read back"),
        ("other_family", "type", "returned Solution, expected a toy ToySolution"),
        ("not_a_function", "start", "not a function"),
    ],
)
def test_plugin_failures_are_recorded_with_their_reason(inst, plugin, func, failure, fragment):
    r = solve(inst, f"{plugin}:{func}", time_limit=5)
    assert r.status is Status.UNKNOWN and r.solution is None and not r.verified
    assert r.stats["failure"] == failure
    assert fragment in r.reason and r.reason.startswith(f"{plugin}:{func}: ")


def test_worker_survives_between_calls(inst, plugin):
    assert solve(inst, f"{plugin}:boom", time_limit=5).stats["failure"] == "raised"
    r = solve(inst, f"{plugin}:last", time_limit=5)
    assert r.status is Status.FEASIBLE and r.objective == 9


@pytest.mark.parametrize(
    ("func", "fragment"),
    [
        ("no_args", "takes no required argument"),
        ("two_args", "takes 2 required argument"),
        ("keyword_only", "keyword-only mode"),
        ("coroutine", "coroutine function"),
        ("Rule", "is a class"),
        ("missing", "has no function 'missing'"),
    ],
)
def test_unusable_functions_are_bad_input_up_front(plugin, func, fragment):
    with pytest.raises(InputError, match=fragment):
        check_function(FunctionSpec.parse(f"{plugin}:{func}"))


def test_module_functions_are_checked_without_importing(tmp_path, monkeypatch):
    with pytest.raises(InputError, match=r"getcwd\(\) cannot be called with one argument"):
        check_function(FunctionSpec.parse("os:getcwd"))
    with pytest.raises(InputError, match="is a str, not a function"):
        check_function(FunctionSpec.parse("os:sep"))
    with pytest.raises(
        InputError, match="no module named 'no_such_module_xyz' on the Python import path"
    ):
        check_function(FunctionSpec.parse("no_such_module_xyz:f"))
    # a package whose __init__ would fail if imported: checked from source only
    pkg = tmp_path / "pkg_never_imported"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("raise RuntimeError('imported!')\n")
    (pkg / "rules.py").write_text("def ok(instance):\n    return 1\ndef bad():\n    return 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    check_function(FunctionSpec.parse("pkg_never_imported.rules:ok"))
    with pytest.raises(InputError, match="no required argument"):
        check_function(FunctionSpec.parse("pkg_never_imported.rules:bad"))


def test_syntax_error_and_malformed_spec(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f(instance):\n    return (\n")
    with pytest.raises(InputError, match=r"bad.py:\d+: syntax error"):
        check_function(FunctionSpec.parse(f"{bad}:f"))
    with pytest.raises(InputError, match=r"expected FILE\.py:FUNCTION"):
        FunctionSpec.parse("rules.py:")


@pytest.mark.parametrize("jobs", [1, 2])
def test_bench_goes_on_past_failing_plugins(plugin, toy_file, jobs):
    from planner.bench.runner import family_tasks, run_bench
    from planner.core import get_family
    from planner.core.specs import load_instances

    instances = [x.instance for x in load_instances(get_family("toy"), [str(toy_file)])]
    methods = ["first", f"{plugin}:loop", f"{plugin}:leave", f"{plugin}:last"]
    tasks = family_tasks("toy", instances, methods, time_limit=0.1, threads=1, seed=0)
    rows = run_bench(tasks, csv_path=None, jobs=jobs)
    assert len(rows) == 12
    by = {(r["instance"], r["method"].rpartition(":")[2]): r for r in rows}
    for name in ("a", "b", "c"):
        assert by[name, "first"]["status"] in ("FEASIBLE", "OPTIMAL")
        assert (
            by[name, "loop"]["status"] == "UNKNOWN" and "time limit" in by[name, "loop"]["reason"]
        )
        assert (
            by[name, "leave"]["status"] == "UNKNOWN" and "sys.exit" in by[name, "leave"]["reason"]
        )
        assert by[name, "last"]["verified"] is True
