"""Quick infeasibility checks: each fires with its reason, none fires on a feasible instance."""

from __future__ import annotations

from hypothesis import given, settings

from planner.rcpsp.feasibility import infeasibility_reason
from planner.rcpsp.instance import Downtime, Instance, Precedence

from .helpers import brute_force, tiny_instances


def inst(**kw) -> Instance:
    base = dict(name="t", durations=(2, 3), demands=((1,), (2,)), capacities=(2,))
    base.update(kw)
    return Instance(**base)


def test_reasons():
    assert infeasibility_reason(inst()) is None
    assert "needs 3 units of R1" in infeasibility_reason(inst(demands=((1,), (3,))))
    cyc = inst(precedences=(Precedence(0, 1), Precedence(1, 0, -1)))
    assert "cycle of positive length 1" in infeasibility_reason(cyc)
    late = inst(precedences=(Precedence(0, 1),), deadline=(None, 4))
    assert "deadline 4" in infeasibility_reason(late)
    down = inst(downtimes=(Downtime(0, 1, 3, 1), Downtime(0, 5, 9, 0)), deadline=(None, 8))
    assert "between downtime" in infeasibility_reason(down)
    pair = inst(disjunctive=((0, 1),), deadline=(3, 4))
    assert "force them to overlap" in infeasibility_reason(pair)


@settings(max_examples=150, deadline=None)
@given(tiny_instances(max_jobs=3))
def test_never_flags_a_feasible_instance(inst):
    reason = infeasibility_reason(inst)
    if reason is not None:
        assert brute_force(inst, inst.horizon + 3) is None, reason


def test_explanations_name_the_conflict():
    from planner.rcpsp.feasibility import explain_infeasibility

    # lags and a deadline alone conflict (no resource needed)
    timing = inst(precedences=(Precedence(0, 1), Precedence(1, 0, -10)), deadline=(None, 4))
    assert "without any resource" in explain_infeasibility(timing)
    # the pair must overlap under its windows only because R1 is too small: R1 is named
    squeeze = inst(demands=((2,), (2,)), deadline=(4, 4))
    assert "resource R1" in explain_infeasibility(squeeze)
