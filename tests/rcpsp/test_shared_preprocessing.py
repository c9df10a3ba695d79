"""Preprocessing done once per instance, and in blocks: what ``auto`` spent before any stage.

At 3,000 jobs ``solve rcpsp -m auto -t 1`` spent about 3 CPU s before its first stage
(twenty-sixth session's "Left"): the feasibility checks twice (``auto`` and the ``lns`` stage's
set-up), the SGS arrays twice (the first schedule and the ``lns`` set-up), and seven calls of
``network.windows`` that each allocated three n x n temporaries.
"""

from __future__ import annotations

import tracemalloc
from types import SimpleNamespace

import numpy as np
import pytest

import planner
from planner.rcpsp import feasibility
from planner.rcpsp import generate as G
from planner.rcpsp.evaluate import verify
from planner.rcpsp.heuristics.data import SgsData, _csr
from planner.rcpsp.network import distances, windows


def _project(n: int, seed: int = 1):
    return G.generate(n, seed=seed)


def test_auto_runs_the_feasibility_checks_once(monkeypatch):
    """Past ``LARGE`` jobs ``auto`` hands over to ``lns``, whose set-up asked again (main: 2)."""
    inst = _project(120)
    calls = []
    real = feasibility.positive_cycle
    monkeypatch.setattr(feasibility, "positive_cycle", lambda i: calls.append(1) or real(i))
    res = planner.solve(inst, "auto", time_limit=0.5, threads=1)
    assert res.solution is not None and verify(inst, res.solution) == []
    assert len(calls) == 1


def test_the_feasibility_answer_is_kept_with_the_instance(monkeypatch):
    inst = G.generate(12, seed=3, p_downtime=1.0, p_window=0.5, p_disjunctive=0.5)
    first = feasibility.infeasibility_reason(inst)
    monkeypatch.setattr(feasibility, "positive_cycle", lambda i: pytest.fail("checked again"))
    assert feasibility.infeasibility_reason(inst) == first


def test_sgs_data_is_built_once_per_instance():
    inst = _project(30)
    data = SgsData.of(inst)
    assert SgsData.of(inst) is data  # main built it anew on every call
    other = SgsData.of(inst, horizon=data.horizon + 5)  # an explicit horizon: its own arrays
    assert other is not data and other.horizon == data.horizon + 5


def _whole_matrix_windows(inst, dist, horizon):
    """The formulas of ``windows``' docstring over the whole matrix (the code before blocks)."""
    dur = np.asarray(inst.durations, dtype=float)
    rel = np.asarray(inst.release, dtype=float)
    h = inst.horizon if horizon is None else horizon
    lf = np.array([h if d is None else min(h, d) for d in inst.deadline], dtype=float)
    es = np.maximum(np.max(rel[:, None] + dist, axis=0), rel)
    tail = np.max(dist + dur[None, :], axis=1)
    ls = np.minimum(np.min((lf - dur)[None, :] - dist, axis=1), h - tail)
    return es, ls, tail


def _fake(n: int, rng: np.random.Generator) -> SimpleNamespace:
    """What ``windows`` reads of an instance, drawn at random (deadlines on some jobs)."""
    return SimpleNamespace(
        num_jobs=n,
        durations=rng.integers(0, 10, n).tolist(),
        release=rng.integers(0, 5, n).tolist(),
        deadline=[int(d) if d > 40 else None for d in rng.integers(0, 80, n)],
        horizon=int(rng.integers(50, 200)),
    )


@pytest.mark.parametrize("n", [1, 2, 127, 128, 129, 300])
def test_windows_by_blocks_equal_the_whole_matrix_formulas(n):
    rng = np.random.default_rng(n)
    for _ in range(5):
        inst = _fake(n, rng)
        dist = np.where(rng.random((n, n)) < 0.7, -np.inf, rng.integers(-20, 30, (n, n)))
        np.fill_diagonal(dist, 0.0)
        for horizon in (None, inst.horizon + 17):
            got = windows(inst, dist, horizon)
            for a, b in zip(
                (got.es, got.ls, got.tail), _whole_matrix_windows(inst, dist, horizon), strict=True
            ):
                assert a.dtype == b.dtype and np.array_equal(a, b)


