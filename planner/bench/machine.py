"""What machine a benchmark ran on: CPU model, logical CPUs and solver versions.

Timings of different sessions are only comparable on the same machine: the same code can
take about 1.5x the CPU seconds on another host (offload's per-layer proofs, sixteenth session),
so reports say which CPU they measured.
"""

from __future__ import annotations

import os
import platform
from importlib import metadata
from pathlib import Path

#: Packages whose versions decide solver timings.
SOLVER_PACKAGES = ("highspy", "ortools", "numpy")


def cpu_model(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """The first CPU's ``model name`` in ``cpuinfo`` (Linux) with its ``cpu family`` and
    ``model`` numbers when given (a virtual machine may show only "AMD EPYC"), else
    :func:`platform.processor`."""
    fields: dict[str, str] = {}
    try:
        for line in cpuinfo.read_text().splitlines():
            key, _, value = line.partition(":")
            if not key.strip():
                break  # the first CPU's block ends at a blank line
            fields.setdefault(key.strip(), value.strip())
    except OSError:
        pass
    name = fields.get("model name")
    if not name:
        return platform.processor() or platform.machine() or "unknown CPU"
    numbers = [f"{k} {fields[k]}" for k in ("cpu family", "model") if fields.get(k)]
    return f"{name} ({', '.join(numbers)})" if numbers else name


def machine_description() -> str:
    """One line: CPU model, logical CPUs, Python and the installed solver packages' versions."""
    versions = []
    for name in SOLVER_PACKAGES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    parts = [cpu_model(), f"{os.cpu_count()} logical CPUs", f"Python {platform.python_version()}"]
    return ", ".join(parts + versions)
