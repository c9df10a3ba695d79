"""Token counts are whole numbers: a fractional one is refused, naming the flag / keyword /
file and field; a distribution's mean (``exp:MEAN``, a histogram's class means) stays a float.

On main ``--prompt-tokens 100.5``, ``uniform:1.5-10`` and a trace line with
``"ContextTokens": 100.5`` were planned (s28bad's sweep).
"""

from __future__ import annotations

import json

import pytest

import planner.serve as ps
from planner.cli import main
from planner.core.errors import InputError
from planner.serve.traffic import parse_lengths, read_trace

BASE = ["plan", "serve", "--model", "llama-3.1-8b", "--gpus", "H100:2", "-t", "2"]
LENGTHS = {"qps": 2.0, "prompt_tokens": 600, "output_tokens": 150, "tpot": "50ms"}


def error_line(args: list[str], capsys) -> str:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    assert exc.value.code == 2, out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err and out == "", err
    return lines[0]


@pytest.mark.parametrize(
    ("prompt", "output", "says"),
    [
        ("100.5", "150", "--prompt-tokens: a token count is a whole number, got 100.5"),
        ("600", "150.5", "--output-tokens: a token count is a whole number, got 150.5"),
        ("uniform:1.5-10", "150", "--prompt-tokens: uniform:A-B takes whole token counts"),
    ],
)
def test_flags(prompt, output, says, capsys):
    args = [*BASE, "--qps", "2", "--prompt-tokens", prompt, "--output-tokens", output]
    line = error_line([*args, "--tpot", "50ms"], capsys)
    assert line == "planner: error: " + says or line.startswith("planner: error: " + says), line


@pytest.mark.parametrize(
    ("over", "match"),
    [
        ({"prompt_tokens": 100.5}, r"^prompt_tokens: a token count is a whole number"),
        ({"output_tokens": "150.5"}, r"^output_tokens: a token count is a whole number"),
        ({"prompt_tokens": "uniform:10-20.5"}, r"^prompt_tokens: uniform:A-B takes whole"),
    ],
)
def test_library(over, match):
    with pytest.raises(InputError, match=match):
        ps.make_problem("llama-3.1-8b", "H100:2", **(LENGTHS | over))


@pytest.mark.parametrize("key", ["chunk_tokens", "max_batch"])
def test_library_chunk_and_batch(key):
    # already refused on main (positive_int); kept here beside the lengths
    with pytest.raises(InputError, match=rf"^{key} must be a positive integer, got 2.5"):
        ps.make_problem("llama-3.1-8b", "H100:2", **LENGTHS, **{key: 2.5})


def test_problem_and_workloads_files(tmp_path, capsys):
    problem = tmp_path / "p.toml"
    problem.write_text(
        'model = "llama-3.1-8b"\ngpus = "H100:2"\n'
        "[traffic]\nqps = 2\nprompt_tokens = 600.5\noutput_tokens = 150\n"
    )
    line = error_line(["solve", "serve", str(problem), "-t", "2"], capsys)
    assert "p.toml" in line and "prompt_tokens: a token count is a whole number" in line, line
    wl = tmp_path / "wl.toml"
    wl.write_text(
        "[[workloads]]\nname = 'chat'\n"
        "traffic = { qps = 1, prompt_tokens = 500, output_tokens = 90.5 }\n"
    )
    line = error_line([*BASE, "--tpot", "50ms", "--workloads", str(wl)], capsys)
    assert "wl.toml" in line and "output_tokens: a token count is a whole number" in line, line


def test_trace_line(tmp_path):
    path = tmp_path / "t.jsonl"
    rows = [{"ContextTokens": 100, "GeneratedTokens": 20}, {"ContextTokens": 100.5}]
    rows[1]["GeneratedTokens"] = 20
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(InputError, match=r"t\.jsonl:2: field 'ContextTokens' is a token count"):
        read_trace(path, rate_given=True)
    rows[1]["ContextTokens"] = 100.0  # a whole number written as a float is one
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert read_trace(path, rate_given=True).prompt.mean == 100.0


@pytest.mark.parametrize(
    "spec",
    ["exp:100.5", "normal:100.5,20.5", "lognormal:100.5,50", {"values": [100.5], "weights": [1]}],
)
def test_a_distributions_mean_stays_a_float(spec):
    dist = parse_lengths(spec, what="--prompt-tokens")
    assert dist.mean == pytest.approx(100.5, rel=0.05)
