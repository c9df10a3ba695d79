"""When the compiled kernels load: not on import, not for one pass on a small instance, and
outside ``auto``'s budget when it reaches the stages that need them.

Importing numba and loading the SGS kernels took ~0.5 of the ~1.5 CPU s of
``planner solve rcpsp j301_1.sm`` (auto), whose quick CP-SAT run closes the instance after one
SGS pass (twenty-eighth session, s28start). That pass now runs interpreted (the same code, the
same schedule), and ``auto`` loads the kernels only when its GA stage comes.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import time

import pytest
from hypothesis import given, settings

from planner.core.result import Result, Status
from planner.rcpsp import auto as auto_module
from planner.rcpsp.generate import generate
from planner.rcpsp.heuristics._jit import interpreted
from planner.rcpsp.heuristics.data import SgsData
from planner.rcpsp.heuristics.priority import rule_values
from planner.rcpsp.heuristics.sgs import (
    INTERPRETED_PASS_CELLS,
    Decoder,
    interpreted_pass,
    lft_schedule,
    small_pass,
)
from planner.rcpsp.readers import read
from planner.rcpsp.warmup import auto_warmup, warm_cpsat

from .helpers import INSTANCES, tiny_instances

J301 = INSTANCES / "j301_1.sm"


def fresh(code: str) -> dict:
    """Run ``code`` in a new interpreter; it prints one JSON line last."""
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=600, check=False
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout.splitlines()[-1])


def test_importing_the_kernel_modules_loads_no_numba():
    out = fresh(
        "import json, sys\n"
        "import planner.rcpsp.heuristics.fbi, planner.rcpsp.heuristics.ga\n"
        "import planner.rcpsp.heuristics.sgs, planner.rcpsp.heuristics.priority\n"
        "print(json.dumps({'numba': 'numba' in sys.modules}))\n"
    )
    assert out == {"numba": False}


def test_a_small_lft_pass_runs_interpreted_in_a_fresh_process():
    out = fresh(
        "import json, sys\n"
        "from planner.rcpsp import read\n"
        "from planner.rcpsp.heuristics.sgs import lft_schedule\n"
        f"(inst,) = read({str(J301)!r}, None)\n"
        "sol = lft_schedule(inst)\n"
        "print(json.dumps({'numba': 'numba' in sys.modules, 'start': list(sol.start)}))\n"
    )
    assert out["numba"] is False
    (inst,) = read(J301, None)
    assert tuple(out["start"]) == lft_schedule(inst).start  # the compiled pass (conftest)


@settings(max_examples=150, deadline=None)
@given(tiny_instances(max_jobs=6))
def test_interpreted_kernels_give_the_compiled_schedules(inst):
    compiled = lft_schedule(inst)
    with interpreted():
        assert lft_schedule(inst) == compiled
    try:
        data = SgsData.of(inst)
    except ValueError:
        return
    prio = rule_values(data, "lst")
    fast = Decoder(data)
    ms = fast.parallel(prio)
    slow = Decoder(data)
    with interpreted():
        assert slow.parallel(prio) == ms
    if ms >= 0:
        assert (slow.start == fast.start).all()


@pytest.mark.parametrize(
    "inst",
    [
        *read(J301, None),
        *read(INSTANCES / "PSP1.SCH", None),
        generate(40, seed=3, p_downtime=1.0, p_disjunctive=0.5),
        generate(100, seed=1),
    ],
    ids=lambda inst: inst.name,
)
def test_interpreted_lft_schedule_matches_the_compiled_one(inst):
    with interpreted():
        slow = lft_schedule(inst)
    assert slow is not None and slow == lft_schedule(inst)


def test_only_small_instances_run_the_pass_interpreted():
    (inst,) = read(J301, None)
    long = dataclasses.replace(inst, durations=tuple(100 * d for d in inst.durations))
    assert inst.num_jobs * inst.horizon <= INTERPRETED_PASS_CELLS < long.num_jobs * long.horizon
    assert small_pass(inst) and auto_warmup(inst) is warm_cpsat
    assert not small_pass(long) and auto_warmup(long) is None
    # this process has loaded the kernels (conftest): the compiled pass is the cheaper one
    assert not interpreted_pass(inst)


def test_auto_loads_the_kernels_outside_its_budget(monkeypatch):
    """With the quick stages off, j301_1 reaches the GA stage: the kernel load before it (here a
    0.5 s sleep) leaves the last CP-SAT stage the budget it had without the load."""
    (inst,) = read(J301, None)
    monkeypatch.setattr(auto_module, "QUICK", (0.0, 0.0))
    monkeypatch.setattr(auto_module, "PREEMPTIVE_SHARE", 0.0)
    budgets: list[float] = []
    real = auto_module.solve_cpsat

    def cpsat(instance, *, time_limit, **kw):
        budgets.append(time_limit)
        return real(instance, time_limit=time_limit, **kw)

    def ga(instance, *, time_limit, threads, seed, hint):
        return Result("rcpsp", instance.name, "ga", Status.UNKNOWN)

    monkeypatch.setattr(auto_module, "solve_cpsat", cpsat)
    monkeypatch.setattr(auto_module, "warm_search", lambda: time.sleep(0.5))
    began = time.perf_counter()
    res = auto_module.solve_auto(
        inst, time_limit=5.0, threads=1, seed=0, ga=ga, lns=lambda *a, **k: None
    )
    assert time.perf_counter() - began >= 0.5
    assert [s["stage"] for s in res.stats["stages"]][:2] == ["ga", "cpsat"]
    reserve = auto_module.reserve_for_energetic(5.0)
    assert budgets[0] > 5.0 - reserve - 0.25  # a counted load would leave 4.4 s
    assert res.status is Status.OPTIMAL and res.objective == 43


def test_an_interpreted_random_kernel_leaves_numpys_global_draws_alone():
    """``sample_list`` seeds ``np.random`` inside its kernel; run as Python that would reseed
    the caller's global generator (numba's own generator is separate when compiled)."""
    import numpy as np

    from planner.rcpsp.heuristics.priority import sample_list

    data = SgsData.of(read(J301)[0])
    value = rule_values(data, "lft")
    np.random.seed(12345)
    expected = np.random.random(3)
    np.random.seed(12345)
    with interpreted():
        first = sample_list(data, value, seed=7)
        again = sample_list(data, value, seed=7)
    assert np.array_equal(first, again)  # the kernel's own draws are still seeded
    assert np.array_equal(np.random.random(3), expected)
