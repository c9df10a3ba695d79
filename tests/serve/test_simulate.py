"""The discrete-event simulator: hand-computed cases, determinism, P/D transfer, traces."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import numpy as np
import pytest

from planner.core.errors import InputError
from planner.serve import ReplicaGroup, ServingPlan, make_problem
from planner.serve.capacity import engine_for, engine_key
from planner.serve.simulate import Simulator, generate_trace, sample_lengths, simulate
from planner.serve.traffic import parse_lengths

KEYS = {
    "ttft_p50_s",
    "ttft_p99_s",
    "tpot_p50_s",
    "tpot_p99_s",
    "throughput_tokens_per_s",
    "requests",
    "warmup_requests",
    "seed",
    "complete",
}


def problem(qps=None, prompt="256", output="16", **kw):
    return make_problem(
        "llama-3.1-8b", "H100:8", qps=qps, prompt_tokens=prompt, output_tokens=output, **kw
    )


def both(count=1, load=1.0, chunk=2048):
    return ReplicaGroup("H100-SXM", 1, 1, 1, count, "both", chunk, load)


def test_single_request_matches_the_step_model():
    """One request alone: TTFT is one prefill iteration, TPOT one decode step per token."""
    prob = problem(prompt="256", output="5")
    plan = ServingPlan((both(),))
    sim = simulate(prob, plan, requests=1, seed=3)
    eng = engine_for(*engine_key(prob, plan.replicas[0]))
    p = 256
    prefill = float(eng.base_time(np.array([float(p)]), 0, 0.0)[0])
    prefill += float(eng.prefill_attention_time(p * (p + 1) / 2))
    assert math.isclose(sim["ttft_p50_s"], prefill, rel_tol=1e-9)
    # four decode steps at contexts 257..260, batch 1
    steps = [float(eng.base_time(np.array([1.0]), 1, float(c))[0]) for c in range(257, 261)]
    assert math.isclose(sim["tpot_p50_s"], sum(steps) / 4, rel_tol=1e-9)
    assert sim["requests"] == 1 and set(sim) == KEYS


def test_seeded_runs_repeat_and_differ_across_seeds():
    prob = problem(qps=20.0, prompt="exp:256", output="exp:32")
    plan = ServingPlan((both(load=20.0),))
    a = simulate(prob, plan, requests=300, seed=7)
    b = simulate(prob, plan, requests=300, seed=7)
    c = simulate(prob, plan, requests=300, seed=8)
    assert a == b
    assert a["ttft_p99_s"] != c["ttft_p99_s"]
    assert a["requests"] == 300 and a["seed"] == 7


def test_load_raises_latency():
    prob = problem(qps=1.0, prompt="exp:512", output="exp:64")
    plan = ServingPlan((both(load=1.0),))
    low = simulate(prob, plan, requests=400, seed=1, qps=1.0)
    high = simulate(prob, plan, requests=400, seed=1, qps=40.0)
    assert high["ttft_p99_s"] > low["ttft_p99_s"]
    assert high["tpot_p50_s"] > low["tpot_p50_s"]
    assert high["throughput_tokens_per_s"] > low["throughput_tokens_per_s"]


def test_disaggregated_ttft_includes_the_kv_transfer():
    prob = problem(qps=0.5, prompt="1024", output="8", disaggregation="force")
    pre = ReplicaGroup("H100-SXM", 1, 1, 1, 1, "prefill", 16384, 0.5)
    dec = ReplicaGroup("H100-SXM", 1, 1, 1, 1, "decode", 0, 0.5)
    sim = simulate(prob, ServingPlan((pre, dec)), requests=50, seed=0)
    eng = engine_for(*engine_key(prob, pre))
    p = 1024
    prefill = float(eng.base_time(np.array([float(p)]), 0, 0.0)[0])
    prefill += float(eng.prefill_attention_time(p * (p + 1) / 2))
    transfer = float(eng.kv_transfer_time(p))
    assert transfer > 0
    # at 0.5 req/s a prefill of a few ms rarely waits: the median is prefill + transfer
    assert math.isclose(sim["ttft_p50_s"], prefill + transfer, rel_tol=1e-6)
    assert sim["requests"] == 50


def test_small_kv_cache_serializes_and_still_finishes():
    """With room for about one sequence, requests run one at a time (recompute preemption)."""
    prob = problem(prompt="300", output="50", kv_block_tokens=1)
    plan = ServingPlan((both(),))
    sim = Simulator(prob, plan, seed=0)
    for e in sim.engines["entry"]:  # the engine model is shared (cached): shrink the state only
        e.kv_capacity = 400.0
    trace = generate_trace(prob.traffic, 6, 0)
    done = sim.run(trace)
    assert len(done) == 6
    firsts = sorted(r.first for r in done)
    finishes = sorted(r.finish for r in done)
    # each request starts after the previous one finished (one fits at a time)
    assert all(f <= s + 1e-12 for f, s in zip(finishes[:-1], firsts[1:], strict=True))


def test_offline_trace_and_bursty_arrivals():
    prob = problem(prompt="exp:200", output="exp:20")
    t = generate_trace(prob.traffic, 50, 0)
    assert not t.arrival.any()  # offline: everything at time 0
    bursty = problem(qps=10.0, prompt="exp:200", output="exp:20").traffic
    bursty = replace(bursty, arrival_scv=4.0)
    gaps = np.diff(generate_trace(bursty, 20000, 1).arrival)
    assert math.isclose(gaps.mean(), 0.1, rel_tol=0.05)
    assert math.isclose(gaps.var() / gaps.mean() ** 2, 4.0, rel_tol=0.15)
    # scv 0 (a perfectly regular trace) is regular arrivals, the limit of the Gamma ones; the
    # simulator drew Poisson arrivals for it
    gaps = np.diff(generate_trace(replace(bursty, arrival_scv=0.0), 200, 1).arrival)
    assert np.allclose(gaps, 0.1)


def test_lengths_keep_the_mean_and_the_range():
    d = parse_lengths("exp:512", what="x")
    x = sample_lengths(d, 50000, np.random.default_rng(0))
    assert math.isclose(x.mean(), d.mean, rel_tol=0.02)
    assert x.min() >= 1 and x.max() <= math.ceil(max(d.highs))


def test_bad_request_count_is_an_input_error():
    with pytest.raises(InputError, match="requests"):
        simulate(problem(), ServingPlan((both(),)), requests=0)


def test_closed_loop_clients_keep_the_concurrency():
    """``clients``: never more requests in the system than clients; with one client each
    request is sent when the previous one finishes."""
    prob = problem(prompt="128", output="8")
    plan = ServingPlan((both(),))
    trace = generate_trace(prob.traffic, 12, seed=0)
    done = sorted(Simulator(prob, plan).run(trace, clients=1), key=lambda r: r.rid)
    assert len(done) == 12
    for a, b in itertools.pairwise(done):
        assert b.arrival == pytest.approx(a.finish)
    done = Simulator(prob, plan).run(generate_trace(prob.traffic, 20, seed=0), clients=3)
    events = sorted([(r.arrival, 1) for r in done] + [(r.finish, -1) for r in done])
    level, top = 0, 0
    for _, step in events:
        level += step
        top = max(top, level)
    assert len(done) == 20 and top == 3
    with pytest.raises(InputError):
        Simulator(prob, plan).run(trace, clients=0)


def _dp_problem():
    # Mixtral on 2 x H100 as tp 1 x ep 2: two data-parallel attention groups sharing experts
    return make_problem("mixtral-8x7b", "H100:2", prompt_tokens="4096", output_tokens="64")


def _dp_run(lockstep: bool, prompts: tuple[int, ...], arrivals: tuple[float, ...]):
    """Requests routed alternately to the two attention groups (group 0 gets request 0)."""
    from planner.serve.simulate import Trace

    prob = _dp_problem()
    plan = ServingPlan((ReplicaGroup("H100-SXM", 1, 1, 2, 1, "both", 8192, 1.0),))
    sim = Simulator(prob, plan, seed=0)
    if not lockstep:
        sim.lockstep = []
    turn = itertools.count()
    sim._pick = lambda kind: sim.engines[kind][next(turn) % 2]
    n = len(prompts)
    trace = Trace(np.array(arrivals), np.array(prompts), np.full(n, 64))
    done = {r.rid: r for r in sim.run(trace)}
    return [done[i] for i in range(n)], engine_for(*engine_key(prob, plan.replicas[0]))


def test_data_parallel_attention_groups_iterate_in_lockstep():
    """One request alone on a tp 1 x ep 2 replica: its MoE layers run its own token (the
    other group is idle), so its decode step is the model's step with ``moe_tokens=1``, faster
    than the even split's (one token on each group). Two requests: a long prompt arriving on
    the other group while the first decodes stalls that decode for the whole prefill
    iteration (the groups iterate together), which independent engines would not."""
    (alone,), eng = _dp_run(True, (16,), (0.0,))
    n = np.array([1.0])
    one = float(eng.base_time(n, 1, 17.0, layers=eng.layer_times(n, moe_tokens=n))[0])
    split = float(eng.base_time(n, 1, 17.0)[0])
    assert one < split
    # every decode step after the first token runs the lone group's token through the MoE
    layers = eng.layer_times(n, moe_tokens=n)
    decode = sum(float(eng.base_time(n, 1, 17.0 + k, layers=layers)[0]) for k in range(63))
    assert math.isclose(alone.finish - alone.first, decode, rel_tol=1e-9)
    both_lock, _ = _dp_run(True, (16, 4096), (0.0, 0.05))
    both_free, _ = _dp_run(False, (16, 4096), (0.0, 0.05))
    assert both_lock[0].finish > both_free[0].finish
    # the stall is the long prompt's prefill iteration (its MoE running both groups' tokens)
    # less what the lone decode steps before it arrives saved (at most 10 of split - one,
    # 50 ms at ~6 ms a step), within a step; afterwards both groups decode together
    p = np.array([4096.0])
    prefill = float(eng.base_time(p, 0, 0.0, layers=eng.layer_times(p, moe_tokens=p + 1))[0])
    prefill += float(eng.prefill_attention_time(4096 * 4097 / 2))
    stall = both_lock[0].finish - both_free[0].finish
    assert prefill - 10 * (split - one) - split < stall < prefill + split
    # the long prompt's TTFT: the step in flight, then its prefill with the MoE on both
    # groups' 4097 tokens (an independent engine charges the even split's 2 x 4096)
    assert prefill < both_lock[1].first - 0.05 < prefill + split
    assert both_free[1].first - 0.05 > prefill


def test_lockstep_moe_layers_count_every_groups_speculative_positions():
    """With speculative decoding each decode sequence runs ``tokens + 1`` positions through the
    layers; lockstep MoE layers run those of every group (were padded for one group only)."""
    from planner.serve.simulate import Trace

    prob = make_problem(
        "mixtral-8x7b",
        "H100:2",
        prompt_tokens="16",
        output_tokens="8",
        speculative={"method": "eagle", "tokens": 3, "acceptance": 0.8},
    )
    plan = ServingPlan((ReplicaGroup("H100-SXM", 1, 1, 2, 1, "both", 8192, 1.0, speculative=True),))
    sim = Simulator(prob, plan, seed=0)
    turn = itertools.count()
    sim._pick = lambda kind: sim.engines[kind][next(turn) % 2]
    seen = []
    duration = sim._duration

    def spy(e, step, moe_tokens=None):
        if moe_tokens is not None and step.chunk_tokens == 0:
            seen.append((step.b, moe_tokens))
        return duration(e, step, moe_tokens)

    sim._duration = spy
    sim.run(Trace(np.array([0.0, 0.0]), np.array([16, 16]), np.full(2, 8)))
    # both groups decoding one sequence each: 2 x (1 + 3) positions in the MoE layers
    assert (1, 8.0) in seen


def test_vllm_v0_decode_steps_beyond_8192_tokens_run_eager():
    """The simulated vLLM 0.6 engine replays its CUDA graphs only while the longest decode
    sequence holds at most 8192 tokens (``max_seq_len_to_capture``): a request crossing it
    pays the eager launches for the rest of its decode steps, which vLLM 0.8 (V1) does not."""
    tpot = {}
    for spec in ("vllm:0.6.3", "vllm:0.8.0"):
        prob = problem(prompt="8190", output="5", engine=spec)
        plan = ServingPlan((ReplicaGroup("H100-SXM", 8, 1, 1, 1, "both", 16384, 1.0),))
        tpot[spec] = simulate(prob, plan, requests=1, seed=3)["tpot_p50_s"]
        eng = engine_for(*engine_key(prob, plan.replicas[0]))
        # decode steps at contexts 8191..8194: the last two beyond the captured length
        steps = [
            float(eng.base_time(np.array([1.0]), 1, float(c), longest=float(c))[0])
            for c in range(8191, 8195)
        ]
        assert math.isclose(tpot[spec], sum(steps) / 4, rel_tol=1e-9)
    assert tpot["vllm:0.6.3"] > tpot["vllm:0.8.0"] * 1.1
