"""The offload plan as data, and its per-step serving term (planner.perfmodel.offload_serving)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner.core.errors import InputError
from planner.perfmodel import experts
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.offload_serving import OffloadPlan, offload_layer_time
from planner.perfmodel.readers import load_model
from planner.perfmodel.stage import EngineModel, ReplicaConfig
from tests.perfmodel.models import mixtral_offload_plan

MIXTRAL = load_model("mixtral-8x7b")
EXPERT = experts.expert_bytes(MIXTRAL.hidden, MIXTRAL.moe_ffn)


plan_dict = mixtral_offload_plan


def test_reads_a_result_or_a_bare_plan():
    bare = OffloadPlan.from_dict(plan_dict(), source="p.json")
    wrapped = OffloadPlan.from_dict({"stats": {"plan": plan_dict()}}, source="p.json")
    assert bare == wrapped and bare.hit_rate == 0.4 and bare.bytes_per_step == 4 * EXPERT
    assert OffloadPlan.from_dict(bare.to_dict(), source="p.json") == bare


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"format": "planner.offload.plan/0"}, "format"),
        ({"hit_rate": 1.5}, "hit_rate"),
        ({"top_k": "2"}, "top_k"),
        ({"overlap": 1}, "overlap"),
        ({"h2d_gb_s": 0}, "h2d_gb_s"),
    ],
)
def test_bad_fields_name_the_source_and_field(change, field):
    with pytest.raises(InputError, match=rf"^p\.json: .*{field}"):
        OffloadPlan.from_dict(plan_dict(**change), source="p.json")


def test_a_missing_field_is_named():
    data = plan_dict()
    del data["mean_bytes_moved_per_step"]
    with pytest.raises(InputError, match=r"p\.json: missing field 'mean_bytes_moved_per_step'"):
        OffloadPlan.from_dict(data, source="p.json")


def test_model_shape_mismatch_is_named():
    p = OffloadPlan.from_dict(plan_dict(), source="p.json")
    p.check_model(MIXTRAL)
    with pytest.raises(InputError, match=r"p\.json: field 'experts'"):
        p.check_model(replace(MIXTRAL, num_experts=64))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        # a shared expert the serving model does not have: its bytes were subtracted from the
        # resident ones as if it sat with the dense weights
        ({"shared_experts": 1}, "field 'shared_experts': the plan has 1, the serving model "),
        # Qwen3-30B-A3B's expert (2048 x 768) under Mixtral's layers / experts / top-k
        (
            {"expert_bytes": experts.expert_bytes(2048, 768)},
            "field 'expert_bytes': the plan has 9437184, the serving model ",
        ),
    ],
)
def test_shared_experts_and_expert_bytes_of_another_model_are_named(change, message):
    p = OffloadPlan.from_dict(plan_dict(**change), source="p.json")
    with pytest.raises(InputError, match=rf"^p\.json: {message}"):
        p.check_model(MIXTRAL)


def test_a_plan_at_another_precision_or_a_shared_block_in_experts_worth_fits():
    # the plan made at fp8 (one byte per weight) serves the bf16 model: the bytes scale
    OffloadPlan.from_dict(plan_dict(expert_bytes=EXPERT // 2), source="p").check_model(MIXTRAL)
    # Qwen1.5-MoE's shared block of 4 experts' width (shared_expert_intermediate_size 5632,
    # moe_intermediate_size 1408): the offload preset's shared_experts = 4
    qwen = replace(MIXTRAL, shared_experts=1, moe_ffn=1408, shared_ffn=4 * 1408, hidden=2048)
    shape = {"shared_experts": 4, "expert_bytes": experts.expert_bytes(2048, 1408)}
    OffloadPlan.from_dict(plan_dict(**shape), source="p").check_model(qwen)
    with pytest.raises(InputError, match=r"field 'shared_experts': the plan has 1, .* has 4"):
        OffloadPlan.from_dict(plan_dict(**{**shape, "shared_experts": 1}), source="p").check_model(
            qwen
        )


def term(hit: float, moved: float, overlap: bool = False, tokens=64.0, layer_s=0.0):
    p = OffloadPlan.from_dict(
        plan_dict(hit_rate=hit, mean_bytes_moved_per_step=moved, overlap=overlap), source="t"
    )
    cpu, copy = offload_layer_time(
        p, tokens, layer_s, hidden=MIXTRAL.hidden, intermediate=MIXTRAL.moe_ffn
    )
    return float(cpu), float(copy)


def test_zero_at_full_hit_rate_without_copies():
    assert term(1.0, 0.0) == (0.0, 0.0)


def test_cpu_misses_match_the_roofline_by_hand():
    # 64 tokens x top-2 x 60% missed = 76.8 assignments over 8 experts (all 8 called)
    per_token, per_call = experts.cpu_expert_coefficients(
        experts.XEON_8380, MIXTRAL.hidden, MIXTRAL.moe_ffn
    )
    misses = 64 * 2 * 0.6
    calls = 8 * (1 - (7 / 8) ** misses)
    cpu, _ = term(0.4, 0.0)
    assert cpu == pytest.approx(calls * per_call + misses * per_token)
    # copies: 4 experts over 32 layers at 32 GB/s + the per-copy latency
    _, copy = term(1.0, 4 * EXPERT)
    assert copy == pytest.approx(4 / 32 * (EXPERT / 32e9 + experts.COPY_LATENCY_S))


@given(st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_grows_as_the_hit_rate_falls(a, b):
    lo, hi = sorted((a, b))
    assert term(lo, 0.0)[0] >= term(hi, 0.0)[0]
    if hi - lo > 1e-3:
        assert term(lo, 0.0)[0] > term(hi, 0.0)[0]


def test_overlap_hides_copies_behind_the_layer():
    _, exposed = term(1.0, 8 * EXPERT)
    assert exposed > 0
    assert term(1.0, 8 * EXPERT, overlap=True, layer_s=1.0)[1] == 0.0
    half = term(1.0, 8 * EXPERT, overlap=True, layer_s=exposed / 2)[1]
    assert half == pytest.approx(exposed / 2)


def engine(plan: dict | None, tp: int = 1) -> EngineModel:
    offload = None if plan is None else OffloadPlan.from_dict(plan, source="t")
    return EngineModel(MIXTRAL, ReplicaConfig(get_gpu("L40S"), tp), offload=offload)


def test_weights_hold_the_resident_experts_only():
    full, off = engine(None), engine(plan_dict())
    # independently: every parameter but the routed experts, plus the plan's resident bytes
    routed = MIXTRAL.moe_layers * MIXTRAL.num_experts * MIXTRAL.expert_params()
    dense_bytes = (MIXTRAL.params_total - routed) * 2
    assert full.weight_bytes == pytest.approx(MIXTRAL.params_total * 2, rel=1e-6)
    assert off.weight_bytes == pytest.approx(dense_bytes + 32 * 2 * EXPERT, rel=1e-6)
    assert full.free_bytes < 0 < off.free_bytes  # does not fit one L40S; the resident set does
    assert engine(plan_dict(), tp=2).weight_bytes == pytest.approx(
        full.weight_bytes / 2 - (full.weight_bytes - off.weight_bytes) / 2, rel=1e-6
    )


def test_step_time_carries_the_term_and_nothing_at_hit_rate_one():
    n = np.array([1.0, 64.0, 2048.0])
    plain = engine(None).base_time(n, 1.0, 512.0)
    perfect = engine(plan_dict(hit_rate=1.0, mean_bytes_moved_per_step=0)).base_time(n, 1.0, 512.0)
    np.testing.assert_allclose(perfect, plain)
    missing = engine(plan_dict(hit_rate=0.5)).base_time(n, 1.0, 512.0)
    worse = engine(plan_dict(hit_rate=0.1)).base_time(n, 1.0, 512.0)
    assert np.all(missing > plain) and np.all(worse > missing)


def test_a_plan_of_another_precision_counts_its_experts_at_the_serving_one():
    # a plan written for 1-byte experts (the same 64 experts resident, half the bytes) served
    # in bf16 holds what the bf16 plan holds: its expert count, not its bytes (s12review)
    bf16 = engine(plan_dict())
    fp8 = plan_dict(
        expert_bytes=EXPERT // 2, resident_bytes_max=32 * 2 * (EXPERT // 2), h2d_gb_s=32.0
    )
    fp8["mean_bytes_moved_per_step"] = 4 * (EXPERT // 2)
    assert engine(fp8).weight_bytes == pytest.approx(bf16.weight_bytes, rel=1e-6)
    n = np.array([1.0, 64.0])
    np.testing.assert_allclose(
        engine(fp8).base_time(n, 1.0, 512.0), bf16.base_time(n, 1.0, 512.0), rtol=1e-6
    )


def test_the_plans_own_cpu_prices_the_misses():
    # a plan made for a CPU four times slower than the catalogue Xeon: its coefficients, not
    # the Xeon's, price the misses (before session 13 a plan carried no CPU at all)
    per_token, per_call = experts.cpu_expert_coefficients(
        experts.XEON_8380, MIXTRAL.hidden, MIXTRAL.moe_ffn
    )
    slow = plan_dict(cpu_token_us=4e6 * per_token, cpu_call_us=4e6 * per_call)
    plan = OffloadPlan.from_dict(slow, source="t")
    assert not plan.cpu_assumed and "of the plan" in plan.cpu_label
    assert OffloadPlan.from_dict(plan.to_dict(), source="t") == plan
    misses = 64 * 2 * 0.6
    calls = 8 * (1 - (7 / 8) ** misses)
    cpu, _ = offload_layer_time(
        plan, 64.0, 0.0, hidden=MIXTRAL.hidden, intermediate=MIXTRAL.moe_ffn
    )
    assert float(cpu) == pytest.approx(4 * (calls * per_call + misses * per_token))
    assert float(cpu) == pytest.approx(4 * term(0.4, 0.0)[0])
    # a CPU the serving problem names wins over the plan's
    named = OffloadPlan.from_dict(slow, source="t", cpu="xeon-8380")
    assert named.cpu_token_us is None and not named.cpu_assumed
    cpu, _ = offload_layer_time(
        named, 64.0, 0.0, hidden=MIXTRAL.hidden, intermediate=MIXTRAL.moe_ffn
    )
    assert float(cpu) == pytest.approx(term(0.4, 0.0)[0])


def test_a_plan_without_a_cpu_says_the_default_is_assumed():
    plan = OffloadPlan.from_dict(plan_dict(), source="t")
    assert plan.cpu == "xeon-8380" and plan.cpu_assumed and "assumed" in plan.cpu_label
    assert OffloadPlan.from_dict(plan.to_dict(), source="t").cpu_assumed
    assert not OffloadPlan.from_dict(plan_dict(cpu="xeon-8380"), source="t").cpu_assumed
    with pytest.raises(InputError, match=r"t: missing field 'cpu_call_us'"):
        OffloadPlan.from_dict(plan_dict(cpu_token_us=1.0), source="t")


def test_the_plans_cpu_call_scales_its_weight_read_with_the_serving_precision():
    # coefficients equal to the Xeon's roofline at bf16, served at one byte per weight:
    # the same numbers as the named Xeon at one byte (the weight read halves, FLOPs stay)
    per_token, per_call = experts.cpu_expert_coefficients(
        experts.XEON_8380, MIXTRAL.hidden, MIXTRAL.moe_ffn
    )
    own = OffloadPlan.from_dict(
        plan_dict(cpu_token_us=per_token * 1e6, cpu_call_us=per_call * 1e6), source="t"
    )
    xeon = OffloadPlan.from_dict(plan_dict(), source="t")
    shape = dict(hidden=MIXTRAL.hidden, intermediate=MIXTRAL.moe_ffn)
    for weight_bytes in (None, 1.0, 0.5):
        a = own.cpu_expert_coefficients(**shape, dtype_bytes=weight_bytes or 2.0)
        b = xeon.cpu_expert_coefficients(**shape, dtype_bytes=weight_bytes or 2.0)
        assert a == pytest.approx(b, rel=1e-12)


def test_a_routing_trace_given_as_the_plan_says_to_solve_it_first():
    """`plan serve --offload mix.json` on the trace `gen offload` wrote said "field 'format':
    expected 'planner.offload.plan/1', got None"."""
    # the top-level fields of a trace (planner/offload/instance.py), counts shortened
    trace = {"name": "mix", "model": {}, "hardware": {}, "counts": [[[1, 0]]]}
    with pytest.raises(InputError, match=r"^mix\.json: a routing trace, not an offload plan; "):
        OffloadPlan.from_dict(trace, source="mix.json")
    with pytest.raises(InputError, match=r"planner solve offload mix\.json -o plan\.json"):
        OffloadPlan.from_dict(trace, source="mix.json")
