"""``--gpus H100:2,H100:3``: one GPU type named twice is summed into one pool of 5 (the
parser's tested reading, tests/perfmodel/test_hardware.py), now with a warning naming it;
on main the sum was silent (s28bad's sweep). Two sites are a cluster TOML's named pools."""

from __future__ import annotations

import pytest

import planner.serve as ps
from planner.cli import main

LENGTHS = {"qps": 2.0, "prompt_tokens": 600, "output_tokens": 150, "tpot": "50ms"}


def test_library_warns_and_sums():
    prob = ps.make_problem("llama-3.1-8b", "H100:2,H100-SXM:3", **LENGTHS)
    assert [p.count for p in prob.inventory.pools] == [5]
    warnings = prob.meta.get("warnings", [])
    assert any(w.startswith("gpus 'H100:2,H100-SXM:3': H100-SXM named 2 times") for w in warnings)
    assert any("one pool of 5 (2 + 3)" in w for w in warnings)


def test_no_warning_without_a_repeat():
    prob = ps.make_problem("llama-3.1-8b", "H100:2,A100:2", **LENGTHS)
    assert not any("named 2 times" in w for w in prob.meta.get("warnings", []))


ARGV = [
    "plan", "serve", "--model", "llama-3.1-8b", "--gpus", "H100:2,H100:3", "--qps", "2",
    "--prompt-tokens", "600", "--output-tokens", "150", "--tpot", "50ms", "-t", "2",
    "--threads", "1", "--json",
]  # fmt: skip


def test_cli_prints_it(capsys):
    with pytest.raises(SystemExit) as exc:
        main(ARGV)
    out, err = capsys.readouterr()
    assert exc.value.code == 0, err
    assert "--gpus 'H100:2,H100:3': H100-SXM named 2 times" in out + err
