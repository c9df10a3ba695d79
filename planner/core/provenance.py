"""Where a result comes from: planner version, git commit, solver versions, output schema.

Every Result (``to_dict``) and every benchmark CSV row carries these, so a
number can always be traced to the code and solvers that produced it.
"""

from __future__ import annotations

import functools
import subprocess
from typing import Any

from planner.core.paths import checkout_dir

#: Version of the JSON layout of a Result (``planner/core/result.schema.json``)
#: and of the benchmark CSV columns; bumped when a field changes meaning or goes away.
SCHEMA_VERSION = 1

#: Solvers whose versions are recorded.
SOLVERS = ("ortools", "highspy")


@functools.cache
def provenance() -> dict[str, Any]:
    """``planner_version``, ``git_commit`` (``None`` outside a checkout) and ``solvers``."""
    from planner import __version__

    return {
        "planner_version": __version__,
        "git_commit": git_commit(),
        "solvers": {name: package_version(name) for name in SOLVERS},
    }


def run_provenance(*, threads: int, time_limit: float) -> dict[str, Any]:
    """What a ``plan`` command's JSON records of its run: :func:`provenance` with the threads
    and the time limit, the keys a Result's ``to_dict`` has (``plan train --json`` and
    ``plan serve --json`` have their own layout and had none of them)."""
    return {**provenance(), "threads": threads, "time_limit": time_limit}


def git_commit() -> str | None:
    """The commit of the checkout planner runs from (``None`` for an installed wheel)."""
    root = checkout_dir()
    if root is None:
        return None
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = done.stdout.strip()
    return commit or None


def package_version(name: str) -> str | None:
    """Installed version of a distribution, without importing it (``None`` if absent)."""
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None
