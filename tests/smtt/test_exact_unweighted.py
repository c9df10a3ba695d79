"""Exact 1||ΣTj (Branch & Memorize: batched and per-start-time numba engines, Python) against
brute force."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.smtt.bounds import pairing_bound
from planner.smtt.evaluate import tardiness
from planner.smtt.exact import solve_unweighted


def brute(p: list[int], d: list[int]) -> int:
    return min(tardiness(p, d, o) for o in itertools.permutations(range(len(p))))


@st.composite
def instances(draw, max_n: int = 8):
    n = draw(st.integers(1, max_n))
    # small ranges force ties; 10**8 spreads the start times (sorted, not marked, in the
    # batched engine)
    pmax = draw(st.sampled_from([1, 3, 10, 100, 10**8]))
    p = draw(st.lists(st.integers(0, pmax), min_size=n, max_size=n))
    total = sum(p)
    d = draw(st.lists(st.integers(-pmax, total + pmax), min_size=n, max_size=n))
    return p, d


ENGINES = ["batch", "memo", "python"]


def check(p: list[int], d: list[int], engine: str) -> None:
    out = solve_unweighted(p, d, time_limit=30, engine=engine)
    opt = brute(p, d)
    assert out.optimal
    assert sorted(out.order) == list(range(len(p)))
    assert tardiness(p, d, out.order) == out.objective == opt
    assert out.bound == opt


@pytest.mark.parametrize("engine", ENGINES)
@settings(max_examples=300, deadline=None)
@given(inst=instances(max_n=7))
def test_matches_brute_force(engine, inst):
    check(*inst, engine)


@pytest.mark.parametrize("engine", ENGINES)
@settings(max_examples=40, deadline=None)
@given(inst=instances(max_n=8))
def test_matches_brute_force_n8(engine, inst):
    check(*inst, engine)


@pytest.mark.parametrize("engine", ENGINES)
def test_ties_zero_times_negative_due_dates(engine):
    check([0, 0, 3, 3, 3, 0], [-2, 0, 3, 3, -1, 5], engine)
    check([5, 5, 5, 5], [5, 5, 5, 5], engine)
    check([0, 0, 0], [-1, -1, 0], engine)


@settings(max_examples=100, deadline=None)
@given(instances(max_n=8))
def test_pairing_bound_is_valid(inst):
    p, d = inst
    assert pairing_bound(p, d) <= brute(p, d)


@pytest.mark.parametrize("engine", ENGINES)
def test_time_limit_returns_incumbent_and_bound(engine):
    # a 60-job instance cannot be solved in zero time; the answer must still be valid
    p = [(j * 37) % 97 + 1 for j in range(60)]
    total = sum(p)
    d = [(j * 53) % (total // 2) for j in range(60)]
    upper = sorted(range(60), key=lambda j: p[j])
    out = solve_unweighted(p, d, time_limit=0.0, upper_order=upper, engine=engine)
    assert sorted(out.order) == list(range(60))
    assert out.objective == tardiness(p, d, out.order)
    assert out.objective <= tardiness(p, d, upper)
    assert 0 <= out.bound <= out.objective
    assert not out.optimal or out.bound == out.objective


@pytest.mark.parametrize("engine", ENGINES)
def test_medium_instance_agrees_with_decomposition_free_dp(engine):
    # n = 12: compare with a Held-Karp DP over subsets (independent of Lawler's theory)
    p = [7, 3, 9, 1, 4, 9, 2, 6, 5, 9, 0, 3]
    d = [10, 5, 30, 2, 12, 25, 8, 20, 14, 40, -3, 11]
    n = len(p)
    total = [0] * (1 << n)
    for m in range(1, 1 << n):
        low = (m & -m).bit_length() - 1
        total[m] = total[m & (m - 1)] + p[low]
    best = [0] + [None] * ((1 << n) - 1)
    for m in range(1, 1 << n):
        c = total[m]
        b = None
        mm = m
        while mm:
            low = mm & -mm
            j = low.bit_length() - 1
            v = best[m ^ low] + max(0, c - d[j])
            if b is None or v < b:
                b = v
            mm ^= low
        best[m] = b
    out = solve_unweighted(p, d, time_limit=30, engine=engine)
    assert out.optimal and out.objective == best[-1]


def test_engines_agree_on_40_jobs():
    # random instances with clustered due dates, where the decompositions branch most
    import random

    rng = random.Random(7)
    for _ in range(20):
        p = [rng.randint(1, 30) for _ in range(40)]
        total = sum(p)
        d = [rng.randint(int(0.3 * total), int(0.5 * total)) for _ in range(40)]
        outs = [solve_unweighted(p, d, time_limit=60, engine=e) for e in ENGINES]
        assert all(o.optimal for o in outs)
        values = {o.objective for o in outs} | {tardiness(p, d, o.order) for o in outs}
        assert len(values) == 1


def test_memo_growth_and_statistics(monkeypatch):
    # a tiny first table, so that it must double (and the search restart) several times
    import random

    from planner.smtt.exact import unweighted

    monkeypatch.setattr(unweighted, "_FIRST_CAPACITY", 16)
    monkeypatch.setattr(unweighted, "_MEMO_MIN", 3)

    rng = random.Random(3)
    p = [rng.randint(1, 100) for _ in range(80)]
    total = sum(p)
    d = [rng.randint(int(0.3 * total), int(0.5 * total)) for _ in range(80)]
    out = solve_unweighted(p, d, time_limit=60, engine="memo")
    assert out.optimal
    assert out.stats["memo_restarts"] >= 1
    assert out.stats["memo_size"] > 64
    assert out.objective == solve_unweighted(p, d, time_limit=60, engine="python").objective


def test_unknown_engine_is_rejected():
    with pytest.raises(ValueError, match="engine"):
        solve_unweighted([1], [0], time_limit=1, engine="fortran")


def subset_dp(p: list[int], d: list[int], start: int) -> int:
    """Optimal total tardiness of all jobs started at ``start`` (Held-Karp over subsets)."""
    n = len(p)
    total = [start] * (1 << n)
    best = [0] * (1 << n)
    for m in range(1, 1 << n):
        low = (m & -m).bit_length() - 1
        total[m] = total[m & (m - 1)] + p[low]
        c = total[m]
        b = None
        mm = m
        while mm:
            bit = mm & -mm
            j = bit.bit_length() - 1
            v = best[m ^ bit] + max(0, c - d[j])
            if b is None or v < b:
                b = v
            mm ^= bit
        best[m] = b
    return best[-1]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_batch_values_of_every_set_and_start_time(seed):
    # every (job set, start time) the batched engine values must hold that sub-problem's
    # optimum; checked against a subset DP at sampled entries, including peeled start times
    import random
    import time

    import numpy as np

    from planner.smtt.exact import _batch_kernel as B
    from planner.smtt.exact.unweighted import _edd_data

    rng = random.Random(seed)
    n = 60
    p = [rng.randint(1, 100) for _ in range(n)]
    total = sum(p)
    d = [rng.randint(int(0.3 * total), int(0.5 * total)) for _ in range(n)]
    edd, job = _edd_data(p, d)
    st = np.zeros(B.C_SIZE, dtype=np.int64)
    status, root, SB, SI, PT, PV, *_ = B.search(
        job, n, time.perf_counter_ns() + 60 * 10**9, 1 << 30, st
    )
    assert status == B.OK
    entries = [
        (s, i) for s in range(int(st[B.C_SETS])) for i in range(SI[s, B.I_PN]) if SI[s, B.I_N] <= 10
    ]
    assert len(entries) > 100
    assert len({SI[s, B.I_N] for s, _ in entries}) >= 5
    for s, i in rng.sample(entries, 80):
        jobs = [edd[e] for e in range(n) if (int(SB[s, e >> 6]) >> (e & 63)) & 1]
        assert len(jobs) == SI[s, B.I_N]
        point = SI[s, B.I_P0] + i
        t = int(PT[point])
        assert PV[point] == subset_dp([p[j] for j in jobs], [d[j] for j in jobs], t)
    reference = solve_unweighted(p, d, time_limit=60, engine="python").objective
    assert int(PV[SI[root, B.I_P0]]) == reference


def test_batch_memory_budget_falls_back_to_per_start_time_engine(monkeypatch):
    import random

    from planner.smtt.exact import unweighted

    rng = random.Random(5)
    p = [rng.randint(1, 50) for _ in range(60)]
    total = sum(p)
    d = [rng.randint(int(0.3 * total), int(0.5 * total)) for _ in range(60)]
    reference = solve_unweighted(p, d, time_limit=60, engine="python").objective
    monkeypatch.setattr(unweighted, "BATCH_BYTES", 1024)
    out = solve_unweighted(p, d, time_limit=60)
    assert out.stats["batch_unavailable"] == "memory"
    assert out.optimal and out.objective == reference == tardiness(p, d, out.order)
    alone = solve_unweighted(p, d, time_limit=60, engine="batch")
    assert not alone.optimal and alone.stats["batch_unavailable"] == "memory"
    assert alone.objective == tardiness(p, d, alone.order) >= reference >= alone.bound


def test_total_processing_time_beyond_31_bits_goes_to_per_start_time_engine():
    p = [2**30, 2**30 - 7, 5, 2**29]
    d = [2**30, 3, 2**31, 2**30 + 9]
    out = solve_unweighted(p, d, time_limit=30)
    assert out.stats["batch_unavailable"] == "range"
    assert out.optimal and out.objective == brute(p, d) == tardiness(p, d, out.order)


def test_batch_agrees_with_per_start_time_engine_on_hard_class():
    # rdd 0.2, tf 0.6 (the hardest T'Kindt class): sets are asked for at many start
    # times, so the batched walk runs over several blocks with different skips
    import time

    import numpy as np

    from planner.smtt.exact import _batch_kernel as B
    from planner.smtt.exact.unweighted import _edd_data
    from planner.smtt.generate import generate

    widest = 0
    for inst in generate(80, 0.6, 0.2, count=6, seed=11):
        p, d = list(inst.p), list(inst.d)
        a = solve_unweighted(p, d, time_limit=60, engine="batch")
        b = solve_unweighted(p, d, time_limit=60, engine="memo")
        assert a.optimal and b.optimal
        assert a.objective == b.objective == tardiness(p, d, a.order)
        _, job = _edd_data(p, d)
        st = np.zeros(B.C_SIZE, dtype=np.int64)
        _, _, _, SI, *_ = B.search(job, len(p), time.perf_counter_ns() + 60 * 10**9, 1 << 30, st)
        widest = max(widest, int(SI[: st[B.C_SETS], B.I_PN].max()))
    assert widest > 4 * B._BLOCK
