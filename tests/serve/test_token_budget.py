"""The engine's token budget per iteration: vLLM V1 and TensorRT-LLM count the running
sequences' decode tokens inside it (a full iteration carries ``N - B`` prompt tokens), SGLang
and vLLM V0 without chunked prefill do not; the capacity model and the simulator run the
same rule (:func:`planner.perfmodel.engines.decodes_in_budget`)."""

from __future__ import annotations

import numpy as np
import pytest

from planner.perfmodel.engines import decodes_in_budget, parse_engine, prompt_budget
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.readers import load_model
from planner.perfmodel.stage import EngineModel, ReplicaConfig
from planner.serve import ReplicaGroup, ServingPlan, make_problem
from planner.serve.capacity import RoleModel
from planner.serve.simulate import Simulator, _Request
from planner.serve.slo import SLO
from planner.serve.traffic import LengthDist, Traffic

MODEL = load_model("llama-3.1-8b")


@pytest.mark.parametrize(
    ("spec", "counted"),
    [
        ("trtllm", True),
        ("trtllm:1.0", True),
        ("vllm", True),  # no version: the current release, V1
        ("vllm:0.8.5", True),
        ("vllm:0.6.3", False),  # V0, prompt iterations without decodes
        ("vllm:0.9.0,steps=9", False),  # multi-step falls back to V0
        ("sglang", False),  # chunked_prefill_size: prompt tokens only
        ("sglang:0.4.3", False),
    ],
)
def test_which_engines_count_the_decodes(spec, counted):
    assert decodes_in_budget(parse_engine(spec)) is counted


def test_prompt_budget_takes_the_decodes_out():
    assert prompt_budget(parse_engine("vllm"), 512, 60) == 452
    assert prompt_budget(parse_engine("trtllm"), 512, 600) == 0.0
    assert prompt_budget(parse_engine("sglang"), 512, 60) == 512


def role(engine: str, chunk: int = 512, qps: float = 5.0) -> RoleModel:
    e = EngineModel(MODEL, ReplicaConfig(get_gpu("H100"), 1), "bf16", engine=parse_engine(engine))
    traffic = Traffic(qps, LengthDist.fixed(1024), LengthDist.fixed(256))
    return RoleModel(e, "both", traffic, SLO(percentile=0.99), chunk=chunk)


def test_full_iteration_carries_the_budget_less_the_decodes():
    """Was ``t(B + C)`` with ``C`` prompt tokens for every engine: at batch 60 and a 512-token
    budget a vLLM V1 iteration carries 452 prompt tokens (the iteration is ``t(512)``)."""
    v1 = role("vllm")
    assert v1.chunk_at(60.0) == pytest.approx(452.0)
    f = v1._prefill(60.0)
    t = v1.engine.base_time(np.array([60.0, 512.0]), 60.0, v1.ctx, keys=v1.keys)
    assert f["chunk"] == pytest.approx(452.0)
    assert f["tc"] == pytest.approx(float(t[1]), rel=1e-9)
    # SGLang's chunk is prompt tokens only: t(B + C)
    sg = role("sglang")
    assert sg.chunk_at(60.0) == pytest.approx(512.0)
    t = sg.engine.base_time(np.array([60.0, 572.0]), 60.0, sg.ctx, keys=sg.keys)
    assert sg._prefill(60.0)["tc"] == pytest.approx(float(t[1]), rel=1e-9)


def test_prefill_keeps_up_below_the_shared_budget():
    """The batch limit solves ``B E[p] < E[D] (N - B)``: 255 * 512 / (1024 + 255) = 102.1."""
    v1, sg = role("vllm"), role("sglang")
    assert v1.batch_limit() == pytest.approx(255 * 512 / (1024 + 255), rel=1e-6)
    assert sg.batch_limit() == pytest.approx(min(sg.memory_batch_limit(), 255 * 512 / 1024))
    # a V1 engine of the same chunk serves less: its prompts get what decodes leave
    assert v1.capacity()[0] < sg.capacity()[0]


def run_plan(engine: str, running: int) -> int:
    """Prompt tokens the simulator's next iteration of a 512-token engine computes beside
    ``running`` decoding sequences."""
    prob = make_problem(
        "llama-3.1-8b",
        "H100:1",
        qps=1.0,
        prompt_tokens="2000",
        output_tokens="100",
        engine=engine,
    )
    plan = ServingPlan((ReplicaGroup("H100-SXM", 1, 1, 1, 1, "both", 512, 1.0),))
    sim = Simulator(prob, plan, seed=0)
    e = sim.engines["entry"][0]
    for i in range(running):
        e.running.append(_Request(i, 0.0, 100, 100, 0, done_prefill=100, context=120))
    e.prefilling.append(_Request(running, 0.0, 2000, 100, 2000))
    return sim._plan(e).chunk_tokens


def test_simulator_runs_the_same_rule():
    assert run_plan("vllm", 60) == 452
    assert run_plan("trtllm", 60) == 452
    assert run_plan("sglang", 60) == 512
    assert run_plan("vllm", 600) == 0  # the decodes fill the budget
