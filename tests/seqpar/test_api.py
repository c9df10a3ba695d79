"""The library entry points: assign() for one step, plan_run() for a run of steps."""

from __future__ import annotations

import numpy as np
import pytest

from planner.core.errors import InputError
from planner.core.result import Status
from planner.seqpar import Cluster, assign, get_preset, plan_run, read_lengths

from .strategies import INSTANCES


def test_assign_covers_the_batch():
    lengths = [70_000, 4000, 800, 800, 500, 12_000, 300]
    plan = assign(lengths, 16, "flexsp-7b", time_limit=0.5)
    assert plan.status in (Status.OPTIMAL, Status.FEASIBLE) and plan.step_time_s > 0
    seen = sorted(i for mb in plan.microbatches for g in mb for i in g.sequences)
    assert seen == list(range(len(lengths)))
    assert plan.bound_s <= plan.step_time_s + 1e-9
    for mb in plan.microbatches:
        assert sum(g.degree for g in mb) <= 16


def test_assign_with_cost_model_and_infeasible():
    p = get_preset("flexsp-13b")
    plan = assign(np.array([1000, 2000]), p.cluster(8), p.cost(), time_limit=1, method="ls")
    assert plan.status is Status.FEASIBLE
    too_long = assign([10**7], 8, time_limit=1)
    assert too_long.status is Status.INFEASIBLE and "10000000 tokens" in too_long.reason
    assert too_long.microbatches == []
    with pytest.raises(InputError, match="Cluster"):
        assign([1], 8, p.cost())


def test_plan_run_totals():
    pool = read_lengths(INSTANCES / "wikipedia_sample.txt")
    seen = []
    report = plan_run(
        pool,
        batch=32,
        steps=3,
        gpus=16,
        max_len=65536,
        time_limit=0.5,
        method="ls",
        on_step=seen.append,
    )
    tot = report.totals()
    assert len(seen) == 3 and tot["steps"] == tot["planned"] == 3
    assert tot["total_s"] == pytest.approx(sum(s.time_s for s in report.steps))
    assert tot["speedup_adaptive"] >= 1.0 - 1e-9 and tot["steps_slower_than_adaptive"] == 0
    assert tot["speedup_static"] >= tot["speedup_adaptive"] - 1e-9
    assert 0 <= tot["solve_s"]["p50"] <= tot["solve_s"]["max"]
    assert isinstance(Cluster(gpus=8, gpus_per_node=8, memory_mb=1.0), Cluster)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"cluster": float("inf")}, "cluster inf: must be an integer"),  # was OverflowError
        ({"cluster": None}, "cluster None: must be an integer"),  # was TypeError
        ({"lengths": 5}, "lengths: expected a sequence of token counts, got 5"),
        ({"lengths": "100 200"}, "lengths: expected a sequence"),
    ],
)
def test_make_instance_names_a_bad_argument(kwargs, message):
    """s15bad: TypeError / OverflowError from int() and list() before."""
    from planner.seqpar.api import make_instance

    with pytest.raises(InputError, match=message):
        make_instance(**{"lengths": [100, 2000, 300], "cluster": 16, **kwargs})


def test_plan_run_totals_leave_unplanned_steps_out_and_say_so():
    """A step without a plan has its reason; the totals say how many steps they cover."""
    from planner.seqpar.api import RunReport, StepRecord

    ok = StepRecord(0, "FEASIBLE", 2.0, 4.0, 3.0, 1.5, 0.1, 1)
    miss = StepRecord(1, "UNKNOWN", None, None, None, None, 0.2, 0, reason="no plan found in time")
    tot = RunReport([ok, miss]).totals()
    assert tot["planned"] == 1 and tot["total_s"] == 2.0
    assert tot["unplanned"] == {"steps": 1, "first": 1, "reason": "no plan found in time"}
    none = RunReport([miss]).totals()
    assert none["total_s"] is None and none["planned"] == 0
    assert "unplanned" not in RunReport([ok]).totals()
