"""planner.serve.sweep: cost per million tokens over rates and GPU types, with a plot."""

from __future__ import annotations

import math

import pytest

import planner.serve
from planner.core.errors import InputError

KW = dict(prompt_tokens="exp:400", output_tokens="exp:100", ttft="1s", tpot="60ms")


def test_sweep_rows_cost_and_plot(tmp_path):
    png = tmp_path / "cost.png"
    rows = planner.serve.sweep(
        "llama-3.1-8b", ["H100", "A100"], [2, 30, 5000], gpus_per_type=4, plot=png, **KW
    )
    assert [(r["gpu"], r["qps"]) for r in rows] == [
        (g, q) for g in ("H100", "A100") for q in (2.0, 30.0, 5000.0)
    ]
    for gpu in ("H100", "A100"):
        mine = [r for r in rows if r["gpu"] == gpu]
        low, mid, huge = mine
        assert low["status"] == mid["status"] == "OPTIMAL"
        assert low["cost_per_hour"] <= mid["cost_per_hour"]  # more load never costs less
        for r in (low, mid):
            per_m = r["cost_per_hour"] / (r["qps"] * 100.0 * 3600) * 1e6
            assert math.isclose(r["usd_per_million_output_tokens"], per_m, rel_tol=0.05)
        # 5000 req/s does not fit 4 GPUs: no plan, a reason
        assert huge["status"] == "INFEASIBLE" and huge["reason"]
        assert huge["usd_per_million_output_tokens"] is None
    assert png.stat().st_size > 1000


def test_sweep_rejects_bad_rates():
    with pytest.raises(InputError, match="rates"):
        planner.serve.sweep("llama-3.1-8b", ["H100"], [0], **KW)
    with pytest.raises(InputError, match="at least one"):
        planner.serve.sweep("llama-3.1-8b", [], [1], **KW)


def test_sweep_names_gpus_as_the_catalog_does_and_never_prices_an_unpriced_one_at_zero():
    """An alias with spaces ("RTX PRO 6000") broke the inventory text; H20 has no price in
    the hardware catalog and read "$0 per million output tokens", the cheapest GPU of the
    sweep. It gets no cost per token and a reason; with a price tier it is priced."""
    rows = planner.serve.sweep(
        "llama-3.1-8b", ["RTX PRO 6000", "H20"], [1], gpus_per_type=1, time_limit=5, **KW
    )
    rtx, h20 = rows
    assert rtx["status"] == "OPTIMAL" and rtx["usd_per_million_output_tokens"] > 0
    assert h20["gpus"] == 1
    assert h20["usd_per_million_output_tokens"] is None and "no price for H20" in h20["reason"]
    assert h20["cost_per_hour"] is None  # was 0.0 (s23small)
    (priced,) = planner.serve.sweep(
        "llama-3.1-8b", ["H20"], [1], gpus_per_type=1, time_limit=5, pricing="on-demand", **KW
    )
    assert (
        priced["usd_per_million_output_tokens"] > 0
        and not priced["reason"]
        and priced["cost_per_hour"] > 0
    )


def test_the_plot_names_a_gpu_type_it_cannot_draw(monkeypatch, tmp_path):
    """An unpriced GPU type (MI300X in the catalog) has no USD per million tokens: it was left
    off the plot without a mark, so a reader saw fewer lines than the sweep asked for."""
    import planner.plot
    from planner.serve.sweep import plot_sweep

    drawn = {}
    save = planner.plot.save_figure

    def keep(fig, path):
        drawn["texts"] = [ax.get_xlabel() for ax in fig.axes]
        return save(fig, path)

    monkeypatch.setattr(planner.plot, "save_figure", keep)
    rows = [
        {"gpu": "H100", "qps": 1.0, "usd_per_million_output_tokens": 4.2},
        {"gpu": "MI300X", "qps": 1.0, "usd_per_million_output_tokens": None},
    ]
    plot_sweep(rows, tmp_path / "cost.png")
    assert any("not drawn" in t and "MI300X" in t and "H100" not in t for t in drawn["texts"])
    plot_sweep(rows[:1], tmp_path / "cost2.png")
    assert not any("not drawn" in t for t in drawn["texts"])


def test_sweep_takes_threads_and_keeps_the_problems_warnings():
    """s21lib: ``threads=1`` (every solver call's setting) was refused as "constraints:
    unknown field 'threads'"; an L40S row dropped its "no fitted GEMM efficiency" warning
    (only the CLI printed it); ``gpus_per_type=0`` was blamed on "pool L40S: field
    'count'", a name the call never used."""
    (row,) = planner.serve.sweep(
        "llama-3.1-8b", ["L40S"], [1], gpus_per_type=2, time_limit=5, threads=1, **KW
    )
    assert row["status"] == "OPTIMAL"
    assert any("no fitted GEMM efficiency" in w for w in row["warnings"])
    with pytest.raises(InputError, match="gpus_per_type"):
        planner.serve.sweep("llama-3.1-8b", ["L40S"], [1], gpus_per_type=0, **KW)


def test_plan_result_carries_the_problems_warnings():
    """s21lib: ``planner.serve.plan`` builds the problem itself, so its warnings (an
    uncalibrated GPU, a pool without a price) were lost to a library caller."""
    res = planner.serve.plan("llama-3.1-8b", "L40S:2", qps=1, time_limit=5, **KW)
    assert any("no fitted GEMM efficiency" in w for w in res.stats["warnings"])
    res = planner.serve.plan("llama-3.1-8b", "H100:2", qps=1, time_limit=5, **KW)
    assert "warnings" not in res.stats


def test_sweep_takes_numpy_rates_as_a_list():
    """``np.linspace`` / ``np.arange`` rates (no ``Sequence``; numpy integers no ``int``) are the
    same sweep as the list: s28bad's list check refused the array, the rate check the integers."""
    import numpy as np

    listed = planner.serve.sweep("llama-3.1-8b", ["H100"], [2, 30], gpus_per_type=4, **KW)
    for rates in (np.array([2.0, 30.0]), np.array([2, 30])):
        rows = planner.serve.sweep("llama-3.1-8b", ("H100",), rates, gpus_per_type=4, **KW)
        assert [(r["qps"], r["status"], r["cost_per_hour"]) for r in rows] == [
            (r["qps"], r["status"], r["cost_per_hour"]) for r in listed
        ]
    with pytest.raises(InputError, match=r"^sweep: rates must be a list, got \{"):
        planner.serve.sweep("llama-3.1-8b", ["H100"], {2: 1}, **KW)
