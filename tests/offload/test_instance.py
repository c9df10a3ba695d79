"""Instance validation (every bad field named) and the JSON round trips."""

from __future__ import annotations

import numpy as np
import pytest

from planner.core.errors import InputError
from planner.offload.instance import Hardware, Instance, Model, Solution

from .strategies import tiny


def test_round_trip_keeps_everything(small):
    again = Instance.from_dict(small.to_dict())
    assert np.array_equal(again.counts, small.counts)
    assert again.model == small.model and again.hardware == small.hardware
    assert again.blocks == small.blocks == (4, 4, 4)
    assert again.meta["stability_measured"] == small.meta["stability_measured"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"counts": np.array([[[1, -2, 0]]] * 2)}, "item [0, 0, 1] = -2 is negative"),
        ({"counts": np.array([[[1, 0.5, 0]]] * 2)}, "is not an integer"),
        ({"budget": 5}, "'hardware.budget' = 5 is larger"),
        ({"budget": 0, "shared": 1}, "'hardware.budget' = 0 is below the 1 shared"),
        ({"blocks": (1, 2)}, "'blocks' sums to 3"),
        ({"initial": "all"}, "field 'initial'"),
    ],
)
def test_bad_fields_are_named(change, field):
    args = {"counts": np.ones((2, 1, 3), int), "budget": 2, "shared": 0}
    args.update(change)
    with pytest.raises(InputError, match=field.replace("[", r"\[").replace("]", r"\]")):
        tiny(
            args["counts"],
            budget=args["budget"],
            shared=args["shared"],
            blocks=args.get("blocks"),
            initial=args.get("initial", "empty"),
        )


@pytest.mark.parametrize(("typo", "field"), [("intial", "initial"), ("blcks", "blocks")])
def test_a_misspelt_field_is_named_not_kept_as_metadata(small, typo, field):
    """'intial': 'first' was kept as metadata and the trace started empty (another objective)."""
    data = small.to_dict()
    data[typo] = data.pop(field)
    with pytest.raises(InputError, match=f"field '{typo}' is unknown \\(did you mean '{field}'"):
        Instance.from_dict(data)
    data = {**small.to_dict(), "notes": "x", "source": "lab"}  # metadata is still kept
    assert Instance.from_dict(data).meta["notes"] == "x"


def test_trace_shape_must_match_the_model():
    good = tiny(np.ones((2, 1, 3), int))
    with pytest.raises(InputError, match=r"'counts' has shape \[2, 1, 4\] but the model has 1"):
        Instance("bad", good.model, good.hardware, np.ones((2, 1, 4), int))
    with pytest.raises(InputError, match="3-d array"):
        Instance("bad", good.model, good.hardware, np.ones((2, 3), int))


def test_global_budget_limits_and_exactly_one_budget():
    with pytest.raises(InputError, match="global_budget' = 1 is below the 2 shared"):
        tiny(np.ones((1, 2, 2), int), budget=None, global_budget=1, shared=1)
    with pytest.raises(InputError, match="global_budget' = 7 is larger"):
        tiny(np.ones((1, 2, 2), int), budget=None, global_budget=7, shared=1)
    with pytest.raises(InputError, match="exactly one"):
        Hardware(1, 0, 0, 0, 0, 0)
    with pytest.raises(InputError, match=r"hardware.h2d_gb_s"):
        Hardware(0, 0, 0, 0, 0, 0, budget=1)


def test_model_and_hardware_from_dict_name_missing_fields():
    with pytest.raises(InputError, match=r"model.top_k"):
        Model.from_dict({"layers": 1, "experts": 2, "expert_bytes": 1})
    with pytest.raises(InputError, match=r"hardware.cpu_call_us' is missing"):
        Hardware.from_dict(
            {
                "h2d_gb_s": 1,
                "copy_latency_us": 0,
                "gpu_token_us": 0,
                "gpu_call_us": 0,
                "cpu_token_us": 0,
                "budget": 1,
            }
        )
    with pytest.raises(InputError, match=r"hardware.bugdet' is unknown"):
        Hardware.from_dict({"bugdet": 3})
    with pytest.raises(InputError, match="more than the 2 experts"):
        Model("m", 1, 2, 3, 0, 1)


def test_capacities_split_a_global_budget_evenly():
    inst = tiny(np.ones((1, 3, 4), int), budget=None, global_budget=3 * 1 + 7, shared=1)
    assert inst.capacity == 7
    assert inst.layer_capacities().tolist() == [3, 2, 2]
    assert tiny(np.ones((1, 2, 3), int), budget=3, shared=1).layer_capacities().tolist() == [2, 2]


def test_initial_and_block_positions():
    inst = tiny(np.ones((5, 1, 3), int), budget=2, blocks=(3, 2), initial="first")
    assert inst.initial_mask().tolist() == [[True, True, False]]
    block, pos = inst.block_positions()
    assert block.tolist() == [0, 0, 0, 1, 1] and pos.tolist() == [0, 1, 2, 0, 1]


def test_solution_round_trip_compresses_repeats():
    sol = Solution([[(0, 1), (2,)], [(0, 1), (2,)], [(0, 1), (1,)]], {"policy": "x"})
    data = sol.to_dict()
    assert data["resident"][1] is None and data["resident"][2] == [None, [1]]
    again = Solution.from_dict(data)
    assert again.resident == sol.resident and again.info == {"policy": "x"}
    with pytest.raises(InputError, match="step 0 must list every layer"):
        Solution.from_dict({"resident": [None]})
    with pytest.raises(InputError, match="list of ints"):
        Solution.from_dict({"resident": [[["a"]]]})
