"""s16audit: numba specializations a method needs beyond its own warm-up, every family.

For each (family, instance, method): run the method's warm-up, snapshot every numba
dispatcher's signatures in loaded ``planner.*`` modules, solve (-t 1), list the new ones (each
is compiled inside the time limit on a fresh installation, or loaded from cache there).
Usage: ``PYTHONPATH=... python numba_all.py FAMILY SPEC...``.
"""

import sys
from pathlib import Path

from planner import solve
from planner.core.family import get_family, warm_up
from planner.core.specs import read_file, split_spec


def signatures():
    out = {}
    for name, mod in list(sys.modules.items()):
        if not name.startswith("planner.") or mod is None:
            continue
        for attr, obj in list(vars(mod).items()):
            if hasattr(obj, "signatures") and hasattr(obj, "py_func"):
                out[f"{name}.{attr}"] = set(map(str, obj.signatures))
    return out


def new_since(before: dict) -> dict:
    """Specializations compiled (or loaded) since the ``before`` snapshot, by dispatcher."""
    new = {k: sorted(v - before.get(k, set())) for k, v in signatures().items()}
    return {k: v for k, v in new.items() if v}


def main() -> None:
    family = sys.argv[1]
    fam = get_family(family)
    for spec in sys.argv[2:]:
        path, sel = split_spec(spec)
        inst = read_file(fam, Path(path), sel)[0]
        for method, m in fam.methods.items():
            warm_up(fam, m)  # what core.solve runs before the clock starts
            before = signatures()
            r = solve(inst, method, time_limit=1.0, threads=1)
            new = new_since(before)
            flag = "  NEW: " + "; ".join(f"{k} x{len(v)}" for k, v in new.items()) if new else ""
            print(
                f"{family} {Path(path).name} {method:12s} {r.status.value:9s} {r.runtime_s:6.3f} s{flag}",
                flush=True,
            )
            for k, v in new.items():
                for s in v:
                    print(f"    {k}: {s[:300]}")


if __name__ == "__main__":
    main()
