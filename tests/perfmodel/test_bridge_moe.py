"""The Megatron-Bridge MoE rows: whole held-out sources, launchable layouts, their models."""

from __future__ import annotations

from dataclasses import replace

import planner.train  # noqa: F401  (registers the training predictor)
from planner.perfmodel.calibration.published import (
    BRIDGE_MOE,
    BRIDGE_MOE_2604_TABLE,
    BRIDGE_MOE_2606_TABLE,
    BRIDGE_MOE_2608_TABLE,
    BRIDGE_MOE_TABLE,
    HELD_OUT,
    MODELS,
    ROWS,
    SOURCES,
)
from planner.perfmodel.readers import load_model
from planner.train.calibration import row_estimate, row_plan, row_problem

MOE_SOURCES = ("bridge2511moe", "bridge2509moe", "bridge2604moe", "bridge2606moe", "bridge2608moe")


def test_sources_are_whole_held_out_and_registered():
    for key in MOE_SOURCES:
        assert key in SOURCES
        rows = [r for r in ROWS if r.source == key]
        assert rows and all(r.split == HELD_OUT for r in rows), key
    # 13 MoE lines of the 25.11 tables (GPT-OSS has no reader), 9 of the 25.09 ones, 14 of
    # the 26.04.01 ones (DeepSeek-V3, Qwen3-30B, Qwen3-235B), 9 of the 26.06 ones, 8 of 26.08
    # (those three models and GPT-OSS 120B)
    assert [sum(r.source == k for r in BRIDGE_MOE) for k in MOE_SOURCES] == [13, 9, 14, 9, 8]
    tables = (BRIDGE_MOE_TABLE, BRIDGE_MOE_2604_TABLE, BRIDGE_MOE_2606_TABLE, BRIDGE_MOE_2608_TABLE)
    assert len(BRIDGE_MOE) == sum(len(t) for t in tables)
    assert all(r.ep > 1 and r.metric == "tokens_per_s_per_gpu" for r in BRIDGE_MOE)


