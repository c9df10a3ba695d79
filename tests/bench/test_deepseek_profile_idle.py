"""The DeepSeek profile benchmark's split of the span's compute idle by cause (synthetic trace)."""

from __future__ import annotations

import pytest

from .conftest import load_script

profile = load_script("bench/train_deepseek_profile.py", "train_deepseek_profile")


def kernel(name: str, ts: float, dur: float, corr: int, tid: int = 7) -> dict:
    return {
        "cat": "kernel",
        "name": name,
        "ts": ts,
        "dur": dur,
        "tid": tid,
        "args": {"correlation": corr},
    }


def launch(ts: float, dur: float, corr: int) -> dict:
    return {
        "cat": "cuda_runtime",
        "name": "cudaLaunchKernel",
        "ts": ts,
        "dur": dur,
        "args": {"correlation": corr},
    }


def test_gaps_are_split_into_deepep_host_and_boundary() -> None:
    kernels = [
        kernel("gemm_a", 0.0, 10.0, 1),
        kernel("dpsk::ep::internode::combine", 5.0, 15.0, 2, tid=27),  # ends at 20
        kernel("gemm_b", 20.0, 2.0, 3),  # waited 10 us for the combine
        kernel("gemm_c", 25.0, 1.0, 4),  # launched at 24.5: the host's 3 us
        kernel("gemm_d", 28.0, 1.0, 5),  # launched long before: a 2 us boundary
        kernel("gemm_e", 29.0, 1.0, 6, tid=23),  # second stream, no gap
    ]
    events = [
        *kernels,
        launch(0.0, 0.5, 1),
        launch(0.5, 0.5, 2),
        launch(1.0, 1.0, 3),
        launch(23.5, 1.0, 4),
        launch(2.0, 1.0, 5),
        launch(3.0, 1.0, 6),
    ]
    busy, idle = profile.compute_idle(events, kernels)
    assert idle[profile.DEEPEP_GAP] == pytest.approx(10.0)
    assert idle[profile.HOST_GAP] == pytest.approx(3.0)
    assert idle[profile.BOUNDARY_GAP] == pytest.approx(2.0)
    assert busy == pytest.approx(30.0 - 15.0)


def test_committed_summary_adds_up_to_the_span() -> None:
    import json

    summary = json.loads(profile.SUMMARY.read_text())
    total = summary["compute_busy_ms"] + sum(summary["compute_idle_ms"].values())
    assert total == pytest.approx(summary["gpu_span_ms"], abs=2e-3)
    # the second compute stream fills part of the first's idle: busy time above stream 7's
    assert summary["compute_busy_ms"] > summary["stream_busy_ms"]["7"]
