"""--fix, --even-stages, --memory-headroom and --software through the real CLI."""

from __future__ import annotations

import json

import pytest

from planner.core.errors import InputError
from planner.train.fixes import merge_fixed, parse_fix, parse_software

from .test_cli import run

BASE = ("plan", "train", "--model", "gpt-1.7b", "--gpus", "16xA100", "-B", "64", "-s", "1024")


def test_parse_fix_keys_and_aliases():
    got = parse_fix("tp=2, pp=4, v=2, mb=1, sp=on, recompute=Full, stage_layers=6:6:6:6")
    assert got == {
        "tp": 2,
        "pp": 4,
        "interleave": 2,
        "microbatch": 1,
        "sequence_parallel": True,
        "recompute": "full",
        "stage_layers": (6, 6, 6, 6),
    }
    with pytest.raises(InputError, match="'tpp'"):
        parse_fix("tpp=2")
    with pytest.raises(InputError, match="expected an integer"):
        parse_fix("tp=two")
    with pytest.raises(InputError, match="contradicts"):
        merge_fixed({"tp": 4}, {"tp": 2})
    # the same constraint twice (an alias included): the last one silently won
    with pytest.raises(InputError, match="--fix: expert_tp given twice"):
        parse_fix("ep=8,expert_tp=2,etp=4")
    with pytest.raises(InputError, match="--fix: tp given twice"):
        parse_fix("tp=2,tp=2")
    assert merge_fixed({"tp": 2, "pp": None}, {"tp": 2, "pp": 2}) == {"tp": 2, "pp": 2}


def test_parse_software_preset_and_pairs():
    sw = parse_software("deepseek-v3,tp_overlap=true")
    assert sw.ep_overlap == "dualpipe" and sw.moment_bytes == 2 and sw.tp_overlap
    assert parse_software(None) == parse_software("default")
    with pytest.raises(InputError, match="unknown preset"):
        parse_software("megatron-9")
    with pytest.raises(InputError, match="moment_bytes"):
        parse_software("moment_bytes=3")
    with pytest.raises(InputError, match="--software: eager_experts given twice"):
        parse_software("eager_experts=false,eager_experts=true")
    assert parse_software("deepseek-v3,ep_overlap=none").ep_overlap == "none"  # preset changed


def test_fix_pins_the_plan(capsys):
    code, out, _ = run(
        capsys, *BASE, "--fix", "tp=2,pp=2,mb=1", "--json", "-t", "20", "--prefer-simple", "0"
    )
    d = json.loads(out)
    assert code == 0 and d["status"] == "OPTIMAL"
    assert d["plan"]["tp"] == 2 and d["plan"]["pp"] == 2 and d["plan"]["microbatch"] == 1
    assert sum(d["breakdown"].values()) == pytest.approx(d["step_time_s"], rel=1e-9)


def test_unknown_fix_key_exits_2(capsys):
    code, out, err = run(capsys, *BASE, "--fix", "tensor=2", "--json")
    assert code == 2 and out == "" and "tensor" in err


def test_even_stages_make_an_uneven_pin_infeasible(capsys):
    # gpt-1.7b has 24 layers: 5 stages are uneven
    code, out, _ = run(capsys, *BASE, "--fix", "pp=5", "--json", "-t", "20", "--prefer-simple", "0")
    assert code == 0 and json.loads(out)["status"] == "OPTIMAL"
    code, out, _ = run(capsys, *BASE, "--fix", "pp=5", "--even-stages", "--json", "-t", "20")
    d = json.loads(out)
    assert code == 0 and d["status"] == "INFEASIBLE"
    assert "pp=5 does not divide" in d["reason"]


def test_memory_headroom_shrinks_the_capacity(capsys):
    args = (*BASE, "--fix", "tp=1,pp=1,dp=16,mb=4,recompute=none,zero=0", "--json", "-t", "20")
    code, out, _ = run(capsys, *args)
    d = json.loads(out)
    assert code == 0 and d["status"] == "OPTIMAL"
    need = d["memory_gb_per_gpu"]
    # a headroom that leaves less than the plan needs makes it infeasible
    code, out, _ = run(capsys, *args, "--memory-headroom", str(80 - need + 5))
    assert code == 0 and json.loads(out)["status"] == "INFEASIBLE"


@pytest.mark.parametrize(
    ("software", "fragment"),
    [
        ("lora_rank=1.0e400", "--software: lora_rank must be a finite number"),  # exit 1
        ("lora_rank=2.5", "--software: lora_rank must be an integer, got 2.5"),  # ran as 2
        ("moe_load=1.0e400", "--software: moe_load must be a finite number"),  # ran
    ],
)
def test_software_value_out_of_kind_exits_2(capsys, software, fragment):
    code, out, err = run(capsys, *BASE, "--software", software, "--json", "-t", "5")
    assert code == 2 and out == "" and fragment in err and "Traceback" not in err, err


