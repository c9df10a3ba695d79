"""Cheap lower bounds: valid against brute force, and tight where they should be."""

from __future__ import annotations

from hypothesis import given, settings

from planner.smtt.bounds import lower_bound, pairing_bound
from planner.smtt.instance import Instance

from .strategies import brute_force, small_instances


@settings(max_examples=200, deadline=None)
@given(small_instances(max_n=7))
def test_bound_never_exceeds_the_optimum(inst: Instance):
    assert 0 <= lower_bound(inst) <= brute_force(inst)


def test_bound_is_exact_when_spt_equals_edd_and_all_late():
    # every job tardy, SPT order is also EDD order: the pairing bound is the optimum
    inst = Instance("a", p=[1, 2, 3], d=[0, 0, 0])
    assert lower_bound(inst) == brute_force(inst) == 1 + 3 + 6


def test_weighted_bound_uses_the_last_job_and_own_lateness():
    inst = Instance("a", p=[5, 5], d=[10, 10], w=[3, 7])
    assert lower_bound(inst) == 0  # both can be on time
    inst = Instance("b", p=[5, 5], d=[0, 100], w=[3, 7])
    assert lower_bound(inst) == 15 == brute_force(inst)  # job 0 is late by at least 5
    inst = Instance("c", p=[5, 5], d=[1, 1], w=[3, 7])
    assert lower_bound(inst) >= 3 * 9  # someone finishes at 10


def test_pairing_bound_from_a_start_time():
    assert pairing_bound([2, 1], [0, 0], start=10) == 11 + 13
