"""vLLM's non-torch memory (planner.perfmodel.vllm_memory) against cited startup logs."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import pytest

from planner.perfmodel.engines import parse_engine, version_tuple
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.memory import GIB
from planner.perfmodel.readers import load_model
from planner.perfmodel.stage import EngineModel, ReplicaConfig
from planner.perfmodel.vllm_memory import (
    VLLM_NON_TORCH_BASE_GIB,
    VLLM_NON_TORCH_PER_PEER_GIB,
    vllm_non_torch_gib,
)

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "planner/perfmodel/calibration/vllm_profile_logs.csv"


def log(row_id: str) -> dict[str, str]:
    with DATA.open() as f:
        return next(r for r in csv.DictReader(f) if r["id"] == row_id)


def test_the_data_file_has_twenty_cited_logs_and_a_held_out_split() -> None:
    with DATA.open() as f:
        data = list(csv.DictReader(f))
    assert len(data) >= 20
    assert all(r["source"] for r in data)
    assert {r["split"] for r in data} == {"fit", "held_out", "excluded"}


def test_every_log_names_a_release() -> None:
    """The version column is a release number (``0.7.x`` where inferred), not an engine name:
    the V1 table (library file 27349653019) states vLLM v0.11.0 (s30review2; it said ``V1``)."""
    with DATA.open() as f:
        data = list(csv.DictReader(f))
    column = next(k for k in data[0] if k.startswith("version"))
    assert all(version_tuple(r[column]) for r in data), [
        r["id"] for r in data if not version_tuple(r[column])
    ]


def test_the_constants_are_the_fit_scripts_output() -> None:
    spec = importlib.util.spec_from_file_location("fit", ROOT / "bench/vllm_memory_fit.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    base, slope = module.fit(module.rows())
    assert round(base, 2) == VLLM_NON_TORCH_BASE_GIB
    assert round(slope, 2) == VLLM_NON_TORCH_PER_PEER_GIB


@pytest.mark.parametrize(
    ("row_id", "gpu", "tolerance_gib"),
    [
        ("r1_h200_073", "H200", 0.36),  # TP8 with NCCL NVLS, held out (5 % of 7.16 GiB)
        # vLLM 0.11.0 V1, outside the window and held out since s31polish (the fit takes the
        # 0.7-0.8 logs only): within a tenth of a GiB at TP1, a quarter at TP2
        ("v1_qwen3_32b_tp1", "H100", 0.10),
        ("v1_qwen3_32b_tp2", "H100", 0.25),
    ],
)
def test_the_rule_against_held_out_logs(row_id: str, gpu: str, tolerance_gib: float) -> None:
    row = log(row_id)
    model = vllm_non_torch_gib(parse_engine("vllm:0.7.3"), get_gpu(gpu), int(row["tp"]))
    assert model == pytest.approx(float(row["non_torch_gib"]), abs=tolerance_gib)


def test_the_fit_takes_only_logs_of_the_rules_window() -> None:
    """Five 0.11.0 V1 logs were fit rows of a rule applied to 0.7-0.8 (s30review2, s31polish)."""
    with DATA.open() as f:
        data = list(csv.DictReader(f))
    column = next(k for k in data[0] if k.startswith("version"))
    fit_rows = [r for r in data if r["split"] == "fit"]
    assert fit_rows and all(version_tuple(r[column])[:2] in ((0, 7), (0, 8)) for r in fit_rows)


def test_nvls_only_on_nvswitch_hopper_blackwell_from_tp4() -> None:
    engine = parse_engine("vllm:0.7.3")
    h100_tp2 = vllm_non_torch_gib(engine, get_gpu("H100"), 2)
    h100_tp8 = vllm_non_torch_gib(engine, get_gpu("H100"), 8)
    a100_tp8 = vllm_non_torch_gib(engine, get_gpu("A100-40GB"), 8)
    pcie_tp8 = vllm_non_torch_gib(engine, get_gpu("RTX-PRO-6000"), 8)
    assert h100_tp2 < 1.0
    assert h100_tp8 - a100_tp8 == pytest.approx(4.9)
    assert pcie_tp8 == pytest.approx(a100_tp8)
    # the fitted A100 TP8 log (no NVLS): 2.10 GiB
    assert a100_tp8 == pytest.approx(float(log("lib3706561278")["non_torch_gib"]), rel=0.1)


@pytest.mark.parametrize("spec", ["vllm:0.6.3", "vllm", "vllm:0.9.0", "sglang:0.4.3", "trtllm"])
def test_outside_the_window_the_rule_says_nothing(spec: str) -> None:
    assert vllm_non_torch_gib(parse_engine(spec), get_gpu("H100"), 8) is None


@pytest.mark.parametrize("spec", ["vllm:0.7", "vllm:0.7.0", "vllm:0.8", "vllm:0.8.5.post1"])
def test_a_release_named_without_its_patch_is_inside_the_window(spec: str) -> None:
    """``vllm:0.7`` is the 0.7 series (0.7.x), as ``vllm:0.8`` is: both get the rule (s30review2;
    ``(0, 7)`` compared below ``(0, 7, 0)`` and the rule said nothing for 0.7)."""
    assert vllm_non_torch_gib(parse_engine(spec), get_gpu("H100"), 1) == pytest.approx(
        VLLM_NON_TORCH_BASE_GIB
    )


def test_no_rule_on_amd() -> None:
    assert vllm_non_torch_gib(parse_engine("vllm:0.7.3"), get_gpu("MI300X"), 8) is None


def test_r1_kv_cache_against_the_073_log() -> None:
    """vLLM 0.7.3, DeepSeek-R1 TP8 on 8 x H200, ``--gpu-memory-utilization 0.85
    --max-num-batched-tokens 32000``: 21.43 GiB of KV cache (held-out log). Without the
    non-torch term the model gave 29.9 GiB (+40 %)."""
    row = log("r1_h200_073")
    em = EngineModel(
        load_model("deepseek-v3"),
        ReplicaConfig(get_gpu("H200"), 8, 1, 1),
        "fp8",
        "bf16",
        engine=parse_engine("vllm:0.7.3,tokens=32000,mem=0.85"),
    )
    assert em.free_bytes / GIB == pytest.approx(float(row["kv_gib"]), rel=0.10)
