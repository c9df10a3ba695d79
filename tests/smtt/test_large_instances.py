"""A million jobs: reading, MDD's set-up and the certificate are vectorized, with the same answers.

The twenty-fifth session's sweep left ``solve smtt -t 1`` at a million jobs using 3.6-9 CPU s:
the instance's item-by-item validation, MDD's heap set-up and its finish past the deadline, and
``verify`` / ``evaluate`` in Python loops (none of them under the deadline). Main, load 10:
construction 1.14 s, MDD at a 0.01 s deadline 1.24 s, verify + evaluate 1.18 s, the
decomposition 3.4 s; s26limits measured 0.16, 0.45, 0.23, 0.5 s. At load 5-7 (s26review) the
numpy paths took 0.21-0.23, 0.53-0.59, 0.42-0.44 and 0.58-0.63 CPU s, so the bounds are 3x
those: the construction's and the decomposition's still below main's loops, MDD's and the
certificate's not (they guard against the multi-second walks; the equalities carry the rest).
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.core.errors import InputError
from planner.core.timing import Deadline
from planner.smtt import heuristics as H
from planner.smtt.decomposition import decompose
from planner.smtt.evaluate import evaluate, order_faults, tardiness, verify
from planner.smtt.instance import MAX_TOTAL, Instance, Solution

N = 1_000_000


@pytest.fixture(scope="module")
def jobs() -> tuple[list[int], list[int]]:
    """A million jobs of the generator's distribution (TF 0.6, RDD 0.4), as JSON gives them."""
    rng = np.random.default_rng(5)
    p = rng.integers(1, 101, N)
    total = int(p.sum())
    d = rng.integers(int(0.2 * total), int(0.6 * total), N)
    return p.tolist(), d.tolist()


@pytest.fixture(scope="module")
def inst(jobs) -> Instance:
    return Instance("big", *jobs)


def test_a_million_jobs_are_validated_by_numpy(jobs):
    start = time.process_time()
    inst = Instance("big", *jobs)
    assert time.process_time() - start < 0.7
    assert inst.p == tuple(jobs[0]) and all(type(v) is int for v in inst.d[:100])


def test_mdd_at_a_million_jobs_returns_near_its_deadline(inst):
    p, d, _ = inst.arrays
    start = time.process_time()
    order = H.mdd(p, d, Deadline(0.01))
    assert time.process_time() - start < 1.8
    k = 1023  # the deadline has passed at the first clock check: the rest in EDD order
    assert np.array_equal(np.sort(order), np.arange(N))
    assert order[k:] == H.finish_by_edd([], np.setdiff1d(np.arange(N), order[:k]), d)


def test_decomposition_at_a_million_jobs_returns_near_its_deadline(inst):
    # its EDD set-up by Python's sorted with tuple keys took 3.4 CPU s (main, load 10; now 0.5)
    p, d, _ = inst.arrays
    start = time.process_time()
    order = decompose(p, d, Deadline(0.01))
    assert time.process_time() - start < 2.0
    assert order == np.lexsort((np.arange(N), p, d)).tolist()  # no split in time: EDD


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20), st.integers(-20, 200)), min_size=1, max_size=40))
def test_decomposition_sorts_like_the_python_sort(jobs):
    # object arrays (Python ints of any size) take the tuple-key sort, int64 ones numpy's
    p = np.asarray([a for a, _ in jobs])
    d = np.asarray([b for _, b in jobs])
    assert decompose(p, d) == decompose(p.astype(object), d.astype(object))


def test_the_certificate_of_a_million_jobs_is_vectorized(jobs, inst):
    order = np.argsort(np.asarray(jobs[1]), kind="stable").tolist()
    start = time.process_time()
    sol = Solution(order)
    assert verify(inst, sol) == []
    value = evaluate(inst, sol)
    assert time.process_time() - start < 1.4
    o = np.asarray(order)
    late = np.cumsum(np.asarray(jobs[0])[o]) - np.asarray(jobs[1])[o]
    assert type(value) is int and value == int(np.maximum(late, 0).sum())  # int64: no overflow


orders = st.lists(
    st.one_of(st.integers(-2, 8), st.booleans(), st.just(2.0), st.just(np.int64(3))),
    max_size=10,
)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 7), orders, st.permutations(list(range(7))))
def test_verify_names_the_same_faults_as_the_item_walk(n, order, perm):
    inst = Instance("x", p=[1] * n, d=[0] * n)
    for candidate in (order, [j for j in perm if j < n]):
        problems = verify(inst, Solution(list(candidate)))
        walk = order_faults(Solution(list(candidate)).order, n)
        assert problems == walk


big = st.integers(0, 2**61)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(big, st.integers(-(2**62), 2**62), big), min_size=1, max_size=6),
    st.booleans(),
    st.randoms(use_true_random=False),
)
def test_range_check_and_evaluate_agree_with_exact_integers(jobs, weighted, rnd):
    p = [a for a, _, _ in jobs]
    d = [b for _, b, _ in jobs]
    w = [c for _, _, c in jobs] if weighted else None
    total = sum(p)
    fits = total <= MAX_TOTAL and all(abs(v) <= MAX_TOTAL - total for v in d)
    worst = sum((1 if w is None else w[j]) * max(0, total - d[j]) for j in range(len(p)))
    fits = fits and worst <= MAX_TOTAL
    if not fits:
        with pytest.raises(InputError):
            Instance("x", p, d, w)
        return
    inst = Instance("x", p, d, w)
    order = list(range(len(p)))
    rnd.shuffle(order)
    assert evaluate(inst, Solution(order)) == tardiness(p, d, order, w)
