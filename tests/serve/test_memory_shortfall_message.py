"""A layout whose weights leave no KV cache states the memory the engine sizes from.

The check is ``EngineModel.free_bytes``: the CUDA runtime's total less weights, workspace and
the engine's own reserve (TensorRT-LLM's PyTorch flow by communicator size, vLLM's and SGLang's
memory shares). The message said "exceed 48 GiB (needs 49 GiB)" for Mixtral FP8 on one L40S:
the datasheet capacity (48 GiB) is not what the engines see (45.0 GiB), and the fixed 4 GiB in
"needs" was not the reserve the check took.
"""

from __future__ import annotations

import re

import pytest

import planner.serve as ps
from planner.perfmodel.hardware import GIB
from planner.serve.candidates import layouts

LENGTHS = {"qps": 1.0, "prompt_tokens": 600, "output_tokens": 150, "tpot": "50ms"}
SHORTFALL = re.compile(
    r"exceed the ([\d.]+) GiB the engine sizes its memory from \(needs ([\d.]+) GiB\)"
)


@pytest.mark.parametrize("engine", [None, "vllm", "sglang"])
def test_the_shortfall_names_the_runtime_total_and_the_engines_need(engine):
    problem = ps.make_problem("mixtral-8x7b", "L40S:1", precision="fp8", engine=engine, **LENGTHS)
    (layout,) = [x for x in layouts(problem) if x.config.gpus == 1]
    found = SHORTFALL.search(layout.reason)
    assert found, layout.reason
    total, need = float(found.group(1)), float(found.group(2))
    runtime = problem.inventory.pools[0].gpu.runtime_bytes / GIB
    assert total == pytest.approx(runtime, abs=0.05)
    assert need > total  # what does not fit needs more than there is
