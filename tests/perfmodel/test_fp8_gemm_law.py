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
from planner.perfmodel.kernels import (
    SIBLING_GEMM_RATES,
    fp8_law_applies,
    fp8_law_constants,
    fp8_law_efficiency,
    gemm_time,
    gemm_time_sum,
)
from planner.perfmodel.precision import get_precision
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
    ("gpu", "precision"),
    [
        ("H100", "bf16"),
        ("B200", "fp8"),
        ("B200", "fp4"),
        ("L40S", "fp8"),
        ("A100", "bf16"),
        ("RTX-PRO-6000", "bf16"),
    ],
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


@pytest.mark.parametrize("key", ["fp4", "fp8"])
def test_on_the_rtx_pro_the_law_runs_the_measured_kernels_rate_at_its_shape(key):
    """The RTX PRO 6000's scaled GEMMs under the option: the law re-anchored so that 8192^3
    takes the CUTLASS figure of :data:`SIBLING_GEMM_RATES` (s31prefill); before, the option
    left them on the fitted roofline (0.563 of the FP4 peak, ~1.13 PFLOP/s at 8192^3)."""
    gpu = get_gpu("RTX-PRO-6000")
    rate, _peak, _, _ = SIBLING_GEMM_RATES["RTX-PRO-6000"][1][key]
    assert fp8_law_applies(gpu, key)
    s = 8192.0
    t = gemm_time(gpu, s, s, s, key, fp8_law=True)
    assert 2.0 * s**3 / t / 1e12 == pytest.approx(rate, rel=1e-9)
    roof = gemm_time(gpu, s, s, s, key, hbm_efficiency=0.95)
    assert t < 0.8 * roof
    # the law's shape and stream are DeepGEMM's: only E differs from Hopper's
    assert fp8_law_efficiency(gpu, key) > fp8_law_constants()["efficiency"]
    assert fp8_law_efficiency(get_gpu("H100"), "fp8") == fp8_law_constants()["efficiency"]
    # a decode-sized GEMM streams its weights at the law's stream efficiency, not the fit's
    streamed = gemm_time(gpu, 16.0, 8192, 8192, key, fp8_law=True)
    weights = 8192 * 8192 * get_precision(key).bytes
    assert streamed >= weights / (gpu.hbm_bw * fp8_law_constants()["stream_efficiency"])


def test_engine_model_prices_rtx_pro_fp4_with_the_law_only_when_asked():
    model = load_model("llama-3.1-70b")
    config = ReplicaConfig(get_gpu("RTX-PRO-6000"), 1)
    plain = EngineModel(model, config, "fp4", engine=parse_engine("trtllm"))
    law = EngineModel(model, config, "fp4", engine=parse_engine("trtllm,fp8-law"))
    n = np.array([16.0, 4096.0])
    t_plain = plain.base_time(n, 0.0, 0.0)
    t_law = law.base_time(n, 0.0, 0.0)
    # prefill-sized iterations faster (the measured kernel), decode-sized ones slower (the
    # law's small-M weight stream)
    assert t_law[1] < 0.85 * t_plain[1] and t_law[0] > t_plain[0]


def test_fp8_mixed_layers_take_the_law_wherever_fp8_does():
    # s31review1: the FP8 layers of Meta's fp8-mixed checkpoints follow the law on Hopper (the
    # FP8 peak key); on the RTX PRO they kept the roofline, while plain fp8 took the law
    for name in ("H100-SXM", "RTX-PRO-6000"):
        gpu = get_gpu(name)
        assert fp8_law_applies(gpu, "fp8-mixed") == fp8_law_applies(gpu, "fp8") is True, name
        s = 8192.0
        assert gemm_time(gpu, s, s, s, "fp8-mixed", fp8_law=True) == gemm_time(
            gpu, s, s, s, "fp8", fp8_law=True
        )
    assert not fp8_law_applies(get_gpu("RTX-PRO-6000"), "int4")
