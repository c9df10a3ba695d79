"""The calibration report's near-best columns: strict (every plan) and within the run's framework."""

from __future__ import annotations

from dataclasses import dataclass

import planner.perfmodel.calibration.fit as fit
import planner.train  # noqa: F401  (registers the training best plan)
from planner.perfmodel.calibration.published import TRAINING_ROWS
from planner.train.calibration import best_plan


@dataclass(frozen=True)
class _Row:
    id: str
    split: str = "held-out"


def _section(monkeypatch, results: dict[str, dict]) -> list[str]:
    rows = [_Row(k) for k in results]
    monkeypatch.setattr(fit, "ROWS", rows)
    monkeypatch.setattr(fit, "BEST_PLANS", {_Row: lambda r: results[r.id]})
    return fit._best_plan_section({})


def _result(published: float, best: float | None, fw_best: float | None, fw: str | None):
    return {
        "published_s": published,
        "published_fits": True,
        "best_s": best,
        "status": "OPTIMAL" if best else "INFEASIBLE",
        "best": "t1 p1 d8 b1 norc zero3" if best else "",
        "framework": fw,
        "framework_best_s": fw_best,
        "framework_status": "OPTIMAL",
        "framework_best": "t1 p1 d8 b8 full zero3",
    }


def test_strict_count_is_unchanged_by_the_framework_column(monkeypatch) -> None:
    """The strict count is the old rule (gap <= 10 % against the unrestricted best), whatever
    the framework column says; the framework count uses the restricted best."""
    results = {
        "a/near": _result(1.05, 1.0, 1.0, None),  # near in both
        "b/far-both": _result(1.30, 1.0, 1.15, "llmfoundry"),  # far in both
        "c/far-strict": _result(1.25, 1.0, 1.25, "llmfoundry"),  # near only in its framework
        "d/edge": _result(1.10, 1.0, 1.10, "llmfoundry"),  # exactly 10 %: near
        "e/none": _result(1.0, None, None, None),  # no plan: not near
    }
    lines = _section(monkeypatch, results)
    strict = sum(
        r["best_s"] is not None and r["published_s"] / r["best_s"] - 1 <= 0.10 + 1e-12
        for r in results.values()
    )
    assert strict == 2
    assert f"Near-best: {strict} of 5 held-out runs." in lines
    assert "Near-best against the best plan of the run's framework: 3 of 5." in lines
    row = next(line for line in lines if line.startswith("| c/far-strict"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[6] == "no" and cells[7] == "llmfoundry" and cells[10] == "yes"
    assert cells[11] == "t1 p1 d8 b8 full zero3"  # the plan the framework column weighs


def test_llmfoundry_row_best_plan_within_its_framework() -> None:
    """An LLM Foundry row: the framework's best is FSDP only (tp = pp = 1) and no faster
    than the unrestricted best; the published layout is one of the framework's plans, so
    the restricted best is no slower than it."""
    row = next(r for r in TRAINING_ROWS if r.id.startswith("llmfoundry2401/A100-40GB/mpt-125m"))
    got = best_plan(row, time_limit=20)
    assert got["framework"] == "llmfoundry"
    assert got["framework_best"].startswith("t1 p1 ")
    assert got["framework_best_s"] >= got["best_s"] * (1 - 1e-9)
    assert got["framework_best_s"] <= got["published_s"] * (1 + 1e-9)


def test_row_without_a_profile_keeps_the_unrestricted_best() -> None:
    row = next(r for r in TRAINING_ROWS if r.id == "bridge2511/H100/llama-3.1-8b/8")
    got = best_plan(row, time_limit=20)
    assert got["framework"] is None
    assert got["framework_best_s"] == got["best_s"]
