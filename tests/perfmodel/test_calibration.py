"""Calibration machinery: published rows, the constants file, overrides, the fit's pieces.

The full fit runs in CI as ``planner calibrate --check`` (it takes minutes); these tests
check the parts it is built from.
"""

from __future__ import annotations

import math

import planner.serve
import planner.train  # noqa: F401  (registers the training predictor)
from planner.perfmodel import constants
from planner.perfmodel.calibration import fit as calibration
from planner.perfmodel.calibration.published import FIT, HELD_OUT, ROWS, SOURCES
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.kernels import gemm_time


def test_rows_are_marked_and_sourced():
    assert {r.split for r in ROWS} == {FIT, HELD_OUT}
    assert all(r.source in SOURCES for r in ROWS)
    assert len({r.id for r in ROWS}) == len(ROWS)
    # at least one whole source is held out
    held_sources = {r.source for r in ROWS if r.split == HELD_OUT}
    assert any(all(r.split == HELD_OUT for r in ROWS if r.source == s) for s in held_sources)


def test_shipped_file_has_every_constant():
    values = constants.load()
    assert set(values) == set(constants.NAMES)
    bounds = {p.name: (p.lower, p.upper) for p in calibration.PARAMETERS}
    for name, value in values.items():
        lo, hi = bounds[name]
        assert lo <= value <= hi


def test_override_reaches_cached_kernels_and_restores():
    gpu = get_gpu("A100")
    before = gemm_time(gpu, 4096, 4096, 4096)
    with constants.override(
        {"gemm_efficiency_ampere": constants.FITTED["gemm_efficiency_ampere"] / 2}
    ):
        halved = gemm_time(gpu, 4096, 4096, 4096)
    assert halved > 1.9 * before
    assert gemm_time(gpu, 4096, 4096, 4096) == before


def test_every_row_is_predicted():
    for row in ROWS:
        value = calibration.predict(row)
        assert math.isfinite(value) and value > 0, row.id


def test_golden_section_finds_a_minimum():
    x = calibration.golden_section(lambda v: (v - 0.37) ** 2, 0.0, 1.0, 40)
    assert abs(x - 0.37) < 1e-6


def test_compare_uses_a_relative_tolerance():
    result = calibration.Fit(dict(constants.load()))
    assert calibration.compare(result, constants.load()) == []
    shifted = {k: v * (1 + 3 * calibration.CHECK_RTOL) for k, v in constants.load().items()}
    assert len(calibration.compare(result, shifted)) == len(constants.NAMES)
    tiny = {k: v * (1 + calibration.CHECK_RTOL / 3) for k, v in constants.load().items()}
    assert calibration.compare(result, tiny) == []


def test_llmfoundry_models_have_the_published_parameter_counts():
    from planner.perfmodel.calibration.published import LLMFOUNDRY_TABLE, mpt_config
    from planner.perfmodel.readers import load_model

    for _gpu, _n, model, seq, *_rest, params in LLMFOUNDRY_TABLE:
        spec = load_model({**mpt_config(model, seq), "name": model})
        assert abs(spec.params_total / params - 1) < 1e-3, (model, seq)


def test_megatron_readme_models_have_the_named_parameter_counts():
    from planner.perfmodel.calibration.published import MEGATRON_README_TABLE, MODELS
    from planner.perfmodel.readers import load_model

    for name, *_rest in MEGATRON_README_TABLE:
        spec = load_model({**MODELS[f"megatron-readme/{name}"], "name": name})
        billions = float(name.removeprefix("gpt-").removesuffix("b"))
        assert abs(spec.params_total / 1e9 / billions - 1) < 0.04, (name, spec.params_total)


