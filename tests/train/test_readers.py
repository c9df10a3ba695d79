"""Problem files."""

from __future__ import annotations

import json

import pytest

from planner.core.errors import InputError
from planner.train.readers import read

from .conftest import INSTANCES


def test_bundled_examples():
    # support files (clusters/, configs/) live in sub-folders
    paths = sorted(INSTANCES.glob("*.*"))
    assert len(paths) >= 5
    for path in paths:
        problems = read(path)
        assert problems and problems[0].workload.global_batch > 0


def test_relative_paths_and_pools():
    prob = read(INSTANCES / "gpt-7.5b-mixed.toml")[0]
    assert len(prob.cluster.pools) == 2 and prob.cluster.total_gpus == 64
    toy = read(INSTANCES / "toy-8xa100.json")[0]
    assert toy.model.kv_heads == 4


def test_jsonl_and_selector(tmp_path):
    path = tmp_path / "p.jsonl"
    rows = [
        {
            "name": f"p{i}",
            "model": "gpt-1.7b",
            "gpus": "8xA100",
            "workload": {"global_batch": 8, "seq_len": 2048},
        }
        for i in range(3)
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows))
    assert [p.name for p in read(path)] == ["p0", "p1", "p2"]
    assert read(path, "p1")[0].name == "p1" and read(path, "2")[0].name == "p2"


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"model": "gpt-1.7b", "gpus": "8xA100"}, "workload"),
        ({"model": "gpt-1.7b", "gpus": "8xA100", "workload": {"global_batch": 8}}, "seq_len"),
        (
            {"model": "gpt-1.7b", "gpus": "8xA100", "workload": {"global_batch": 0, "seq_len": 8}},
            "global_batch",
        ),
        (
            {
                "model": "gpt-1.7b",
                "gpus": "8xA100",
                "workload": {"global_batch": 8, "seq_len": 8},
                "constraints": {"tpp": 2},
            },
            "tpp",
        ),
        (
            {
                "model": "gpt-1.7b",
                "gpus": "8xA100",
                "workload": {"global_batch": 8, "seq_len": 8},
                "constraints": {"zero": 5},
            },
            "zero",
        ),
        ({"gpus": "8xA100", "workload": {"global_batch": 8, "seq_len": 8}}, "model"),
    ],
)
def test_errors_name_the_field(tmp_path, body, needle):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(body))
    with pytest.raises(InputError, match=needle):
        read(path)


def test_round_trip(tmp_path):
    prob = read(INSTANCES / "gpt-7.5b-mixed.toml")[0]
    path = tmp_path / "rt.json"
    path.write_text(json.dumps(prob.to_dict()))
    again = read(path)[0]
    assert again.model == prob.model and again.cluster.total_gpus == prob.cluster.total_gpus
