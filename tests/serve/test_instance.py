"""ServingProblem / ServingPlan data, readers and the independent verify."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from planner.core.errors import InputError
from planner.serve import make_problem, read, solve, verify
from planner.serve.evaluate import evaluate
from planner.serve.instance import (
    ReplicaGroup,
    ServingConstraints,
    ServingPlan,
    ServingProblem,
)

INSTANCES = Path(__file__).resolve().parents[2] / "instances" / "serve"


def small(**kw):
    args = dict(qps=4.0, prompt_tokens="exp:600", output_tokens="exp:150", ttft="1s", tpot="50ms")
    args.update(kw)
    return make_problem("llama-3.1-8b", "H100:2,A100:2", max_tp=2, max_pp=2, **args)


def test_problem_roundtrip_through_dict_and_json(tmp_path):
    p = small(disaggregation="allow", precision="bf16", engine="vllm:0.6.3,eager,steps=8")
    data = json.loads(json.dumps(p.to_dict()))
    assert data["engine"]["scheduler_steps"] == 8
    back = ServingProblem.from_dict(data)

    # the cluster's label is filled in by ClusterSpec.to_dict; the pools are what matter
    def pools(problem):
        return [(q.label, q.gpu, q.count) for q in problem.inventory.pools]

    assert pools(back) == pools(p)
    assert dataclasses.replace(back, inventory=p.inventory) == p
    path = tmp_path / "p.json"
    path.write_text(json.dumps(data))
    assert dataclasses.replace(read(path)[0], inventory=p.inventory) == p


def test_bundled_instances_read_and_verify():
    for name in ("chat-70b.toml", "trace-8b.toml", "offline-8b.json"):
        (problem,) = read(INSTANCES / name)
        assert problem.name == name.rsplit(".", 1)[0]
    (trace,) = read(INSTANCES / "trace-8b.toml")
    assert trace.traffic.qps == pytest.approx(4.0, rel=0.2)
    assert "trace-8b.jsonl" in trace.traffic.source


def test_plan_roundtrip():
    plan = ServingPlan(
        (
            ReplicaGroup("H100-SXM", 1, 1, 1, 2, "prefill", 16384, 3.0),
            ReplicaGroup("A100-80GB", 2, 1, 1, 1, "decode", 0, 3.0),
        )
    )
    assert ServingPlan.from_dict(json.loads(json.dumps(plan.to_dict()))) == plan
    assert plan.gpus == 4 and plan.served_qps() == 3.0 and plan.disaggregated


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"gpu": "H100", "tp": 0, "count": 1}, "tp"),
        ({"gpu": "H100", "tp": 1, "count": 1, "role": "mixed"}, "role"),
        ({"gpu": "H100", "tp": 1}, "missing field 'count'"),
        ({"gpu": "H100", "tp": 1, "count": 1, "load_qps": -1}, "load_qps"),
        ({"gpu": "H100", "tp": 1, "count": 1, "color": 3}, "unknown field 'color'"),
        # s15bad: these passed and verify then raised TypeError
        ({"gpu": "H100", "tp": None, "count": 1}, "replica: tp must be a positive integer"),
        ({"gpu": "H100", "tp": 1, "count": None}, "replica: count must be a positive integer"),
        ({"gpu": "H100", "tp": 1, "pp": None, "count": 1}, "replica: pp must be"),
        ({"gpu": [], "tp": 1, "count": 1}, "replica: gpu must be a pool label, got \\[\\]"),
        ({"gpu": None, "tp": 1, "count": 1}, "replica: gpu must be a pool label"),
    ],
)
def test_bad_groups(data, match):
    with pytest.raises(InputError, match=match):
        ReplicaGroup.from_dict(data)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"model": "llama-9b"}, "unknown model 'llama-9b'; closest"),
        ({"gpus": "H101:4"}, "unknown GPU"),
        ({"traffic": {"qps": 2}}, "missing field 'prompt_tokens'"),
        ({"traffic": {"qps": -2, "prompt_tokens": 5, "output_tokens": 5}}, "qps"),
        ({"slo": {"ttft": "soon"}}, "ttft"),
        ({"constraints": {"disaggregation": "maybe"}}, "disaggregation"),
        ({"constraints": {"tp": 0}}, "tp"),
        ({"precision": "fp8", "gpus": "A100:4"}, "supported by no GPU"),
        ({"extra": 1}, "unknown field 'extra'"),
    ],
)
def test_bad_problem_fields(change, match):
    base = {
        "model": "llama-3.1-8b",
        "gpus": "H100:2",
        "traffic": {"qps": 2, "prompt_tokens": 100, "output_tokens": 50},
    }
    base.update(change)
    with pytest.raises(InputError, match=match):
        ServingProblem.from_dict(base)


def test_toml_errors_name_the_file(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('model = "llama-3.1-8b"\ngpus = "H100:2"\n[traffic]\nqps = "fast"\n')
    with pytest.raises(InputError, match=r"bad\.toml: traffic: qps"):
        read(path)


def test_constraints_disaggregate_flag():
    assert ServingConstraints.from_dict({"disaggregate": True}).disaggregation == "allow"
    with pytest.raises(InputError):
        ServingConstraints.from_dict({"disaggregate": "yes"})


def test_verify_catches_each_violation():
    p = small()
    good = solve(p, "mip").solution
    assert not verify(p, good)
    (g,) = good.replicas[:1]
    over = dataclasses.replace(g, count=g.count * 5)
    assert any("inventory" in v for v in verify(p, ServingPlan((over,))))
    under = ServingPlan((dataclasses.replace(g, load_qps=g.load_qps / 2),))
    assert any("demand" in v for v in verify(p, under))
    hot = ServingPlan((dataclasses.replace(g, load_qps=g.load_qps * 50),))
    assert any("saturated" in v or "TTFT" in v or "TPOT" in v for v in verify(p, hot))
    role = ServingPlan((dataclasses.replace(g, role="prefill"),))
    assert any("not allowed" in v for v in verify(p, role))
    odd = ServingPlan((dataclasses.replace(g, tp=3, count=1),))
    assert any("tp3" in v for v in verify(p, odd))
    ghost = ServingPlan((dataclasses.replace(g, gpu="TPU"),))
    assert any("no pool" in v for v in verify(p, ghost))
    assert verify(p, "not a plan")


def test_verify_flow_balance():
    p = small(disaggregation="allow")
    plan = ServingPlan(
        (
            ReplicaGroup("H100-SXM", 1, 1, 1, 1, "prefill", 16384, 4.0),
            ReplicaGroup("H100-SXM", 1, 1, 1, 1, "decode", 0, 3.0),
        )
    )
    assert any("prefill pools carry" in v for v in verify(p, plan))


def test_evaluate_cost_and_throughput():
    p = small()
    plan = ServingPlan((ReplicaGroup("H100-SXM", 1, 1, 1, 2, "both", 2048, 4.0),))
    assert evaluate(p, plan) == pytest.approx(2 * 2.99)
    offline = small(qps=None, ttft=None, tpot=None)
    assert evaluate(offline, plan) == pytest.approx(-4.0 * offline.traffic.output.mean)
