"""plan train --export for a user's config of an architecture outside the catalog (s24polish).

The exports write the plan's parallel layout, never the model: for DBRX / Cohere / OLMo 2 /
Phi-3.5-MoE / Granite (read since the twenty-fourth session) every format now says the
framework was not checked to build the architecture (Megatron: naming the architectures its
Hugging Face checkpoint loaders convert), and Megatron / NeMo say that Cohere's parallel
attention + MLP block is not a Megatron-Core layer. On main the notes were silent about it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planner.perfmodel.readers import from_hf_config
from planner.train.api import make_problem, solve
from planner.train.export import FORMATS, export

DATA = Path(__file__).resolve().parents[1] / "data" / "hf_configs_reconstructed"
UNSEEN = Path(__file__).resolve().parents[2] / "bench" / "session_runs" / "s24unseen" / "configs"


def spec(path: Path, name: str):
    return from_hf_config(json.loads(path.read_text()), name=name)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_says_the_architecture_was_not_checked(fmt):
    model = spec(DATA / "granite-3.1-8b.json", "granite-3.1-8b")
    problem = make_problem(model, "8xH100", global_batch=64, seq_len=4096)
    res = solve(problem, time_limit=10)
    notes = export(problem, res.solution, fmt)["notes"]
    said = [n for n in notes if "outside the catalog's architectures" in n]
    assert len(said) == 1 and "runs Granite was not checked" in said[0]
    assert ("Mixtral only" in said[0]) == (fmt == "megatron")
    assert not any("parallel from one norm" in n for n in notes)  # Granite's block is sequential


def test_cohere_parallel_block_is_not_a_megatron_core_layer():
    model = spec(UNSEEN / "command-r.json", "command-r")
    problem = make_problem(model, "64xH100", global_batch=256, seq_len=4096)
    res = solve(problem, time_limit=10)
    for fmt in FORMATS:
        notes = export(problem, res.solution, fmt)["notes"]
        parallel = any("parallel from one norm" in n for n in notes)
        assert parallel == (fmt in ("megatron", "nemo"))


def test_a_catalog_model_gets_neither_note():
    problem = make_problem("llama-3.1-8b", "8xH100", global_batch=64, seq_len=4096)
    res = solve(problem, time_limit=10)
    for fmt in FORMATS:
        notes = export(problem, res.solution, fmt)["notes"]
        assert not any("outside the catalog" in n or "one norm" in n for n in notes)
