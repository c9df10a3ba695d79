"""Megatron-LM's asynchronous backward collectives of the column-parallel GEMMs
(``Software.tp_bwd_overlap``, :func:`planner.perfmodel.layer.column_backward_exposed`)."""

from __future__ import annotations

import dataclasses

import pytest

import planner.train  # noqa: F401  (registers the training predictor)
from planner.perfmodel import comm
from planner.perfmodel.calibration.published import ROWS, TrainingRow
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.layer import column_backward_exposed, layer_cost
from planner.perfmodel.options import Software
from planner.perfmodel.overlap import OVERLAP_SLOWDOWN
from planner.perfmodel.readers import load_model
from planner.train.api import make_problem
from planner.train.calibration import predict, row_estimate, row_problem
from planner.train.instance import TrainingPlan
from planner.train.step_time import estimate

A100 = get_gpu("A100")

#: Korthikanti et al. 2022, Table 4: one layer of the 22B model (t = 8, b = 4, s = 2048),
#: forward and backward ms: (sequence parallel, recompute, forward, backward).
TABLE4 = (
    (False, "none", 7.7, 11.9),
    (True, "none", 7.2, 11.8),
    (False, "full", 7.7, 19.5),
    (False, "selective", 7.7, 13.2),
    (True, "selective", 7.2, 13.1),
)


def _layer(sp: bool, recompute: str, bwd_overlap: bool):
    return layer_cost(
        load_model("gpt-22b"),
        A100,
        micro_batch=4,
        seq=2048,
        tp=8,
        sp=sp,
        recompute=recompute,
        tp_bwd_overlap=bwd_overlap,
    )


def _tp_plan_estimate(software: Software):
    problem = make_problem(
        "gpt-22b", "64xA100", global_batch=64, seq_len=2048, software=software, prefer_simple=0.0
    )
    plan = TrainingPlan(
        tp=8,
        pp=1,
        dp=8,
        microbatch=1,
        recompute="selective",
        zero=1,
        sequence_parallel=True,
        stage_layers=(problem.model.layers,),
    )
    return estimate(problem, plan)


def test_the_default_is_megatron_cores_asynchronous_backward():
    """Megatron-Core (what ``--export megatron`` / ``nemo`` launch) has no synchronous path
    left: the default prices its asynchronous backward, and the rest stays in ``tp_comm``."""
    assert Software().tp_bwd_overlap is True
    default = _tp_plan_estimate(Software())
    sync = _tp_plan_estimate(Software(tp_bwd_overlap=False))
    assert default.step_time < sync.step_time
    # the exposed part is still shown: smaller than the synchronous one, not zero
    assert 0 < default.breakdown["tp_comm"] < sync.breakdown["tp_comm"]
    assert sum(default.breakdown.values()) == pytest.approx(default.step_time)


@pytest.mark.parametrize(
    ("framework", "on"),
    [(None, True), ("megatron", True), ("nemo", True), ("deepspeed", False), ("torchtitan", False)],
)
def test_each_framework_prices_its_own_backward(framework, on):
    """DeepSpeed's AutoTP all-reduces the input gradient after the matmul's whole backward;
    torchtitan's DTensor plan reduce-scatters it after every column GEMM of the block."""
    problem = make_problem("gpt-1.7b", "8xA100", global_batch=8, seq_len=1024, framework=framework)
    assert problem.software.tp_bwd_overlap is on


@pytest.mark.parametrize("sp", [False, True])
def test_forward_is_unchanged_and_backward_hides_the_column_collectives(sp):
    sync, overlapped = _layer(sp, "none", False), _layer(sp, "none", True)
    assert overlapped.comm_fwd == pytest.approx(sync.comm_fwd)
    assert overlapped.fwd == pytest.approx(sync.fwd)
    assert overlapped.bwd == pytest.approx(sync.bwd)  # kernels unchanged
    assert overlapped.comm_bwd < sync.comm_bwd
    nbytes = 4 * 2048 * 6144 * 2
    fab = comm.fabric_of(A100)
    if sp:
        # the output gradient's all-gather stays exposed in both blocks
        assert overlapped.comm_bwd >= 2 * comm.all_gather(nbytes, 8, 8, fab)
    else:
        # the two all-reduces run under the weight-gradient GEMMs: only the slowdown remains
        ar = comm.all_reduce(nbytes, 8, 8, fab)
        assert overlapped.comm_bwd == pytest.approx(2 * OVERLAP_SLOWDOWN * ar)


def test_a_short_window_leaves_the_rest_exposed():
    nbytes = 2048 * 8192 * 2
    ar = comm.all_reduce(nbytes, 8, 8, comm.fabric_of(A100))
    assert column_backward_exposed(A100, nbytes, 8, 8, False, 0.0, 0.0) == pytest.approx(ar)
    hidden = column_backward_exposed(A100, nbytes, 8, 8, False, 0.0, 10 * ar)
    assert hidden == pytest.approx(OVERLAP_SLOWDOWN * ar)


