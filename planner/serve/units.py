"""Parsing of durations (``1s``, ``50ms``, ``250us``) and percentiles from the command line."""

from __future__ import annotations

import math
import re

from planner.core import validate
from planner.core.errors import InputError

_UNITS = {
    "": 1.0,
    "s": 1.0,
    "sec": 1.0,
    "ms": 1e-3,
    "us": 1e-6,
    "µs": 1e-6,
    "μs": 1e-6,
    "ns": 1e-9,
    "min": 60.0,
}
_DURATION = re.compile(r"^\s*([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([a-zA-Zµμ]*)\s*$")


#: A TPOT above this is rejected unless slow targets are allowed (``--allow-slow``).
MAX_TPOT_S = 10.0
#: A TTFT above this (10 minutes) is rejected likewise.
MAX_TTFT_S = 600.0


def plain(x: float) -> str:
    """``%g`` of ``x`` that never prints ``-0``."""
    return f"{x + 0.0:g}" if x != 0 else "0"


def parse_duration(
    text: str | float | int | None, *, what: str = "duration", bare: float = 1.0
) -> float | None:
    """Seconds from ``1s``, ``50ms``, ``250us``, ``2min`` or a bare number.

    Parameters
    ----------
    text
        The value; ``None`` passes through.
    what
        Name used in error messages (e.g. ``--ttft``).
    bare
        Seconds per unit of a number given without a unit (1 = seconds, 1e-3 =
        milliseconds, as SLO flags read them).

    Raises
    ------
    InputError
        Malformed text, an unknown unit, or a value that is not positive and finite.
    """
    if text is None:
        return None
    if isinstance(text, bool):
        raise InputError(f"{what}: expected a duration such as 1s, 50ms or 250us, got {text!r}")
    if isinstance(text, (int, float)):
        value = float(text) * bare
    else:
        m = _DURATION.match(str(text))
        if m is None:
            raise InputError(
                f"{what}: cannot read {text!r} as a duration (examples: 1s, 50ms, 250us)"
            )
        number, unit = m.groups()
        scale = bare if not unit else _UNITS.get(unit.lower() if unit not in ("µs", "μs") else unit)
        if scale is None:
            raise InputError(
                f"{what}: unknown time unit {unit!r} in {text!r} (use s, ms, us, ns or min)"
            )
        value = float(number) * scale
    if not math.isfinite(value) or value <= 0:
        shown = f"{plain(value)} s" if math.isfinite(value) else repr(text)  # '1e400ms' s
        raise InputError(f"{what}: must be a positive duration, got {shown}")
    return value


def parse_slo(
    text: str | float | int | None, *, what: str, limit: float, allow_slow: bool
) -> float | None:
    """An SLO target: a bare number means milliseconds; above ``limit`` seconds it is
    rejected (almost always a unit slip) unless ``allow_slow``."""
    value = parse_duration(text, what=what, bare=1e-3)
    if value is not None and value > limit and not allow_slow:
        # the unit hint only where no unit was given: planner.serve.plan(tpot=50) (a Python
        # number is seconds) was told "bare numbers are milliseconds" (s22walk)
        unitless = isinstance(text, (int, float)) or (
            (m := _DURATION.match(str(text))) is not None and not m.group(2)
        )
        hint = " (bare numbers are milliseconds)" if unitless else ""
        raise InputError(
            f"{what}: {plain(value)} s is over {plain(limit)} s{hint}; "
            f"pass {_allow_slow()} if you mean it"
        )
    return value


def _allow_slow() -> str:
    """How to allow a slow target: the flag and a problem file's key on the command line,
    the keyword in a library call."""
    return "--allow-slow (allow_slow = true)" if validate.on_command_line() else "allow_slow=True"


def parse_percentile(value: float | int | str, *, what: str = "percentile") -> float:
    """A percentile in (0, 100) (e.g. 99 or 99.9) as a fraction in (0, 1)."""
    if isinstance(value, bool):  # float(True) planned a file's `percentile = true` at p1
        raise InputError(f"{what}: expected a number such as 90 or 99, got {value!r}")
    try:
        p = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{what}: expected a number such as 90 or 99, got {value!r}") from None
    if not 0 < p < 100 or not math.isfinite(p):
        raise InputError(f"{what}: must lie strictly between 0 and 100, got {plain(p)}")
    return p / 100.0


def format_duration(seconds: float | None) -> str:
    """Human form: ``27.3 ms``, ``1.25 s``, ``850 us``."""
    if seconds is None:
        return "–"
    seconds = seconds + 0.0  # no "-0"
    if not math.isfinite(seconds):
        return "∞"
    if seconds >= 1.0:
        return f"{seconds:.3g} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds * 1e6:.3g} us"
