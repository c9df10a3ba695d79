"""``planner plan serve --offload PLAN.json``: a MoE model on GPUs too small to hold it."""

from __future__ import annotations

import json

import pytest

from planner.cli import main
from planner.perfmodel import experts
from planner.perfmodel.readers import load_model
from planner.serve import make_problem
from planner.serve.api import solve
from planner.serve.evaluate import verify
from planner.serve.instance import ServingProblem
from tests.perfmodel.models import mixtral_offload_plan

MIXTRAL = load_model("mixtral-8x7b")
EXPERT = experts.expert_bytes(MIXTRAL.hidden, MIXTRAL.moe_ffn)
BASE = ["plan", "serve", "--model", "mixtral-8x7b", "--gpus", "L40S:1"]
TRAFFIC = ["--prompt-tokens", "512", "--output-tokens", "128", "-t", "20", "--json"]


def plan_dict(**over):
    return mixtral_offload_plan(
        **{"mean_bytes_moved_per_step": 6 * EXPERT, "overlap": True, **over}
    )


def run(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


@pytest.fixture
def plan_file(tmp_path):
    def write(data, name="plan.json"):
        path = tmp_path / name
        path.write_text(data if isinstance(data, str) else json.dumps(data))
        return path

    return write


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ({**plan_dict(), "format": "planner.offload.plan/9"}, "field 'format'"),
        ({k: v for k, v in plan_dict().items() if k != "hit_rate"}, "missing field 'hit_rate'"),
        (plan_dict(experts=64), "field 'experts'"),
        (plan_dict(layers=27), "field 'layers'"),
        (plan_dict(top_k=6), "field 'top_k'"),
        # a plan of another model with Mixtral's layers, experts and top-k was used silently
        (plan_dict(shared_experts=2), "field 'shared_experts': the plan has 2"),
        (
            plan_dict(expert_bytes=EXPERT * 3 // 4),
            f"field 'expert_bytes': the plan has {EXPERT * 3 // 4}",
        ),
        ("{not json", "not a JSON offload plan"),
        # a solve result without a plan (was "field 'format': ... got None")
        ({"family": "offload", "status": "UNKNOWN", "stats": {}}, "status 'UNKNOWN') with no"),
        # more than every expert copied once per step: 1e308 overflowed the copy time to NaN
        # and the plan came back OPTIMAL at 0 req/s with a TPOT of 0 (s14bad)
        (plan_dict(mean_bytes_moved_per_step=1e308), "'mean_bytes_moved_per_step': 1e+308"),
        (plan_dict(mean_bytes_moved_per_step=33 * 8 * EXPERT), "layers x experts x expert_bytes"),
    ],
)
def test_bad_plan_exits_2_naming_file_and_field(capsys, plan_file, data, needle):
    path = plan_file(data)
    code, out, err = run(capsys, *BASE, *TRAFFIC, "--offload", path)
    assert code == 2 and out == ""
    line = err.strip()
    assert "\n" not in line and str(path) in line and needle in line


def test_dense_model_or_missing_file_exits_2(capsys, plan_file, tmp_path):
    path = plan_file(plan_dict())
    dense = ["plan", "serve", "--model", "llama-3.1-8b", "--gpus", "L40S:1"]
    code, _, err = run(capsys, *dense, *TRAFFIC, "--offload", path)
    assert code == 2 and "needs a MoE model" in err
    code, _, err = run(capsys, *BASE, *TRAFFIC, "--offload", tmp_path / "nope.json")
    assert code == 2 and "nope.json" in err


def test_mixtral_on_one_l40s_needs_the_offload_plan(capsys, plan_file):
    code, out, _ = run(capsys, *BASE, *TRAFFIC)
    assert code == 0 and json.loads(out)["status"] == "INFEASIBLE"
    path = plan_file(plan_dict())
    code, out, _ = run(capsys, *BASE, *TRAFFIC, "--offload", path)
    data = json.loads(out)
    assert code == 0 and data["status"] in ("OPTIMAL", "FEASIBLE") and data["verified"]
    assert data["gpus"] == {"L40S": 1}
    assert data["offload"]["file"] == str(path) and data["offload"]["hit_rate"] == 0.4
    assert data["offload"]["resident_gib"] == pytest.approx(64 * EXPERT / 2**30)
    tpot = data["groups"][0]["tpot_breakdown_s"]
    assert tpot["offload"] > 0
    assert sum(tpot.values()) == pytest.approx(data["groups"][0]["tpot_s"], rel=1e-6)


def problem(offload):
    return make_problem(
        "mixtral-8x7b", "L40S:1", prompt_tokens=512, output_tokens=128, offload=offload
    )


def test_verify_accepts_the_plan_only_under_the_offload_plan():
    with_plan = problem(plan_dict())
    result = solve(with_plan, time_limit=20)
    assert result.verified and result.solution is not None
    assert verify(with_plan, result.solution) == []
    assert any("do not fit" in v for v in verify(problem(None), result.solution))


def test_problem_file_round_trip_keeps_the_plan(plan_file, tmp_path):
    p = problem(plan_dict(hit_rate=0.7))
    back = ServingProblem.from_dict(json.loads(json.dumps(p.to_dict())))
    assert back.offload == p.offload.__class__.from_dict(
        p.offload.to_dict(), source="problem: offload"
    )
    plan_file(plan_dict(), name="offload.json")
    data = {**p.to_dict(), "offload": {"plan": "offload.json", "cpu": "xeon-8380"}}
    from_path = ServingProblem.from_dict(data, base=tmp_path)
    assert from_path.offload.hit_rate == 0.4 and from_path.offload.source.endswith("offload.json")


def test_export_refuses_an_offload_plan(capsys, plan_file):
    code, out, err = run(
        capsys, *BASE, *TRAFFIC, "--offload", plan_file(plan_dict()), "--export", "vllm"
    )
    assert code == 2 and out == "" and "--export: no engine's launch flags" in err


def test_plan_file_with_a_byte_order_mark_is_read(plan_file, tmp_path):
    """s21lib: the offload plan reader used ``json.loads`` and refused a file saved with a
    UTF-8 byte-order mark ("Unexpected UTF-8 BOM"), which every other input accepts."""
    from planner.perfmodel.offload_serving import load_offload_plan

    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(plan_dict()).encode())
    assert load_offload_plan(str(path)).hit_rate == 0.4
