"""Short flags keep one meaning on every command (core and family commands alike)."""

from __future__ import annotations

from collections import defaultdict

from planner.cli import command, walk_commands

#: The project's fixed meanings (HELPERS.md, "CLI").
CANONICAL = {"-m": "--method", "-t": "--time-limit", "-o": "--out"}


def short_flag_meanings() -> dict[str, set[tuple[str, str]]]:
    """short flag -> {(long flag, command name)} over every command of the app."""
    meanings: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for cmd in walk_commands(command()):
        for param in cmd.params:
            longs = [o for o in [*param.opts, *param.secondary_opts] if o.startswith("--")]
            for short in (o for o in param.opts if len(o) == 2 and o.startswith("-")):
                meanings[short].add((longs[0] if longs else short, cmd.name))
    return meanings


def test_each_short_flag_has_one_meaning():
    clashes = {
        short: sorted(uses)
        for short, uses in short_flag_meanings().items()
        if len({long for long, _ in uses}) > 1
    }
    assert clashes == {}


def test_canonical_short_flags():
    for short, uses in short_flag_meanings().items():
        if short in CANONICAL:
            assert {long for long, _ in uses} == {CANONICAL[short]}, (short, sorted(uses))


def test_time_limit_has_one_range_everywhere():
    """Every --time-limit takes seconds > 0 (the shared check); none advertises 0 as valid.

    Four plan commands declared ``min=0``: their help said ``x>=0`` while 0 was refused,
    and ``-t nan`` got 'greater than or equal to 0' instead of the shared message.
    """
    for cmd in walk_commands(command()):
        for param in cmd.params:
            if "--time-limit" in param.opts:
                assert getattr(param, "min", None) is None, cmd.name
