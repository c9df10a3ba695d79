"""TTFT / TPOT breakdowns: the parts add up to the model's values and move the right way."""

from __future__ import annotations

import json
import math

import pytest

from planner.cli import main
from planner.serve import make_problem, plan_metrics
from planner.serve.breakdown import TPOT_PARTS, TTFT_PARTS
from planner.serve.instance import ReplicaGroup, ServingPlan


def groups(problem, *replicas):
    return plan_metrics(problem, ServingPlan(tuple(replicas)))["groups"]


def check_sums(g):
    if g["ttft_breakdown_s"] is not None:
        assert set(g["ttft_breakdown_s"]) == set(TTFT_PARTS)
        assert math.isclose(sum(g["ttft_breakdown_s"].values()), g["ttft_s"], rel_tol=1e-9)
        assert g["ttft_breakdown_s"]["queueing"] >= -1e-12
        assert g["ttft_breakdown_s"]["prefill"] > 0
    if g["tpot_breakdown_s"] is not None:
        assert set(g["tpot_breakdown_s"]) == set(TPOT_PARTS)
        assert math.isclose(sum(g["tpot_breakdown_s"].values()), g["tpot_s"], rel_tol=1e-9)
        parts = g["tpot_breakdown_s"]
        assert parts["weights_read"] > 0 and parts["kv_read"] > 0
        assert parts["communication"] >= 0


PROBLEM = dict(qps=4, prompt_tokens="exp:800", output_tokens="exp:200", ttft="2s", tpot="80ms")


def test_parts_add_up_for_every_role():
    p = make_problem(
        "llama-3.1-8b",
        "H100:8",
        disaggregation="allow",
        speculative={"method": "eagle", "tokens": 3, "acceptance": 0.8},
        **PROBLEM,
    )
    gs = groups(
        p,
        ReplicaGroup("H100-SXM", 1, 1, 1, 1, "both", 2048, 2.0),
        ReplicaGroup("H100-SXM", 2, 1, 1, 1, "both", 2048, 2.0, speculative=True),
        ReplicaGroup("H100-SXM", 1, 1, 1, 1, "prefill", 16384, 2.0),
        ReplicaGroup("H100-SXM", 1, 1, 1, 1, "decode", 0, 2.0),
    )
    for g in gs:
        check_sums(g)
    both, both_tp2, pre, dec = gs
    assert both["tpot_breakdown_s"]["communication"] == 0  # one GPU: no collectives
    assert both_tp2["tpot_breakdown_s"]["communication"] > 0
    assert both["tpot_breakdown_s"]["speculative_gain"] == 0
    assert both_tp2["tpot_breakdown_s"]["speculative_gain"] < 0  # 0.8 acceptance pays
    assert both["ttft_breakdown_s"]["kv_transfer"] == 0
    assert pre["ttft_breakdown_s"]["kv_transfer"] > 0 and pre["tpot_breakdown_s"] is None
    assert dec["ttft_breakdown_s"] is None


def test_queueing_grows_with_load_and_kv_read_with_context():
    p = make_problem("llama-3.1-8b", "H100:8", **PROBLEM)
    low, high = groups(
        p,
        ReplicaGroup("H100-SXM", 1, 1, 1, 1, "both", 2048, 0.5),
        ReplicaGroup("H100-SXM", 1, 1, 1, 1, "both", 2048, 6.0),
    )
    assert low["ttft_breakdown_s"]["queueing"] < high["ttft_breakdown_s"]["queueing"]
    assert math.isclose(
        low["ttft_breakdown_s"]["prefill"], high["ttft_breakdown_s"]["prefill"], rel_tol=1e-9
    )
    long = make_problem("llama-3.1-8b", "H100:8", **{**PROBLEM, "prompt_tokens": "exp:4000"})
    (g_long,) = groups(long, ReplicaGroup("H100-SXM", 1, 1, 1, 1, "decode", 0, 0.5))
    (g_short,) = groups(
        make_problem("llama-3.1-8b", "H100:8", **PROBLEM),
        ReplicaGroup("H100-SXM", 1, 1, 1, 1, "decode", 0, 0.5),
    )
    assert g_long["tpot_breakdown_s"]["kv_read"] > g_short["tpot_breakdown_s"]["kv_read"]


def test_cli_json_and_table_show_the_breakdown(capsys):
    args = ["plan", "serve", "--model", "llama-3.1-8b", "--gpus", "H100:2", "--qps", "3"]
    args += ["--prompt-tokens", "600", "--output-tokens", "100", "--tpot", "60ms"]
    with pytest.raises(SystemExit) as exc:
        main([*args, "--json"])
    assert exc.value.code == 0
    d = json.loads(capsys.readouterr().out)
    for g in d["groups"]:
        check_sums(g)
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 0
    assert "latency breakdown" in capsys.readouterr().out
