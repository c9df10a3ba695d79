"""Hopper FP8 serving GEMMs at the shape law fitted to DeepGEMM's published H800 table
(:mod:`planner.perfmodel.calibration.deepgemm`, engine option ``fp8-law``)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from planner.core.errors import InputError
from planner.perfmodel.calibration import deepgemm
from planner.perfmodel.engines import parse_engine
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.kernels import fp8_law_applies, gemm_time, gemm_time_sum
from planner.perfmodel.readers import load_model
from planner.perfmodel.stage import EngineModel, ReplicaConfig

#: The RMS log error the module notes state for the fit (about 11 %).
STATED_RMS = 0.12


def test_the_law_reproduces_deepgemms_table_within_its_stated_rms_error():
    """Every row of the table through the model's own GEMM time (H800, FP8, the option on)."""
    gpu = get_gpu("H800")
    errors = []
    for groups, m, n, k, tflops, _speedup in deepgemm.ROWS:
        t = gemm_time(gpu, float(m), n, k, "fp8", batch=groups, fp8_law=True)
        errors.append(math.log(t / (2.0 * groups * m * n * k / (tflops * 1e12))))
    rms = math.sqrt(sum(e * e for e in errors) / len(errors))
    assert rms <= STATED_RMS
    # the shape it corrects: M = 64 slower than the fitted roofline, M = 4096 faster
    roof = gemm_time(gpu, 64.0, 4096, 7168, "fp8", hbm_efficiency=0.95)
    assert gemm_time(gpu, 64.0, 4096, 7168, "fp8", fp8_law=True) > roof
    roof = gemm_time(gpu, 4096.0, 4096, 7168, "fp8", hbm_efficiency=0.95)
    assert gemm_time(gpu, 4096.0, 4096, 7168, "fp8", fp8_law=True) < roof


def test_the_shipped_law_is_what_the_fit_produces():
    fitted = deepgemm.fit()
    assert deepgemm.check(fitted) == []
    assert deepgemm.rms_log_error(fitted) <= STATED_RMS
    assert deepgemm.check({**fitted, "half_k": fitted["half_k"] * 1.01})


@pytest.mark.parametrize(
    ("gpu", "precision"), [("H100", "bf16"), ("B200", "fp8"), ("L40S", "fp8"), ("A100", "bf16")]
)
def test_the_law_changes_nothing_outside_hopper_fp8(gpu, precision):
    spec = get_gpu(gpu)
    assert not fp8_law_applies(spec, precision)
    m = np.array([1.0, 64.0, 300.0, 8192.0])
    shapes = [(4096, 7168), (7168, 2048)]
    with_law = gemm_time_sum(spec, m, shapes, precision, fp8_law=True)
    assert np.array_equal(with_law, gemm_time_sum(spec, m, shapes, precision))


def test_the_summed_law_is_the_sum_of_its_gemms():
    gpu = get_gpu("H200")
    m = np.array([1.0, 100.0, 5000.0])
    shapes = [(4096, 7168), (7168, 2048)]
    total = gemm_time_sum(gpu, m, shapes, "fp8", fp8_law=True)
    parts = sum(gemm_time(gpu, m, n, k, "fp8", fp8_law=True) for n, k in shapes)
    assert np.allclose(total, parts)
    assert not np.allclose(total, gemm_time_sum(gpu, m, shapes, "fp8"))


def test_option_parses_labels_and_round_trips():
    e = parse_engine("trtllm:1.0,fp8-law,pad=384")
    assert e.fp8_gemm_law and e.graph_pad == 384
    assert e.label() == "trtllm 1.0 (DeepGEMM-law FP8 GEMMs, graphs padded, up to 384)"
    assert parse_engine(e.to_dict()) == e
    plain = parse_engine("trtllm:1.0").to_dict()
    assert "fp8_gemm_law" not in plain and "graph_pad" not in plain


@pytest.mark.parametrize(
    "bad",
    [
        "trtllm,fp8-law,fp8-law",
        "trtllm,pad=-1",
        "trtllm,pad=x",
        {"name": "trtllm", "fp8_gemm_law": 1},
        {"name": "trtllm", "graph_pad": 2.5},
    ],
)
def test_bad_options_are_input_errors(bad):
    with pytest.raises(InputError, match="engine"):
        parse_engine(bad)


def test_engine_model_prices_hopper_fp8_with_the_law_only_when_asked():
    model = load_model("llama-3.1-8b")
    config = ReplicaConfig(get_gpu("H100"), 1)
    plain = EngineModel(model, config, "fp8", engine=parse_engine("trtllm"))
    law = EngineModel(model, config, "fp8", engine=parse_engine("trtllm,fp8-law"))
    n = np.array([64.0, 4096.0])
    t_plain = plain.base_time(n, 0.0, 0.0)
    t_law = law.base_time(n, 0.0, 0.0)
    assert t_law[0] > t_plain[0] and t_law[1] < t_plain[1]
    bf16 = EngineModel(model, config, "bf16", engine=parse_engine("trtllm,fp8-law"))
    same = EngineModel(model, config, "bf16", engine=parse_engine("trtllm"))
    assert np.array_equal(bf16.base_time(n, 0.0, 0.0), same.base_time(n, 0.0, 0.0))