def test_megatron_readme_rows_carry_launchable_inferred_settings():
    # the README gives no micro-batch / interleaving: the rows' inferred settings must be ones
    # Megatron accepts (v divides the stage's layers, micro-batches a multiple of PP when
    # interleaved) and one micro-batch per step on the PP = 1 rows
    from planner.perfmodel.calibration.published import (
        MEGATRON_README_TABLE,
        ROWS,
        megatron_readme_interleave,
    )

    layers = {name: n for name, n, *_rest in MEGATRON_README_TABLE}
    rows = [r for r in ROWS if r.source == "megatron_readme2407"]
    assert len(rows) == len(MEGATRON_README_TABLE) + 1
    for r in rows:
        stage = layers[r.id.split("/")[2]] // r.pp
        per_rank = r.global_batch // r.dp
        assert r.tp * r.pp * r.dp == r.gpus and per_rank % r.microbatch == 0, r.id
        if r.pp == 1:
            assert (r.microbatch, r.interleave) == (per_rank, 1), r.id
        else:
            assert r.interleave > 1 and stage % r.interleave == 0, r.id
            assert (per_rank // r.microbatch) % r.pp == 0, r.id
    assert [megatron_readme_interleave(n) for n in (42, 23, 16, 12, 7)] == [21, 23, 8, 6, 7]


def test_fp8_gemms_pay_the_fitted_factor_of_their_architecture():
    from planner.perfmodel.kernels import gemm_efficiency

    for name in ("H100", "B200"):
        gpu = get_gpu(name)
        bf16 = gemm_efficiency(gpu, "bf16")
        assert gemm_efficiency(gpu) == bf16
        assert gemm_efficiency(gpu, "fp8") == bf16 * constants.FITTED["fp8_gemm_factor"]
        big = 8192
        ratio = gemm_time(gpu, big, big, big, "bf16") / gemm_time(gpu, big, big, big, "fp8")
        # the fp8 peak is about twice the bf16 one; the factor takes part of it back
        peaks = gpu.peak_flops("fp8") / gpu.peak_flops("bf16")
        assert abs(ratio / (peaks * constants.FITTED["fp8_gemm_factor"]) - 1) < 1e-9
    with constants.override({"fp8_gemm_factor": 0.5}):
        gpu = get_gpu("H100")
        assert gemm_efficiency(gpu, "fp8") == 0.5 * gemm_efficiency(gpu, "bf16")
    # Ampere has no fp8 tensor cores; its 16-bit efficiency is its own constant
    a100 = get_gpu("A100")
    assert gemm_efficiency(a100, "bf16") == constants.FITTED["gemm_efficiency_ampere"]


def test_llmfoundry_rows_carry_their_attention_kernel_and_fsdp_recompute_gathers():
    from dataclasses import replace

    from planner.train.calibration import row_estimate

    rows = {r.id: r for r in ROWS if r.source == "llmfoundry2401"}
    kernel = {r.id: dict(r.software)["attention_kernel"] for r in rows.values()}
    # sweep.py of the >= 128-GPU H100 table: flash for 1b/3b/7b/70b, triton for 13b/30b
    assert kernel["llmfoundry2401/H100/mpt-7b/2048/128/bf16/zero3/none/b6/B768"] == "fa2"
    assert kernel["llmfoundry2401/H100/mpt-13b/2048/128/bf16/zero3/full/b16/B2048"] == "triton"
    assert kernel["llmfoundry2401/H100/mpt-7b/2048/8/bf16/zero3/none/b6/B48"] == "triton"
    assert all(dict(r.software)["recompute_gathers"] is False for r in rows.values())
    # MP Mode PURE (A100-40GB table, A100-80GB 70B rows) reduce-scatters bf16 gradients;
    # DEFAULT (H100, the other A100-80GB rows) in fp32
    reduce = {r.id: dict(r.software).get("reduce_bytes", 0.0) for r in rows.values()}
    assert all(reduce[i] == 2.0 for i in reduce if i.split("/")[1] == "A100-40GB")
    assert all(reduce[i] == 0.0 for i in reduce if i.split("/")[1] == "H100")
    assert reduce["llmfoundry2401/A100/mpt-70b/2048/32/bf16/zero3/full/b2/B1024"] == 2.0
    assert reduce["llmfoundry2401/A100/mpt-30b/2048/8/bf16/zero3/full/b3/B504"] == 0.0
    # PyTorch FSDP's recompute reuses the backward's gathered weights: one all-gather fewer
    full = rows["llmfoundry2401/H100/mpt-70b/2048/32/bf16/zero3/full/b2/B1024"]
    regather = replace(
        full, software=tuple((k, True if k == "recompute_gathers" else v) for k, v in full.software)
    )
    assert row_estimate(full).step_time < row_estimate(regather).step_time
    none = rows["llmfoundry2401/H100/mpt-13b/2048/8/bf16/zero3/none/b2/B16"]
    same = replace(
        none, software=tuple((k, True if k == "recompute_gathers" else v) for k, v in none.software)
    )
    assert row_estimate(none).step_time == row_estimate(same).step_time


def test_llmfoundry_rows_of_the_torch_2_1_sweeps_stop_recomputing_early():
    # October 2023 / January 2024 sweeps (H100 tables, A100-80GB but MPT-70B): torch 2.1;
    # the April 2023 sweep (A100-40GB table, A100-80GB MPT-70B): torch 1.13.1
    rows = [r for r in ROWS if r.source == "llmfoundry2401"]
    stop = {r.id: dict(r.software).get("recompute_early_stop", False) for r in rows}
    april = [i for i in stop if i.split("/")[1] == "A100-40GB" or "/A100/mpt-70b/" in i]
    assert april and not any(stop[i] for i in april)
    assert all(v for i, v in stop.items() if i not in april)


def test_llmfoundry_rows_offload_activations_on_the_compute_stream():
    # Composer's activation_cpu_offload is torch's offload_wrapper (save_on_cpu): the plans
    # the near-best search weighs for these runs price every copy; no other source says so
    rows = [r for r in ROWS if r.source == "llmfoundry2401"]
    assert rows and all(dict(r.software)["offload_streams"] is False for r in rows)
    assert not any(
        dict(r.software).get("offload_streams", True) is False
        for r in ROWS
        if r.source != "llmfoundry2401" and hasattr(r, "software")
    )


def test_cdna3_training_gemms_follow_the_image_switch_and_have_their_own_fit_stage():
    """On MI325X a training step in AMD's tuned image (``tuned_kernels``, the default) uses
    the training-fitted CDNA3 efficiency, a source build the serving-fitted one; the switch
    leaves an H100 step alone; AMD's training rows form the ``cdna3_training`` stage and
    the NVIDIA training stage never sees a CDNA3 row."""
    from dataclasses import replace

    from planner.perfmodel.calibration.fit import FIT, ROWS, kind_of
    from planner.perfmodel.calibration.published import AMD_PRIMUS_2601, TrainingRow
    from planner.perfmodel.kernels import gemm_efficiency
    from planner.perfmodel.options import Software
    from planner.train.calibration import row_estimate

    mi, h100 = get_gpu("MI325X"), get_gpu("H100")
    values = {"gemm_efficiency_cdna3": 0.3, "gemm_efficiency_cdna3_training": 0.6}
    with constants.override(values):
        assert gemm_efficiency(mi, "bf16", tuned_training=True) == 0.6
        assert gemm_efficiency(mi, "bf16") == 0.3
        assert gemm_efficiency(h100, "bf16", tuned_training=True) == gemm_efficiency(h100)
        row = AMD_PRIMUS_2601[2]  # the bf16 70B row: compute-bound, so about 2x apart
        tuned = row_estimate(row).step_time
        built = row_estimate(replace(row, software=(("tuned_kernels", False),))).step_time
        assert 1.5 < built / tuned < 2.0
    assert Software.from_dict({"tuned_kernels": False}).tuned_kernels is False
    training = {r.source: kind_of(r) for r in ROWS if isinstance(r, TrainingRow) and r.split == FIT}
    assert training.pop("amd_primus2601") == "cdna3_training"
    assert set(training.values()) == {"training"}


def test_mtp_projection_follows_the_image_switch():
    """The multi-token-prediction projection runs at the same CDNA3 efficiency as the rest
    of the step: the serving-fitted one for a source build (``tuned_kernels`` false)."""
    from planner.perfmodel.stage import mtp_projection

    mi = get_gpu("MI325X")
    with constants.override({"gemm_efficiency_cdna3": 0.3, "gemm_efficiency_cdna3_training": 0.6}):
        tuned = mtp_projection(mi, "bf16", 8192.0, 7168, 1).gemm
        built = mtp_projection(mi, "bf16", 8192.0, 7168, 1, tuned=False).gemm
    assert 1.9 < built / tuned < 2.1
