"""Calibration profiles: ``planner calibrate --rows FILE --profile NAME`` and ``--profile``."""

from __future__ import annotations

import json

import pytest

from planner.core.errors import InputError
from planner.perfmodel import constants
from planner.perfmodel.calibration.fit import predict
from planner.train.profiles import (
    config_dir,
    fit_profile,
    load_profile,
    profile_path,
    read_rows,
    save_profile,
)

from .test_cli import run

HEADER = "model,gpu,gpus,global_batch,seq_len,tp,pp,dp,microbatch,step_time_s,recompute,id\n"
LAYOUTS = (  # gpt-1.7b on H100s: three layouts that load GEMMs, HBM and NVLink differently
    "gpt-1.7b,H100,16,64,1024,1,1,16,4,{t},none,dp16",
    "gpt-1.7b,H100,16,64,1024,2,1,8,4,{t},none,tp2",
    "gpt-1.7b,H100,16,128,2048,1,2,8,2,{t},selective,pp2",
)
#: The "true" cluster of the synthetic rows: slower GEMMs than the shipped constants say.
TRUE = {"gemm_efficiency_hopper": 0.45, "nvlink_efficiency": 0.45}


def _csv(tmp_path, times):
    path = tmp_path / "runs.csv"
    path.write_text(HEADER + "\n".join(x.format(t=t) for x, t in zip(LAYOUTS, times, strict=True)))
    return path


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """Rows whose step times the model itself gives under ``TRUE`` constants."""
    tmp = tmp_path_factory.mktemp("rows")
    rows = read_rows(_csv(tmp, [1.0, 1.0, 1.0]))
    with constants.override(TRUE):
        times = [predict(r) for r in rows]
    return _csv(tmp, [f"{t:.9g}" for t in times])


def test_config_dir_and_names(monkeypatch, tmp_path):
    monkeypatch.setenv("PLANNER_CONFIG_DIR", str(tmp_path))
    assert config_dir() == tmp_path
    assert profile_path("my-cluster_1") == tmp_path / "profiles" / "my-cluster_1.json"
    monkeypatch.delenv("PLANNER_CONFIG_DIR")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert config_dir() == tmp_path / "xdg" / "planner"
    for bad in ("../x", "a/b", "", ".hidden"):
        with pytest.raises(InputError, match="--profile"):
            profile_path(bad)


def test_fit_recovers_the_rows_and_keeps_unfelt_constants(synthetic):
    shipped_file = constants.PATH.read_bytes()
    rows = read_rows(synthetic)
    fitted = fit_profile(rows)
    # the refit predicts the user's rows far better than the shipped constants
    assert max(abs(e) for e in fitted["errors_after"].values()) < 0.02
    assert max(abs(e) for e in fitted["errors_before"].values()) > 0.05
    # H100 rows say nothing about the A100 GEMM efficiency: it keeps its shipped value
    assert "gemm_efficiency_ampere" not in fitted["determined"]
    assert (
        fitted["constants"]["gemm_efficiency_ampere"] == constants.FITTED["gemm_efficiency_ampere"]
    )
    assert constants.PATH.read_bytes() == shipped_file  # constants.json never changes


def test_save_load_round_trip(monkeypatch, tmp_path):
    monkeypatch.setenv("PLANNER_CONFIG_DIR", str(tmp_path))
    values = {"gemm_efficiency_hopper": 0.6, "hbm_efficiency": 0.7}
    path = save_profile("x", {"constants": values}, "runs.csv")
    assert json.loads(path.read_text())["rows_file"] == "runs.csv"
    assert load_profile("x") == values
    assert [p.name for p in path.parent.iterdir()] == ["x.json"]  # no temporary left
    path.write_text(json.dumps({"constants": {"gemm_speed": 1.0}}))
    with pytest.raises(InputError, match="gemm_speed"):
        load_profile("x")
    with pytest.raises(InputError, match="no such profile"):
        load_profile("y")


