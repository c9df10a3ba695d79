"""Serving engines with shape-tuned GEMMs (``Engine.tuned_gemms``, option ``tuned``): CDNA3
GEMMs at AMD's published Max-Achievable FLOPs, everything else unchanged."""

from __future__ import annotations

import numpy as np
import pytest

from planner.core.errors import InputError
from planner.perfmodel.calibration.mlperf import MLPERF_ROWS
from planner.perfmodel.engines import Engine, parse_engine
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.kernels import (
    MAX_ACHIEVABLE_SHAPES,
    MAX_ACHIEVABLE_TFLOPS,
    gemm_efficiency,
    gemm_time,
    tuned_serving_efficiency,
)
from planner.perfmodel.readers import load_model
from planner.perfmodel.stage import EngineModel, ReplicaConfig


def test_tuned_option_parses_labels_and_round_trips():
    e = parse_engine("vllm:0.9.0,eager,steps=9,tokens=40960,tuned")
    assert e.tuned_gemms and not e.cuda_graphs and e.scheduler_steps == 9
    assert e.label() == "vllm 0.9.0 (eager, tuned GEMMs, 9 steps, 40960 tokens/iteration)"
    assert e.to_dict()["tuned_gemms"] is True
    assert parse_engine(e.to_dict()) == e
    # an untuned engine's JSON form is what it was before the option existed
    assert "tuned_gemms" not in parse_engine("vllm:0.6.6").to_dict()
    assert not parse_engine("vllm").tuned_gemms


@pytest.mark.parametrize("bad", ["vllm,tuned,tuned", {"name": "vllm", "tuned_gemms": "yes"}])
def test_bad_tuned_options_are_input_errors(bad):
    with pytest.raises(InputError, match="engine"):
        parse_engine(bad)


@pytest.mark.parametrize("gpu", ["MI300X", "MI325X"])
@pytest.mark.parametrize("precision", ["fp8", "bf16", "fp16"])
def test_tuned_gemm_of_the_measured_shape_runs_at_the_published_rate(gpu, precision):
    """The model's GEMM of AMD's hipblaslt-bench shape runs at AMD's Max-Achievable FLOPs."""
    spec = get_gpu(gpu)
    m, n, k = MAX_ACHIEVABLE_SHAPES[precision]
    t = gemm_time(spec, m, n, k, precision, tuned_serving=True)
    assert 2 * m * n * k / t == pytest.approx(MAX_ACHIEVABLE_TFLOPS[gpu][precision] * 1e12)
    # the fitted serving value is what an untuned engine gets, and it is slower (by how much is
    # a fit output: 1.4-1.7x with the twenty-second session's constants)
    assert gemm_time(spec, m, n, k, precision) > t


def test_tuned_gemms_change_nothing_without_a_published_figure():
    for name in ("H100", "B200", "MI355X"):
        gpu = get_gpu(name)
        assert tuned_serving_efficiency(gpu, "fp8") is None
        assert gemm_efficiency(gpu, "fp8", tuned_serving=True) == gemm_efficiency(gpu, "fp8")


def _step(gpu: str, spec: str, b: float) -> float:
    e = EngineModel(
        load_model("llama-2-70b"), ReplicaConfig(get_gpu(gpu), 1), "fp8", "fp8",
        engine=parse_engine(spec),
    )  # fmt: skip
    return float(e.base_time(np.array([b]), b, 500.0)[0])


def test_tuned_engine_speeds_up_compute_bound_cdna3_steps_only():
    """Tuned GEMMs never slow a step; no step beats streaming the FP8 weights at the HBM peak
    (a batch-1 decode step is a weight read, however fast the GEMMs); a batch-1024 step is set
    by its GEMMs (faster with tuned GEMMs); an H100 step does not move.

    Whether the untuned batch-1 step is set by the weight stream or by the fitted skinny-GEMM
    rate depends on the fitted CDNA3 constants (the fit rows do not separate the two), so the
    test asserts the physical floor, not which term binds."""
    gpu = get_gpu("MI300X")
    weight_read = load_model("llama-2-70b").params_total / gpu.hbm_bw  # FP8: one byte each
    for b in (1.0, 8.0, 64.0, 1024.0):
        tuned, untuned = _step("MI300X", "vllm,tuned", b), _step("MI300X", "vllm", b)
        assert weight_read < tuned <= untuned, b
    # strictly faster where the GEMMs set the step (the size of the gain is a fit output)
    assert _step("MI300X", "vllm,tuned", 1024.0) < _step("MI300X", "vllm", 1024.0)
    # MI325X sustains a higher clock (its published rate is higher at the same peak)
    assert _step("MI325X", "vllm,tuned", 1024.0) < _step("MI300X", "vllm,tuned", 1024.0)
    assert _step("H100", "vllm,tuned", 1024.0) == _step("H100", "vllm", 1024.0)


#: hipBLASLt each AMD MLPerf llama2-70b build runs (module notes of
#: :mod:`planner.perfmodel.calibration.mlperf`): v4.1 ``docker/build_llama2.sh``, v5.1 the
#: systems' "hipblaslt 0.15.0-aa0bda7b"; the MAF build is db8e93b4.
HIPBLASLT = {"mlperf_inf41": "8b71e7a8", "mlperf_inf51": "aa0bda7b"}
#: ROCm/vllm ``Dockerfile.rocm_base`` pins, in order (the MAF build and the ones after it).
AT_OR_AFTER_MAF = ("db8e93b4", "0f5d6c6d", "aa0bda7b")


def test_the_mlperf_engines_on_the_maf_hipblaslt_build_or_later_are_tuned():
    """``tuned`` follows the build's hipBLASLt: on for AMD's v5.1 llama2-70b engines of both
    GPUs (hipBLASLt aa0bda7b, after the MAF build db8e93b4), off for v4.1 (8b71e7a8, before
    it), for Mixtral (another image, MoE kernels outside hipBLASLt) and for NVIDIA."""
    tuned = [r.id for r in MLPERF_ROWS if parse_engine(r.engine).tuned_gemms]
    assert tuned
    for r in MLPERF_ROWS:
        rule = (
            r.submitter == "AMD"
            and r.model == "llama-2-70b"
            and HIPBLASLT[r.source] in AT_OR_AFTER_MAF
        )
        assert parse_engine(r.engine).tuned_gemms == rule, r.id
    # both GPUs of v5.1, both scenarios
    assert {(r.gpu, r.scenario) for r in MLPERF_ROWS if r.id in tuned} == {
        ("MI300X", "Offline"),
        ("MI300X", "Server"),
        ("MI325X", "Offline"),
        ("MI325X", "Server"),
    }
    assert isinstance(parse_engine(MLPERF_ROWS[0].engine), Engine)
