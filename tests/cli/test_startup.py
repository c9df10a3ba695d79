"""Start-up stays light: help imports no family and no solver or plotting library.

Speed itself is measured by bench/startup.py (benchmarks, not tests); these
tests check the structure that makes it fast.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from planner.cli import FAMILY_COMMANDS
from planner.core.family import KNOWN_FAMILIES, families

FAMILY_PACKAGES = tuple(f"planner.{name}" for name in KNOWN_FAMILIES)
HEAVY = ("matplotlib", "ortools", "highspy", "pulp", "numba", "scipy", "pandas")

PROBE = """
import json, sys
from planner.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(m for m in sys.modules if m.startswith("planner.") or "." not in m)),
      file=sys.stderr)
"""


def modules_after(*args: str) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=120
    )
    return set(json.loads(proc.stderr.strip().splitlines()[-1]))


@pytest.mark.parametrize("args", [["--help"], ["solve", "--help"], ["bench", "--help"], []])
def test_help_imports_no_family_and_no_heavy_library(args):
    loaded = modules_after(*args)
    assert not {m for m in loaded if m.split(".")[0] in HEAVY}
    assert not {m for m in loaded if m.startswith(FAMILY_PACKAGES)}


def test_gen_of_one_family_imports_only_that_family():
    loaded = modules_after("gen", "smtt", "--help")
    assert "planner.smtt" in loaded
    others = tuple(p for p in FAMILY_PACKAGES if p != "planner.smtt")
    assert not {m for m in loaded if m.startswith(others)}
    assert "matplotlib" not in loaded


def test_family_commands_are_declared_for_the_help():
    for family in families().values():
        for name in family.commands:
            assert name in FAMILY_COMMANDS, f"declare '{name}' of {family.name} in FAMILY_COMMANDS"


def test_the_help_of_a_shared_group_names_each_of_its_sub_commands():
    """``planner --help`` / ``plan --help`` said "training (plan train) and serving (plan
    serve)" while plan also held compare, seqpar and pipelining (s18walk)."""
    for family in families().values():
        for group, sub in family.commands.items():
            for command in sub.registered_commands:
                name = command.name or command.callback.__name__.replace("_", "-")
                assert f"{group} {name}" in FAMILY_COMMANDS[group], (group, name)


@pytest.mark.parametrize("family", ["pipelining", "seqpar"])
def test_plan_of_one_family_imports_only_that_family(family):
    """``plan pipelining --help`` imported every family (train, serve, HiGHS): ~0.9 s of CPU
    on each ``plan pipelining`` / ``plan seqpar`` call, against ~0.3 s for its own."""
    loaded = modules_after("plan", family, "--help")
    assert f"planner.{family}" in loaded
    others = tuple(p for p in FAMILY_PACKAGES if p != f"planner.{family}")
    assert not {m for m in loaded if m.startswith(others)}
    assert not {m for m in loaded if m.split(".")[0] in ("highspy", "ortools", "matplotlib")}


def test_a_group_sub_command_named_after_a_family_belongs_to_it():
    """``families_needed`` attaches only family X for ``plan X``: X's own command."""
    for family in families().values():
        for sub in family.commands.values():
            for command in sub.registered_commands:
                name = command.name or command.callback.__name__.replace("_", "-")
                assert name not in KNOWN_FAMILIES or name == family.name, (family.name, name)
