"""``planner bench --reference FILE`` finds a bundled reference file by its bare name, as
instance names are found (twenty-seventh session, s27walk: ``--reference
wtopt40_first3.txt`` beside the bundled ``wt40_first3.txt`` was "no such file" outside the
checkout, while the instances resolved)."""

from __future__ import annotations

import csv

import pytest

from planner.cli import main
from planner.core.paths import instances_dir
from planner.smtt.readers import read_values


def run(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def test_a_bundled_reference_file_by_its_bare_name(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # neither file is here
    args = ["bench", "smtt", "wt40_first3.txt", "--methods", "edd", "-t", 1]
    code, _, err = run(capsys, *args, "--reference", "wtopt40_first3.txt", "--csv", "rows.csv")
    assert code == 0, err
    rows = list(csv.DictReader((tmp_path / "rows.csv").open()))
    expected = read_values(instances_dir() / "smtt" / "wtopt40_first3.txt")
    assert [float(r["reference"]) for r in rows] == [float(v) for v in expected]


def test_a_field_name_is_still_a_field(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    args = ["bench", "smtt", "tkindt_n100_sample.jsonl#0", "--methods", "edd", "-t", 1]
    code, _, err = run(capsys, *args, "--reference", "optimum", "--json")
    assert code == 0, err
    code, _, err = run(capsys, *args, "--reference", "no_such_field")
    assert code == 2 and "no_such_field" in err
