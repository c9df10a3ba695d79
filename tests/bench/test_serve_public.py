"""``bench/serve_public.py``: the report when the chosen sources have no held-out row."""

from __future__ import annotations

import sys

import pytest

from .conftest import load_script


@pytest.fixture(scope="module")
def public():
    return load_script("bench/serve_public.py", "serve_public")


def _fit_row(public, key: str, measured: float, predicted: float) -> dict:
    # the fields collect() writes, without predicting anything (no solver, no ../shared)
    return {
        "id": f"sglang_vllm060/{key}",
        "source": "sglang_vllm060",
        "split": public.FIT,
        "gpu": "H100-SXM",
        "model": "llama-3.1-8b",
        "tp": 1,
        "pp": 1,
        "ep": 1,
        "isl_osl": "1024/256",
        "engine": "vllm",
        "load": "saturation",
        "metric": "output_tokens_per_s",
        "kind": "throughput",
        "measured": measured,
        "predicted": predicted,
        "error": predicted / measured - 1.0,
        "seconds": 0.0,
    }


def test_fit_rows_only_write_the_report(public, monkeypatch, tmp_path):
    """``--source rocm_vllm066 --source sglang_vllm060 --source sglang_dsv3`` (fit rows only)
    wrote the CSV, then raised IndexError on the empty by-GPU table (s22burst's run)."""
    rows = [_fit_row(public, "a", 1000.0, 1100.0), _fit_row(public, "b", 2000.0, 1900.0)]
    monkeypatch.setattr(public, "collect", lambda sources: rows)
    monkeypatch.setattr(sys, "argv", ["serve_public.py", "--out", str(tmp_path)])
    public.main()
    report = (tmp_path / "public_rows.md").read_text(encoding="utf-8")
    assert (tmp_path / "public_rows.csv").is_file()
    by_gpu = report.split("Held-out rows by GPU", 1)[1].split("\n## ", 1)[0]
    assert "No rows." in by_gpu
    assert "sglang_vllm060 | fit | throughput | 2 | 2 / 2" in report  # the summary still there


def test_table_of_rows_uses_their_columns(public):
    assert public.table([]) == "No rows.\n"
    text = public.table([{"gpu": "H100", "rows": 2}])
    assert text.splitlines()[0] == "| gpu | rows |" and "| H100 | 2 |" in text
