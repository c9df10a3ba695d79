"""Library generators with bad arguments: a ValueError (InputError) naming the argument, or
something else (the findings)? Prints one row per call that did not raise a ValueError.

Run from the worktree: PYTHONPATH=. python bench/session_runs/s15bad/generate_sweep.py
"""

from __future__ import annotations

import inspect
import traceback
from pathlib import Path

BAD = [0, -1, float("nan"), float("inf"), "x", None, 1.5, 2**70]


def where(exc: BaseException) -> str:
    tb = traceback.extract_tb(exc.__traceback__)
    return f"{Path(tb[-1].filename).name}:{tb[-1].lineno}" if tb else "?"


def sweep(label, func, base: dict, names: list[str] | None = None) -> None:
    """Call ``func(**base)`` with each parameter (or each of ``names``) set to each bad value."""
    sig = inspect.signature(func)
    for name, p in sig.parameters.items():
        if name in ("name", "prefix", "scenario") or p.kind is p.VAR_KEYWORD:
            continue
        if names is not None and name not in names:
            continue
        for value in BAD:
            kwargs = {**base, name: value}
            try:
                out = func(**kwargs)
            except ValueError:
                continue
            except Exception as exc:
                msg = " ".join(str(exc).split())[:120]
                print(
                    f"| {label}({name}={value!r}) | {type(exc).__name__} at {where(exc)} | {msg} |"
                )
                continue
            print(f"| {label}({name}={value!r}) | accepted | {type(out).__name__} |", flush=True)


if __name__ == "__main__":
    from planner.pipelining.generate import generate as pipe_gen
    from planner.rcpsp.generate import generate as rcpsp_gen
    from planner.smtt.generate import generate as smtt_gen

    sweep("smtt.generate", smtt_gen, {"n": 5, "tf": 0.2, "rdd": 0.6})
    sweep("rcpsp.generate", rcpsp_gen, {"n_jobs": 8})
    sweep("pipelining.generate", pipe_gen, {})
