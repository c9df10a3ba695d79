"""Library arguments of ``planner.train.api.make_problem`` that raised TypeError or were kept
whatever they said (s15bad)."""

from __future__ import annotations

import pytest

from planner.core.errors import InputError

TRAIN = {"model": "gpt-1.7b", "cluster": "8xA100", "global_batch": 64, "seq_len": 1024}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"top_k": 0}, "top_k 0: must be an integer from 1"),  # was kept
        ({"top_k": "x"}, "top_k 'x': must be an integer"),
        ({"gpus_per_node": "x"}, "^gpus_per_node 'x': must be an integer"),  # was TypeError
        # s22small: these named the CLI's flags (--prefer-simple, --gpus, --framework), which a
        # library caller never wrote
        ({"prefer_simple": -1}, r"^prefer_simple: expected a fraction in \[0, 1\)"),
        ({"gpus_per_node": 0}, "^gpus_per_node 0: must be an integer"),
        ({"cluster": "8xA100,"}, "^cluster '8xA100,': empty pool in list"),
        ({"cluster": "8xA100,4xH100", "framework": "megatron"}, "framework megatron plans one"),
        # s30bad: TypeError ('int' object is not iterable), AttributeError, planned as "5"
        ({"stage_layers": 24}, "^stage_layers must be a list of layers per stage"),
        ({"stage_layers": "12,12"}, "^stage_layers must be a list"),
        # s30bad: named as a problem file's field ("constraints: tp must be ...")
        ({"tp": 0}, "^tp must be a positive integer, got 0"),
        ({"recompute": "most"}, "^recompute must be one of none, selective, full, offload"),
        ({"max_gpus": 9}, "^max_gpus 9 exceeds the 8 GPUs of cluster 8xA100-80GB"),
        ({"precision": "int3"}, "^precision: unknown precision 'int3'"),
        ({"software": "megatron"}, "^software: expected a planner.perfmodel.options.Software"),
        ({"name": 5}, "^name: field 'name' must be a string, got 5"),
        ({"name": " "}, "^name: field 'name' is empty"),
    ],
)
def test_train_make_problem_names_a_bad_argument(kwargs, message):
    from planner.train.api import make_problem

    with pytest.raises(InputError, match=message):
        make_problem(**{**TRAIN, **kwargs})


def test_the_command_line_still_names_the_flags():
    """The same check run by ``planner`` (inside ``validate.flag_names``) names the flag."""
    from planner.core import validate
    from planner.train.api import make_problem

    with validate.flag_names(), pytest.raises(InputError, match=r"^--prefer-simple: expected"):
        make_problem(**{**TRAIN, "prefer_simple": -1})
    with pytest.raises(InputError, match=r"^prefer_simple: "):  # and only there
        make_problem(**{**TRAIN, "prefer_simple": -1})


def test_compare_is_exported():
    """The Library tour's plan comparison was reachable only as planner.train.compare.compare."""
    import planner.train
    from planner.train.compare import compare, explain

    assert planner.train.compare is compare and "compare" in planner.train.__all__
    assert callable(explain)  # the module's other names still import from it


def test_stage_layers_of_any_iterable_are_still_read():
    """A list or a generator of layer counts is kept as a tuple (the check refuses only
    scalars, text and mappings)."""
    from planner.train.api import make_problem

    for layers in ([12, 12], (n for n in (12, 12))):
        prob = make_problem(**{**TRAIN, "pp": 2, "stage_layers": layers, "name": "mine"})
        assert prob.constraints.stage_layers == (12, 12) and prob.name == "mine"
