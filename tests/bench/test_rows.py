"""The benchmark CSV: one row per finished run, whatever kills the run, and --resume."""

from __future__ import annotations

import pytest

from planner.bench.rows import (
    CSV_FIELDS,
    RowSink,
    format_row,
    header,
    open_for_resume,
    parse_number,
    read_rows,
)
from planner.core.errors import InputError


def _row(instance, method="m", status="FEASIBLE", objective=3, **extra):
    return {
        "instance": instance,
        "method": method,
        "status": status,
        "objective": objective,
        "seed": 0,
        "family": "smtt",
        "verified": status in ("FEASIBLE", "OPTIMAL"),
        **extra,
    }


def test_sink_appends_whole_rows_and_numbers_read_back_exactly(tmp_path):
    path = tmp_path / "r.csv"
    sink = RowSink(path)
    sink.write(_row("a", objective=10**18 + 17))
    sink.write(_row("b", objective=2.5))
    sink.close()
    sink = RowSink(path)  # reopening appends without a second header
    sink.write(_row("c", reference="unsat"))
    sink.close()
    text = path.read_text()
    assert text.count("instance,method") == 1 and text.endswith("\n")
    rows = read_rows(path)
    assert [r["instance"] for r in rows] == ["a", "b", "c"]
    assert rows[0]["objective"] == 10**18 + 17 and isinstance(rows[0]["objective"], int)
    assert rows[1]["objective"] == 2.5 and rows[2]["reference"] == "unsat"
    assert rows[0]["verified"] is True and rows[0]["bound"] is None
    assert parse_number("7") == 7 and parse_number("") is None


def test_resume_cuts_a_partial_line_and_drops_lost_runs(tmp_path):
    path = tmp_path / "r.csv"
    whole = [_row("a"), _row("b", status="ERROR"), _row("c"), _row("a")]  # a repeated
    partial = format_row(_row("d"))[:-7]  # killed while writing
    path.write_text(header() + "".join(format_row(r) for r in whole) + partial)
    assert [r["instance"] for r in read_rows(path)] == ["a", "b", "c", "a"]
    kept = open_for_resume(path, "smtt")
    assert [r["instance"] for r in kept] == ["a", "c"]
    # the file now holds exactly those rows, so the re-run of b and d appends cleanly
    assert [r["instance"] for r in read_rows(path)] == ["a", "c"]
    assert path.read_text().endswith("\n")


