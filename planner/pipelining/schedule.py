"""The library call ``planner.pipelining.schedule(kernel, machine=None, time_limit=...)``."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from planner.core.errors import InputError
from planner.core.result import Result
from planner.pipelining.instance import Instance, Machine


def load_kernel(kernel: Instance | Mapping[str, Any] | str | Path) -> Instance:
    """An :class:`Instance` from an instance, a JSON-like mapping or a file path."""
    if isinstance(kernel, Instance):
        return kernel
    if isinstance(kernel, Mapping):
        return Instance.from_dict(kernel)
    if isinstance(kernel, (str, Path)):
        from planner.core.paths import instances_dir
        from planner.pipelining.readers import read

        path = Path(kernel)
        if not path.exists():
            bundled = instances_dir() / "pipelining" / path.name
            path = bundled if bundled.exists() else path
            if not path.exists() and not path.suffix:
                path = instances_dir() / "pipelining" / f"{path.name}.json"
        items = read(path)
        if len(items) != 1:
            raise InputError(f"{path}: holds {len(items)} kernels; select one with FILE#NAME")
        return items[0]
    raise InputError(
        f"kernel must be an Instance, a mapping or a path, got {type(kernel).__name__}"
    )


def schedule(
    kernel: Instance | Mapping[str, Any] | str | Path,
    machine: Machine | Mapping[str, Any] | None = None,
    *,
    time_limit: float = 10.0,
    method: str = "auto",
    warps: int | None = None,
    max_ii: int | None = None,
    threads: int = 1,
    seed: int = 0,
    explain: bool = False,
) -> Result:
    """Software-pipeline and warp-specialize a loop.

    Parameters
    ----------
    kernel
        An :class:`Instance`, its JSON mapping, or a path (a bare name such as
        ``"fa3_fwd_hopper"`` finds the bundled kernel).
    machine
        Run the loop on this machine instead of the kernel's own.
    time_limit, method, threads, seed
        As :func:`planner.solve`.
    warps
        Fix the number of warp groups ("is it feasible with fewer warps?").
    max_ii
        Consider only initiation intervals up to this value.
    explain
        Add ``stats["explain"]``: what binds the initiation interval.

    Returns
    -------
    Result
        The certified result; ``solution`` has ``ii``, ``length``, ``start``
        and ``warp``; ``stats`` holds ResMII, RecMII and the per-``ii`` proofs.
    """
    from planner.core.solve import solve

    instance = load_kernel(kernel)
    if machine is not None:
        instance = instance.with_machine(machine)
    if warps is not None:
        instance = instance.with_warps(warps)
    if max_ii is not None:
        instance = instance.with_max_ii(max_ii)
    result = solve(instance, method, time_limit=time_limit, threads=threads, seed=seed)
    if explain and result.solution is not None:
        from planner.pipelining.explain import explain as why

        result.stats["explain"] = why(
            instance,
            result.solution,
            time_limit=max(1.0, time_limit / 2),
            threads=threads,
            seed=seed,
        )
    return result
