"""Library arguments of ``planner.serve.api.make_problem`` that raised TypeError (s15bad)."""

from __future__ import annotations

import pytest

from planner.core.errors import InputError

SERVE = {"model": "llama-3.1-8b", "gpus": "H100:2", "qps": 2, "prompt_tokens": 512}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"qps": []}, "qps \\[\\]: must be a number"),  # was TypeError from float()
        ({"arrival_scv": {}}, "arrival_scv {}: must be a number"),
        # s22small: these named the CLI's flags (--ttft, --tpot ... --allow-slow, --percentile,
        # --gpus), which a library caller never wrote
        ({"ttft": "fast"}, "^ttft: cannot read 'fast' as a duration"),
        ({"tpot": 20}, "^tpot: 20 s is over 10 s.*; pass allow_slow=True if you mean it"),
        ({"percentile": 150}, "^percentile: must lie strictly between 0 and 100"),
        ({"gpus": "H100:x"}, "^gpus 'H100:x': expected COUNTxGPU"),
    ],
)
def test_serve_make_problem_names_a_bad_argument(kwargs, message):
    from planner.serve.api import make_problem

    with pytest.raises(InputError, match=message):
        make_problem(**{**SERVE, "output_tokens": 128, **kwargs})


def test_profile_text_names_the_argument():
    from planner.core import validate
    from planner.serve.day import parse_profile

    with pytest.raises(InputError, match=r"^profile: expected rates like 10,12,30"):
        parse_profile("1,x")
    with validate.flag_names(), pytest.raises(InputError, match=r"^--profile: expected rates"):
        parse_profile("1,x")
