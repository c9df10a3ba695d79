"""Error bands from the held-out rows per layout kind, and the +/-10 % robustness sweep."""

from __future__ import annotations

import itertools
import json
from types import SimpleNamespace

import pytest

from planner.perfmodel import constants
from planner.train.error_bands import band, held_out_errors, kind_stats, layout_kind, step_error
from planner.train.robustness import sweep

from .test_cli import run

BASE = ("plan", "train", "--model", "gpt-1.7b", "--gpus", "16xA100", "-B", "64", "-s", "1024")


@pytest.mark.parametrize(
    ("plan", "kind"),
    [
        ({"tp": 8, "pp": 16, "cp": 1, "ep": 8, "interleave": 4}, "expert"),
        ({"tp": 8, "pp": 16, "cp": 2, "ep": 1, "interleave": 4}, "context"),
        ({"tp": 8, "pp": 16, "cp": 1, "ep": 1, "interleave": 4}, "interleaved-pp"),
        ({"tp": 8, "pp": 16, "cp": 1, "ep": 1, "interleave": 1}, "pipeline"),
        ({"tp": 8, "pp": 1, "cp": 1, "ep": 1, "interleave": 1}, "tensor"),
        ({"tp": 1, "pp": 1, "cp": 1, "ep": 1, "interleave": 1}, "data"),
    ],
)
def test_layout_kind(plan, kind):
    assert layout_kind(plan) == kind
    assert layout_kind(SimpleNamespace(**plan)) == kind


def test_step_error_signs():
    # a throughput predicted 25 % too high is a step time predicted 20 % too low
    row = SimpleNamespace(metric="tokens_per_s_per_gpu", value=100.0)
    assert step_error(row, 125.0) == pytest.approx(-0.2)
    row = SimpleNamespace(metric="step_time_s", value=10.0)
    assert step_error(row, 11.0) == pytest.approx(0.1)


def test_band_uses_the_kind_or_says_it_falls_back():
    errors = (
        ("a", "tensor", 0.10, "NVIDIA"),
        ("b", "tensor", -0.05, "NVIDIA"),
        ("c", "data", 0.02, "NVIDIA"),
    )
    stats = kind_stats(errors)
    assert stats["tensor"]["rows"] == 2
    assert stats["tensor"]["mean_abs_error"] == pytest.approx(0.075)
    b = band(2.0, {"tp": 8, "pp": 1}, stats)
    assert b["source"] == "tensor" and b["note"] is None
    # measured = predicted / (1 + r): r in [-0.05, 0.10]
    assert b["low_s"] == pytest.approx(2.0 / 1.10) and b["high_s"] == pytest.approx(2.0 / 0.95)
    b = band(2.0, {"tp": 8, "pp": 4, "interleave": 2}, stats)
    assert b["source"] == "all" and "interleaved-pp" in b["note"]
    assert b["low_s"] <= 2.0 <= b["high_s"]


def test_bands_keep_to_the_plans_gpu_vendor():
    # an AMD row's error says nothing of an NVIDIA plan (different fitted terms), and back
    errors = (
        ("a", "data", 0.05, "NVIDIA"),
        ("b", "data", -0.02, "NVIDIA"),
        ("c", "data", 0.5, "AMD"),
    )
    assert kind_stats(errors, gpu_vendor="NVIDIA")["data"]["max_error"] == pytest.approx(0.05)
    assert kind_stats(errors, gpu_vendor="AMD")["data"]["rows"] == 1
    assert kind_stats(errors)["data"]["max_error"] == pytest.approx(0.5)  # a mixed cluster
    assert kind_stats(errors, gpu_vendor="Other")["data"]["rows"] == 3  # no rows: all of them


def test_cli_band_of_an_nvidia_plan_ignores_amd_rows(capsys):
    from planner.perfmodel.hardware import vendor_of as vendor

    nvidia = [e for e in held_out_errors() if e[3] == "NVIDIA" and e[1] == "data"]
    code, out, _err = run(capsys, *BASE, "--fix", "tp=1,pp=1,cp=1", "-t", "20", "--json")
    assert code == 0
    eb = json.loads(out)["error_band"]
    assert eb["source"] == "data" and eb["held_out_rows"] == len(nvidia)
    assert vendor("CDNA3") == "AMD" and vendor("Hopper") == "NVIDIA"


def test_held_out_errors_follow_the_constants():
    base = held_out_errors()
    assert base and all(kind in {k for k, _d in _kinds()} for _i, kind, _e, _v in base)
    assert {v for *_rest, v in base} == {"NVIDIA", "AMD"}
    slower = {"gemm_efficiency_hopper": constants.FITTED["gemm_efficiency_hopper"] * 0.8}
    with constants.override(slower):
        changed = held_out_errors()
    assert changed != base
    assert held_out_errors() == base


def _kinds():
    from planner.train.error_bands import KINDS

    return KINDS


def _own_sweep(breakdowns, delta=0.10):
    keys = sorted({k for b in breakdowns for k, v in b.items() if v})
    worst = 0.0
    for signs in itertools.product((-1, 1), repeat=len(keys)):
        f = {k: 1 + delta * s for k, s in zip(keys, signs, strict=True)}
        times = [sum(f[k] * b.get(k, 0.0) for k in keys) for b in breakdowns]
        worst = max(worst, times[0] / min(times))
    return worst


def test_sweep_against_plain_loops():
    plans = [
        {"compute": 1.0, "tp_comm": 0.10, "bubble": 0.05},
        {"compute": 0.95, "tp_comm": 0.25, "bubble": 0.0},
        {"compute": 1.02, "dp_comm": 0.01},
    ]
    out = sweep(plans)
    assert out["corners"] == 2**4 and out["exhaustive"]
    assert out["worst_ratio"] == pytest.approx(_own_sweep(plans))
    assert out["robust"] == (out["worst_ratio"] <= 1.05)
    assert sum(out["winners"]) == out["corners"]
    # a plan far behind the others is not robust
    fragile = [{"compute": 1.0, "tp_comm": 0.6}, {"compute": 1.2}]
    out = sweep(fragile)
    assert out["worst_ratio"] == pytest.approx(_own_sweep(fragile))
    assert not out["robust"] and out["worst_corner"]["tp_comm"] == pytest.approx(1.1)


def test_sampled_sweep_is_deterministic():
    many = [{f"c{i}": 1.0 + i / 10 for i in range(14)}, {f"c{i}": 1.05 for i in range(14)}]
    a, b = sweep(many), sweep(many)
    assert not a["exhaustive"] and a["corners"] == 4096
    assert a == b


def test_cli_reports_bands_and_robustness(capsys):
    code, out, _err = run(capsys, *BASE, "-t", "20", "--json")
    assert code == 0
    d = json.loads(out)
    eb = d["error_band"]
    assert eb["kind"] == layout_kind(d["plan"])
    assert eb["low_s"] <= d["step_time_s"] <= eb["high_s"]
    for alt in d["alternatives"]:
        assert alt["error_band"]["low_s"] <= alt["step_time_s"] <= alt["error_band"]["high_s"]
    rob = d["robustness"]
    assert rob["plans"] == 1 + len(d["alternatives"])
    assert rob["worst_ratio"] >= 1.0
    code, out, _err = run(capsys, *BASE, "-t", "20")
    assert "held-out error band" in out and "perturbed by +/-10%" in out
