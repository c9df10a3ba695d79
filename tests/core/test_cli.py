import json

import pytest

from planner.cli import main


def run(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def test_families_lists_methods(capsys):
    code, out, _ = run(capsys, "families", "--json")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    toy = next(r for r in rows if r["family"] == "toy")
    assert toy["methods"]["exact"]["kind"] == "exact"


def test_solve_json_lines_only(capsys, toy_file):
    code, out, _ = run(capsys, "solve", "toy", str(toy_file), "--method", "exact", "--json")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["instance"] for r in rows] == ["a", "b", "c"]
    assert [r["objective"] for r in rows] == [3, 1, 0]
    assert all(r["status"] == "OPTIMAL" and r["verified"] for r in rows)


def test_solve_human_output_and_out_file(capsys, toy_file, tmp_path):
    out_file = tmp_path / "res.json"
    code, out, _ = run(capsys, "solve", "toy", f"{toy_file}#a", "--out", str(out_file))
    assert code == 0 and "OPTIMAL" in out
    assert json.loads(out_file.read_text())["solution"] == {"index": 1}


def test_bad_input_exit_2_one_line(capsys, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"name": "a", "costs": [1, -1]}\n')
    code, out, err = run(capsys, "solve", "toy", str(bad))
    assert code == 2 and out == ""
    assert err.strip().count("\n") == 0 and "costs[1]" in err
    code, _, err = run(capsys, "solve", "nofamily", str(bad))
    assert code == 2 and "unknown family" in err
    code, _, err = run(capsys, "solve", "toy", str(tmp_path / "missing.json"))
    assert code == 2 and "no such file" in err
    code, _, err = run(capsys, "solve", "toy", str(bad), "--method", "nope")
    assert code == 2 and "unknown toy method" in err


def test_never_overwrites_input(capsys, toy_file):
    code, _, err = run(capsys, "solve", "toy", str(toy_file), "--out", str(toy_file))
    assert code == 2 and "refusing to overwrite" in err


def test_usage_error_exit_2(capsys):
    code, _, _ = run(capsys, "solve")
    assert code == 2


def test_internal_error_exit_1(capsys, toy_file):
    code, _, err = run(capsys, "solve", "toy", str(toy_file), "--method", "crash")
    assert code == 1 and "internal error" in err and "Traceback" not in err


def test_bench_writes_csv_and_report(capsys, toy_file, tmp_path):
    csv_file, report = tmp_path / "b.csv", tmp_path / "b.md"
    code, out, _ = run(
        capsys,
        "bench",
        "toy",
        str(toy_file),
        "--methods",
        "first,exact",
        "--reference",
        "optimum",
        "--csv",
        str(csv_file),
        "--report",
        str(report),
        "--json",
    )
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 6
    text = report.read_text()
    assert "| exact | 3 | 3 | 3 |" in text and "matched ref" in text
    code, _, err = run(capsys, "bench", "toy", str(toy_file), "--csv", str(csv_file))
    assert code == 2 and "--resume" in err
    code, _, _ = run(
        capsys,
        "bench",
        "toy",
        str(toy_file),
        "--methods",
        "first,exact",
        "--csv",
        str(csv_file),
        "--resume",
    )
    assert code == 0


def test_bench_reference_field_missing(capsys, toy_file):
    code, _, err = run(capsys, "bench", "toy", str(toy_file), "--reference", "nothing")
    assert code == 2 and "nothing" in err


def test_gen_writes_instance(capsys, tmp_path):
    out = tmp_path / "g.json"
    code, _, _ = run(capsys, "gen", "toy", "--n", "4", "--seed", "3", "--out", str(out))
    assert code == 0
    data = json.loads(out.read_text())
    assert len(data["costs"]) == 4


def test_integer_objective_is_exact_in_json_table_and_csv(capsys, tmp_path):
    from planner.bench.rows import read_rows

    big = 10**18 + 17
    path = tmp_path / "big.json"
    path.write_text(json.dumps({"name": "big", "costs": [big + 1, big]}))
    code, out, _ = run(capsys, "solve", "toy", str(path), "--json")
    assert code == 0 and json.loads(out)["objective"] == big and str(big) in out
    code, out, _ = run(capsys, "solve", "toy", str(path))
    assert code == 0 and out.count(str(big)) == 2  # objective and bound columns
    csv_file = tmp_path / "big.csv"
    code, _, _ = run(capsys, "bench", "toy", str(path), "--csv", str(csv_file))
    assert code == 0 and f",{big},{big}," in csv_file.read_text()
    assert read_rows(csv_file)[0]["objective"] == big