@pytest.mark.parametrize("value", ["NaN", "Infinity", "2.0", "1e-300"])
def test_profile_constant_outside_the_fit_range_exits_2(capsys, monkeypatch, tmp_path, value):
    """A hand-edited NaN was an internal error (min() of an empty sequence); inf, an
    efficiency of 2 and 1e-300 were planned with."""
    monkeypatch.setenv("PLANNER_CONFIG_DIR", str(tmp_path))
    path = save_profile("edited", {"constants": {"hbm_efficiency": 0.7}}, "runs.csv")
    path.write_text('{"constants": {"gemm_efficiency_hopper": ' + value + "}}")
    line = ["plan", "train", "--model", "gpt-1.7b", "--gpus", "16xH100", "-B", "64", "-s", "1024"]
    code, out, err = run(capsys, *line, "-t", "5", "--profile", "edited", "--json")
    assert code == 2 and out == "" and "Traceback" not in err
    assert (
        f"{path}: constant 'gemm_efficiency_hopper' = " in err and "outside the fit's range" in err
    )


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("", "empty file"),
        ("model,gpu\n", "missing column 'gpus'"),
        (HEADER.strip() + ",colour\n", "unknown column 'colour'"),
        (HEADER + LAYOUTS[0].format(t="fast"), ":2: column 'step_time_s'"),
        (
            HEADER
            + LAYOUTS[0].format(t=1)
            + "\n"
            + LAYOUTS[1].format(t=1).replace(",2,", ",x,", 1),
            ":3: column 'tp'",
        ),
        (HEADER + LAYOUTS[0].format(t=1).replace(",16,4,", ",8,4,"), "tp*pp*dp*cp = 8"),
        (HEADER + LAYOUTS[0].format(t=1).replace(",none,", ",some,"), "column 'recompute'"),
        (HEADER + LAYOUTS[0].format(t=1).replace("gpt-1.7b", "gpt-9z"), "row dp16"),
        # s30bad: named the command line's "--gpus '16xH1OO'", a flag calibrate has not
        (
            HEADER + LAYOUTS[0].format(t=1).replace(",H100,", ",H1OO,"),
            "row dp16: column 'gpu': unknown GPU 'H1OO'",
        ),
        (HEADER, "no rows"),
        # duplicates: csv.DictReader keeps the last of two equal column names, and the
        # fit's report keys rows by id
        (HEADER.strip() + ",tp\n" + LAYOUTS[0].format(t=1) + ",2", "column 'tp' appears twice"),
        (
            HEADER
            + LAYOUTS[0].format(t=1)
            + "\n"
            + LAYOUTS[1].format(t=1).replace(",tp2", ",dp16"),
            "row id 'dp16' appears twice",
        ),
    ],
)
def test_bad_csv_names_the_row_or_column(tmp_path, text, named):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(InputError) as exc:
        read_rows(path)
    assert named in str(exc.value) and "bad.csv" in str(exc.value)


def test_cli_calibrate_then_plan_with_the_profile(capsys, monkeypatch, tmp_path, synthetic):
    monkeypatch.setenv("PLANNER_CONFIG_DIR", str(tmp_path / "cfg"))
    code, out, _err = run(
        capsys, "calibrate", "--rows", str(synthetic), "--profile", "lab", "--json"
    )
    assert code == 0
    d = json.loads(out)
    assert d["path"] == str(tmp_path / "cfg" / "profiles" / "lab.json")
    args = ("plan", "train", "--model", "gpt-1.7b", "--gpus", "16xH100", "-B", "64", "-s", "1024")
    pin = ("--fix", "tp=1,pp=1,dp=16,mb=4,recompute=none", "-t", "20", "--json")
    code, out, _err = run(capsys, *args, *pin, "--profile", "lab")
    with_profile = json.loads(out)["step_time_s"]
    code, out, _err = run(capsys, *args, *pin)
    shipped = json.loads(out)["step_time_s"]
    measured = float(synthetic.read_text().splitlines()[1].split(",")[9])
    # the profile predicts the user's own run; the shipped constants do not
    assert with_profile == pytest.approx(measured, rel=0.02)
    assert abs(shipped / measured - 1) > 0.05
    assert constants.load() == constants.FITTED  # the override ended with the command


def test_cli_bad_input_exits_2(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("PLANNER_CONFIG_DIR", str(tmp_path))
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + LAYOUTS[0].format(t="-3"))
    code, _out, err = run(capsys, "calibrate", "--rows", str(bad), "--profile", "p")
    assert code == 2 and "step_time_s" in err and ":2:" in err
    code, _out, err = run(capsys, "calibrate", "--rows", str(bad))
    assert code == 2 and "--profile" in err
    args = ("plan", "train", "--model", "gpt-1.7b", "--gpus", "16xH100", "-B", "64", "-s", "1024")
    code, _out, err = run(capsys, *args, "--profile", "absent")
    assert code == 2 and "absent" in err


