"""The certificate rules of ``core.solve`` / ``certify``, one test per rule.

Each test runs a deliberately dishonest method of the toy family (tests/core/toyfam.py)
and checks that the core, not the method, decides the status.
"""

import json

import pytest

from planner.core import Result, Status, certify, solve

COSTS = (5, 3, 9)  # optimum 3 (index 1), worst 9 (index 2)


@pytest.fixture
def inst(toy):
    return toy.ToyInstance("a", COSTS)


def test_exact_claim_with_a_wrong_objective_is_not_optimal(inst):
    r = solve(inst, "fake-optimal")
    assert r.status is Status.FEASIBLE
    assert r.objective == 9 and r.stats["objective_reported"] == 3
    assert r.bound == 0 and r.gap == 1.0
    assert r.stats["ignored_claim"].startswith("OPTIMAL")


def test_bound_above_the_optimum_is_dropped_not_replaced(inst):
    r = solve(inst, "high-bound")
    assert r.stats["invalid_bound"] == 4
    assert r.objective == 3 and r.bound == 0  # the family's valid lower bound, not the objective
    assert r.status is Status.FEASIBLE  # the claim came with an invalid bound


def test_heuristic_bound_above_objective_is_dropped(inst):
    r = solve(inst, "overbound")
    assert r.stats["invalid_bound"] == 10 and r.bound == 0
    assert r.status is Status.FEASIBLE


def test_builtin_heuristic_cannot_claim_optimal(inst):
    r = solve(inst, "claim-optimal")
    assert r.status is Status.FEASIBLE and r.objective == 9
    assert "cannot prove optimality" in r.stats["ignored_claim"]


def test_heuristic_is_optimal_when_objective_meets_a_valid_bound(toy):
    r = solve(toy.ToyInstance("z", (0, 4)), "first")  # objective 0 = lower bound 0
    assert r.status is Status.OPTIMAL and r.bound == 0


def test_builtin_heuristic_cannot_claim_infeasible(inst):
    r = solve(inst, "claim-infeasible")
    assert r.status is Status.UNKNOWN and r.bound == 0
    assert "cannot prove infeasibility" in r.reason and "too hard" in r.reason


def test_exact_infeasible_claim_needs_a_reason(inst):
    r = solve(inst, "silent-infeasible")
    assert r.status is Status.UNKNOWN and "no reason" in r.reason
    r = solve(inst, "prove-infeasible")
    assert r.status is Status.INFEASIBLE and r.reason == "no item fits"
    assert r.objective is None and r.bound is None and r.solution is None


def test_verified_solution_refutes_an_infeasible_claim(inst):
    r = solve(inst, "refuted-infeasible")
    assert r.status is Status.FEASIBLE and r.objective == 5 and r.verified
    assert "refutes" in r.stats["ignored_claim"]


def test_exact_claim_is_accepted(inst):
    r = solve(inst, "exact")
    assert r.status is Status.OPTIMAL and r.objective == r.bound == 3


@pytest.fixture
def plugin(tmp_path):
    path = tmp_path / "claims.py"
    path.write_text(
        "from planner.core import Result, Status\n"
        "from toyfam import ToySolution\n"
        "def infeasible(instance):\n"
        "    return Result('toy', instance.name, 'x', Status.INFEASIBLE, reason='trust me')\n"
        "def optimal(instance):\n"
        "    return Result('toy', instance.name, 'x', Status.OPTIMAL, objective=0,\n"
        "                  bound=9, solution=ToySolution(2))\n"
    )
    return path


def test_external_method_cannot_claim_infeasible(inst, plugin):
    r = solve(inst, f"{plugin}:infeasible")
    assert r.status is Status.UNKNOWN and not r.verified
    assert "INFEASIBLE" in json.dumps(r.stats["ignored_claim"])


def test_external_method_claim_and_bound_are_ignored(inst, plugin):
    r = solve(inst, f"{plugin}:optimal")
    assert r.status is Status.FEASIBLE and r.objective == 9
    assert r.bound == 0  # the family's lower bound; the plugin's bound 9 is never used
    assert "OPTIMAL" in json.dumps(r.stats["ignored_claim"])


def test_certify_without_method_trusts_only_registered_names(toy, inst):
    claim = Result("toy", "a", "exact", Status.OPTIMAL, solution=toy.ToySolution(0))
    assert certify(toy.FAMILY, inst, claim).status is Status.OPTIMAL  # registered exact
    claim = Result("toy", "a", "mine", Status.OPTIMAL, solution=toy.ToySolution(0))
    assert certify(toy.FAMILY, inst, claim).status is Status.FEASIBLE
    claim = Result("toy", "a", "exact", Status.OPTIMAL, solution=toy.ToySolution(0))
    assert certify(toy.FAMILY, inst, claim, trusted=False).status is Status.FEASIBLE


def test_integer_objectives_stay_exact(toy):
    big = 10**18 + 17
    r = solve(toy.ToyInstance("big", (big + 3, big)), "exact")
    assert r.objective == big and isinstance(r.objective, int)
    assert isinstance(r.bound, int) and r.gap == 0
    text = json.dumps(r.to_dict())
    assert f'"objective": {big}' in text and f'"bound": {big}' in text


def test_fractional_bound_of_an_integer_family_is_rounded_up(toy, inst):
    claim = Result("toy", "a", "first", Status.FEASIBLE, bound=2.5, solution=toy.ToySolution(0))
    r = certify(toy.FAMILY, inst, claim)
    assert r.bound == 3 and isinstance(r.bound, int)
    claim = Result(
        "toy", "a", "first", Status.FEASIBLE, bound=4.9999999, solution=toy.ToySolution(0)
    )
    r = certify(toy.FAMILY, inst, claim)
    assert r.bound == 5 and r.status is Status.OPTIMAL
