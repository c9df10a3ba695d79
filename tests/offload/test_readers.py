"""Trace formats: JSON, .npy + header, JSON Lines (instances or one sparse trace); errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from planner.core.errors import InputError
from planner.offload.readers import read, write

from .strategies import INSTANCES


@pytest.mark.parametrize("suffix", [".json", ".jsonl", ".npy"])
def test_write_then_read_round_trip(small, tmp_path, suffix):
    files = write(small, tmp_path / f"trace{suffix}")
    (back,) = read(files[0])
    assert np.array_equal(back.counts, small.counts)
    assert back.hardware == small.hardware and back.blocks == small.blocks
    if suffix == ".npy":
        assert [f.name for f in files] == ["trace.npy", "trace.json"]
        assert json.loads(files[1].read_text())["counts"] == "trace.npy"
        (via_header,) = read(files[1])  # the header names the array
        assert np.array_equal(via_header.counts, small.counts)


def test_bundled_trace_reads(tmp_path):
    (inst,) = read(INSTANCES / "tide_trace.npy")
    assert inst.counts.shape == (64, 4, 256) and inst.initial == "first"


def test_npy_without_header_says_how_to_make_one(tmp_path):
    np.save(tmp_path / "raw.npy", np.zeros((2, 1, 3), dtype=np.int32))
    with pytest.raises(InputError, match=r"no header raw.json.*planner gen offload --counts"):
        read(tmp_path / "raw.npy")


def test_jsonl_instances_and_selector(small, tmp_path):
    other = dict(small.to_dict(), name="second")
    path = tmp_path / "two.jsonl"
    path.write_text(json.dumps(small.to_dict()) + "\n" + json.dumps(other) + "\n")
    assert [i.name for i in read(path)] == [small.name, "second"]
    assert [i.name for i in read(path, "1")] == ["second"]


def test_sparse_jsonl_trace_with_dense_rows_and_gaps(small, tmp_path):
    header = small.header()
    path = tmp_path / "t.jsonl"
    rows = [
        {"step": 0, "layer": 1, "experts": [3, 9], "tokens": [2, 5]},
        {"step": 2, "layer": 0, "counts": [1] * small.experts},
    ]
    path.write_text("\n".join(json.dumps(o) for o in [header, *rows]) + "\n")
    (inst,) = read(path)
    assert inst.counts[0, 1, 9] == 5 and inst.counts[2, 0].sum() == small.experts
    assert inst.counts.sum() == 7 + small.experts


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"step": 99, "layer": 0, "experts": [], "tokens": []}, ":2: field 'step'"),
        ({"step": 0, "layer": 0, "experts": [1], "tokens": [-4]}, ":2: .* -4 is negative"),
        ({"step": 0, "layer": 0, "experts": [999], "tokens": [1]}, ":2: expert 999 out of range"),
        ({"step": 0, "layer": 0, "counts": [1, 2]}, ":2: field 'counts' must list 256"),
    ],
)
def test_bad_jsonl_rows_name_line_and_field(small, tmp_path, row, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(small.header()) + "\n" + json.dumps(row) + "\n")
    with pytest.raises(InputError, match=message):
        read(path)


def test_bad_json_names_file_and_field(small, tmp_path):
    data = small.to_dict()
    data["counts"][0][0][0] = -1
    path = tmp_path / "neg.json"
    path.write_text(json.dumps(data))
    with pytest.raises(InputError, match=r"neg.json: .*'counts' item \[0, 0, 0\] = -1 is negative"):
        read(path)
    data = small.to_dict()
    data["hardware"]["budget"] = 500
    path.write_text(json.dumps(data))
    with pytest.raises(InputError, match=r"'hardware.budget' = 500 is larger"):
        read(path)


def test_unknown_model_key_is_named(small, tmp_path):
    """A misspelt optional model key (shared_experts) must not silently default to 0."""
    data = small.to_dict()
    data["model"]["shared_expert"] = data["model"].pop("shared_experts", 1)
    path = tmp_path / "typo.json"
    path.write_text(json.dumps(data))
    with pytest.raises(InputError, match=r"typo.json: .*'model.shared_expert' is unknown"):
        read(path)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("seed", -1, r"field 'seed' -1: must be an integer from 0"),
        ("seed", "x", r"field 'seed' 'x': must be an integer"),
        ("tokens", 0, r"field 'tokens' 0: must be an integer from 1 to 4096"),
        ("tokens", 2.5, r"field 'tokens' 2.5: must be an integer"),
        ("prefix", -3, r"field 'prefix' -3: must be an integer from 0"),
        ("stability", 7, r"field 'stability' 7: must be a number from 0 to 1 or null"),
        ("stability_measured", "high", r"field 'stability_measured' 'high'"),
        ("reroute_rate", None, r"field 'reroute_rate' None: must be a number from 0 to 1"),
        ("zipf", -0.5, r"field 'zipf' -0.5: must be a finite number >= 0"),
        ("drift", "inf", r"field 'drift' 'inf': must be a finite number >= 0"),
        ("stability_range", [0.9, 0.1], r"field 'stability_range' \[0.9, 0.1\]: low is above"),
        ("stability_range", 0.5, r"field 'stability_range' 0.5: must be \[low, high\]"),
        ("preset", "", r"field 'preset' '': must be a non-empty string"),
        ("generator", 3, r"field 'generator' 3: must be a non-empty string"),
    ],
)
def test_a_jsonl_header_generator_record_is_checked(small, tmp_path, key, value, message):
    """The generator's record in a JSON Lines header took any value (s30bad)."""
    header = {**small.header(), "generator": "planner.offload.generate", "seed": 0}
    header[key] = value
    rows = [
        {"step": s, "layer": layer, "counts": small.counts[s, layer].tolist()}
        for s in range(small.steps)
        for layer in range(small.layers)
    ]
    path = tmp_path / "trace.jsonl"
    path.write_text("\n".join(json.dumps(o) for o in [header, *rows]) + "\n")
    with pytest.raises(InputError, match=rf"trace.jsonl:1: .*{message}"):
        read(path)
    header[key] = (
        None if key in ("tokens", "stability") else 0 if key != "stability_range" else [0, 1]
    )
    if key in ("preset", "generator"):
        header[key] = "x"
    path.write_text("\n".join(json.dumps(o) for o in [header, *rows]) + "\n")
    assert read(path)[0].meta[key] == header[key]  # a valid value is kept as metadata


def test_a_generated_trace_and_a_blank_model_name(tmp_path):
    from planner.offload.generate import generate

    inst = generate(steps=4, layers=2)
    (back,) = read(write(inst, tmp_path / "g.jsonl")[0])
    assert back.meta["seed"] == 0 and back.meta["preset"] == inst.meta["preset"]
    data = inst.to_dict()
    data["model"]["name"] = " "
    (tmp_path / "blank.json").write_text(json.dumps(data))
    with pytest.raises(InputError, match=r"field 'name' is empty"):
        read(tmp_path / "blank.json")
