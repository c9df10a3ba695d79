"""The library call ``planner.pipelining.schedule``."""

from __future__ import annotations

import json

from planner.core.result import Status
from planner.pipelining import schedule
from planner.pipelining.bounds import compute_bounds
from planner.pipelining.generate import generate

from .strategies import INSTANCES


def test_schedule_a_bundled_kernel_by_name():
    result = schedule("fa3_fwd_hopper", time_limit=60, method="exact", threads=2, explain=True)
    assert result.status is Status.OPTIMAL
    assert result.stats["explain"]["binding"]


def test_schedule_with_fewer_warps_and_another_machine():
    raw = json.loads((INSTANCES / "fa3_fwd_hopper.json").read_text())
    one = schedule(raw, time_limit=10, warps=1, method="exact")
    assert one.status is Status.INFEASIBLE and "producer" in one.reason
    loop = generate(10, 3, 1, seed=9)[0]
    wider = dict(loop.machine.to_dict(), warp_groups=loop.machine.warp_groups + 1)
    result = schedule(loop, machine=wider, time_limit=10)
    assert result.verified
    mii = compute_bounds(loop).mii
    capped = schedule(loop, time_limit=10, max_ii=mii - 1, method="exact")
    assert capped.status is Status.INFEASIBLE and "lower bound" in capped.reason
