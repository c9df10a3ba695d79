"""Nothing lost, nothing clobbered: gen and --report keep existing files unless --force."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planner.cli import main

SMTT = str(Path(__file__).resolve().parents[2] / "instances" / "smtt" / "example.json")
GEN = ["gen", "smtt", "--n", "4", "--tf", "0.2", "--rdd", "0.6"]
WORKLOAD = ["-B", "64", "-s", "1024"]


def run(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def test_gen_writes_a_new_file_and_replaces_one_only_with_force(capsys, tmp_path):
    out = tmp_path / "g.json"
    assert run(capsys, *GEN, "--seed", 1, "--out", out)[0] == 0
    first = out.read_text()
    assert len(json.loads(first)["p"]) == 4
    code, _, err = run(capsys, *GEN, "--seed", 2, "--out", out)
    assert code == 2 and "pass --force" in err and out.read_text() == first
    assert run(capsys, *GEN, "--seed", 2, "--out", out, "--force")[0] == 0
    assert out.read_text() != first
    assert [p.name for p in tmp_path.iterdir()] == ["g.json"]  # no temp file left behind


def test_gen_writes_to_a_pipe_without_force(capsys, tmp_path):
    """``gen --out /dev/stdout`` refused with "exists; pass --force": only a regular file
    has content to keep; a device or a FIFO is written in place (s18walk)."""
    import os
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()), daemon=True)
    reader.start()
    code, _, err = run(capsys, *GEN, "--seed", 1, "--out", fifo)
    if code != 0:  # unblock the reader before failing
        with open(fifo, "w"):
            pass
    reader.join(5)
    assert code == 0, err
    assert len(json.loads(got[0])["p"]) == 4
    assert fifo.exists() and not fifo.is_file()


def test_bench_report_needs_force_except_when_resuming(capsys, tmp_path):
    csv_file, report = tmp_path / "b.csv", tmp_path / "b.md"
    base = ["bench", "smtt", SMTT, "--methods", "edd", "-t", "1", "--csv", csv_file]
    assert run(capsys, *base, "--report", report)[0] == 0
    assert "| edd |" in report.read_text()
    report.write_text("mine\n")
    code, _, err = run(capsys, *base, "--report", report, "--resume")
    assert code == 0 and "| edd |" in report.read_text()  # a resumed run rewrites its report
    report.write_text("mine\n")
    code, _, err = run(capsys, "bench", "smtt", SMTT, "--methods", "edd", "--report", report)
    assert code == 2 and "pass --force" in err and report.read_text() == "mine\n"
    code, _, _ = run(
        capsys, "bench", "smtt", SMTT, "--methods", "edd", "--report", report, "--force"
    )
    assert code == 0 and "| edd |" in report.read_text()


CONFIG = Path(__file__).resolve().parents[2] / "instances" / "train" / "configs" / "toy-config.json"


@pytest.mark.parametrize("family", ["train", "serve"])
def test_out_never_overwrites_a_file_the_problem_names(capsys, tmp_path, family):
    """solve train p.toml --out config.json replaced the model config p.toml names (exit 0)."""
    named = tmp_path / ("cfg.json" if family == "train" else "trace.jsonl")
    if family == "train":
        named.write_text(CONFIG.read_text())
        body = 'model = "cfg.json"\ngpus = "8xH100"\n[workload]\nglobal_batch = 16\nseq_len = 512\n'
    else:
        # two requests: one alone gives no rate (s17audit: it needs --qps)
        named.write_text(
            '{"arrival_s": 0.0, "prompt_tokens": 100, "output_tokens": 10}\n'
            '{"arrival_s": 1.0, "prompt_tokens": 100, "output_tokens": 10}\n'
        )
        body = 'model = "llama-3.1-8b"\ngpus = "H100:2"\n[traffic]\ntrace = "trace.jsonl"\n'
    problem = tmp_path / "p.toml"
    problem.write_text(body)
    before = named.read_text()
    code, out, err = run(capsys, "solve", family, problem, "-t", 5, "--out", named)
    assert code == 2 and out == "" and f"--out {named}: refusing to overwrite an input file" in err
    assert named.read_text() == before


def test_out_on_a_symlink_writes_its_target_and_refuses_an_input_behind_one(capsys, tmp_path):
    """`solve --out LINK` replaced the link with a regular file (s16audit)."""
    target = tmp_path / "results" / "r.json"
    target.parent.mkdir()
    target.write_text("old\n")
    link = tmp_path / "r.json"
    link.symlink_to(target)
    code, _, err = run(capsys, "solve", "smtt", SMTT, "-m", "edd", "--out", link)
    assert code == 0, err
    assert link.is_symlink() and json.loads(target.read_text())["method"] == "edd"
    instance = tmp_path / "inst.json"
    instance.write_text(Path(SMTT).read_text())
    sneaky = tmp_path / "sneaky.json"
    sneaky.symlink_to(instance)
    before = instance.read_text()
    code, _, err = run(capsys, "solve", "smtt", instance, "-m", "edd", "--out", sneaky)
    assert code == 2 and "refusing to overwrite an input file" in err, err
    assert instance.read_text() == before and sneaky.is_symlink()


def test_calibrate_says_on_stderr_what_it_is_doing(capsys, monkeypatch, tmp_path):
    """``planner calibrate --check`` printed nothing for 3-20 minutes; now a line per phase on
    stderr, and stdout stays the table (or JSON lines) for scripts."""
    import planner.serve
    import planner.train  # noqa: F401  (the predictors the fit needs)
    from planner.perfmodel.calibration import fit as calibration

    fit_rows = [r for r in calibration.CALIBRATION_ROWS if r.split == calibration.FIT]
    few = [next(r for r in fit_rows if calibration.kind_of(r) == k) for k in calibration.STAGES]
    real = calibration.fit
    monkeypatch.setattr(calibration, "fit", lambda **kw: real(rows=few, **kw))  # seconds
    monkeypatch.setattr(calibration, "report", lambda *a, **kw: None)  # minutes: every row
    code, out, err = run(capsys, "calibrate", "--check", "--json", "--report", tmp_path / "r.md")
    assert code in (0, 1)  # one row per stage fits other constants than the shipped ones
    assert all(json.loads(line)["constant"] for line in out.splitlines())  # JSON only
    phases = [line for line in err.splitlines() if line.startswith("calibrate: ")]
    assert phases[0].startswith("calibrate: Hopper FP8 GEMM law fitted to DeepGEMM's table")
    assert phases[1].startswith("calibrate: stage 1/5 training: 7 constants on 1 rows")
    assert [line.split(" (")[0] for line in phases[6:]] == [
        "calibrate: fit done; comparing with the shipped constants",
        f"calibrate: writing the accuracy report {tmp_path / 'r.md'}",
    ]


def test_calibrate_check_says_it_passed(capsys, monkeypatch):
    """A passing ``calibrate --check`` printed the table and exited 0 without a word on the
    verdict (s20user); it now ends with one line on stderr, and a failing one with the
    differences (exit 1) as before."""
    import planner.serve
    import planner.train  # noqa: F401  (the predictors the fit needs)
    from planner.perfmodel.calibration import fit as calibration

    fit_rows = [r for r in calibration.CALIBRATION_ROWS if r.split == calibration.FIT]
    few = [next(r for r in fit_rows if calibration.kind_of(r) == k) for k in calibration.STAGES]
    real = calibration.fit
    monkeypatch.setattr(calibration, "fit", lambda **kw: real(rows=few, **kw))  # seconds
    monkeypatch.setattr(calibration, "compare", lambda *a: [])  # as if the fit gave the shipped
    code, out, err = run(capsys, "calibrate", "--check")
    assert code == 0 and "fitted constants" in out
    assert err.splitlines()[-1].startswith("calibrate --check: passed")
    monkeypatch.setattr(calibration, "compare", lambda *a: ["gemm_half_dim: 84 shipped, 90 fit"])
    code, _out, err = run(capsys, "calibrate", "--check")
    assert code == 1 and "passed" not in err and "gemm_half_dim" in err


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
@pytest.mark.parametrize(
    "line",
    [
        ["solve", "smtt", SMTT, "-t", "1", "-o"],
        ["plan", "train", "--model", "gpt-1.7b", "--gpus", "16xA100", *WORKLOAD, "-t", "2", "-o"],
        ["gen", *GEN[1:], "-o"],
    ],
)
def test_an_output_in_a_folder_that_takes_no_file_is_refused_before_the_run(capsys, line):
    """``-o /proc/x.json`` ran the whole solve, then said "/proc/x.json: cannot write" (s30bad;
    a read-only folder likewise). Now the flag is named before anything runs (root passes
    ``os.access`` on /proc, so the check creates an unnamed temporary file)."""
    code, out, err = run(capsys, *line, "/proc/s30bad_out.json")
    assert code == 2 and out == "" and "Traceback" not in err
    assert "--out /proc/s30bad_out.json: cannot write in /proc" in err


def test_a_read_only_folder_is_named_with_the_flag(monkeypatch, tmp_path):
    """What a user without write permission sees (simulated: the tests may run as root)."""
    import tempfile

    from planner.core import validate
    from planner.core.errors import InputError

    def refuse(*_a, **_k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "TemporaryFile", refuse)
    with pytest.raises(InputError, match=r"^--csv .*runs.csv: cannot write in .*Permission denied"):
        validate.output_file(tmp_path / "runs.csv", "--csv")
    assert list(tmp_path.iterdir()) == []


def _refuse_in(monkeypatch, folder: Path) -> None:
    """Simulate a folder that takes no new file (the tests may run as root)."""
    import tempfile

    real = tempfile.TemporaryFile

    def temporary_file(*args, **kwargs):
        if Path(kwargs.get("dir", "")) == folder:
            raise PermissionError(13, "Permission denied")
        return real(*args, **kwargs)

    monkeypatch.setattr(tempfile, "TemporaryFile", temporary_file)


def test_a_link_is_checked_where_its_target_is_written(monkeypatch, tmp_path):
    """The writer (``io.atomic_target``) renames its temp file over a link's final target, so
    the folder to check is the target's, not the link's (s30review2: a link in a read-only
    folder to a writable file was refused; a link to a file in a read-only folder passed
    and failed after the run)."""
    from planner.core import validate
    from planner.core.errors import InputError

    ro, rw = tmp_path / "ro", tmp_path / "rw"
    ro.mkdir()
    rw.mkdir()
    (rw / "plan.json").write_text("{}")
    (ro / "plan.json").write_text("{}")
    (ro / "link.json").symlink_to(rw / "plan.json")
    (rw / "link.json").symlink_to(ro / "plan.json")
    _refuse_in(monkeypatch, ro)
    assert validate.output_file(ro / "link.json", "--out") == ro / "link.json"
    with pytest.raises(InputError, match=r"^--out .*rw/link.json: cannot write in .*ro "):
        validate.output_file(rw / "link.json", "--out")
