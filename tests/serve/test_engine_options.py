"""Engine options: ``pad=N`` bounds (the engines' largest captured batch) and engine versions
past every version rule (timed as the current release, and said)."""

from __future__ import annotations

import pytest

from planner.core.errors import InputError
from planner.perfmodel import graph_padding
from planner.perfmodel.engines import (
    GRAPH_PAD_MAX,
    NEWEST_NAMED_RELEASES,
    Engine,
    parse_engine,
    version_note,
)
from planner.serve import make_problem, solve

from .test_cli import SMALL_PLAN_LINE as LINE
from .test_cli import run


@pytest.mark.parametrize("spec", ["vllm,pad=0", "trtllm,pad=-1", "trtllm,pad=1e9", "sglang,pad="])
def test_pad_needs_a_whole_number_of_at_least_one(spec):
    """pad=0 (which pads nothing) was accepted; -1 and 1e9 were called unknown options."""
    with pytest.raises(InputError, match=r"engine option pad=.*whole number >= 1"):
        parse_engine(spec)


@pytest.mark.parametrize("name", ["trtllm", "vllm", "sglang"])
def test_pad_is_at_most_the_engines_largest_captured_batch(name):
    cap = GRAPH_PAD_MAX[name]
    assert parse_engine(f"{name},pad={cap}").graph_pad == cap
    with pytest.raises(InputError, match=f"pad={cap + 1}.*at most {cap}"):
        parse_engine(f"{name},pad={cap + 1}")
    with pytest.raises(InputError, match="pad=1000000000"):  # was accepted
        parse_engine(f"{name},pad=1000000000")
    with pytest.raises(InputError, match="at most"):  # the JSON form too
        parse_engine({"name": name, "graph_pad": cap + 1})


def test_pad_bounds_are_the_capture_lists_largest_sizes():
    lists = {
        "trtllm": graph_padding.TRTLLM_SIZES,
        "vllm": graph_padding.VLLM_V0_SIZES + graph_padding.VLLM_V1_SIZES,
        "sglang": graph_padding.SGLANG_SIZES,
    }
    assert {name: max(sizes) for name, sizes in lists.items()} == GRAPH_PAD_MAX


def test_bad_pad_exits_2_through_the_cli(capsys):
    code, out, err = run(capsys, *LINE, "--gpus", "H100:2", "--engine", "vllm,pad=0")
    assert code == 2 and out == ""
    assert "pad=0" in err and "Traceback" not in err


def test_version_note_names_the_fallback():
    assert version_note(parse_engine("vllm")) == ""
    assert version_note(parse_engine("vllm:0.6.3")) == ""
    assert version_note(parse_engine("trtllm:1.1.2")) == ""  # inside the blocking-PP window
    note = version_note(parse_engine("vllm:9.9"))
    assert "vllm 9.9" in note and "0.23.0" in note and "current release" in note
    assert "1.1.x" in version_note(parse_engine("trtllm:1.2"))
    for name, newest in NEWEST_NAMED_RELEASES.items():
        later = ".".join(map(str, (newest[0], newest[1] + 1)))
        assert version_note(Engine(name, later)), name


def test_unknown_version_is_timed_as_the_current_release_and_said():
    """vllm:9.9 was accepted silently; it is planned exactly as vllm without a version."""
    common = {
        "qps": 5,
        "prompt_tokens": "512",
        "output_tokens": "128",
        "ttft": "1s",
        "tpot": "50ms",
    }
    late = make_problem("llama-3.1-8b", "H100:4", engine="vllm:9.9", **common)
    plain = make_problem("llama-3.1-8b", "H100:4", engine="vllm", **common)
    assert any("vllm 9.9" in w for w in late.meta["warnings"])
    assert not any("version rules" in w for w in plain.meta.get("warnings", []))
    a, b = solve(late, time_limit=10), solve(plain, time_limit=10)
    assert a.objective == b.objective
    ma, mb = a.stats["metrics"], b.stats["metrics"]
    assert ma["ttft_s"] == mb["ttft_s"] and ma["tpot_s"] == mb["tpot_s"]
