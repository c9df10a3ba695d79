"""The smtt commands end to end: gen, solve (--json, --plot), bench --reference, bad input."""

from __future__ import annotations

import csv
import json

import pytest

from planner.cli import main
from planner.smtt.readers import read

from .strategies import INSTANCES


def run(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def test_gen_then_solve(capsys, tmp_path):
    target = tmp_path / "gen.jsonl"
    code, _, _ = run(
        capsys,
        "gen",
        "smtt",
        "--n",
        12,
        "--tf",
        0.6,
        "--rdd",
        0.4,
        "--count",
        3,
        "--seed",
        4,
        "--weighted",
        "--clip",
        "--out",
        target,
    )
    assert code == 0
    insts = read(target)
    assert len(insts) == 3 and all(i.weighted and i.n == 12 and min(i.d) >= 0 for i in insts)
    code, out, _ = run(capsys, "solve", "smtt", f"{target}#1", "-m", "exact", "--json")
    row = json.loads(out)
    assert code == 0 and row["instance"] == insts[1].name and row["verified"]
    code, out, _ = run(capsys, "gen", "smtt", "--n", 5, "--tf", 0.2, "--rdd", 0.2)
    assert code == 0 and json.loads(out)["n"] == 5  # one instance: a JSON object on stdout


def test_solve_bundled_example_json_and_plot(capsys, tmp_path):
    png = tmp_path / "g.png"
    code, out, _ = run(capsys, "solve", "smtt", "example.json", "--json", "--plot", png)
    assert code == 0
    row = json.loads(out)
    assert row["status"] == "OPTIMAL" and row["objective"] == 2987
    assert sorted(row["solution"]["order"]) == list(range(20))
    assert png.read_bytes().startswith(b"\x89PNG")


def test_bench_with_field_and_file_references(capsys, tmp_path):
    csv_path, report = tmp_path / "b.csv", tmp_path / "b.md"
    code, _, _ = run(
        capsys,
        "bench",
        "smtt",
        INSTANCES / "tkindt_n100_sample.jsonl",
        "--methods",
        "edd,mdd",
        "--reference",
        "optimum",
        "--csv",
        csv_path,
        "--report",
        report,
    )
    assert code == 0
    rows = list(csv.DictReader(csv_path.open()))
    assert len(rows) == 10 and all(r["ref_check"] == "ok" for r in rows)
    assert all(float(r["objective"]) >= float(r["reference"]) for r in rows)
    assert "mean gap %" in report.read_text() and "matched ref" in report.read_text()
    csv2 = tmp_path / "w.csv"
    code, _, _ = run(
        capsys,
        "bench",
        "smtt",
        INSTANCES / "wt40_first3.txt",
        "--methods",
        "atc",
        "--reference",
        INSTANCES / "wtopt40_first3.txt",
        "--csv",
        csv2,
    )
    assert code == 0
    rows = list(csv.DictReader(csv2.open()))
    assert [int(r["reference"]) for r in rows] == [913, 1225, 537]


@pytest.mark.parametrize(
    ("content", "selector", "expected"),
    [
        (
            '{"name": "a", "p": [1, 2.5], "d": [3, 4]}\n',
            "",
            "field 'p' item 1: 2.5 is not an integer",
        ),
        ('{"name": "a", "p": [1, -2], "d": [3, 4]}\n', "", "field 'p' item 1: -2 is negative"),
        ('{"name": "a", "p": [1, 2], "d": [3, 4], "w": [1, -1]}\n', "", "field 'w' item 1"),
        ('{"name": "a", "p": [1, 2], "d": [3]}\n', "", "field 'd' has 1 items but 'p' has 2"),
        ("", "", "empty file"),
        ('{"name": "a", "p": [1], "d": [3]}\n{"name": \n', "", "bad.jsonl:2: malformed JSON"),
        ('{"name": "a", "p": [1], "d": [3]}\n', "#3", "index out of range"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, tmp_path, content, selector, expected):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(content)
    code, out, err = run(capsys, "solve", "smtt", f"{bad}{selector}")
    assert code == 2 and out == ""
    assert expected in err and str(bad) in err
    assert err.strip().count("\n") == 0  # one line, no traceback


def test_bad_orlib_and_reference_exit_2(capsys, tmp_path):
    bad = tmp_path / "wt3.txt"
    bad.write_text("1 2 3\n4 5 6\n7 8 oops\n")
    code, _, err = run(capsys, "solve", "smtt", bad)
    assert code == 2 and "wt3.txt:3: instance 1 field 'd' item 2" in err
    code, _, err = run(
        capsys,
        "bench",
        "smtt",
        INSTANCES / "example.json",
        "--methods",
        "edd",
        "--reference",
        INSTANCES / "wtopt40_first3.txt",
    )
    assert code == 2 and "matches no instance" in err
    code, _, err = run(capsys, "gen", "smtt", "--n", 0, "--tf", 0.2, "--rdd", 0.2)
    assert code == 2