def test_table4_layer_times_within_8_percent():
    # synchronous backward collectives: +8.3 .. +13.1 % on every configuration
    for sp, recompute, fwd_ms, bwd_ms in TABLE4:
        c = _layer(sp, recompute, True)
        measured = (fwd_ms + bwd_ms) / 1e3
        assert abs((c.forward + c.backward) / measured - 1) < 0.08, (sp, recompute)


def test_table5_rows_run_the_2022_code_and_table1_rows_do_not():
    table5 = [r for r in ROWS if r.source == "korthikanti2022"]
    table1 = [r for r in ROWS if r.source == "narayanan2021"]
    assert table5 and all(dict(r.software).get("tp_bwd_overlap") for r in table5)
    # pinned off, not left to the default: the asynchronous backward reached Megatron-LM's
    # main on 2021-09-07, after the paper's sc21 scripts
    assert table1 and all(dict(r.software).get("tp_bwd_overlap") is False for r in table1)
    assert all(row_problem(r).software.tp_bwd_overlap is False for r in table1)


def test_megatron_readme_rows_carry_it_and_llama3_does_not():
    readme = [r for r in ROWS if r.source == "megatron_readme2407"]
    llama3 = [r for r in ROWS if r.source == "llama3_2024"]
    assert readme and all(dict(r.software).get("tp_bwd_overlap") is True for r in readme)
    # Meta's stack is not public: no evidence, so not the default either
    assert llama3 and all(dict(r.software).get("tp_bwd_overlap") is False for r in llama3)


def test_the_switch_is_moot_without_tp_or_under_the_full_overlap():
    """Every row the evidence could not settle either way (llama3_2024, the AMD and MLPerf rows)
    has ``tp = 1`` or ``tp_overlap``: the switch moves none of their predictions."""
    rows = [r for r in ROWS if isinstance(r, TrainingRow)]
    moot = [r for r in rows if r.tp == 1 or dict(r.software).get("tp_overlap")]
    assert {"llama3_2024", "amd_primus2601", "mlperf_train51", "aac_primus2511"} <= {
        r.source for r in moot
    }
    for r in moot:
        on, off = (
            dataclasses.replace(r, software=(*r.software, ("tp_bwd_overlap", v)))
            for v in (True, False)
        )
        assert predict(on) == pytest.approx(predict(off), rel=1e-12), r.id


@pytest.mark.parametrize("prefix", ["nemo2407", "bridge25", "bridge26"])
def test_transformer_engine_rows_run_the_asynchronous_backward_too(prefix):
    """Transformer Engine's linear layers overlap the column-parallel input gradient's
    collective with the weight-gradient GEMM ("Overlap dgrad-RS/AR with wgrad"), so every
    NeMo / Megatron-Bridge row carries the switch, not only the held-out Table 5 rows."""
    rows = [r for r in ROWS if r.source.startswith(prefix) and hasattr(r, "software")]
    assert rows and all(dict(r.software).get("tp_bwd_overlap") for r in rows)


def test_table5_mean_error_below_3_5_percent():
    # 4.3 % mean, 8.4 % max with every backward collective exposed
    rows = [r for r in ROWS if r.source == "korthikanti2022"]
    errors = [abs(predict(r) / r.value - 1) for r in rows]
    assert sum(errors) / len(errors) < 0.035
    assert max(errors) < 0.075


def test_table5_meets_the_readme_target():
    # README Benchmarks, "Korthikanti Table 5, iteration time (held out)": mean <= 3 %, max <= 6 %
    # (3.19 / 6.60 % before the 2021 code's fp16, unfused gradient accumulation was priced on
    # the Table 1 fit rows and the constants refitted: s22kort, 2.77 / 5.41 %)
    rows = [r for r in ROWS if r.source == "korthikanti2022"]
    errors = [abs(predict(r) / r.value - 1) for r in rows]
    assert len(errors) == 8
    assert sum(errors) / len(errors) <= 0.03
    assert max(errors) <= 0.06


def test_2021_and_2022_megatron_rows_block_on_pipeline_sends():
    # --overlap-p2p-communication came to Megatron-LM on 2023-05-31: both tables' runs
    # wait for every send and receive of the interleaved schedule
    rows = [r for r in ROWS if r.source in ("korthikanti2022", "narayanan2021")]
    assert len(rows) == 18
    assert all(dict(r.software).get("pp_overlap") is False for r in rows)
    interleaved = next(r for r in rows if r.id == "narayanan2021/gpt-529.6b")
    est = row_estimate(interleaved)
    overlapped = row_estimate(dataclasses.replace(interleaved, software=()))
    assert est.step_time > overlapped.step_time
