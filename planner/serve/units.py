"""Parsing of durations (``1s``, ``50ms``, ``250us``) and percentiles from the command line."""

from __future__ import annotations

import math
import re

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
_DURATION = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([a-zA-Zµμ]*)\s*$")


def parse_duration(text: str | float | int | None, *, what: str = "duration") -> float | None:
    """Seconds from ``1s``, ``50ms``, ``250us``, ``2min`` or a bare number of seconds.

    Parameters
    ----------
    text
        The value; numbers are taken as seconds, ``None`` passes through.
    what
        Name used in error messages (e.g. ``--ttft``).

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
        value = float(text)
    else:
        m = _DURATION.match(str(text))
        if m is None:
            raise InputError(
                f"{what}: cannot read {text!r} as a duration (examples: 1s, 50ms, 250us)"
            )
        number, unit = m.groups()
        scale = _UNITS.get(unit.lower() if unit not in ("µs", "μs") else unit)
        if scale is None:
            raise InputError(
                f"{what}: unknown time unit {unit!r} in {text!r} (use s, ms, us, ns or min)"
            )
        value = float(number) * scale
    if not math.isfinite(value) or value <= 0:
        raise InputError(f"{what}: must be a positive duration, got {text!r}")
    return value


def parse_percentile(value: float | int | str, *, what: str = "percentile") -> float:
    """A percentile in (0, 100) (e.g. 99 or 99.9) as a fraction in (0, 1)."""
    try:
        p = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{what}: expected a number such as 90 or 99, got {value!r}") from None
    if not 0 < p < 100 or not math.isfinite(p):
        raise InputError(f"{what}: must lie strictly between 0 and 100, got {value!r}")
    return p / 100.0


def format_duration(seconds: float | None) -> str:
    """Human form: ``27.3 ms``, ``1.25 s``, ``850 us``."""
    if seconds is None:
        return "–"
    if not math.isfinite(seconds):
        return "∞"
    if seconds >= 1.0:
        return f"{seconds:.3g} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds * 1e6:.3g} us"
