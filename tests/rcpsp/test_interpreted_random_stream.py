"""Interpreted kernels that draw from ``np.random`` behave like numba's own generator.

Compiled, a kernel's ``np.random.seed`` seeds numba's generator, whose stream carries on from
one kernel call to the next and is separate from numpy's global one. The interpreted path must
keep both properties: the GA seeds with one kernel (``_seed``) and draws in others, so a
seed that is undone on return, or a stream that restarts at every call, would make interpreted
GA runs ignore their seed and repeat the same draws every generation.
"""

from __future__ import annotations

import numpy as np

from planner.rcpsp.heuristics._jit import interpreted, jit


@jit
def _seed_kernel(seed):
    np.random.seed(seed)


@jit
def _draw_kernel():
    return np.random.randint(0, 2**30)


@jit
def _seed_then_draw(seed):
    _seed_kernel(seed)  # a drawing kernel calling another one shares its stream
    return _draw_kernel()


def test_a_seeding_kernel_seeds_the_next_kernels_draws():
    with interpreted():
        _seed_kernel(7)
        first = [_draw_kernel() for _ in range(3)]
        _seed_kernel(7)
        again = [_draw_kernel() for _ in range(3)]
    reference = np.random.RandomState(7)  # the legacy generator numba's np.random follows
    assert first == again == [reference.randint(0, 2**30) for _ in range(3)]


def test_the_kernel_stream_advances_between_calls():
    with interpreted():
        _seed_kernel(7)
        draws = [_draw_kernel() for _ in range(4)]
    assert len(set(draws)) == len(draws)


def test_the_kernel_stream_leaves_numpys_global_draws_alone():
    np.random.seed(12345)
    expected = np.random.random(3)
    np.random.seed(12345)
    with interpreted():
        _seed_kernel(7)
        _draw_kernel()
        nested = _seed_then_draw(7)
        _seed_kernel(7)
        direct = _draw_kernel()
    assert np.array_equal(np.random.random(3), expected)
    assert nested == direct