def test_cdna3_rows_refit_only_their_stage():
    """CDNA3 training rows refit the CDNA3 constant against the shipped NVIDIA ones.

    They feel the shared training constants (fp8 factor, half dimension, HBM) but their fit
    stage fits only the CDNA3 efficiency; those keep their shipped values, which the CDNA3
    fit starts from, so the shipped fit's own rows give back the shipped CDNA3 value.
    """
    from planner.perfmodel.calibration.published import AMD_PRIMUS_2601

    fitted = fit_profile(list(AMD_PRIMUS_2601))
    assert fitted["determined"] == ["gemm_efficiency_cdna3_training"]
    for name in ("fp8_gemm_factor", "gemm_half_dim", "hbm_efficiency", "nvlink_efficiency"):
        assert fitted["constants"][name] == constants.FITTED[name]
    value = fitted["constants"]["gemm_efficiency_cdna3_training"]
    assert value == pytest.approx(constants.FITTED["gemm_efficiency_cdna3_training"], rel=1e-3)


MOE_HEADER = "model,gpu,gpus,global_batch,seq_len,tp,pp,dp,microbatch,step_time_s,ep,"
MOE_HEADER += "sequence_parallel,expert_tp\n"
MOE_ROW = "qwen3-30b-a3b,H100,32,256,4096,2,1,16,1,2.0,8,true,{etp}\n"


def test_expert_tp_column(tmp_path):
    """The rows' expert TP size (TrainingRow.expert_tp) was an unknown column."""
    path = tmp_path / "moe.csv"
    path.write_text(
        MOE_HEADER + MOE_ROW.format(etp=1) + MOE_ROW.format(etp="").replace("2.0", "2.1")
    )
    first, second = read_rows(path)
    assert (first.expert_tp, second.expert_tp) == (1, 0)  # empty: tp's size
    for etp, named in (("0", ":2: column 'expert_tp'"), ("x", "got 'x'"), ("3", "does not divide")):
        path.write_text(MOE_HEADER + MOE_ROW.format(etp=etp))
        with pytest.raises(InputError, match=named):
            read_rows(path)


def test_a_constant_clamped_at_its_range_is_reported(capsys, monkeypatch, tmp_path):
    """The docs' two-row example (GPT-1.7B on 16 H100 measured at 0.20 / 0.26 s, about twice
    the model's time) drives constants to the lower ends of their ranges and the profile still
    misses the rows by 17-27 %: the fit says so (``at_bound``, a warning line) instead of a
    table of 'fitted' values only; the synthetic rows, fitted inside the ranges, warn nothing."""
    monkeypatch.setenv("PLANNER_CONFIG_DIR", str(tmp_path / "cfg"))
    rows = tmp_path / "my_runs.csv"
    rows.write_text(
        "model,gpu,gpus,global_batch,seq_len,tp,pp,dp,microbatch,step_time_s,recompute\n"
        "gpt-1.7b,H100,16,64,1024,1,1,16,4,0.20,none\n"
        "gpt-1.7b,H100,16,64,1024,2,1,8,4,0.26,none\n"
    )
    code, out, err = run(capsys, "calibrate", "--rows", str(rows), "--profile", "lab")
    assert code == 0, err
    assert "gemm_efficiency_hopper at the lower end of [0.4, 0.95]" in " ".join(err.split())
    assert "still misses a row by" in err
    code, out, _err = run(capsys, "calibrate", "--rows", str(rows), "--profile", "lab2", "--json")
    d = json.loads(out)
    assert d["at_bound"]["gemm_efficiency_hopper"][0] == "lower"
    assert set(d["at_bound"]) <= set(d["determined"])
    for name, (end, lo, hi) in d["at_bound"].items():
        assert d["constants"][name] == pytest.approx(
            lo if end == "lower" else hi, abs=1e-4 * (hi - lo)
        )


def test_constants_fitted_inside_their_ranges_warn_nothing(
    capsys, monkeypatch, tmp_path, synthetic
):
    monkeypatch.setenv("PLANNER_CONFIG_DIR", str(tmp_path / "cfg"))
    code, _out, err = run(capsys, "calibrate", "--rows", str(synthetic), "--profile", "lab")
    assert code == 0
    assert "warning" not in err
