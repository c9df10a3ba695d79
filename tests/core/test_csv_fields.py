"""CSV inputs with a field past the ``csv`` module's 128 KiB default: read (planner's own
benchmark CSVs carry such ``stats`` cells) or refused as bad input naming the file, never
``csv.Error`` (an internal error, exit 1). Each reader in turn (s16review)."""

from __future__ import annotations

import pytest

from planner.core.errors import InputError
from planner.core.io import read_csv_text

BIG = "9" * 140_000  # past the 131,072-character default


def test_read_csv_text_lets_the_csv_module_read_a_long_field(tmp_path):
    import csv
    import io

    path = tmp_path / "big.csv"
    path.write_text(f'a,b\n1,"{BIG}"\n')
    rows = list(csv.reader(io.StringIO(read_csv_text(path))))
    assert rows[1][1] == BIG


def _day(path):
    from planner.serve.day import parse_profile

    path.write_text(f"hour,qps\n0,1\n1,{BIG}x\n")
    return parse_profile(str(path))


def _histogram(path):
    from planner.serve.traffic import read_histogram

    path.write_text(f'tokens,weight\n512,1\n"{BIG}x",1\n')
    return read_histogram(path, what="--prompt-tokens")


def _train_rows(path):
    from planner.train.profiles import REQUIRED, read_rows

    values = {k: "1" for k in REQUIRED} | {"model": "llama-3.1-8b", "gpu": "H100", "tp": f"{BIG}x"}
    path.write_text(",".join(REQUIRED) + "\n" + ",".join(values[k] for k in REQUIRED) + "\n")
    return read_rows(path)


def _rcpsp_reference(path):
    from planner.rcpsp.readers import read_reference

    path.write_text(f"problem,optimum\n{BIG}x.sm,12\n")
    return read_reference(path)


@pytest.mark.parametrize("read", [_day, _histogram, _train_rows, _rcpsp_reference])
def test_a_long_csv_field_is_read_or_refused_as_bad_input(tmp_path, read):
    try:
        read(tmp_path / "input.csv")
    except InputError as exc:
        assert "input.csv" in str(exc)
