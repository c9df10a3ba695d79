"""The generator's record in a trace's metadata, checked by type and range.

``planner gen offload`` writes what made a trace beside it (``seed``, ``tokens``, ``zipf``,
...; :func:`planner.offload.generate.generate`). Readers kept any value there (s30bad: a JSON
Lines header with ``"seed": "x"`` or ``"stability": 7`` was planned with, and the bench that
reads ``prefix`` as a count then failed far from the file). A field of that record, when
present, must be what the generator writes; other metadata keys stay free.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from planner.core.errors import InputError
from planner.core.validate import bounded

#: Largest seed numpy's generator takes here (the CLI's ``--seed`` range).
MAX_SEED = 2**63 - 1


def _unit(value: Any, label: str, *, none: bool = False) -> None:
    """A number in [0, 1] (``None`` too when ``none``)."""
    if value is None and none:
        return
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or not 0 <= value <= 1:
        extra = " or null" if none else ""
        raise InputError(f"{label} {value!r}: must be a number from 0 to 1{extra}")


def _non_negative(value: Any, label: str) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or value < 0:
        raise InputError(f"{label} {value!r}: must be a finite number >= 0")


def _text(value: Any, label: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{label} {value!r}: must be a non-empty string")


def check_generator_record(meta: Mapping[str, Any], where: str) -> None:
    """Refuse a generator-record field of ``meta`` of the wrong type or range.

    Parameters
    ----------
    meta
        A trace's metadata (every top-level field but the instance's own).
    where
        Prefix of the message (``"instance 'x'"``).

    Raises
    ------
    InputError
        Naming the field and its value, e.g. ``instance 'x': field 'seed' -1: must be an
        integer from 0 to 9223372036854775807``.
    """
    from planner.offload.generate import MAX_TOKENS

    def label(key: str) -> str:
        return f"{where}: field {key!r}"

    if "seed" in meta:
        bounded(meta["seed"], label("seed"), low=0, high=MAX_SEED)
    if meta.get("tokens") is not None:  # null: a recorded trace wrapped by --counts
        bounded(meta["tokens"], label("tokens"), low=1, high=MAX_TOKENS)
    if "prefix" in meta:
        bounded(meta["prefix"], label("prefix"), low=0, high=MAX_TOKENS)
    if "stability" in meta:
        _unit(meta["stability"], label("stability"), none=True)
    if "stability_measured" in meta:  # null when no two adjacent steps share a block
        _unit(meta["stability_measured"], label("stability_measured"), none=True)
    if "reroute_rate" in meta:
        _unit(meta["reroute_rate"], label("reroute_rate"))
    for key in ("zipf", "drift"):
        if key in meta:
            _non_negative(meta[key], label(key))
    if "stability_range" in meta:
        span = meta["stability_range"]
        if not isinstance(span, list) or len(span) != 2:
            raise InputError(f"{label('stability_range')} {span!r}: must be [low, high]")
        for value in span:
            _unit(value, label("stability_range"))
        if span[0] > span[1]:
            raise InputError(f"{label('stability_range')} {span!r}: low is above high")
    for key in ("generator", "preset", "preset_source"):
        if key in meta:
            _text(meta[key], label(key))