MOE = ("plan", "train", "--model", "qwen3-30b-a3b", "--gpus", "16xH100", "-B", "64", "-s", "2048")


def test_dualpipe_where_it_cannot_run_says_what_is_priced(capsys):
    # pp 1: DualPipe needs an even pp >= 2; the plan runs 1F1B with the EP A2A overlap
    args = (*MOE, "--software", "ep_overlap=dualpipe", "--json", "-t", "30")
    code, out, _ = run(capsys, *args, "--fix", "tp=1,pp=1,ep=8,mb=1")
    d = json.loads(out)
    assert code == 0 and d["status"] == "OPTIMAL" and d["schedule"] == "1f1b"
    assert any("pp = 1" in n and "ep_overlap=a2a" in n for n in d["notes"])
    # the same plan with ep_overlap=a2a costs the same: that is what the note says is priced
    a2a = ("--software", "ep_overlap=a2a", "--json", "-t", "30", "--fix", "tp=1,pp=1,ep=8,mb=1")
    code, out, _ = run(capsys, *MOE, *a2a)
    assert json.loads(out)["step_time_s"] == pytest.approx(d["step_time_s"], rel=1e-12)
    # an even pp runs DualPipe: no note
    code, out, _ = run(capsys, *args, "--fix", "tp=1,pp=2,v=1,ep=8,mb=1")
    d = json.loads(out)
    assert d["schedule"] == "dualpipe" and not any("dualpipe" in n for n in d.get("notes", []))


def test_a2a_overlap_needs_virtual_stages_beyond_pp_1(capsys):
    # Megatron-Core asks for virtual stages when EP A2A overlap runs at pp > 1: pp 2 v 1 is
    # priced without overlap (as ep_overlap=none) and says so; pp 2 v 2 overlaps
    # (--prefer-simple 0: the fastest plan, proven, whatever the constants make simplest)
    fix = ("--json", "-t", "30", "--prefer-simple", "0", "--fix")
    runs = {}
    for sw, layout in (("a2a", "v=1"), ("none", "v=1"), ("a2a", "v=2")):
        code, out, _ = run(
            capsys, *MOE, "--software", f"ep_overlap={sw}", *fix, f"tp=1,pp=2,{layout},ep=8,mb=1"
        )
        runs[sw, layout] = json.loads(out)
        assert code == 0 and runs[sw, layout]["status"] == "OPTIMAL"
    flat, plain, virtual = runs["a2a", "v=1"], runs["none", "v=1"], runs["a2a", "v=2"]
    assert flat["step_time_s"] == pytest.approx(plain["step_time_s"], rel=1e-12)
    assert any("ep_overlap=a2a cannot run at pp = 2" in n for n in flat["notes"])
    assert not any("ep_overlap" in n for n in virtual.get("notes", []))
    assert virtual["breakdown"]["ep_comm"] < flat["breakdown"]["ep_comm"]


@pytest.mark.parametrize(
    ("flag", "text", "message"),
    [
        # s30bad: named no flag ("constraints: tp must be a positive integer, got 0")
        ("--fix", "tp=0", "--fix tp=0: tp must be a positive integer, got 0"),
        ("--fix", "v=0", "--fix v=0: interleave must be a positive integer"),
        ("--fix", "zero=5", "--fix zero=5: zero must be 0, 1, 2 or 3, got 5"),
        ("--fix", "recompute=bogus", "--fix recompute=bogus: recompute must be one of"),
        ("--fix", "stage_layers=0:24", "--fix stage_layers=0:24: stage_layers entry must be"),
        ("--against", "pp=-1", "--against pp=-1: pp must be a positive integer"),
        # s30bad: planned as if no --fix was given, or with the empty item dropped
        ("--fix", "", "--fix '': is empty; give key=value pairs"),
        ("--fix", ",", "--fix ',': has an empty item"),
        ("--fix", "tp=2,,pp=1", "--fix 'tp=2,,pp=1': has an empty item"),
    ],
)
def test_a_bad_fix_value_names_the_flag(capsys, flag, text, message):
    code, out, err = run(capsys, *BASE, flag, text, "-t", "5")
    assert code == 2 and out == "" and "Traceback" not in err
    assert f"planner: error: {message}" in err


def test_fix_keys_that_need_each_other_are_checked_together():
    """Each value is checked alone: recompute_layers needs recompute=full, which may come
    from --recompute; the pair is checked once the flags are merged."""
    assert parse_fix("recompute_layers=2") == {"recompute_layers": 2}
    assert parse_fix(" tp=2 , recompute=full ") == {"tp": 2, "recompute": "full"}
