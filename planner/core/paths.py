"""Where bundled data lives: ``models/`` and ``instances/`` and the benchmark data.

From a checkout the top-level ``models/`` and ``instances/`` folders are used;
an installed wheel carries them as ``planner/_data/models`` and
``planner/_data/instances`` (hatchling force-include, see pyproject.toml).
"""

from __future__ import annotations

import os
from pathlib import Path

from planner.core.errors import InputError

_PACKAGE = Path(__file__).resolve().parents[1]
_CHECKOUT = _PACKAGE.parent


def _bundled(name: str) -> Path:
    installed = _PACKAGE / "_data" / name
    if installed.is_dir():
        return installed
    return _CHECKOUT / name


def checkout_dir() -> Path | None:
    """The source checkout planner runs from (``None`` when installed from a wheel)."""
    return _CHECKOUT if (_CHECKOUT / ".git").exists() else None


def models_dir() -> Path:
    """Directory of the model and hardware catalogs."""
    return _bundled("models")


def instances_dir() -> Path:
    """Directory of the bundled example instances (one sub-folder per family)."""
    return _bundled("instances")


def given_or_bundled(raw: str | Path, family: str) -> Path:
    """``raw`` when it exists; else the bundled ``instances/<family>/raw`` when that exists (a
    bare name works from any directory and from a wheel); else ``raw``, for the reader to
    report as missing."""
    path = Path(raw)
    if not path.exists():
        bundled = instances_dir() / family / raw
        if bundled.exists():
            return bundled
    return path


def missing_data_hint(path: str | Path) -> str:
    """A note for an error about a missing file that sits under a ``shared/data`` folder.

    The README's benchmark commands name the data as ``../shared/data/...`` (the development
    layout); on a user's fresh clone that folder does not exist, and a bare "no such file"
    did not say the file is benchmark data that is not in the repository (twenty-third
    session, s23readme). Returns ``""`` for any other path.
    """
    parts = Path(path).parts
    if not any(parts[i : i + 2] == ("shared", "data") for i in range(len(parts) - 1)):
        return ""
    return (
        " (benchmark data, not in the repository: download it as docs/data.md describes"
        " and set PLANNER_DATA, or put shared/data beside the checkout)"
    )


def data_dir() -> Path | None:
    """Benchmark reference data (``$PLANNER_DATA``, else ``../shared/data`` beside a checkout).

    Returns ``None`` when no data directory exists (a user's fresh clone).

    Raises
    ------
    InputError
        When ``$PLANNER_DATA`` is set but is not a directory (never a silent
        fallback to another folder).
    """
    env = os.environ.get("PLANNER_DATA")
    if env:
        return checked_data_env(env)
    candidates = [_CHECKOUT.parent / "shared" / "data", Path.cwd().parent / "shared" / "data"]
    for path in candidates:
        if path.is_dir():
            return path
    return None


def checked_data_env(value: str | None = None) -> Path | None:
    """``$PLANNER_DATA`` as a directory (``None`` when unset); ``InputError`` if it is not one."""
    value = os.environ.get("PLANNER_DATA") if value is None else value
    if not value:
        return None
    path = Path(value).expanduser()
    if not path.is_dir():
        what = "not a directory" if path.exists() else "no such directory"
        raise InputError(f"PLANNER_DATA={value}: {what}")
    return path
