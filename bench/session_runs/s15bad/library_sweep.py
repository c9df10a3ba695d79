"""Library calls with bad arguments: which exception does a library user get?

For each family's bundled example: ``planner.solve`` with bad method / time limit / threads /
seed / hint; the family's ``solution_from_dict`` with each leaf of a real solution replaced
(NaN, -1, 1e308, "x", None, [], a huge int), then ``verify`` and ``evaluate`` on what it
returns; ``instance_type.from_dict`` with each leaf replaced. Prints one row per call whose
exception is not ``ValueError`` (``InputError`` is one): those are the findings (a library user
should get a ValueError naming the field, not an AssertionError, IndexError, KeyError...).

Run from the worktree: PYTHONPATH=. python bench/session_runs/s15bad/library_sweep.py [FAMILY...]
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path

import planner
from planner.core.family import get_family

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "s14bad"))
from sweep_files import EXAMPLES, ROOT, leaves, put  # s14bad's sweep: the same examples

VALUES = [float("nan"), -1, 1e308, "x", None, [], 2**70]
MAX_LEAVES = 12


def where(exc: BaseException) -> str:
    tb = traceback.extract_tb(exc.__traceback__)
    last = tb[-1] if tb else None
    return f"{Path(last.filename).name}:{last.lineno}" if last else "?"


def attempt(label: str, func) -> object:
    try:
        return func()
    except ValueError:
        return None
    except Exception as exc:  # the findings
        msg = " ".join(str(exc).split())[:140]
        print(f"| {label} | {type(exc).__name__} at {where(exc)} | {msg} |", flush=True)
        return None


def sweep(name: str) -> None:
    fam = get_family(name)
    inst = fam.read(ROOT / EXAMPLES[name], None)[0]
    result = planner.solve(inst, time_limit=3)
    for kw in (
        {"method": "nope"},
        {"method": 3},
        {"time_limit": -1},
        {"time_limit": float("nan")},
        {"time_limit": "5"},
        {"threads": 0},
        {"threads": 2.5},
        {"seed": -1},
        {"seed": "x"},
        {"hint": "x"},
        {"hint": {"x": 1}},
        {"hint": 5},
    ):
        attempt(f"{name} solve({kw})", lambda kw=kw: planner.solve(inst, **{"time_limit": 1, **kw}))
    attempt(f"{name} solve(None)", lambda: planner.solve(None, time_limit=1))
    attempt(f"{name} evaluate(inst, None)", lambda: fam.evaluate(inst, None))
    attempt(f"{name} verify(inst, None)", lambda: fam.verify(inst, None))
    attempt(f"{name} lower_bound(None)", lambda: fam.lower_bound(None))
    if result.solution is not None:
        sol = result.solution.to_dict() if hasattr(result.solution, "to_dict") else result.solution
        for bad in ({}, None, [], "x"):
            attempt(f"{name} solution_from_dict({bad!r})", lambda b=bad: fam.solution_from_dict(b))
        for path in list(leaves(sol))[:MAX_LEAVES]:
            for value in VALUES:
                label = f"{name} solution {'.'.join(map(str, path))}={value!r}"
                doc = put(sol, path, value)
                parsed = attempt(label + " from_dict", lambda d=doc: fam.solution_from_dict(d))
                if parsed is not None:
                    viol = attempt(label + " verify", lambda p=parsed: fam.verify(inst, p))
                    if viol == []:
                        attempt(label + " evaluate", lambda p=parsed: fam.evaluate(inst, p))
    data = json.loads((ROOT / EXAMPLES[name]).read_text())
    if isinstance(data, list):
        data = data[0]
    itype = fam.instance_type
    if hasattr(itype, "from_dict"):
        for path in list(leaves(data))[: MAX_LEAVES * 2]:
            for value in VALUES:
                label = f"{name} instance {'.'.join(map(str, path))}={value!r}"
                doc = put(data, path, value)
                attempt(label, lambda d=doc: itype.from_dict(d))


if __name__ == "__main__":
    for fam_name in sys.argv[1:] or list(EXAMPLES):
        print(f"## {fam_name}", flush=True)
        try:
            sweep(fam_name)
        except Exception as exc:
            print(f"| {fam_name} sweep itself | {type(exc).__name__} at {where(exc)} | {exc} |")
