"""``--threads`` above the machine's cores: accepted, with one warning line on stderr.

``solve pipelining gemm_hopper.json -t 1e9 --threads 64`` on 2 cores ran past 10 minutes with no
word of it (s25scale); a solver may still run more workers than cores, so nothing is refused.
"""

from __future__ import annotations

import os

import pytest

from planner.cli import command, main, walk_commands
from planner.core.paths import instances_dir

CORES = 2  # the machine's core count, as the tests pretend it


@pytest.fixture
def two_cores(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: CORES)


def warnings(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("planner: warning:")]


def threads_params() -> list[tuple[str, object]]:
    return [
        (cmd.name, param)
        for cmd in walk_commands(command())
        for param in cmd.params
        if "--threads" in param.opts
    ]


def test_every_threads_flag_warns_above_the_cores(two_cores, capsys):
    found = threads_params()
    names = {name for name, _ in found}
    assert {"solve", "bench", "train", "serve"} <= names, names  # plan train / plan serve
    for name, param in found:
        assert param.callback(None, param, CORES) == CORES
        assert warnings(capsys.readouterr().err) == [], name
        assert param.callback(None, param, CORES + 1) == CORES + 1  # accepted
        (line,) = warnings(capsys.readouterr().err)
        assert "--threads 3" in line and f"{CORES} CPU cores" in line, (name, line)


def run(capsys, *args: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as stop:
        main(list(args))
    return stop.value.code, capsys.readouterr().err


SMTT = str(instances_dir() / "smtt" / "example.json")


@pytest.mark.parametrize(
    "args",
    [
        ("solve", "smtt", SMTT, "-m", "mdd", "--json"),
        ("bench", "smtt", SMTT, "--methods", "mdd", "-t", "1"),
        ("plan", "train", "--model", "gpt-1.7b", "--gpus", "16xA100", "-B", "64", "-s", "1024"),
    ],
    ids=["solve", "bench", "plan-train"],
)
def test_a_command_runs_on_after_one_warning(two_cores, capsys, args):
    code, err = run(capsys, *args, "--threads", str(CORES + 1))
    assert code == 0, err
    (line,) = warnings(err)
    assert line.startswith(f"planner: warning: --threads {CORES + 1} is more than the {CORES}")


def test_threads_within_the_cores_say_nothing(two_cores, capsys):
    code, err = run(capsys, "solve", "smtt", SMTT, "-m", "mdd", "--json", "--threads", "2")
    assert code == 0 and warnings(err) == [], err
