"""The search's stage-0 memory floor prices the model states with the problem's software
(state bytes, trained share), as the step model does: with LoRA or narrower optimizer states
the states are smaller, and a floor at the default bytes pruned plans that fit (a wrong
OPTIMAL certificate)."""

from __future__ import annotations

import pytest

from planner.perfmodel.options import Software
from planner.train.api import make_problem
from planner.train.search import exact_search, first_stage_memory, layer_config
from planner.train.step_time import balanced_stage_layers, quick, stage_costs

SOFTWARE = [
    Software(),
    Software(lora_rank=16),
    Software(master_bytes=0.0, moment_bytes=1.0),
    Software(trainable=0.25),
    Software(weight_bytes=1.0, grad_bytes=2.0),
]


@pytest.mark.parametrize("sw", SOFTWARE)
def test_stage0_states_floor_is_below_the_step_models(sw):
    p = make_problem("llama-3.1-70b", "64xH100", global_batch=256, seq_len=4096, software=sw)
    for rc in ("none", "full"):
        lc = layer_config(p, 8, 1, 1, 1, rc, True)
        for pp, d, z in ((1, 8, 1), (2, 4, 1), (4, 2, 0), (8, 1, 1), (2, 4, 3)):
            stage0 = balanced_stage_layers(p.model.layers, pp)[0]
            plan = lc.plan(pp, d, 1, z, balanced_stage_layers(p.model.layers, pp))
            floor = first_stage_memory(p, lc, stage0, pp, d, z)
            actual = next(iter(stage_costs(p, plan)))[1].memory
            states = floor.weights + floor.gradients + floor.optimizer
            assert states <= (actual.weights + actual.gradients + actual.optimizer) * (1 + 1e-12)
            assert floor.total(1.0) <= actual.total(1.0) * (1 + 1e-12)


def test_lora_search_finds_the_plan_the_default_floor_pruned():
    # Llama 70B LoRA on 8 H100: t1 p4 cp2 v4 fits (frozen base weights have no gradients or
    # optimizer states); the floor at 16 bytes a parameter pruned it and the search proved
    # a 29.85 s plan "optimal"
    p = make_problem(
        "llama-3.1-70b", "8xH100", global_batch=64, seq_len=4096, software=Software(lora_rank=16)
    )
    lc = layer_config(p, 1, 2, 1, 1, "selective", False)
    known = None
    for layers in ([20, 20, 20, 20], [19, 21, 20, 20], [20, 20, 20, 20]):
        plan = lc.plan(4, 1, 4, 0, layers)
        q = quick(p, plan)
        if q.fits:
            known = q.objective
            break
    assert known is not None
    out = exact_search(p, top_k=1)
    assert out.ranked and out.ranked[0][1].objective <= known * (1 + 1e-9)
    assert out.bound <= known * (1 + 1e-9)
