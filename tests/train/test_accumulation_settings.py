"""Contradictory gradient-accumulation settings are refused in the library, ``--software`` and
files."""

from __future__ import annotations

import pytest

from planner.core.errors import InputError
from planner.perfmodel.options import Software
from planner.train.fixes import parse_software

from .test_cli import run

BASE = ("plan", "train", "--model", "gpt-1.7b", "--gpus", "16xA100", "-B", "64", "-s", "1024")


BOTH = "grad_accumulation_fusion=true,unfused_grad_accumulation=true"


def test_software_refuses_both_accumulation_modes():
    with pytest.raises(InputError, match="contradict"):
        Software(grad_accumulation_fusion=True, unfused_grad_accumulation=True)
    with pytest.raises(InputError, match=r"^--software: grad_accumulation_fusion and"):
        parse_software(BOTH)
    with pytest.raises(InputError, match=r"^job\.toml: grad_accumulation_fusion"):
        Software.from_dict(
            {"grad_accumulation_fusion": True, "unfused_grad_accumulation": True},
            where="job.toml",
        )
    # each alone is still a setting
    assert Software(grad_accumulation_fusion=True).grad_accumulation_fusion
    assert Software(unfused_grad_accumulation=True).unfused_grad_accumulation


def test_cli_refuses_both_accumulation_modes(capsys):
    code, out, err = run(capsys, *BASE, "--software", BOTH, "--json")
    assert code == 2 and out == ""
    assert err.startswith("planner: error: --software: grad_accumulation_fusion")
    assert "Traceback" not in err
