"""Reading kernels: one object, a list, JSON Lines, selectors, malformed files."""

from __future__ import annotations

import json

import pytest

from planner.core.errors import InputError
from planner.pipelining.generate import generate
from planner.pipelining.readers import read

from .strategies import INSTANCES, KERNELS


def test_bundled_kernels():
    for name in KERNELS:
        (inst,) = read(INSTANCES / f"{name}.json")
        assert inst.name == name


def test_list_jsonl_and_selectors(tmp_path):
    loops = [i.to_dict() for i in generate(10, 3, 1, count=3, seed=1)]
    listed = tmp_path / "loops.json"
    listed.write_text(json.dumps(loops))
    assert [i.name for i in read(listed)] == [d["name"] for d in loops]
    lines = tmp_path / "loops.jsonl"
    lines.write_text("\n".join(json.dumps(d) for d in loops) + "\n")
    assert read(lines, "1")[0].name == loops[1]["name"]
    assert read(lines, loops[2]["name"])[0].name == loops[2]["name"]


def test_malformed_files_name_the_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{ nope")
    with pytest.raises(InputError, match=r"bad\.json"):
        read(bad)
    empty = tmp_path / "empty.json"
    empty.write_text("")
    with pytest.raises(InputError, match="empty"):
        read(empty)
    wrong = tmp_path / "wrong.jsonl"
    wrong.write_text('{"name": "x", "machine": {}, "ops": [], "edges": []}\n')
    with pytest.raises(InputError, match=r"wrong\.jsonl:1"):
        read(wrong)
