"""``planner.serve`` library calls with bad arguments raise InputError naming the keyword.

Each failed on main (s28bad): a ``TypeError`` / ``AttributeError`` / ``IndexError`` escaped,
the message named a command-line flag the caller never wrote, or the call went ahead.
"""

from __future__ import annotations

import pytest

import planner.serve as ps
from planner.core.errors import InputError

LENGTHS = {"prompt_tokens": 600, "output_tokens": 150, "tpot": "50ms"}


def problem(**over):
    return ps.make_problem("llama-3.1-8b", "H100:2", **({"qps": 2.0, **LENGTHS} | over))


@pytest.mark.parametrize(
    ("over", "match"),
    [
        ({"prompt_tokens": "x"}, r"^prompt_tokens: cannot read 'x'"),
        ({"output_tokens": -5}, r"^output_tokens: token count must be >= 1"),
        ({"speculative": "eagle"}, r"^speculative must be a mapping"),
        ({"name": 5}, r"^name must be a string, got 5"),
        ({"pricing": "bogus"}, r"^pricing must be one of on-demand, reserved, spot"),
        ({"precision": "fp3"}, r"^precision: unknown precision 'fp3'"),
        ({"engine": ""}, r"^engine is empty"),
        ({"gpu": "B200"}, r"^gpu 'B200': no such pool"),
        ({"kv_block_tokens": 0}, r"^kv_block_tokens must be a positive integer"),
        (
            {"workloads": [], "qps": None, "prompt_tokens": None, "output_tokens": None},
            r"^workloads: no workload given",
        ),
    ],
)
def test_make_problem_names_the_keyword(over, match):
    with pytest.raises(InputError, match=match) as exc:
        problem(**over)
    assert "--" not in str(exc.value)


@pytest.mark.parametrize(
    ("over", "match"),
    [
        ({"gpu_types": "H100"}, r"^sweep: gpu_types must be a list, got 'H100'"),
        ({"rates": 5}, r"^sweep: rates must be a list, got 5"),
    ],
)
def test_sweep_refuses_a_string_or_number_for_a_list(over, match):
    args = {"gpu_types": ["H100"], "rates": [1.0], "time_limit": 2, **LENGTHS} | over
    with pytest.raises(InputError, match=match):
        ps.sweep("llama-3.1-8b", **args)


def test_a_workload_name_given_as_a_number_is_refused():
    traffic = {"qps": 1, "prompt_tokens": 100, "output_tokens": 20}
    with pytest.raises(InputError, match=r"workloads\[0\]: field 'name' must be a string, got 5"):
        problem(
            workloads=[{"name": 5, "traffic": traffic}],
            qps=None,
            prompt_tokens=None,
            output_tokens=None,
        )


def test_a_precision_object_is_still_a_precision():
    """``get_precision`` takes a :class:`Precision` as itself; s28bad's name check refused one
    given to ``make_problem`` (main: "precision must be a name like bf16, got Precision(...)")."""
    from planner.perfmodel.precision import get_precision

    fp8 = get_precision("fp8")
    by_object = problem(precision=fp8, kv_precision=fp8)
    by_name = problem(precision="fp8", kv_precision="fp8")
    assert by_object == by_name
    with pytest.raises(InputError, match=r"^kv_precision must be a name like bf16, got 8"):
        problem(kv_precision=8)
