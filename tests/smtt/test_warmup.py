"""A method's warm-up compiles every numba specialization its timed run needs."""

from __future__ import annotations

import subprocess
import sys
import textwrap

#: The compiled specializations of every loaded planner module, by name (both scripts).
SIGNATURES = textwrap.dedent(
    """
    import sys

    def signatures():
        out = {}
        for name, mod in list(sys.modules.items()):
            if name.startswith("planner.") and mod is not None:
                for attr, obj in list(vars(mod).items()):
                    if hasattr(obj, "signatures") and hasattr(obj, "py_func"):
                        out[f"{name}.{attr}"] = set(map(str, obj.signatures))
        return out
    """
)

SCRIPT = SIGNATURES + textwrap.dedent(
    """
    from planner import solve
    from planner.core.family import get_family, warm_up
    from planner.smtt.instance import Instance

    family = get_family("smtt")
    warm_up(family, family.methods["exact"])
    cases = [
        # weighted: fast descent + ILS get lists (writable arrays)
        Instance(name="w", p=[3, 5, 2, 7, 4] * 4, d=[6, 9, 3, 20, 8] * 4, w=[1, 4, 2, 3, 5] * 4),
        # times past the batched kernel's range: the per-start-time kernel
        Instance(name="big", p=[2**40, 2**40 + 1, 3], d=[2**40, 5, 2**41]),
    ]
    for inst in cases:
        before = signatures()
        solve(inst, "exact", time_limit=2, threads=1)
        new = {k: v - before.get(k, set()) for k, v in signatures().items()}
        new = sorted(k for k, v in new.items() if v)
        print(inst.name, new)
        assert not new, (inst.name, new)
    """
)


def test_exact_needs_no_compilation_inside_its_time_limit():
    """Each new specialization is compiled inside the limit on a fresh installation (weighted
    wt40: 4.1 s for -t 2; p ~ 2**40: 118.8 s at load 9) and loaded inside it afterwards
    (s16audit). A fresh process, since the test process may have compiled them already."""
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 0, run.stdout + run.stderr[-2000:]


UNWEIGHTED_SCRIPT = SIGNATURES + textwrap.dedent(
    """
    from planner import solve
    from planner.core.family import get_family, warm_up
    from planner.smtt.generate import generate
    from planner.smtt.instance import Instance

    family = get_family("smtt")
    (n60,) = generate(60, 0.6, 0.4, seed=3, clip=True, prefix="n60")
    cases = [n60, Instance(name="big", p=[2**40, 2**40 + 1, 3], d=[2**40, 5, 2**41])]
    for method in ("auto", "exact"):
        warm_up(family, family.methods[method], cases[0])  # what solve loads for an unweighted one
        for inst in cases:
            before = signatures()
            solve(inst, method, time_limit=2, threads=1)
            new = {k: v - before.get(k, set()) for k, v in signatures().items()}
            new = sorted(k for k, v in new.items() if v)
            print(method, inst.name, new)
            assert not new, (method, inst.name, new)
    assert "ortools.sat.python.cp_model" not in sys.modules
    """
)


def test_the_unweighted_warm_up_covers_the_unweighted_paths():
    """``exact`` / ``auto`` load less for an unweighted instance (no CP-SAT, s26small): what
    they load must still be every kernel specialization those runs call."""
    run = subprocess.run(
        [sys.executable, "-c", UNWEIGHTED_SCRIPT], capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 0, run.stdout + run.stderr[-2000:]