def test_bench_summary_on_stdout_and_json_rows_are_typed(capsys, toy_file):
    code, out, _ = run(capsys, "bench", "toy", str(toy_file), "--methods", "first,exact")
    assert code == 0 and "| exact | 3 | 3 | 3 |" in out and "| first |" in out
    code, out, _ = run(
        capsys,
        "bench",
        "toy",
        str(toy_file),
        "--methods",
        "exact",
        "--reference",
        "optimum",
        "--json",
    )
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 3
    for row in rows:
        assert isinstance(row["objective"], int) and isinstance(row["runtime_s"], float)
        assert isinstance(row["gap"], float) and isinstance(row["reference"], int)
        assert isinstance(row["stats"], dict) and row["verified"] is True
        assert row["schema_version"] == 1 and row["threads"] == 1 and row["seed"] == 0


def test_results_record_provenance(capsys, toy_file, tmp_path):
    from planner.core.provenance import provenance

    code, out, _ = run(capsys, "solve", "toy", f"{toy_file}#a", "--json", "-t", "3", "--seed", "5")
    assert code == 0
    row = json.loads(out)
    assert row["schema_version"] == 1
    assert (row["time_limit"], row["threads"], row["seed"]) == (3.0, 1, 5)
    assert row["planner_version"] and set(row["solvers"]) == {"ortools", "highspy"}
    assert row["git_commit"] == provenance()["git_commit"]
    csv_file = tmp_path / "r.csv"
    assert run(capsys, "bench", "toy", str(toy_file), "--csv", str(csv_file))[0] == 0
    import csv

    first = next(csv.DictReader(csv_file.open()))
    assert first["ortools"] == row["solvers"]["ortools"] and first["schema_version"] == "1"
    assert first["planner_version"] == row["planner_version"]


@pytest.mark.parametrize(
    "args",
    [
        ("plan", "train", "--model", "LONG", "--gpus", "8xH100", "-B", "8", "-s", "1024"),
        ("plan", "serve", "--model", "LONG", "--gpus", "H100:8", "--qps", "1"),
        ("solve", "smtt", "LONG", "-t", "1"),
    ],
)
def test_a_name_too_long_for_the_file_system_is_bad_input(capsys, args):
    # Path.is_file() raises ENAMETOOLONG: "internal error", exit 1 (s16review)
    long = "x" * 300
    code, _, err = run(capsys, *(long if a == "LONG" else a for a in args))
    assert code == 2
    assert err.startswith("planner: error: ") and "file name too long" in err
    assert "internal error" not in err and len(err.splitlines()) == 1


def test_reading_time_is_recorded_and_an_overrun_by_it_said(capsys, toy_file, monkeypatch):
    """The time limit bounds the solve; a file that takes long to read is recorded in the
    result (stats.read_s) and, when it makes the command overrun the limit, said on stderr."""
    import planner.cli as cli
    from planner.core.result import Result

    monkeypatch.setattr(cli, "READ_NOTE_S", 0.0)
    code, out, _ = run(capsys, "solve", "toy", f"{toy_file}#a", "-m", "exact", "--json")
    assert code == 0 and json.loads(out)["stats"]["read_s"] >= 0
    monkeypatch.setattr(cli, "READ_NOTE_S", 0.1)
    result = Result("toy", "big", "exact", "FEASIBLE", runtime_s=0.9, time_limit=1.0)
    cli.note_reading(result, 0.05)  # quick to read: nothing recorded
    assert "read_s" not in result.stats and capsys.readouterr().err == ""
    cli.note_reading(result, 0.6)  # recorded, within the solve's own tolerance (1 s)
    assert result.stats["read_s"] == 0.6 and capsys.readouterr().err == ""
    cli.note_reading(result, 1.5)
    err = capsys.readouterr().err
    assert result.stats["read_s"] == 1.5
    assert "big: reading it took 1.50 s beside the solve's 0.90 s, 1.40 s over" in err
