"""The GPU price table: tiers, sources, user files and bad input."""

from __future__ import annotations

import json
import math

import pytest

from planner.cli import main
from planner.core.errors import InputError
from planner.core.result import Status
from planner.perfmodel.hardware import get_gpu
from planner.serve import make_problem, solve
from planner.serve.prices import TIERS, load_prices

ARGS = dict(qps=3, prompt_tokens=500, output_tokens=100, tpot="60ms", max_pp=1)


def test_shipped_table_has_every_tier_with_a_source_or_assumption():
    table = load_prices()
    for name in ("H100", "A100", "L40S", "L4", "A10G", "RTX PRO 6000", "H20", "MI300X"):
        row = table[get_gpu(name).name]
        for tier in TIERS:
            assert row.tier(tier) is not None and row.tier(tier) > 0
            src = row.source(tier)
            assert src.startswith("assumption") or "(HW1" in src, (name, tier, src)
        assert row.reserved < row.on_demand and row.spot < row.reserved
        assert 0 < row.spot_preemption_per_hour < 1


def test_tier_changes_the_cost_of_the_same_plan():
    on = solve(make_problem("llama-3.1-8b", "H100:2", pricing="on-demand", **ARGS))
    res = solve(make_problem("llama-3.1-8b", "H100:2", pricing="reserved", **ARGS))
    assert on.status is Status.OPTIMAL and res.status is Status.OPTIMAL
    gpus = on.solution.gpus
    table = load_prices()["H100-SXM"]
    assert math.isclose(on.objective, gpus * table.on_demand)
    assert math.isclose(res.objective, res.solution.gpus * table.reserved)


def test_user_table_decides_between_gpu_types(tmp_path):
    # the same two pools; making the A100 nearly free moves the plan onto it
    f = tmp_path / "p.toml"
    f.write_text("[gpu.H100]\non_demand = 5.0\n[gpu.A100]\non_demand = 0.01\n")
    r = solve(make_problem("llama-3.1-8b", "H100:2,A100:2", prices=f, **ARGS))
    assert {g.gpu for g in r.solution.replicas} == {"A100-80GB"}
    f.write_text("[gpu.H100]\non_demand = 0.01\n[gpu.A100]\non_demand = 5.0\n")
    r = solve(make_problem("llama-3.1-8b", "H100:2,A100:2", prices=f, **ARGS))
    assert {g.gpu for g in r.solution.replicas} == {"H100-SXM"}


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("[gpu.H100]\non_demand = -1\n", "gpu.H100.on_demand"),
        ("[gpu.H100]\non_demand = 'cheap'\n", "gpu.H100.on_demand"),
        ("[gpu.H100]\nreserved = 1.0\n", "on_demand"),
        ("[gpu.H100]\non_demand = 1\nspot_preemption_per_hour = 2\n", "spot_preemption_per_hour"),
        ("[gpu.NOPE]\non_demand = 1\n", "gpu.NOPE"),
        ("[gpu.H100]\non_demand = 1\nondemand = 2\n", "ondemand"),
        ("[gpu.A100]\non_demand = 1\n", "gpu.H100-SXM"),  # the inventory's H100 unpriced
    ],
)
def test_bad_price_file_exits_2_naming_the_field(tmp_path, capsys, text, field):
    f = tmp_path / "p.toml"
    f.write_text(text)
    args = ["plan", "serve", "--model", "llama-3.1-8b", "--gpus", "H100:1", "--qps", "1"]
    args += ["--prompt-tokens", "100", "--output-tokens", "10", "--prices", str(f)]
    with pytest.raises(SystemExit) as exc:
        main(args)
    err = capsys.readouterr().err
    assert exc.value.code == 2 and field in err and "Traceback" not in err


def test_cli_reports_tier_and_sources(capsys):
    args = ["plan", "serve", "--model", "llama-3.1-8b", "--gpus", "L4:2", "--qps", "1"]
    args += ["--prompt-tokens", "200", "--output-tokens", "50", "--pricing", "reserved"]
    with pytest.raises(SystemExit) as exc:
        main([*args, "--json"])
    d = json.loads(capsys.readouterr().out)
    assert exc.value.code == 0
    assert d["pricing"]["tier"] == "reserved"
    assert d["pricing"]["gpus"]["L4"]["source"].startswith("assumption")
    assert math.isclose(
        d["cost_per_hour"],
        sum(r["count"] * r["tp"] * r["pp"] * r["ep"] for r in d["replicas"])
        * load_prices()["L4"].reserved,
    )
    with pytest.raises(SystemExit) as exc:
        main([*args[:-1], "weekly"])
    assert exc.value.code == 2
    # a library caller passed pricing=, not --pricing (s28bad)
    with pytest.raises(InputError, match=r"^pricing must be one of"):
        make_problem("llama-3.1-8b", "H100:1", pricing="free", **ARGS)


def test_problem_file_keys():
    from planner.serve.instance import ServingProblem

    data = {
        "model": "llama-3.1-8b",
        "gpus": "H100:1",
        "pricing": "spot",
        "traffic": {"qps": 1, "prompt_tokens": 10, "output_tokens": 10},
    }
    p = ServingProblem.from_dict(data)
    assert p.inventory.pools[0].gpu.price_per_gpu_hour == load_prices()["H100-SXM"].spot
    # a problem file's field, not a flag (s28bad)
    with pytest.raises(InputError, match=r"^problem: field 'pricing' must be one of"):
        ServingProblem.from_dict({**data, "pricing": "weekly"})


def test_an_unpriced_gpu_is_warned_about_not_silently_free():
    """The hardware catalog has no price for H20 (0 USD/GPU-hour): a cost plan on it was
    "$0.00/h, OPTIMAL" with any number of GPUs, silently. The problem warns (the table and
    --json print it); a price tier prices it and the warning goes."""
    from planner.serve.report import result_json

    args = dict(qps=1, prompt_tokens=512, output_tokens=64)
    p = make_problem("llama-3.1-8b", "H20:8,H100:8", **args)
    (w,) = [w for w in p.meta["warnings"] if "no price" in w]
    assert "H20" in w and "H100" not in w and "--pricing on-demand" in w
    r = solve(p, "greedy", time_limit=5)
    assert w in result_json(p, r)["warnings"]
    priced = make_problem("llama-3.1-8b", "H20:8,H100:8", pricing="on-demand", **args)
    assert not any("no price" in w for w in priced.meta.get("warnings", []))
    offline = make_problem("llama-3.1-8b", "H20:8", prompt_tokens=512, output_tokens=64)
    assert not offline.meta.get("warnings")  # maximum throughput: prices do not steer it


def test_prices_module_is_shared():
    from planner.perfmodel import prices as shared
    from planner.serve import prices as serve_prices

    assert serve_prices.load_prices is shared.load_prices
    assert serve_prices.apply_pricing is shared.apply_pricing
