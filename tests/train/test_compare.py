"""Pin and compare: ``plan compare A.json B.json`` and ``plan train --against``."""

from __future__ import annotations

import json

import pytest

from planner.core.errors import InputError
from planner.train.compare import check_summary, compare

from .test_cli import run

BASE = ("plan", "train", "--model", "gpt-1.7b", "--gpus", "16xA100", "-B", "64", "-s", "1024")


def _solve(capsys, tmp_path, name, *extra):
    path = tmp_path / name
    code, _out, _err = run(capsys, *BASE, *extra, "-t", "20", "--out", str(path))
    assert code == 0
    return path


def test_components_add_up_to_the_gap(capsys, tmp_path):
    a = json.loads(_solve(capsys, tmp_path, "a.json").read_text())
    b = json.loads(_solve(capsys, tmp_path, "b.json", "--fix", "tp=4,pp=2").read_text())
    cmp = compare(a, b)
    gap = b["step_time_s"] - a["step_time_s"]
    assert cmp["step_time_s"]["diff"] == pytest.approx(gap)
    assert sum(c["diff_s"] for c in cmp["components"]) == pytest.approx(gap, rel=1e-9)
    assert sum(c["share_of_gap"] for c in cmp["components"]) == pytest.approx(1.0, rel=1e-9)
    assert cmp["slower"] == ("B" if gap > 0 else "A")
    assert {d["decision"] for d in cmp["decisions"]} >= {"tp", "pp"}
    assert len(cmp["memory"]["stages_gib"][1]) == 2
    # largest component first; the explanation names the slower plan and the top component
    diffs = [abs(c["diff_s"]) for c in cmp["components"]]
    assert diffs == sorted(diffs, reverse=True)
    assert cmp["components"][0]["component"] in cmp["explanation"][1]
    # swapping the plans flips every sign
    back = compare(b, a)
    assert back["step_time_s"]["diff"] == pytest.approx(-gap)


def test_memory_rows_add_up_to_the_peak_total(capsys, tmp_path):
    """The memory table lists every component of the peak stage, so its rows add up to the
    total it prints (the reserved headroom was left out: 75.3 rows under a 79.3 GiB total on
    Llama 3.1 70B, s20user)."""
    a = json.loads(_solve(capsys, tmp_path, "a.json").read_text())
    b = json.loads(_solve(capsys, tmp_path, "b.json", "--fix", "tp=4,pp=2").read_text())
    assert a["memory"].get("reserved")  # the summaries carry a reserve ...
    mem = compare(a, b)["memory"]
    assert "reserved" in [c["component"] for c in mem["components"]]  # ... and it is listed
    for side, key in ((0, "a_gib"), (1, "b_gib")):
        rows = sum(c[key] for c in mem["components"])
        assert rows == pytest.approx(mem["peak_gib"][side], abs=0.01)


def test_plan_compare_cli(capsys, tmp_path):
    a = _solve(capsys, tmp_path, "a.json")
    b = _solve(capsys, tmp_path, "b.json", "--fix", "tp=2")
    code, out, _err = run(capsys, "plan", "compare", str(a), str(b), "--json")
    assert code == 0
    d = json.loads(out)
    assert d["names"] == ["a.json", "b.json"] and d["components"]
    code, out, _err = run(capsys, "plan", "compare", str(a), str(b))
    assert code == 0 and "share of gap" in out and "slower" in out


def test_plan_compare_bad_input(capsys, tmp_path):
    a = _solve(capsys, tmp_path, "a.json")
    code, _out, err = run(capsys, "plan", "compare", str(a), str(tmp_path / "none.json"))
    assert code == 2 and "none.json" in err
    broken = tmp_path / "broken.json"
    data = json.loads(a.read_text())
    del data["breakdown"]
    broken.write_text(json.dumps(data))
    code, _out, err = run(capsys, "plan", "compare", str(a), str(broken))
    assert code == 2 and "breakdown" in err and "broken.json" in err
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    code, _out, err = run(capsys, "plan", "compare", str(bad), str(a))
    assert code == 2 and "bad.json" in err
    with pytest.raises(InputError, match="no plan"):
        check_summary({"status": "INFEASIBLE", "plan": None}, "x")


def test_against_in_plan_train(capsys):
    code, out, _err = run(capsys, *BASE, "--against", "tp=2,pp=2", "--json", "-t", "20")
    assert code == 0
    d = json.loads(out)
    cmp = d["compare"]
    assert cmp["against"] == "tp=2,pp=2" and cmp["against_status"] == "OPTIMAL"
    assert cmp["step_time_s"]["a"] == pytest.approx(d["step_time_s"])
    # the pinned plan is never faster than the proven best (within the tolerance)
    assert cmp["step_time_s"]["b"] >= d["bound"] * (1 - 1e-9)
    assert sum(c["diff_s"] for c in cmp["components"]) == pytest.approx(
        cmp["step_time_s"]["diff"], rel=1e-9
    )


def test_against_bad_and_impossible(capsys):
    code, out, err = run(capsys, *BASE, "--against", "tensor=2", "--json")
    assert code == 2 and out == "" and "tensor" in err
    code, out, _err = run(capsys, *BASE, "--against", "tp=16", "--json", "-t", "20")
    d = json.loads(out)
    assert code == 0 and d["compare"]["against_status"] == "INFEASIBLE"
    assert "tp=16" in d["compare"]["reason"]