def test_resume_refuses_another_family_and_another_layout(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text(header() + format_row(_row("a")))
    with pytest.raises(InputError, match="family 'smtt', not 'rcpsp'"):
        open_for_resume(path, "rcpsp")
    old = tmp_path / "old.csv"
    old.write_text("family,instance,method,status\nsmtt,a,m,FEASIBLE\n")
    with pytest.raises(InputError, match="another planner version"):
        open_for_resume(old, "smtt")
    assert [r["instance"] for r in read_rows(old)] == ["a"]  # still readable for reports
    notcsv = tmp_path / "n.csv"
    notcsv.write_text("x,y\n1,2\n")
    with pytest.raises(InputError, match="not a planner benchmark CSV"):
        open_for_resume(notcsv, "smtt")
    assert len(CSV_FIELDS) == len(set(CSV_FIELDS))


@pytest.mark.parametrize("reader", [read_rows, lambda path: open_for_resume(path, "smtt")])
def test_non_utf8_csv_is_bad_input_naming_the_file(tmp_path, reader):
    """--resume / --compare on a binary file was an internal UnicodeDecodeError."""
    path = tmp_path / "binary.csv"
    path.write_bytes(b"instance,method\n\xff\xfe\n")
    with pytest.raises(InputError, match=r"binary.csv: not UTF-8 text"):
        reader(path)


@pytest.mark.parametrize(
    ("column", "cell"),
    [
        ("objective", "nan"),
        ("bound", "inf"),
        ("gap", "-inf"),
        ("runtime_s", "NaN"),
        ("runtime_s", "x"),  # was read back as the text 'x' (and as 0 s by the report)
        ("reference", "nan"),
        ("ref_gap_pct", "nan"),
        ("seed", "nan"),
    ],
)
def test_resume_refuses_a_cell_planner_never_writes_naming_file_row_and_column(
    tmp_path, column, cell
):
    """A hand-edited ``nan`` was kept as a finished run by ``--resume`` (s15bad noticed)."""
    path = tmp_path / "r.csv"
    good = format_row(_row("a", runtime_s=0.5, reference="unsat"))
    path.write_text(header() + good + format_row(_row("b", **{column: cell})))
    before = path.read_text()
    with pytest.raises(InputError, match=rf"r\.csv: row 2 \(line 3\), column '{column}'"):
        open_for_resume(path, "smtt")
    with pytest.raises(InputError, match=rf"(?i)got '?{cell}'?"):
        read_rows(path)  # --compare and calibrate --rows read the same way
    assert path.read_text() == before  # nothing rewritten


def test_a_stats_cell_past_the_csv_field_limit_reads_back(tmp_path):
    # offload rows of bench/results/time_limits carry stats cells over the csv module's
    # 128 KiB default: --compare on them ended in 'internal error' (s16review)
    path = tmp_path / "big.csv"
    sink = RowSink(path)
    big = '{"trace": "' + "x" * 200_000 + '"}'
    sink.write(_row("a", stats=big))
    sink.close()
    (row,) = read_rows(path)
    assert row["stats"] == big


def test_a_saturating_measured_prediction_reads_back_and_compares_equal(tmp_path):
    """bench/serve_public.py writes ``inf`` for a p99 predicted at a rate above the modelled
    capacity; --compare refused its own CSV ("expected a finite number ... got inf")."""
    from planner.bench.compare import compare

    path = tmp_path / "r.csv"
    rows = [
        _row("a", status="MEASURED", objective=1.5, reference=2.0, ref_gap_pct=-25.0),
        _row("b", status="MEASURED", objective="inf", reference=0.45, ref_gap_pct="inf"),
    ]
    path.write_text(header() + "".join(format_row(r) for r in rows))
    back = read_rows(path)
    assert back[1]["objective"] == float("inf")
    diff = compare(back, back)
    assert diff.changed == [] and diff.methods[0].equal == 2
    gap = diff.methods[0].mean_gap_a
    assert gap is not None and gap == pytest.approx(-25.0)  # the finite row's error only
    # elsewhere inf is still refused: a solved run's objective, or a bound
    for bad in (_row("c", objective="inf"), _row("d", status="MEASURED", bound="inf")):
        path.write_text(header() + format_row(bad))
        with pytest.raises(InputError, match="got inf"):
            read_rows(path)


@pytest.mark.skipif(not __import__("os").path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("resume", [[], ["--resume"]])
def test_csv_on_a_device_is_written_in_place_and_a_full_one_is_named(capsys, resume):
    """``--csv /dev/null --resume`` ended in "internal error: OSError: [Errno 22]" (fsync on
    a device) and ``--csv /dev/null`` asked for --resume (s30bad); a device has no rows to
    keep. A failed write (``/dev/full``) names the flag and the path."""
    from pathlib import Path

    from planner.cli import main

    smtt = str(Path(__file__).resolve().parents[2] / "instances" / "smtt" / "example.json")
    line = ["bench", "smtt", smtt, "--methods", "edd", "-t", "1", *resume, "--csv"]
    with pytest.raises(SystemExit) as exc:
        main([*line, "/dev/null"])
    out, err = capsys.readouterr()
    assert exc.value.code == 0 and "Traceback" not in err and "| edd |" in out
    with pytest.raises(SystemExit) as exc:
        main([*line, "/dev/full"])
    out, err = capsys.readouterr()
    assert exc.value.code == 2 and "Traceback" not in err
    assert err.strip() == "planner: error: --csv /dev/full: cannot write (No space left on device)"


@pytest.mark.parametrize("status", ["zz", "optimal", "", "Error"])
def test_resume_refuses_a_status_planner_never_writes(tmp_path, status):
    """A hand-edited status was kept as a finished run, never run again (s30bad)."""
    path = tmp_path / "r.csv"
    path.write_text(header() + format_row(_row("a")) + format_row(_row("b", status=status)))
    before = path.read_text()
    with pytest.raises(InputError, match=r"r.csv: row 2 \(b / m\): status .* planner writes"):
        open_for_resume(path, "smtt")
    assert path.read_text() == before  # nothing dropped or rewritten
    assert [r["instance"] for r in read_rows(path)] == ["a", "b"]  # reports still read it


@pytest.mark.parametrize("status", ["OPTIMAL", "FEASIBLE", "INFEASIBLE", "UNKNOWN", "MEASURED"])
def test_resume_keeps_every_status_planner_writes(tmp_path, status):
    path = tmp_path / "r.csv"
    path.write_text(header() + format_row(_row("a", status=status)))
    assert [r["instance"] for r in open_for_resume(path, "smtt")] == ["a"]
