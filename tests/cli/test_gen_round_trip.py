"""``planner gen FAMILY -o F`` then ``planner solve FAMILY F``: every name gen accepts reads
back; a name whose suffix means another format is refused naming ``--out`` (s30bad: gen smtt
-o x.txt wrote JSON that solve read as OR-Library and refused)."""

from __future__ import annotations

import json

import pytest

from planner.cli import main

#: One small generator per family that writes through ``emit_instances``.
GEN = {
    "smtt": ["--n", "5", "--tf", "0.2", "--rdd", "0.6"],
    "rcpsp": ["--tasks", "6"],
    "seqpar": ["--mix", "github", "--batch", "8", "--gpus", "8"],
    "train": ["--tiny"],
    "pipelining": ["--ops", "6", "--units", "2"],
}


def run(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return exc.value.code, out, err


@pytest.mark.parametrize("family", sorted(GEN))
@pytest.mark.parametrize(
    ("suffix", "count"), [(".json", 1), (".json", 2), (".jsonl", 1), (".jsonl", 2)]
)
def test_gen_then_solve_round_trips(capsys, tmp_path, family, suffix, count):
    target = tmp_path / f"gen{suffix}"
    code, _, err = run(capsys, "gen", family, *GEN[family], "--count", count, "-o", target)
    assert code == 0, err
    code, out, err = run(capsys, "solve", family, target, "-t", "2", "--threads", "1", "--json")
    assert code == 0, err
    assert len([json.loads(line) for line in out.splitlines()]) == count
    if suffix == ".jsonl":  # JSON Lines: one instance a line (one was an indented object)
        assert len(target.read_text().splitlines()) == count


@pytest.mark.parametrize("family", sorted(GEN))
@pytest.mark.parametrize("name", ["x.txt", "x.sm", "x.toml", "x.json.gz", "x"])
def test_gen_refuses_a_name_of_another_format(capsys, tmp_path, family, name):
    target = tmp_path / name
    code, _, err = run(capsys, "gen", family, *GEN[family], "-o", target)
    assert code == 2 and err.count("\n") == 1
    assert "--out" in err and ".json" in err and "Traceback" not in err
    assert not target.exists()
