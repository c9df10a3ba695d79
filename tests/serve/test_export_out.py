"""``-o`` with ``--export`` writes the launch commands (as ``plan train`` does), the JSON without it."""

from __future__ import annotations

import json

from .test_cli import SMALL_PLAN_LINE as LINE
from .test_cli import run


def test_out_with_export_writes_the_launch_commands_as_train_does(capsys, tmp_path):
    """-o wrote the JSON with --export here and the launch file in plan train."""
    path = tmp_path / "launch.sh"
    code, out, _ = run(
        capsys, *LINE, "--gpus", "H100:2", "--export", "vllm", "-o", str(path), "--json"
    )
    assert code == 0
    d = json.loads(out)  # the plan JSON is on stdout
    text = path.read_text()
    assert text.startswith("#!/bin/sh\n")
    # run as is, the first server held the shell and every server took the same GPUs
    assert "# one server per command, each in the foreground" in text
    assert text.index("one server per command") < text.index(commands_first_shell(out))
    commands = d["export"]["commands"]
    assert commands and all(c["shell"] in text for c in commands)
    assert not text.lstrip().startswith("{")
    # without --export, -o still writes the JSON
    plain = tmp_path / "plan.json"
    code, _, _ = run(capsys, *LINE, "--gpus", "H100:2", "-o", str(plain))
    assert code == 0 and json.loads(plain.read_text())["status"] == "OPTIMAL"


def commands_first_shell(out: str) -> str:
    """The first launch command of a plan JSON's export."""
    return json.loads(out)["export"]["commands"][0]["shell"]
