"""evaluate / verify: every kind of violation is caught, feasible schedules pass."""

from __future__ import annotations

from planner.rcpsp.evaluate import evaluate, makespan, verify
from planner.rcpsp.instance import Downtime, Instance, Precedence, Solution


def inst(**kw) -> Instance:
    base = dict(
        name="t",
        durations=(2, 3, 2),
        demands=((1,), (2,), (1,)),
        capacities=(2,),
        precedences=(Precedence(0, 1),),
    )
    base.update(kw)
    return Instance(**base)


def test_feasible_schedule_and_makespan():
    i = inst()
    sol = Solution((0, 2, 5))
    assert verify(i, sol) == []
    assert evaluate(i, sol) == 7.0 == makespan(i, sol.start)


def test_each_violation():
    assert "start times" in verify(inst(), Solution((0, 2)))[0]
    assert "finish-to-start" in verify(inst(), Solution((0, 1, 5)))[0]
    assert "usage 3 > capacity 2" in verify(inst(), Solution((0, 2, 2)))[0]
    lagged = inst(precedences=(Precedence(0, 1), Precedence(1, 0, -2)))
    assert "lag -2" in verify(lagged, Solution((0, 3, 6)))[0]
    assert "release" in verify(inst(release=(1, 0, 0)), Solution((0, 2, 5)))[0]
    assert "deadline" in verify(inst(deadline=(None, 4, None)), Solution((0, 2, 5)))[0]
    pair = inst(disjunctive=((0, 2),))
    assert "overlaps" in verify(pair, Solution((0, 2, 1)))[0]
    assert verify(pair, Solution((0, 2, 5))) == []
    down = inst(downtimes=(Downtime(0, 3, 4, 1),))
    assert "capacity 1 on [3, 4)" in verify(down, Solution((0, 2, 5)))[0]
    assert verify(down, Solution((0, 4, 7))) == []


def test_zero_duration_jobs_consume_nothing():
    i = inst(durations=(0, 3, 0), demands=((5,), (2,), (2,)), capacities=(2,))
    assert verify(i, Solution((0, 0, 1))) == []
    assert makespan(i, (0, 0, 1)) == 3


def test_empty_interval_never_overlaps_its_pair():
    i = inst(durations=(2, 0, 2), disjunctive=((1, 2),), precedences=())
    assert verify(i, Solution((0, 1, 0))) == []
