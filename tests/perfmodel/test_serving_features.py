"""Pipeline rounds, paged KV, prefix caching, speculative decoding, int4 weights."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.core.errors import InputError
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.precision import get_precision
from planner.perfmodel.readers import load_model
from planner.perfmodel.serving_features import (
    Speculative,
    accepted_tokens_variance,
    expected_accepted_tokens,
    paged_overhead_tokens,
    pipeline_round,
    prefix_cached_work,
    steps_for_tokens,
)
from planner.perfmodel.stage import EngineModel, ReplicaConfig


def test_pipeline_round_single_stage_is_sum_plus_host():
    assert pipeline_round(5.0, 5.0, 1.0, 2.0, 1) == 7.0


@settings(max_examples=60, deadline=None)
@given(
    st.floats(0.1, 10),
    st.floats(0.0, 1.0),
    st.floats(0.0, 0.5),
    st.floats(0.0, 5.0),
    st.integers(2, 16),
)
def test_pipeline_round_never_beats_its_parts(total, skew, boundary, host, pp):
    largest = total / pp * (1 + skew)  # the largest stage holds at least the mean share
    r = pipeline_round(total, largest, boundary, host, pp)
    # a micro-batch crosses every stage; every stage and the host serve pp micro-batches
    assert r >= total + (pp - 1) * boundary + host - 1e-12
    assert r >= pp * largest - 1e-12
    assert r >= pp * host - 1e-12


def test_expected_tokens_matches_leviathan_formula_and_limits():
    assert expected_accepted_tokens(0.0, 4) == 1.0
    assert expected_accepted_tokens(1.0, 4) == 5.0
    a, k = 0.7, 3
    assert math.isclose(expected_accepted_tokens(a, k), sum(a**i for i in range(k + 1)))


@pytest.mark.parametrize("a,k", [(0.0, 3), (0.7, 3), (0.9, 5), (1.0, 2)])
def test_tokens_per_step_variance_matches_enumeration(a, k):
    """A step emits j <= k tokens with probability a^(j-1) (1 - a), k + 1 with a^k."""
    probs = [a ** (j - 1) * (1 - a) for j in range(1, k + 1)] + [a**k]
    mean = sum(j * p for j, p in enumerate(probs, start=1))
    var = sum(j * j * p for j, p in enumerate(probs, start=1)) - mean * mean
    assert math.isclose(accepted_tokens_variance(a, k), var, rel_tol=1e-9, abs_tol=1e-12)
    assert math.isclose(Speculative("eagle", k, a).tokens_per_step_variance, var, abs_tol=1e-12)


def _brute_steps(a: float, k: int, d: int) -> tuple[float, float]:
    """Moments of the steps that emit ``d`` tokens, by enumerating every step sequence."""
    probs = [a ** (j - 1) * (1 - a) for j in range(1, k + 1)] + [a**k]
    m1 = m2 = 0.0
    stack = [(0, 0, 1.0)]  # (tokens emitted, steps, probability)
    while stack:
        done, steps, prob = stack.pop()
        if done >= d:
            m1, m2 = m1 + prob * steps, m2 + prob * steps * steps
            continue
        stack.extend((done + j, steps + 1, prob * p) for j, p in enumerate(probs, 1) if p > 0)
    return m1, m2 - m1 * m1


@settings(max_examples=40, deadline=None)
@given(st.floats(0.0, 1.0), st.integers(1, 4), st.integers(1, 7))
def test_steps_for_tokens_matches_enumeration(a, k, d):
    mean, var = steps_for_tokens(a, k, np.array([float(d)]))
    want_mean, want_var = _brute_steps(a, k, d)
    assert math.isclose(float(mean[0]), want_mean, rel_tol=1e-9)
    assert math.isclose(float(var[0]), want_var, rel_tol=1e-7, abs_tol=1e-9)


def test_steps_for_tokens_whole_steps_and_renewal_limit():
    """One token takes one whole step (the renewal mean says 1 / E[n]); long requests
    approach ``D / E[n]`` steps."""
    mean, var = steps_for_tokens(0.7, 3, np.array([1.0, 2.0, 2000.0]))
    assert mean[0] == 1.0 and var[0] == 0.0
    assert math.isclose(mean[1], 1.3)  # one step unless the first draft is rejected
    assert abs(mean[2] / (2000.0 / expected_accepted_tokens(0.7, 3)) - 1) < 1e-3


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan"), "x"])
def test_acceptance_outside_unit_interval_is_input_error(bad):
    with pytest.raises(InputError, match="acceptance"):
        Speculative("eagle", 3, bad)


def test_paged_overhead_and_prefix_work():
    assert paged_overhead_tokens(16) == 7.5
    assert paged_overhead_tokens(1) == 0.0
    new, work = prefix_cached_work(np.array([100.0]), 0.5)
    assert new[0] == 50.0
    assert work[0] == 100 * 101 / 2 - 50 * 51 / 2
    new0, work0 = prefix_cached_work(np.array([100.0]), 0.0)
    assert new0[0] == 100.0 and work0[0] == 5050.0


def test_int4_is_weight_only_and_shrinks_weights():
    int4 = get_precision("awq")
    assert int4.name == "int4" and not int4.kv_cache
    model, gpu = load_model("llama-3.1-8b"), get_gpu("H100")
    e16 = EngineModel(model, ReplicaConfig(gpu, 1), "bf16")
    e4 = EngineModel(model, ReplicaConfig(gpu, 1), "int4")
    assert e4.kv_precision.name == "bf16"
    # the layers at 0.52 bytes a weight; the embedding and LM head stay 16-bit
    ends = 2 * (model.embedding_params() + model.head_params())
    assert e4.weight_bytes - ends < 0.3 * (e16.weight_bytes - ends)
    assert e4.weight_bytes < 0.4 * e16.weight_bytes
    # decode at batch 1 streams the weights: int4 is faster
    assert (
        e4.base_time(np.array([1.0]), 1.0, 1000.0)[0]
        < e16.base_time(np.array([1.0]), 1.0, 1000.0)[0]
    )
    with pytest.raises(InputError, match="KV"):
        EngineModel(model, ReplicaConfig(gpu, 1), "bf16", "int4")


def test_pipeline_stages_cost_more_than_replicas():
    model, gpu = load_model("llama-3.1-8b"), get_gpu("H100")
    one = EngineModel(model, ReplicaConfig(gpu, 1, 1), "bf16")
    for pp in (2, 4, 8):
        piped = EngineModel(model, ReplicaConfig(gpu, 1, pp), "bf16")
        for b in (1.0, 32.0, 256.0):
            n = np.array([b])
            # each of the pp micro-batches needs at least one unpipelined iteration
            assert piped.base_time(n, b, 1000.0)[0] > one.base_time(n, b, 1000.0)[0]


def test_speculative_engine_emits_more_tokens_per_iteration_at_small_batch():
    model, gpu = load_model("llama-3.1-8b"), get_gpu("H100")
    spec = Speculative("eagle", 3, 0.8)
    plain = EngineModel(model, ReplicaConfig(gpu, 1), "bf16")
    fast = EngineModel(model, ReplicaConfig(gpu, 1), "bf16", speculative=spec)
    assert fast.weight_bytes > plain.weight_bytes
    n = np.array([1.0])
    per_token_plain = plain.base_time(n, 1.0, 1000.0)[0]
    per_token_spec = fast.base_time(n, 1.0, 1000.0)[0] / fast.tokens_per_step
    assert per_token_spec < per_token_plain
    # verification costs compute: the gain shrinks as the batch grows
    big = np.array([512.0])
    gain_big = plain.base_time(big, 512.0, 1000.0)[0] / (
        fast.base_time(big, 512.0, 1000.0)[0] / fast.tokens_per_step
    )
    assert gain_big < per_token_plain / per_token_spec
