"""Bad serving inputs the s27bad sweep found: one line naming the flags, exit 2.

(bench/session_runs/s27bad/sweep.py derives the cases; each here failed on main.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.cli import main

TRACE = Path(__file__).resolve().parents[2] / "instances/serve/traces/trace-8b.jsonl"
SERVE = ["plan", "serve", "--model", "llama-3.1-8b", "--gpus", "H100:2", "--tpot", "50ms"]


@pytest.mark.parametrize(
    ("lengths", "named"),
    [
        (["--prompt-tokens", "600", "--output-tokens", "150"], "--prompt-tokens, --output-tokens"),
        (["--output-tokens", "150"], "(--output-tokens given)"),
    ],
)
def test_a_trace_with_lengths_names_both_flags(lengths, named, capsys):
    """The message was "give either a trace or prompt/output lengths, not both": no flag."""
    with pytest.raises(SystemExit) as exc:
        main([*SERVE, "--trace", str(TRACE), *lengths, "-t", "2"])
    out, err = capsys.readouterr()
    assert exc.value.code == 2 and out == "" and "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("planner: error: give either --trace or")
    assert named in lines[0]
