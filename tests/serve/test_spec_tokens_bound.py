"""A speculative draft longer than the longest output is refused (``--spec-tokens``).

No engine documents an upper bound (vLLM 0.8.5 ``num_speculative_tokens > 0``, SGLang 0.4.6
``--speculative-num-steps`` an int); the model drops a step's surplus past a request's end
(``steps_for_tokens``), so draft positions past the longest output are pure cost. On main
``--spec-tokens 100000`` on 150-token outputs was planned (s28bad's sweep).
"""

from __future__ import annotations

import pytest

import planner.serve as ps
from planner.cli import main
from planner.core.errors import InputError

SERVE = [
    "plan", "serve", "--model", "llama-3.1-8b", "--gpus", "H100:2", "--qps", "2",
    "--prompt-tokens", "600", "--output-tokens", "150", "--tpot", "50ms", "-t", "2",
    "--speculative", "eagle",
]  # fmt: skip
LENGTHS = {"qps": 2.0, "prompt_tokens": 600, "output_tokens": 150, "tpot": "50ms"}


def test_cli_names_the_flag_and_the_bound(capsys):
    with pytest.raises(SystemExit) as exc:
        main([*SERVE, "--spec-tokens", "100000"])
    out, err = capsys.readouterr()
    assert exc.value.code == 2 and out == "" and "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("planner: error: --spec-tokens 100000: a draft longer than the")
    assert "(150 tokens)" in lines[0] and "give at most 150" in lines[0]


def test_library_names_the_keyword():
    spec = {"method": "eagle", "tokens": 151}
    with pytest.raises(InputError, match=r"^speculative tokens 151: .*\(150 tokens\)"):
        ps.make_problem("llama-3.1-8b", "H100:2", speculative=spec, **LENGTHS)


def test_the_longest_output_of_a_distribution_bounds_it():
    # uniform:100-400: the longest request has 400 output tokens
    over = {**LENGTHS, "output_tokens": "uniform:100-400"}
    ok = ps.make_problem("llama-3.1-8b", "H100:2", speculative={"tokens": 400}, **over)
    assert ok.speculative is not None and ok.speculative.tokens == 400
    with pytest.raises(InputError, match=r"\(400 tokens\)"):
        ps.make_problem("llama-3.1-8b", "H100:2", speculative={"tokens": 401}, **over)


def test_problem_file_names_file_and_field(tmp_path, capsys):
    path = tmp_path / "p.toml"
    path.write_text(
        'model = "llama-3.1-8b"\ngpus = "H100:2"\n'
        "[traffic]\nqps = 2\nprompt_tokens = 600\noutput_tokens = 150\n"
        '[speculative]\nmethod = "eagle"\ntokens = 100000\n'
    )
    with pytest.raises(SystemExit) as exc:
        main(["solve", "serve", str(path), "-t", "2"])
    _out, err = capsys.readouterr()
    assert exc.value.code == 2 and "Traceback" not in err
    assert "p.toml" in err and "speculative: tokens 100000: a draft longer" in err, err


def test_the_default_draft_length_says_it_is_the_default(capsys):
    """``--speculative eagle`` without ``--spec-tokens`` on 2-token outputs: the message says
    the 3 it refuses is the default, not a flag the user typed (s29review)."""
    args = [a if a != "150" else "2" for a in SERVE]
    with pytest.raises(SystemExit) as exc:
        main(args)
    err = capsys.readouterr().err
    assert exc.value.code == 2 and "Traceback" not in err
    assert "--spec-tokens 3 (the default): a draft longer" in err
