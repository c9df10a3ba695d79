"""Exceptions that the CLI turns into exit codes.

``InputError`` is bad input (exit 2): its message is one line that names the
file, line, field or item at fault. Anything else escaping a command is an
internal error (exit 1). Input that is valid but doubtful is not an error:
:func:`warn_once` records a warning the plan's output shows (JSON ``warnings``).
"""

from __future__ import annotations

import difflib
import numbers
from collections.abc import Iterable, Mapping
from typing import Any


class PlannerError(Exception):
    """Base class of planner's own exceptions."""


class InputError(PlannerError, ValueError):
    """Bad input: a malformed file, an invalid field, an unknown name.

    Parameters
    ----------
    message
        One line naming what is wrong and where (file, line, field, item).
    """


class InfeasibleAnswer(PlannerError, ValueError):
    """A plugin's answer is well formed but decodes to no feasible solution.

    Raised by a family's ``plugin_solution`` (e.g. an RCPSP priority list for
    which the serial schedule-generation scheme finds no feasible start); the
    run is recorded as an ``infeasible`` failure of the plugin, like an answer
    that ``verify`` rejects.
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


def reject_unknown_fields(
    data: Mapping[str, Any], where: str, known: Iterable[str], *, note: str = ""
) -> None:
    """Raise ``InputError`` naming the first unknown key of ``data`` and the closest known one.

    A misspelt key (``"dd"`` for ``"d"``, ``"dealine"``) would otherwise be dropped silently.

    Parameters
    ----------
    data
        The parsed object.
    where
        Prefix of the message, e.g. ``"instance 'j301_1'"``.
    known
        The accepted keys, in the order the message lists them.
    note
        Appended when no known key is close, e.g. ``"; put other metadata under 'meta'"``.
    """
    known = list(known)
    extra = sorted(str(k) for k in set(data) - set(known))
    if extra:
        close = difflib.get_close_matches(extra[0], known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(known)}){note}"
        raise InputError(f"{where}: unknown field {extra[0]!r}{hint}")


def reject_data_like_fields(
    data: Mapping[str, Any], where: str, data_keys: Iterable[str], meta_keys: Iterable[str] = ()
) -> None:
    """Raise ``InputError`` for an unknown top-level key that looks like data the family would drop.

    For families whose files carry free-form metadata at the top level (smtt, seqpar): an
    unknown key holding a scalar (an id, a source, a best-known value that ``planner bench
    --reference KEY`` reads) is kept as metadata; a key holding a list or an object, or spelt
    like a data key (``"max_length"`` for ``"max_len"``), is refused, since the instance would
    otherwise be solved without it.

    Parameters
    ----------
    data
        The parsed object.
    where
        Prefix of the message, e.g. ``"instance 'a'"``.
    data_keys
        The keys the family reads as data.
    meta_keys
        Other accepted keys.
    """
    data_keys = list(data_keys)
    known = set(data_keys) | set(meta_keys)
    spelt = [k for k in data_keys if len(k) >= 3]  # one-letter keys match too much
    for key in sorted(str(k) for k in set(data) - known):
        close = difflib.get_close_matches(key, spelt, n=1, cutoff=0.8)
        if close:
            raise InputError(f"{where}: unknown field {key!r}; did you mean {close[0]!r}?")
        if isinstance(data[key], (list, tuple, Mapping)):
            close = difflib.get_close_matches(key, data_keys, n=1)
            hint = f"did you mean {close[0]!r}?" if close else "put other data under 'meta'"
            raise InputError(
                f"{where}: unknown field {key!r} holds data the family does not read; {hint}"
            )


def positive_int(value: Any, where: str, *, allow_none: bool = True) -> int | None:
    """``value`` if it is a positive integer (or ``None`` when allowed), else :class:`InputError`.

    Parameters
    ----------
    value
        The value to check (``bool`` is not an integer here).
    where
        Field name used in the message, e.g. ``"constraints: tp"``.
    allow_none
        Accept ``None`` (an unset optional field).
    """
    if value is None and allow_none:
        return None
    # any integer type (numpy's too: stage_layers=np.array([...]) was refused, s30bad);
    # returned as a Python int, which callers store
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise InputError(f"{where} must be a positive integer, got {value!r}")
    return int(value)


def text_field(
    data: Mapping[str, Any], key: str, default: str, where: str, *, nonempty: bool = False
) -> str:
    """``data[key]`` (``default`` when absent) if it is a string, else :class:`InputError`.

    A name given as a number or a boolean (``name = 5``, ``name = true``) was turned into the
    text ``"5"`` / ``"True"`` by ``str()`` and planned under it; a name must be written as text.

    Parameters
    ----------
    data
        The parsed table.
    key
        The field (``"name"``).
    default
        The value when the field is absent.
    where
        Prefix of the message, e.g. ``"problem.toml: pool[0]"``.
    nonempty
        Refuse a field written as ``""`` (or blanks): a name that names nothing (the plan's
        title and JSON carried a blank, s28bad). Leaving the field out keeps ``default``.
    """
    value = data.get(key, default)
    if not isinstance(value, str):
        raise InputError(f"{where}: field {key!r} must be a string, got {value!r}")
    if nonempty and key in data and not value.strip():
        raise InputError(f"{where}: field {key!r} is empty: give a name or leave the field out")
    return value


def check_table(
    data: Any,
    where: str,
    known: Iterable[str],
    *,
    required: Iterable[str] = (),
    kind: str = "a table",
) -> dict[str, Any]:
    """``data`` as a new dict, after checking it is a mapping with only ``known`` keys.

    Parameters
    ----------
    data
        The parsed value (a TOML table or JSON object).
    where
        Prefix of the messages, e.g. ``"problem.toml: constraints"``.
    known
        The accepted keys; the first unknown one (sorted) is named.
    required
        Keys that must be present.
    kind
        What a non-mapping was expected to be (``"a table"``, ``"an object"``).
    """
    if not isinstance(data, Mapping):
        raise InputError(f"{where}: expected {kind}")
    extra = sorted(set(data) - set(known))
    if extra:
        raise InputError(f"{where}: unknown field {extra[0]!r}")
    for key in required:
        if key not in data:
            raise InputError(f"{where}: missing field {key!r}")
    return dict(data)


def warn_once(meta: dict[str, Any], text: str) -> None:
    """Add ``text`` to ``meta["warnings"]`` unless it is there already.

    A problem's ``meta`` is shared by its ``dataclasses.replace`` copies, whose
    ``__post_init__`` runs again: recording each warning once keeps the output from
    repeating it.
    """
    warnings = meta.setdefault("warnings", [])
    if text not in warnings:
        warnings.append(text)
