"""Where bundled data lives: ``models/`` and ``instances/`` and the benchmark data.

From a checkout the top-level ``models/`` and ``instances/`` folders are used;
an installed wheel carries them as ``planner/_data/models`` and
``planner/_data/instances`` (hatchling force-include, see pyproject.toml).
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]
_CHECKOUT = _PACKAGE.parent


def _bundled(name: str) -> Path:
    installed = _PACKAGE / "_data" / name
    if installed.is_dir():
        return installed
    return _CHECKOUT / name


def models_dir() -> Path:
    """Directory of the model and hardware catalogs."""
    return _bundled("models")


def instances_dir() -> Path:
    """Directory of the bundled example instances (one sub-folder per family)."""
    return _bundled("instances")


def data_dir() -> Path | None:
    """Benchmark reference data (``$PLANNER_DATA``, else ``../shared/data`` beside a checkout).

    Returns ``None`` when no data directory exists (a user's fresh clone).
    """
    env = os.environ.get("PLANNER_DATA")
    candidates = [Path(env)] if env else []
    candidates += [_CHECKOUT.parent / "shared" / "data", Path.cwd().parent / "shared" / "data"]
    for path in candidates:
        if path.is_dir():
            return path
    return None