def test_rows_are_launchable_megatron_layouts():
    for r in BRIDGE_MOE:
        model = row_problem(r).model
        assert r.tp * r.pp * r.dp == r.gpus, r.id
        # expert TP 1: the EP group is carved out of tp x dp (MoE parallel folding)
        assert r.expert_tp == 1 and (r.tp * r.dp) % r.ep == 0, r.id
        assert model.num_experts % r.ep == 0, r.id
        per_rank = r.global_batch // r.dp
        assert per_rank * r.dp == r.global_batch and per_rank % r.microbatch == 0, r.id
        if r.interleave > 1:  # Megatron's interleaved schedule: microbatches a multiple of PP
            assert (per_rank // r.microbatch) % r.pp == 0, r.id
        if r.stage_layers:
            assert len(r.stage_layers) == r.pp and sum(r.stage_layers) == model.layers, r.id


def test_plan_carries_the_rows_expert_tp():
    # Qwen3-235B on 256 H100: TP2 x PP8 leaves DP 16; EP 32 needs the experts unsharded
    # (expert TP 1) and folded over the TP ranks. With the attention's TP the layout is invalid.
    row = next(r for r in BRIDGE_MOE if r.gpu == "H100" and r.model == "qwen3-235b-a22b")
    plan = row_plan(row, row_problem(row).model.layers)
    assert (plan.tp, plan.etp, plan.ep) == (2, 1, 32)


def test_published_layouts_fit_in_memory():
    # the runs ran: every published layout must fit under the model
    for r in BRIDGE_MOE:
        assert row_estimate(r).fits, r.id


def test_rows_carry_the_recipes_software():
    for r in BRIDGE_MOE:
        sw = dict(r.software)
        # Transformer Engine keeps fp8 GEMM inputs; bf16 gradient buffers on every recipe
        assert sw.get("fp8_activations", False) == (r.precision == "fp8"), r.id
        assert sw["grad_bytes"] == 2.0, r.id
        # TP comm overlap: on in the Qwen3 recipes (but 25.11's and 26.04.01's H100 235B), off in
        # DeepSeek-V3's
        h100_235b = (r.gpu, r.model) == ("H100", "qwen3-235b-a22b") and r.source in (
            "bridge2511moe",
            "bridge2604moe",
        )
        qwen_overlap = r.model.startswith("qwen3") and not h100_235b
        assert sw.get("tp_overlap", False) == qwen_overlap, r.id
        # 25.09 "tokendrop" rows: capacity factor 1 (padded); 25.11, 26.04.01, 26.06, 25.09's H100
        # DeepSeek-V3 ("dropless"): no capacity
        dropless = r.source in (
            "bridge2511moe",
            "bridge2604moe",
            "bridge2606moe",
            "bridge2608moe",
        ) or (
            r.gpu,
            r.model,
        ) == (
            "H100",
            "deepseek-v3",
        )
        assert sw.get("capacity_factor", 0.0) == (0.0 if dropless else 1.0), r.id
        # 26.06 / 26.08: the MXFP8 Qwen3 and GB300 / GB200 DeepSeek-V3 presets run
        # full-iteration CUDA graphs with the device-initiated grouped MLP (no eager experts)
        # and A2A overlap
        full_iteration = (
            r.source in ("bridge2606moe", "bridge2608moe")
            and r.gpu != "H100"
            and (r.model.startswith("qwen3") or r.gpu != "B300")
        )
        # 25.09: the Qwen3 perf_matrix entries with ``cuda_graphs: true`` (GB200 30B and 235B,
        # B200 30B) capture whole layers, experts included (token drop pads to capacity)
        layer_graphs = (
            r.source == "bridge2509moe"
            and r.model.startswith("qwen3")
            and (r.gpu == "GB200" or (r.gpu, r.model) == ("B200", "qwen3-30b-a3b"))
        )
        assert sw.get("eager_experts", True) != (full_iteration or layer_graphs), r.id
        if full_iteration:
            assert sw["ep_overlap"] == "a2a", r.id
        # MXFP8 turns the parameter all-gather overlap off in three 25.11 presets (DeepSeek-V3
        # on GB300 / GB200, Qwen3-235B on B200: "causes NaN grad norm")
        no_param_overlap = (
            r.source == "bridge2511moe"
            and r.precision == "fp8"
            and (
                (r.model == "deepseek-v3-no-mtp" and r.gpu in ("GB300", "GB200"))
                or (r.model, r.gpu) == ("qwen3-235b-a22b", "B200")
            )
        )
        assert sw.get("overlap_param_gather", True) != no_param_overlap, r.id
        # flex backend: DeepEP on DeepSeek-V3's B200 FP8_MX_V2 preset and 25.09's H100 row,
        # HybridEP on every other flex preset
        if sw.get("dispatcher") == "flex":
            deepep = r.source == "bridge2509moe" or (r.model, r.gpu) == ("deepseek-v3", "B200")
            assert sw["flex_backend"] == ("deepep" if deepep else "hybridep"), r.id


def test_qwen3_presets_have_the_published_parameter_counts():
    # Qwen model cards: 30.5B total / 3.3B activated, 235B total / 22B activated
    for name, total, active in (("qwen3-30b-a3b", 30.5, 3.3), ("qwen3-235b-a22b", 235, 22)):
        spec = load_model(name)
        assert abs(spec.params_total / 1e9 / total - 1) < 0.01, name
        assert abs(spec.params_active / 1e9 / active - 1) < 0.02, name


def test_deepseek_without_mtp_differs_only_by_the_mtp_module():
    full = load_model("deepseek-v3")
    bare = load_model({**MODELS["deepseek-v3-no-mtp"], "name": "deepseek-v3-no-mtp"})
    assert (full.mtp_layers, bare.mtp_layers) == (1, 0)
    assert bare.params_total == full.params_total and bare.layers == full.layers


def test_graphed_token_drop_rows_pay_no_expert_launches():
    # 25.09 Qwen3 with Megatron-Core's whole-layer CUDA graphs (token drop + padding makes the
    # MoE layer capturable): the experts' kernels replay inside the layer's graph, so no
    # per-expert host wait; the same layout run eagerly and dropless would wait (B200 30B at
    # micro-batch 1: the sync before the experts). Eager with token drop the launches hide
    # under the layer's GPU work, which includes the per-expert calls' serial time
    # (perfmodel/expert_calls.py, thirtieth session)
    rows = [r for r in BRIDGE_MOE if ("eager_experts", False) in r.software]
    layer_graphed = [r for r in rows if r.source == "bridge2509moe"]
    assert len(layer_graphed) == 3
    for r in layer_graphed:
        assert row_estimate(r).breakdown.get("host", 0.0) == 0.0, r.id
    b200 = next(r for r in layer_graphed if r.gpu == "B200")
    eager = replace(
        b200,
        software=tuple(
            kv for kv in b200.software if kv[0] not in ("eager_experts", "capacity_factor")
        ),
    )
    assert row_estimate(eager).breakdown["host"] > 0.3
