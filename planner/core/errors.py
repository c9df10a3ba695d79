"""Exceptions that the CLI turns into exit codes.

``InputError`` is bad input (exit 2): its message is one line that names the
file, line, field or item at fault. Anything else escaping a command is an
internal error (exit 1).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class PlannerError(Exception):
    """Base class of planner's own exceptions."""


class InputError(PlannerError, ValueError):
    """Bad input: a malformed file, an invalid field, an unknown name.

    Parameters
    ----------
    message
        One line naming what is wrong and where (file, line, field, item).
    """


def unknown_name(kind: str, name: str, known: Iterable[str]) -> InputError:
    """Build an ``InputError`` for an unknown name, listing the closest known ones.

    Parameters
    ----------
    kind
        What was looked up, e.g. ``"family"`` or ``"GPU"``.
    name
        The name that was not found.
    known
        The valid names.
    """
    known = sorted(known)
    close = difflib.get_close_matches(name, known, n=4, cutoff=0.4)
    hint = f"; closest: {', '.join(close)}" if close else f"; known: {', '.join(known)}"
    return InputError(f"unknown {kind} {name!r}{hint}")