SUMMARY = {
    "plan": {"tp": 1, "pp": 1, "dp": 8},
    "step_time_s": 1.0,
    "breakdown": {"compute": 1.0},
    "memory": {"total": 10.0},
    "stages": [{"memory_gib": {"total": 10.0}}],
}


@pytest.mark.parametrize(
    ("key", "value", "field"),
    [
        ("step_time_s", float("nan"), "step_time_s"),  # was compared, NaN written as JSON
        ("breakdown", {"compute": float("inf")}, "breakdown"),
        ("memory", 5, "memory"),  # was an internal AttributeError
        ("stages", [{"memory_gib": {"total": "x"}}], "stages"),  # was an internal ValueError
        ("plan", 1, "plan"),
    ],
)
def test_malformed_summary_names_the_field(capsys, tmp_path, key, value, field):
    bad, good = tmp_path / "bad.json", tmp_path / "good.json"
    bad.write_text(json.dumps({**SUMMARY, key: value}))
    good.write_text(json.dumps(SUMMARY))
    code, out, err = run(capsys, "plan", "compare", str(bad), str(good), "--json")
    assert code == 2 and out == "" and f"bad.json: field '{field}'" in err, err


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        ({"tp": "x", "pp": 1, "dp": 8}, "plan.tp='x' must be a positive integer"),
        ({"tp": 1, "pp": 1.5, "dp": 8}, "plan.pp=1.5 must be a positive integer"),
        ({"tp": 1, "pp": 1, "dp": 8, "zero": 7}, "plan.zero=7 is not an integer 0..3"),
        # True == 1 and 1.0 == 1 were accepted as ZeRO-1 (s16audit)
        ({"tp": 1, "pp": 1, "dp": 8, "zero": True}, "plan.zero=True is not an integer 0..3"),
        ({"tp": 1, "pp": 1, "dp": 8, "zero": 1.0}, "plan.zero=1.0 is not an integer 0..3"),
        ({"tp": 1, "pp": 1, "dp": 8, "recompute": "most"}, "plan.recompute='most' is not one"),
        ({"tp": 1, "pp": 1, "dp": 8, "stage_layers": ["a"]}, "plan.stage_layers=['a'] must"),
        ({"tp": 1, "pp": 1, "dp": 8, "stage_layers": 5}, "plan.stage_layers=5 must be a list"),
    ],
)
def test_a_plan_with_a_wrong_decision_is_refused(capsys, tmp_path, plan, message):
    """``"tp": "x"`` was accepted and compared by its times alone (s14bad noticed, s15bad)."""
    bad, good = tmp_path / "bad.json", tmp_path / "good.json"
    bad.write_text(json.dumps({**SUMMARY, "plan": plan}))
    good.write_text(json.dumps(SUMMARY))
    code, out, err = run(capsys, "plan", "compare", str(bad), str(good), "--json")
    assert code == 2 and out == "" and f"bad.json: {message}" in err, err


def test_a_breakdown_that_does_not_add_up_is_refused(capsys, tmp_path):
    """The shares of the gap are exact only when each breakdown adds up to its step time: an
    edited file was compared as if it did (s17audit)."""
    bad, good = tmp_path / "bad.json", tmp_path / "good.json"
    bad.write_text(json.dumps({**SUMMARY, "breakdown": {"compute": 0.5, "bubble": 0.1}}))
    good.write_text(json.dumps(SUMMARY))
    code, out, err = run(capsys, "plan", "compare", str(bad), str(good), "--json")
    assert code == 2 and out == ""
    assert "bad.json: field 'breakdown' adds up to 0.6 s, not step_time_s 1 s" in err, err


def test_a_serving_plan_is_not_called_planless(capsys, tmp_path):
    """A 'plan serve' result (status OPTIMAL, no 'plan') was "has no plan (status OPTIMAL)"."""
    serve, good = tmp_path / "serve.json", tmp_path / "good.json"
    serve.write_text(json.dumps({"status": "OPTIMAL", "replicas": [], "cost_per_hour": 1.0}))
    good.write_text(json.dumps(SUMMARY))
    code, _out, err = run(capsys, "plan", "compare", str(serve), str(good))
    assert code == 2 and "serve.json: missing field 'plan' (not a 'plan train' solution)" in err


def test_against_shares_the_time_limit(capsys, monkeypatch):
    # --against runs a second search; both share -t (each had the whole limit: up to 2T)
    import time

    import planner.train.api as api

    real, given = api.solve, []

    def slow_solve(problem, method="auto", *, time_limit=None, **kw):
        given.append(time_limit)
        time.sleep(min(time_limit, 1.0))  # a search that spends its share
        return real(problem, method, time_limit=time_limit, **kw)

    monkeypatch.setattr(api, "solve", slow_solve)
    code, out, err = run(
        capsys,
        *("plan", "train", "--model", "gpt-1.7b", "--gpus", "16xA100", "-B", "64"),
        *("-s", "1024", "--against", "tp=2,pp=2", "-t", "4", "--json"),
    )
    assert code == 0, err
    assert len(given) == 2 and given[0] == pytest.approx(2.0)
    assert given[1] <= 4.0 - 1.0 + 0.01  # at most what the first search left
    assert json.loads(out)["compare"]["against"] == "tp=2,pp=2"
