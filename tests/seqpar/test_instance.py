"""Instances and solutions: validation naming the field, round trips, the infeasibility reason."""

from __future__ import annotations

import pytest

from planner.core.errors import InputError
from planner.seqpar.instance import Group, Instance, Solution

from .strategies import preset_instance, tiny_instance


@pytest.mark.parametrize(
    ("lengths", "match"),
    [
        ([5, 0, 3], "'lengths' item 1: 0 is not positive"),
        ([5, -2], "'lengths' item 1: -2 is not positive"),
        ([5, 2.5], "'lengths' item 1: 2.5 is not an integer"),
        ([], "'lengths' is empty"),
        ([True], "item 0"),
    ],
)
def test_bad_lengths(lengths, match):
    with pytest.raises(InputError, match=match):
        tiny_instance(lengths)


def test_gpus_not_a_multiple_of_the_node_size():
    data = preset_instance([10, 20]).to_dict()
    data["cluster"]["gpus"] = 60
    with pytest.raises(
        InputError, match=r"'cluster\.gpus': 60 is not a multiple of the node size 8"
    ):
        Instance.from_dict(data)


def test_max_len_checks():
    base = tiny_instance([1])
    with pytest.raises(InputError, match="'lengths' item 1: 101 exceeds max_len 100"):
        Instance("x", [5, 101], base.cluster, base.cost, max_len=100)
    with pytest.raises(InputError, match="'max_len'"):
        Instance("x", [5], base.cluster, base.cost, max_len=0)
    assert tiny_instance([5, 7]).max_len == 7  # defaults to the longest sequence


def test_round_trip_and_preset_shorthand():
    inst = preset_instance([100, 2000, 70000], gpus=16, max_len=131072)
    again = Instance.from_dict(inst.to_dict())
    assert again == inst and again.max_len == 131072
    assert list(inst.to_dict())[-1] == "lengths"  # the batch is a top-level list
    short = Instance.from_dict(
        {"name": "s", "lengths": [1, 2], "model": "flexsp-13b", "cluster": {"gpus": 32}}
    )
    assert short.cost.name == "flexsp-13b" and short.cluster.gpus_per_node == 8
    assert short.meta["model"] == "flexsp-13b"
    with pytest.raises(InputError, match="missing field 'cost'"):
        Instance.from_dict(
            {"lengths": [1], "cluster": {"gpus": 8, "gpus_per_node": 8, "memory_mb": 9}}
        )


@pytest.mark.parametrize("n", [-1, 2, float("nan"), "x", True])
def test_a_count_n_that_disagrees_with_the_lengths_is_refused(n):
    """``n`` (written by to_dict) was kept as meta whatever it said; smtt checks its own
    (s14bad)."""
    data = {**preset_instance([100, 2000, 70000], gpus=16).to_dict(), "n": n}
    with pytest.raises(InputError, match=r"field 'n' is .* but 'lengths' has 3 items"):
        Instance.from_dict(data)
    assert "n" not in Instance.from_dict({**data, "n": 3}).meta


@pytest.mark.parametrize("key", ["alpha1", "beta1"])
def test_a_cost_that_overflows_on_the_batch_is_refused(key):
    """alpha1 or beta1 = 1e308 overflowed the batch's time: the relaxation bound died on a
    NaN (ValueError, exit 1) (s14bad)."""
    data = preset_instance([100, 2000, 70000], gpus=16).to_dict()
    data["cost"] = {**data["cost"], key: 1e308}
    with pytest.raises(InputError, match="field 'cost': the batch's time in groups of degree"):
        Instance.from_dict(data)


def test_infeasibility_names_length_and_memory():
    inst = preset_instance([500, 400_000], gpus=64)
    why = inst.infeasibility()
    assert why is not None and "sequence 1 has 400000 tokens" in why and "MB per GPU" in why
    assert "30,720" in why  # the limit it exceeds
    assert preset_instance([500, 300_000], gpus=64).infeasibility() is None


def test_solution_from_dict_shapes():
    sol = Solution([[Group(2, [0, 1])], [Group(1, [2])]])
    assert Solution.from_dict(sol.to_dict()).to_dict() == sol.to_dict()
    assert sol.groups == 2
    with pytest.raises(InputError, match="microbatches"):
        Solution.from_dict({"micro": []})
    with pytest.raises(InputError, match="group 0"):
        Solution.from_dict({"microbatches": [{"groups": [{"degree": 1}]}]})


def test_unknown_top_level_key_is_refused_and_meta_object_is_kept():
    """A misspelt key (``max_length``) was kept as metadata and the batch solved without it
    (s15bad); other families refuse unknown keys, free-form data goes under ``meta``."""
    data = tiny_instance([5, 3]).to_dict()
    with pytest.raises(InputError, match="unknown field 'max_length'; did you mean 'max_len'"):
        Instance.from_dict({**data, "max_length": 8})
    with pytest.raises(InputError, match="field 'meta' must be an object"):
        Instance.from_dict({**data, "meta": "x"})
    with pytest.raises(InputError, match="unknown field 'extra_lengths' holds data"):
        Instance.from_dict({**data, "extra_lengths": [4, 4]})
    assert Instance.from_dict({**data, "id": 9}).meta["id"] == 9  # scalar metadata kept
    inst = Instance.from_dict({**data, "seed": 3, "meta": {"note": "x"}})
    assert inst.meta["seed"] == 3 and inst.meta["note"] == "x"
    out = inst.to_dict()
    assert out["seed"] == 3 and out["meta"] == {"note": "x"}
    assert Instance.from_dict(out).meta == inst.meta
