"""Reading instance files: one object, a list, JSON Lines, selectors, errors with file and line."""

from __future__ import annotations

import json

import pytest

from planner.core.errors import InputError
from planner.seqpar.readers import read

from .strategies import INSTANCES, preset_instance


def test_bundled_examples():
    (inst,) = read(INSTANCES / "example.json")
    assert inst.n == 128 and inst.gpus == 16 and inst.max_len == 65536
    (big,) = read(INSTANCES / "wikipedia512_g64_s13.json")
    assert big.n == 512 and big.tokens_per_gpu == 6141


def test_list_and_json_lines(tmp_path):
    a = preset_instance([1, 2, 3]).to_dict() | {"name": "a"}
    b = preset_instance([4, 5]).to_dict() | {"name": "b"}
    (tmp_path / "l.json").write_text(json.dumps([a, b]))
    (tmp_path / "l.jsonl").write_text(json.dumps(a) + "\n" + json.dumps(b) + "\n")
    for f in ("l.json", "l.jsonl"):
        assert [i.name for i in read(tmp_path / f)] == ["a", "b"]
        assert read(tmp_path / f, "b")[0].lengths == (4, 5)
        assert read(tmp_path / f, "0")[0].name == "a"


def test_errors_name_file_and_line(tmp_path):
    good = json.dumps(preset_instance([1]).to_dict())
    bad = preset_instance([1]).to_dict()
    bad["lengths"] = [3, 0]
    p = tmp_path / "x.jsonl"
    p.write_text(good + "\n" + json.dumps(bad) + "\n")
    with pytest.raises(InputError, match=r"x\.jsonl:2: .*'lengths' item 1: 0 is not positive"):
        read(p)
    (tmp_path / "e.json").write_text("")
    with pytest.raises(InputError, match="empty file"):
        read(tmp_path / "e.json")
    (tmp_path / "m.json").write_text("{oops")
    with pytest.raises(InputError, match="malformed JSON"):
        read(tmp_path / "m.json")
    with pytest.raises(InputError, match="no instance named"):
        read(INSTANCES / "example.json", "nope")
