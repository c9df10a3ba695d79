"""Short flags keep one meaning on every command (core and family commands alike)."""

from __future__ import annotations

from collections import defaultdict

import pytest

from planner.cli import command, walk_commands
from planner.core.errors import InputError

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


def ranged_float_options() -> list[tuple[str, object]]:
    """(command name, param) for every float option with a min or max (--qps, --tf, ...)."""
    return [
        (cmd.name, param)
        for cmd in walk_commands(command())
        for param in cmd.params
        if getattr(param, "type_descriptor", None) is not None
        and param.type_descriptor.annotation is float
        and param.type_descriptor.is_ranged
    ]


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf"])
def test_ranged_float_options_say_what_is_wrong_with_nan(value):
    """Typer's range check ran first: ``--qps nan`` (and ``--tf``, ``--rdd``,
    ``--memory-headroom``) said 'Input should be greater than or equal to 0' (s14bad)."""
    found = ranged_float_options()
    assert {param.opts[0] for _, param in found} >= {"--qps", "--tf", "--rdd"}
    for name, param in found:
        flag = param.opts[0]
        with pytest.raises(InputError, match=f"{flag} {value}: must be a finite number"):
            param.process_value(None, value)
        assert param.process_value(None, "1") == 1.0, (name, flag)
