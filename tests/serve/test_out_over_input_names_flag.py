"""``plan serve --out`` over one of its inputs names the flag as every other command does
(``--out PATH: refusing ...``; serve's line named only the file: s31bad)."""

from __future__ import annotations

import pytest

from planner.cli import main
from planner.core.errors import InputError
from planner.core.io import ensure_not_input


def test_serve_out_over_workloads_names_the_flag(tmp_path, capsys) -> None:
    wl = tmp_path / "wl.toml"
    text = (
        "[[workloads]]\nname = 'chat'\n"
        "traffic = { qps = 1, prompt_tokens = 500, output_tokens = 90 }\n"
    )
    wl.write_text(text)
    line = ["plan", "serve", "--model", "llama-3.1-8b", "--gpus", "H100:2", "--tpot", "50ms"]
    with pytest.raises(SystemExit) as exc:
        main([*line, "--workloads", str(wl), "-t", "2", "-o", str(wl)])
    out, err = capsys.readouterr()
    assert exc.value.code == 2 and out == ""
    assert err.strip() == f"planner: error: --out {wl}: refusing to overwrite an input file"
    assert wl.read_text() == text


def test_ensure_not_input_without_a_flag_keeps_its_message(tmp_path) -> None:
    f = tmp_path / "a.json"
    f.write_text("{}")
    with pytest.raises(InputError, match=r"^/.*a\.json: refusing to overwrite an input file$"):
        ensure_not_input(f, [f])
    with pytest.raises(InputError, match=r"^--plot /.*a\.json: refusing"):
        ensure_not_input(f, [f], "--plot")
