"""Methods stop at the deadline with a verified plan and say so (no timings asserted)."""

from __future__ import annotations

import numpy as np

import planner
from planner.core.result import Status
from planner.core.timing import Deadline
from planner.offload import mip
from planner.offload.evaluate import verify
from planner.offload.generate import generate
from planner.offload.instance import Solution
from planner.offload.policies import LRUPolicy
from planner.offload.policy import CHECK_EVERY, simulate, simulate_until


def test_policy_stopped_by_the_deadline_keeps_its_last_set():
    inst = generate("llada2-mini", steps=3 * CHECK_EVERY, layers=2, seed=1)
    mask, decided = simulate_until(inst, LRUPolicy(), Deadline(0.0))
    assert decided == CHECK_EVERY  # the first look at the (spent) deadline
    full = simulate(inst, LRUPolicy())
    assert np.array_equal(mask[:decided], full[:decided])
    assert (mask[decided:] == mask[decided - 1]).all()
    assert verify(inst, Solution.from_mask(mask)) == []
    unlimited, steps = simulate_until(inst, LRUPolicy(), Deadline(None))
    assert steps == inst.steps and np.array_equal(unlimited, full)


def test_exact_skips_models_it_cannot_build_and_stays_certified(monkeypatch):
    inst = generate("llada2-mini", steps=8, layers=2, seed=2)
    monkeypatch.setattr(mip, "BUILD_S_PER_CELL", 1e9)  # no model fits any limit
    r = planner.solve(inst, "exact", time_limit=5)
    assert r.status is Status.FEASIBLE
    assert r.stats["mip"]["skipped_layers"] == inst.layers
    assert r.bound is not None and r.bound <= r.objective
    assert verify(inst, r.solution) == []


def test_auto_looks_at_the_deadline_every_step():
    from planner.offload.adaptive import AdaptivePolicy

    inst = generate("llada2-mini", steps=3, layers=1, seed=1)
    mask, decided = simulate_until(inst, AdaptivePolicy(), Deadline(0.0))
    assert decided == 1
    assert (mask[1:] == mask[0]).all()
    ahead, decided = mip.lookahead_until(inst, Deadline(0.0))
    assert decided == 1 and (ahead[1:] == ahead[0]).all()


def test_policies_leave_time_for_the_answer_of_a_long_trace():
    from planner.offload.methods import (
        ANSWER_S_PER_CELL,
        ANSWER_S_PER_ROW,
        POLICY_SHARE,
        policy_deadline,
    )

    short = generate("llada2-mini", steps=8, layers=2, seed=1)
    assert policy_deadline(short, 2.0).remaining() <= POLICY_SHARE * 2.0
    assert policy_deadline(short, 2.0).remaining() > POLICY_SHARE * 2.0 - 0.1  # all of its half
    long = generate("llada2-mini", steps=64, layers=2, seed=1)
    limit = 1.5 * ANSWER_S_PER_CELL * long.counts.size  # answer time = 2/3 of the limit
    assert policy_deadline(long, limit).remaining() <= limit / 3 + 1e-9
    assert policy_deadline(long, 0.5 * limit).expired()  # nothing left to decide steps in
    # every decided step adds its rows' answer time (all layers)
    assert policy_deadline(long, limit).step_s == ANSWER_S_PER_ROW * long.layers


def test_a_policy_stops_when_its_decided_steps_would_outlast_the_limit():
    from planner.offload.policy import StepDeadline

    inst = generate("llada2-mini", steps=4 * CHECK_EVERY, layers=2, seed=1)
    # a limit of 1e6 s that wall time never touches, each decided step's rows "costing"
    # 1e6 / (2 * CHECK_EVERY) s: the look at 2 * CHECK_EVERY decided steps stops the policy
    mask, decided = simulate_until(inst, LRUPolicy(), StepDeadline(1e6, 1e6 / (2 * CHECK_EVERY)))
    assert decided == 2 * CHECK_EVERY
    full = simulate(inst, LRUPolicy())
    assert np.array_equal(mask[:decided], full[:decided])
    assert (mask[decided:] == mask[decided - 1]).all()
    # without the per-step cost the same limit lets it decide every step
    _, every = simulate_until(inst, LRUPolicy(), StepDeadline(1e6, 0.0))
    assert every == inst.steps