def test_windows_on_a_project_equal_the_whole_matrix_formulas():
    inst = G.generate(60, seed=5, p_downtime=0.5, p_window=0.5, p_disjunctive=0.3)
    dist = distances(inst)
    got = windows(inst, dist)
    for a, b in zip(
        (got.es, got.ls, got.tail), _whole_matrix_windows(inst, dist, None), strict=True
    ):
        assert np.array_equal(a, b)


def test_windows_allocate_no_matrix_sized_temporary():
    """1,000 jobs: the matrix is 8 MB; main's formulas peaked at 8 MB of temporaries per call."""
    n = 1000
    rng = np.random.default_rng(0)
    inst = _fake(n, rng)
    dist = np.where(rng.random((n, n)) < 0.5, -np.inf, 1.0)
    tracemalloc.start()
    try:
        windows(inst, dist)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < dist.nbytes / 4


def test_csr_lists_each_pair_under_its_first_item_in_the_given_order():
    rng = np.random.default_rng(7)
    for trial in range(200):
        n = int(rng.integers(1, 30))
        m = int(rng.integers(0, 60))
        pairs = [(int(a), int(b)) for a, b in rng.integers(0, n, (m, 2))]
        values = rng.integers(-9, 9, m).tolist() if trial % 2 else None
        ptr, job, val = _csr(n, pairs, values)
        assert ptr.dtype == job.dtype == val.dtype == np.int64
        assert ptr.shape == (n + 1,) and job.shape == val.shape == (m,)
        for a in range(n):
            want = [(b, values[k] if values else 0) for k, (x, b) in enumerate(pairs) if x == a]
            got = list(
                zip(
                    job[ptr[a] : ptr[a + 1]].tolist(),
                    val[ptr[a] : ptr[a + 1]].tolist(),
                    strict=True,
                )
            )
            assert got == want


def test_ga_with_a_schedule_budget_does_not_read_stale_buffers(monkeypatch):
    """A child the SGS cannot schedule kept the start times of whatever the buffer held, and
    ``_select`` compared them: the same seed and budget gave 84 or 89 on one project (main)."""
    from planner.rcpsp.heuristics import ga

    inst = G.generate(60, seed=23, p_downtime=0.0, p_window=0.3, p_disjunctive=0.3, name="r23")
    results = []
    for fill in (0, -1, 2**40):

        def buffers(size: int, n: int, fill: int = fill):
            return tuple(np.full(s, fill, dtype=np.int64) for s in ((size, n), size, (size, n)))

        monkeypatch.setattr(ga, "_offspring_arrays", buffers)
        out = ga.genetic_algorithm(SgsData.of(inst), time_limit=1e6, seed=23, max_schedules=400)
        results.append((out.makespan, None if out.start is None else out.start.tolist()))
    assert results[0] == results[1] == results[2]


def test_lns_whose_set_up_used_the_limit_returns_the_schedule_given():
    """At 3,000 jobs and ``-t 1`` the set-up used the limit and the GA then spent 0.8 CPU s."""
    from planner.rcpsp.heuristics.sgs import lft_schedule
    from planner.rcpsp.methods import METHODS

    inst = _project(30)
    hint = lft_schedule(inst)
    res = METHODS["lns"].func(inst, time_limit=1e-9, threads=1, seed=0, hint=hint)
    assert res.solution == hint and verify(inst, res.solution) == []
    assert res.stats["ga_schedules"] == 0
    assert res.reason == "time limit reached before the GA and LNS started; the schedule given"


def test_a_pickled_instance_leaves_its_caches_behind():
    import pickle

    inst = _project(300)
    fresh = len(pickle.dumps(inst))
    planner.solve(inst, "auto", time_limit=1, threads=1)
    assert "sgs_data" in inst.derived  # the caches are filled...
    copy = pickle.loads(pickle.dumps(inst))
    assert len(pickle.dumps(inst)) == fresh  # ...and do not travel
    assert copy == inst and copy.derived == {}
    assert copy.successors == inst.successors
