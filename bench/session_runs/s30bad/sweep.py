"""Bad-input sweep, thirtieth session: train, offload, seqpar, pipelining and bench.

Every case runs through the CLI as a subprocess (``python -m planner.cli``-equivalent:
``.venv/bin/planner``), with a time limit and one thread, and records its exit code, the
last line of stderr, whether a traceback appeared, its wall time, and whether an input file
changed. Verdicts (the house style, README "CLI tour"):

* ``ok``: exit 2, no traceback, one ``planner: error:`` line naming one of the case's names;
* ``accepted`` / ``infeasible``: exit 0 (``WRONG accepted`` when the case must be refused);
* ``WRONG ...``: a traceback, an exit other than 0/2, several error lines, a message naming
  no file/field/flag, a hang past the alarm, an input changed.

File mutations reuse the twenty-seventh session's generators
(``bench/session_runs/s27bad/sweep.py``) on inputs that sweep never reached: ``--from nemo``,
``--from torchtitan``, a user's GPU TOML in ``plan train --gpus``, offload JSON Lines and a
``bench --resume`` CSV. Flag cases are listed below; library cases run in one process.

    PYTHONPATH=. nice -n 10 .venv/bin/python bench/session_runs/s30bad/sweep.py \
        [--only files,flags,library] [--targets SUBSTRING] [--rows rows.jsonl]
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
ROOT = Path(__file__).resolve().parents[3]
INST = ROOT / "instances"
PLANNER = [str(ROOT / ".venv/bin/planner")]
ALARM = 90

_spec = importlib.util.spec_from_file_location("s27sweep", HERE.parent / "s27bad" / "sweep.py")
assert _spec is not None and _spec.loader is not None
s27 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(s27)

TIME = ["-t", "3", "--threads", "1"]
TRAIN = ["plan", "train", "--model", "gpt-1.7b", "--gpus", "16xA100", "-B", "64", "-s", "1024"]
TRAIN_T = [*TRAIN, *TIME]


def run(argv: list[str], cwd: Path) -> tuple[int | str, str, str, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "160"}
    start = time.perf_counter()
    try:
        p = subprocess.run(
            [*PLANNER, *argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=ALARM
        )
    except subprocess.TimeoutExpired:
        return "hang", "", "", time.perf_counter() - start
    return p.returncode, p.stdout, p.stderr, time.perf_counter() - start


def verdict(code: int | str, out: str, err: str, names: list[str], reject: bool | None) -> str:
    """``reject`` True: must exit 2; False: must exit 0; None: either."""
    if code == "hang":
        return "WRONG hang"
    lines = [x for x in err.strip().splitlines() if x.strip()]
    if "Traceback" in err:
        return "WRONG traceback"
    if code == 0:
        kind = "infeasible" if ("INFEASIBLE" in out or "INFEASIBLE" in err) else "accepted"
        return f"WRONG {kind}" if reject else kind
    if code != 2:
        return f"WRONG exit {code}"
    errors = [x for x in lines if x.startswith("planner: error: ")]
    if len(errors) != 1:
        return "WRONG not one error line"
    if names and not any(n in errors[0] for n in names):
        return "WRONG names no file/field/flag"
    return "WRONG refused" if reject is False else "ok"


def digest(paths: list[Path]) -> dict[str, str]:
    out = {}
    for p in paths:
        if p.is_file():
            out[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


# ------------------------------------------------------------------ file targets
def nemo_mutations(text: str) -> list[Any]:
    """Each ``key=value`` of a NeMo override line dropped or given a wrong value."""
    items = text.split()
    out: list[Any] = [("unknown key", lambda p, d: s27.write(p, (text + " trainer.zz=1").encode()))]
    for i, item in enumerate(items):
        key = item.split("=", 1)[0]
        dropped = " ".join(items[:i] + items[i + 1 :])
        out.append((f"drop {key}", lambda p, d, t=dropped: s27.write(p, t.encode())))
        for kind, v in (
            ("zero", "0"),
            ("negative", "-1"),
            ("text", "x"),
            ("nan", "nan"),
            ("inf", "inf"),
            ("huge", "1" + "0" * 30),
            ("float", "1.5"),
            ("empty", ""),
            ("bool", "true"),
        ):
            new = " ".join([*items[:i], f"{key}={v}", *items[i + 1 :]])
            out.append((f"{key}={kind}", lambda p, d, t=new: s27.write(p, t.encode())))
    return out


def file_targets(tmp: Path) -> list[tuple[str, Path, str, list[str], list[Any]]]:
    """(label, valid file, format, argv with {f}, extra mutations)."""
    launches = {}
    for fmt in ("nemo", "torchtitan"):
        path = tmp / f"launch.{fmt}"
        code, _o, err, _s = run([*TRAIN_T, "--export", fmt, "-o", str(path)], tmp)
        assert code == 0, err
        launches[fmt] = path
    gpu = tmp / "my_a100.toml"
    shutil.copy(ROOT / "models/hardware/a100-80gb.toml", gpu)
    jsonl = tmp / "off.jsonl"
    code, _o, err, _s = run(
        [
            "gen",
            "offload",
            "--preset",
            "llada2-mini",
            "--steps",
            "4",
            "--layers",
            "2",
            "-o",
            str(jsonl),
        ],
        tmp,
    )
    assert code == 0, err
    csv = tmp / "runs.csv"
    code, _o, err, _s = run(["bench", "smtt", "example.json", *TIME, "--csv", str(csv)], tmp)
    assert code == 0, err
    nemo_text = launches["nemo"].read_text().splitlines()[-1]
    return [
        (
            "plan train --from nemo",
            launches["nemo"],
            "none",
            [*TRAIN_T[:6], *TIME, "--from", "nemo", "{f}"],
            nemo_mutations(nemo_text),
        ),
        (
            "plan train --from torchtitan",
            launches["torchtitan"],
            "toml",
            [*TRAIN_T[:6], *TIME, "--from", "torchtitan", "{f}"],
            [],
        ),
        (
            "plan train --gpus GPU toml",
            gpu,
            "toml",
            [
                "plan",
                "train",
                "--model",
                "gpt-1.7b",
                "--gpus",
                "16x{f}",
                "-B",
                "64",
                "-s",
                "1024",
                *TIME,
            ],
            [],
        ),
        ("solve offload jsonl", jsonl, "jsonl", ["solve", "offload", "{f}", *TIME], []),
        (
            "bench --resume csv",
            csv,
            "csv",
            ["bench", "smtt", "example.json", *TIME, "--csv", "{f}", "--resume"],
            [],
        ),
    ]


# ------------------------------------------------------------------ flag cases
FlagCase = tuple[str, list[str], list[str], bool | None]


def flag_cases(tmp: Path) -> list[FlagCase]:
    """(case, argv, names the error must contain, reject?)."""
    out: list[FlagCase] = []
    smtt = str(tmp / "in_smtt.json")
    shutil.copy(INST / "smtt/example.json", smtt)
    seqlen = str(INST / "seqpar/wikipedia_sample.txt")
    seqjson = str(INST / "seqpar/example.json")
    pipe = str(INST / "pipelining/gemm_hopper.json")
    off = str(tmp / "tide_trace.json")
    shutil.copy(INST / "offload/tide_trace.json", off)
    shutil.copy(INST / "offload/tide_trace.npy", tmp / "tide_trace.npy")
    outdir = tmp / "an_out_dir"
    outdir.mkdir(exist_ok=True)
    ro = "/proc/s30bad_out.json"  # not creatable, even by root
    plan_json = tmp / "plan.json"
    code, _o, err, _s = run([*TRAIN_T, "-o", str(plan_json)], tmp)
    assert code == 0, err

    def add(case: str, argv: list[str], names: list[str], reject: bool | None = True) -> None:
        out.append((case, argv, names, reject))

    # --- time limits and threads on every solving command
    lines = {
        "plan train": TRAIN,
        "solve smtt": ["solve", "smtt", smtt],
        "solve offload": ["solve", "offload", off],
        "plan seqpar": [
            "plan",
            "seqpar",
            "--lengths",
            seqlen,
            "--batch",
            "16",
            "--steps",
            "2",
            "--gpus",
            "16",
        ],
        "solve seqpar": ["solve", "seqpar", seqjson],
        "plan pipelining": ["plan", "pipelining", pipe],
        "bench smtt": ["bench", "smtt", smtt],
    }
    for label, base in lines.items():
        for t in ("0", "-1", "nan", "inf", "1e10", "x", ""):
            add(f"{label} -t {t!r}", [*base, "-t", t, "--threads", "1"], ["-t", "--time-limit"])
        for th in ("0", "-1", "x", "1.5"):
            add(f"{label} --threads {th}", [*base, "-t", "2", "--threads", th], ["--threads"])
        add(f"{label} -o dir", [*base, *TIME, "-o", str(outdir)], [str(outdir), "--out"])
        add(f"{label} -o /proc", [*base, *TIME, "-o", ro], [ro, "--out"])
    # --- plan train flags
    for v in ("", "x", "0", "-5B", "nan", "inf", "1e400", "15X", "15 T", "1.5", "1e30", "0.5"):
        add(f"train --tokens {v!r}", [*TRAIN_T, "--tokens", v], ["--tokens"])
    add("train --tokens 15T", [*TRAIN_T, "--tokens", "15T"], [], False)
    add("train --tokens 2.5B", [*TRAIN_T, "--tokens", "2.5B"], [], False)
    for v in ("-0.1", "1", "1.5", "nan", "inf", "x"):
        add(
            f"train --memory-headroom {v}",
            [*TRAIN_T, "--memory-headroom", v],
            ["--memory-headroom"],
        )
    add("train --memory-headroom 0", [*TRAIN_T, "--memory-headroom", "0"], [], False)
    for v in (
        "",
        "tp",
        "tp=",
        "tp=x",
        "tp=0",
        "tp=-1",
        "tp=2.5",
        "tp=nan",
        "foo=1",
        "tp=2,tp=4",
        "recompute=bogus",
        "v=0",
        "zero=5",
        "pp=1e30",
        "=2",
        ",",
        "tp=2,,pp=1",
    ):
        add(f"train --fix {v!r}", [*TRAIN_T, "--fix", v], ["--fix"])
    add("train --fix tp=2", [*TRAIN_T, "--fix", "tp=2"], [], False)
    for fmt in ("bogus", "", "MEGATRON"):
        add(f"train --export {fmt!r}", [*TRAIN_T, "--export", fmt], ["--export"])
    add(
        "train --export megatron -o dir",
        [*TRAIN_T, "--export", "megatron", "-o", str(outdir)],
        [str(outdir), "--out"],
    )
    add(
        "train --export megatron -o /proc",
        [*TRAIN_T, "--export", "megatron", "-o", ro],
        [ro, "--out"],
    )
    for fmt in ("megatron", "nemo", "deepspeed", "torchtitan"):
        add(
            f"train --from {fmt} missing",
            [*TRAIN[:6], *TIME, "--from", fmt, str(tmp / "nope")],
            ["nope"],
        )
        add(
            f"train --from {fmt} dir",
            [*TRAIN[:6], *TIME, "--from", fmt, str(outdir)],
            [str(outdir)],
        )
        add(
            f"train --from {fmt} /dev/null",
            [*TRAIN[:6], *TIME, "--from", fmt, "/dev/null"],
            ["/dev/null"],
        )
        binary = tmp / f"binary.{fmt}"
        binary.write_bytes(bytes(range(256)) * 4)
        add(
            f"train --from {fmt} binary",
            [*TRAIN[:6], *TIME, "--from", fmt, str(binary)],
            [str(binary)],
        )
    add("train --from bogus", [*TRAIN[:6], *TIME, "--from", "bogus", smtt], ["--from", "bogus"])
    for v in ("", "../x", "no-such-profile"):
        add(f"train --profile {v!r}", [*TRAIN_T, "--profile", v], ["--profile", "profile"])
    for flag in ("--failure-rate", "--checkpoint-gbps", "--checkpoint-every", "--restart-minutes"):
        for v in ("-1", "nan", "inf", "x"):
            add(f"train {flag} {v}", [*TRAIN_T, "--tokens", "1B", flag, v], [flag])
    for v in ("0", "-1", "nan", "inf"):
        add(
            f"train --prefer-simple {v}",
            [*TRAIN_T, "--prefer-simple", v],
            ["--prefer-simple"],
            None if v == "0" else True,
        )
    for flag in (
        "--tp",
        "--pp",
        "--dp",
        "--cp",
        "--ep",
        "-b",
        "-v",
        "--max-gpus",
        "--max-tp",
        "--gpus-per-node",
    ):
        for v in ("0", "-1", "99999999999"):
            add(f"train {flag} {v}", [*TRAIN_T, flag, v], [flag, flag.lstrip("-")])
    for flag, v in (
        ("--zero", "4"),
        ("--zero", "-1"),
        ("--recompute", "bogus"),
        ("--precision", "int3"),
        ("--objective", "speed"),
        ("--network", "bogus"),
        ("--software", "bogus"),
        ("--framework", "bogus"),
        ("--against", "tp=x"),
        ("--pricing", "bogus"),
        ("--mfu-peak", "bogus"),
        ("--stage-layers", "x,y"),
        ("--stage-layers", "0,24"),
        ("-k", "0"),
        ("-B", "0"),
        ("-s", "0"),
        ("-B", "-1"),
        ("-s", "99999999999"),
        ("-m", "bogus"),
    ):
        add(f"train {flag} {v}", [*TRAIN_T, flag, v], [flag, flag.lstrip("-")])
    add("train --gpus 0xA100", [*TRAIN[:5], "0xA100", *TRAIN[6:], *TIME], ["--gpus", "0xA100"])
    add("train --gpus bogus", [*TRAIN[:5], "16xZZ", *TRAIN[6:], *TIME], ["--gpus", "ZZ"])
    add(
        "train --model dir",
        ["plan", "train", "--model", str(outdir), *TRAIN[4:], *TIME],
        [str(outdir), "--model"],
    )
    add(
        "train --gpus dir.toml",
        [*TRAIN[:5], "16x" + str(outdir) + ".toml", *TRAIN[6:], *TIME],
        ["--gpus", ".toml"],
    )
    empty_toml = tmp / "empty_cluster.toml"
    empty_toml.write_text("")
    add(
        "train --gpus empty toml",
        [*TRAIN[:5], str(empty_toml), *TRAIN[6:], *TIME],
        [str(empty_toml)],
    )
    add("train --plot dir", [*TRAIN_T, "--plot", str(outdir)], [str(outdir), "--plot"])
    add("train --plot .txt", [*TRAIN_T, "--plot", str(tmp / "x.txt")], ["--plot", ".txt"], None)
    # --- plan compare
    add("compare missing", ["plan", "compare", str(plan_json), str(tmp / "nope.json")], ["nope"])
    add("compare dir", ["plan", "compare", str(plan_json), str(outdir)], [str(outdir)])
    add(
        "compare -o = input",
        ["plan", "compare", str(plan_json), str(plan_json), "-o", str(plan_json)],
        [str(plan_json), "--out"],
    )
    add(
        "compare -o dir",
        ["plan", "compare", str(plan_json), str(plan_json), "-o", str(outdir)],
        [str(outdir), "--out"],
    )
    add("compare smtt json", ["plan", "compare", str(plan_json), smtt], [smtt])
    # --- calibrate
    add(
        "calibrate --rows missing",
        ["calibrate", "--rows", str(tmp / "nope.csv"), "--profile", "p"],
        ["nope.csv"],
    )
    add(
        "calibrate --rows dir",
        ["calibrate", "--rows", str(outdir), "--profile", "p"],
        [str(outdir)],
    )
    add("calibrate --rows without --profile", ["calibrate", "--rows", smtt], ["--profile"])
    add("calibrate -j 0", ["calibrate", "--check", "-j", "0"], ["--jobs", "-j"])
    add("calibrate --report dir", ["calibrate", "--report", str(outdir)], [str(outdir), "--report"])
    # --- offload
    gen_off = ["gen", "offload", "--preset", "llada2-mini", "--steps", "4", "--layers", "2"]
    for flag, v in (
        ("--steps", "0"),
        ("--steps", "-1"),
        ("--steps", "100000"),
        ("--tokens", "0"),
        ("--tokens", "5000"),
        ("--budget", "-1"),
        ("--budget", "0"),
        ("--budget", "100000"),
        ("--global-budget", "-5"),
        ("--stability", "2"),
        ("--stability", "nan"),
        ("--stability", "-0.5"),
        ("--zipf", "nan"),
        ("--zipf", "-1"),
        ("--drift", "-1"),
        ("--drift", "inf"),
        ("--h2d-gb-s", "0"),
        ("--h2d-gb-s", "-1"),
        ("--h2d-gb-s", "nan"),
        ("--gpu-call-us", "-1"),
        ("--gpu-token-us", "inf"),
        ("--cpu-call-us", "nan"),
        ("--cpu-token-us", "0"),
        ("--gpu", "bogus"),
        ("--cpu", "bogus"),
        ("--link", "bogus"),
        ("--initial", "bogus"),
        ("--preset", "bogus"),
        ("--layers", "0"),
        ("--layers", "1000"),
        ("--prefix", "-1"),
        ("--block-steps", "-1"),
        ("--seed", "-1"),
        ("--name", ""),
    ):
        reject: bool | None = True
        if (flag, v) in (("--cpu-token-us", "0"), ("--layers", "1000")):
            reject = None
        add(
            f"gen offload {flag} {v}",
            [*gen_off, flag, v, "-o", str(tmp / "g_off.json"), "--force"],
            [flag],
            reject,
        )
    add(
        "gen offload --budget and --global-budget",
        [*gen_off, "--budget", "10", "--global-budget", "20"],
        ["--budget", "--global-budget"],
    )
    add("gen offload -o .txt", [*gen_off, "-o", str(tmp / "x.txt")], ["--out", ".txt"])
    add("gen offload -o dir", [*gen_off, "-o", str(outdir)], [str(outdir), "--out"])
    add("gen offload -o /proc", [*gen_off, "-o", ro], [ro, "--out"])
    add("solve offload -m bogus", ["solve", "offload", off, "-m", "bogus", *TIME], ["bogus"])
    # --- seqpar
    gen_sp = ["gen", "seqpar", "--lengths", seqlen, "--batch", "16", "--gpus", "16"]
    for flag, v in (
        ("--batch", "0"),
        ("--batch", "-1"),
        ("--batch", "10000000"),
        ("--gpus", "0"),
        ("--gpus", "7"),
        ("--gpus", "1000000"),
        ("--max-len", "0"),
        ("--max-len", "-1"),
        ("--model", "bogus"),
        ("--gpu", "bogus"),
        ("--strategies", "bogus"),
        ("--strategies", ""),
        ("--gpus-per-node", "0"),
        ("--gpus-per-node", "3"),
        ("--over", "bogus"),
        ("--count", "0"),
        ("--seed", "-1"),
        ("--mix", "bogus"),
    ):
        add(
            f"gen seqpar {flag} {v}",
            [*gen_sp, flag, v, "-o", str(tmp / "g_sp.json"), "--force"],
            [flag],
        )
    add("gen seqpar --lengths + --mix", [*gen_sp, "--mix", "commoncrawl"], ["--mix", "--lengths"])
    add(
        "gen seqpar no source",
        ["gen", "seqpar", "--batch", "16", "--gpus", "16"],
        ["--mix", "--lengths"],
    )
    for name, text in (
        ("empty", ""),
        ("neg", "5\n-3\n"),
        ("nan", "5\nnan\n"),
        ("word", "5\nabc\n"),
        ("float", "5\n3.5\n"),
        ("zero", "0\n0\n"),
        ("huge", "5\n" + "9" * 40 + "\n"),
        ("binary", None),
    ):
        p = tmp / f"len_{name}.txt"
        if text is None:
            p.write_bytes(bytes(range(256)))
        else:
            p.write_text(text)
        add(
            f"plan seqpar --lengths {name}",
            [
                "plan",
                "seqpar",
                "--lengths",
                str(p),
                "--batch",
                "16",
                "--steps",
                "2",
                "--gpus",
                "16",
                *TIME,
            ],
            [str(p)],
        )
    add(
        "plan seqpar --lengths dir",
        [
            "plan",
            "seqpar",
            "--lengths",
            str(outdir),
            "--batch",
            "16",
            "--steps",
            "2",
            "--gpus",
            "16",
            *TIME,
        ],
        [str(outdir)],
    )
    add(
        "plan seqpar --steps 0",
        [*lines["plan seqpar"][:-4], "--steps", "0", "--gpus", "16", *TIME],
        ["--steps"],
    )
    add("plan seqpar -m bogus", [*lines["plan seqpar"], *TIME, "-m", "bogus"], ["bogus"])
    # --- pipelining
    for flag, v in (
        ("--ops", "0"),
        ("--ops", "200"),
        ("--ops", "5..2"),
        ("--ops", "x"),
        ("--ops", "-3"),
        ("--units", "1"),
        ("--units", "9"),
        ("--units", "x"),
        ("--recurrences", "11"),
        ("--recurrences", "-1"),
        ("--recurrences", "a..b"),
        ("--count", "0"),
        ("--seed", "-1"),
        ("--ops", "1e3"),
        ("--ops", "5.."),
    ):
        add(
            f"gen pipelining {flag} {v}",
            ["gen", "pipelining", flag, v, "-o", str(tmp / "g_pipe.json"), "--force"],
            [flag],
        )
    for flag, v in (
        ("--warps", "0"),
        ("--warps", "-1"),
        ("--warps", "1000"),
        ("--max-ii", "0"),
        ("--max-ii", "-5"),
        ("-m", "bogus"),
    ):
        add(
            f"plan pipelining {flag} {v}",
            [*lines["plan pipelining"], *TIME, flag, v],
            [flag, v],
            None if (flag, v) == ("--warps", "1000") else True,
        )
    add("plan pipelining dir", ["plan", "pipelining", str(outdir), *TIME], [str(outdir)], None)
    add(
        "plan pipelining --plot dir",
        [*lines["plan pipelining"], *TIME, "--plot", str(outdir)],
        [str(outdir), "--plot"],
    )
    # --- bench
    add("bench bogus family", ["bench", "bogus", smtt, *TIME], ["bogus"])
    add("bench --methods bogus", ["bench", "smtt", smtt, *TIME, "--methods", "bogus"], ["bogus"])
    add("bench --methods ''", ["bench", "smtt", smtt, *TIME, "--methods", ""], ["--methods"])
    add("bench --methods ',,'", ["bench", "smtt", smtt, *TIME, "--methods", ",,"], ["--methods"])
    add(
        "bench --methods edd,edd",
        ["bench", "smtt", smtt, *TIME, "--methods", "edd,edd"],
        ["edd", "--methods"],
        None,
    )
    add("bench --limit 0", ["bench", "smtt", smtt, *TIME, "--limit", "0"], ["--limit"])
    add("bench -j 0", ["bench", "smtt", smtt, *TIME, "-j", "0"], ["--jobs", "-j"])
    add("bench -j -1", ["bench", "smtt", smtt, *TIME, "-j", "-1"], ["--jobs", "-j"])
    add(
        "bench --executor bogus",
        ["bench", "smtt", smtt, *TIME, "--executor", "bogus"],
        ["--executor"],
    )
    add(
        "bench --reference bogus",
        ["bench", "smtt", smtt, *TIME, "--reference", "bogus"],
        ["--reference", "bogus"],
    )
    add(
        "bench --csv dir",
        ["bench", "smtt", smtt, *TIME, "--csv", str(outdir)],
        [str(outdir), "--csv"],
    )
    add(
        "bench --csv /proc",
        ["bench", "smtt", smtt, *TIME, "--csv", "/proc/s30.csv"],
        ["/proc/s30.csv", "--csv"],
    )
    add(
        "bench --report dir",
        ["bench", "smtt", smtt, *TIME, "--report", str(outdir)],
        [str(outdir), "--report"],
    )
    add(
        "bench --report .txt",
        ["bench", "smtt", smtt, *TIME, "--report", str(tmp / "r.txt")],
        ["--report", ".txt"],
        None,
    )
    add("bench --csv = input", ["bench", "smtt", smtt, *TIME, "--csv", smtt], [smtt, "--csv"])
    for name, text in (("garbage", "\x00\x01zz\n"), ("other family", None), ("empty", "")):
        p = tmp / f"resume_{name.replace(' ', '_')}.csv"
        if text is None:
            code, _o, err, _s = run(["bench", "offload", off, *TIME, "--csv", str(p)], tmp)
            assert code == 0, err
        else:
            p.write_text(text)
        add(
            f"bench --resume {name}",
            ["bench", "smtt", smtt, *TIME, "--csv", str(p), "--resume"],
            [str(p)],
            None if name == "empty" else True,
        )
    add(
        "bench --resume missing",
        ["bench", "smtt", smtt, *TIME, "--csv", str(tmp / "nope.csv"), "--resume"],
        ["nope.csv", "--resume"],
        None,
    )
    add(
        "bench --compare missing",
        ["bench", "--compare", str(tmp / "a.csv"), str(tmp / "b.csv")],
        ["a.csv"],
    )
    add("bench --compare dir", ["bench", "--compare", str(outdir), str(outdir)], [str(outdir)])
    add("bench empty suite dir", ["bench", "smtt", str(outdir), *TIME], [str(outdir)])
    add("bench --seed -1", ["bench", "smtt", smtt, *TIME, "--seed", "-1"], ["--seed"])
    add(
        "bench --address without ray",
        ["bench", "smtt", smtt, *TIME, "--address", "x:1"],
        ["--address", "--executor"],
    )
    return out


# ------------------------------------------------------------------ library cases
LibCase = tuple[str, Callable[[], Any], list[str]]


def library_cases() -> list[LibCase]:
    import numpy as np

    import planner
    import planner.seqpar.api as sp
    import planner.serve
    import planner.train
    from planner.smtt.readers import read

    inst = read(INST / "smtt/example.json")[0]
    tr = planner.train.plan

    def t(**kw: Any) -> Callable[[], Any]:
        base: dict[str, Any] = {
            "global_batch": 64,
            "seq_len": 1024,
            "time_limit": 3,
        }
        model = kw.pop("model", "gpt-1.7b")
        cluster = kw.pop("cluster", "16xA100")
        return lambda: tr(model, cluster, **{**base, **kw})

    cases: list[LibCase] = [
        ("solve(None)", lambda: planner.solve(None), ["instance", "family"]),
        ("solve('x.json')", lambda: planner.solve("x.json"), ["instance", "family"]),
        ("solve method=5", lambda: planner.solve(inst, 5), ["method"]),
        ("solve method bogus", lambda: planner.solve(inst, "bogus"), ["bogus"]),
        ("solve time_limit=0", lambda: planner.solve(inst, time_limit=0), ["time_limit"]),
        ("solve time_limit=-1", lambda: planner.solve(inst, time_limit=-1), ["time_limit"]),
        ("solve time_limit=nan", lambda: planner.solve(inst, time_limit=math.nan), ["time_limit"]),
        ("solve time_limit='x'", lambda: planner.solve(inst, time_limit="x"), ["time_limit"]),
        ("solve time_limit=None", lambda: planner.solve(inst, time_limit=None), ["time_limit"]),
        ("solve threads=0", lambda: planner.solve(inst, threads=0), ["threads"]),
        ("solve threads=1.5", lambda: planner.solve(inst, threads=1.5), ["threads"]),
        ("solve seed=-1", lambda: planner.solve(inst, seed=-1), ["seed"]),
        ("solve hint='x'", lambda: planner.solve(inst, hint="x", time_limit=1), ["hint"]),
        ("train model unknown", t(model="no-such-model"), ["no-such-model", "model"]),
        ("train model=5", t(model=5), ["model"]),
        ("train model=None", t(model=None), ["model"]),
        ("train model={}", t(model={}), ["model"]),
        ("train cluster=5", t(cluster=5), ["cluster"]),
        ("train cluster=None", t(cluster=None), ["cluster"]),
        ("train cluster='0xA100'", t(cluster="0xA100"), ["cluster", "0xA100"]),
        ("train cluster={}", t(cluster={}), ["cluster"]),
        ("train global_batch=0", t(global_batch=0), ["global_batch"]),
        ("train global_batch='64'", t(global_batch="64"), ["global_batch"]),
        ("train global_batch=64.5", t(global_batch=64.5), ["global_batch"]),
        ("train seq_len=None", t(seq_len=None), ["seq_len"]),
        ("train seq_len=nan", t(seq_len=math.nan), ["seq_len"]),
        ("train precision='int3'", t(precision="int3"), ["precision"]),
        ("train precision=None", t(precision=None), ["precision"]),
        ("train tp=0", t(tp=0), ["tp"]),
        ("train tp='x'", t(tp="x"), ["tp"]),
        ("train tp=2.5", t(tp=2.5), ["tp"]),
        ("train tp=True", t(tp=True), ["tp"]),
        ("train pp=-1", t(pp=-1), ["pp"]),
        ("train recompute='bogus'", t(recompute="bogus"), ["recompute"]),
        ("train zero=9", t(zero=9), ["zero"]),
        ("train stage_layers='x'", t(stage_layers="x"), ["stage_layers"]),
        ("train stage_layers=5", t(stage_layers=5), ["stage_layers"]),
        ("train max_gpus=0", t(max_gpus=0), ["max_gpus"]),
        ("train objective='x'", t(objective="x"), ["objective"]),
        ("train memory_headroom=2", t(memory_headroom=2), ["memory_headroom"]),
        ("train memory_headroom=nan", t(memory_headroom=math.nan), ["memory_headroom"]),
        ("train unknown kw", t(colour=1), ["colour"]),
        ("train top_k=0", t(top_k=0), ["top_k"]),
        ("train prefer_simple=-1", t(prefer_simple=-1), ["prefer_simple"]),
        ("train gpus_per_node=0", t(gpus_per_node=0), ["gpus_per_node"]),
        ("train time_limit=0", t(time_limit=0), ["time_limit"]),
        ("train method='x'", t(method="x"), ["'x'", "method"]),
        ("train threads=0", t(threads=0), ["threads"]),
        ("train pricing='x'", t(pricing="x"), ["pricing"]),
        ("train prices='nope.toml'", t(prices="nope.toml"), ["nope.toml"]),
        ("train software='x'", t(software="x"), ["software"]),
        ("train framework='x'", t(framework="x"), ["framework"]),
        ("train name=5", t(name=5), ["name"]),
        (
            "serve.sweep model=5",
            lambda: planner.serve.sweep(5, gpu_types=["H100"], rates=[1]),
            ["model"],
        ),
        ("seqpar make_instance lengths=[]", lambda: sp.make_instance([], 16), ["lengths"]),
        (
            "seqpar make_instance lengths nan",
            lambda: sp.make_instance([5.0, math.nan], 16),
            ["lengths"],
        ),
        (
            "seqpar make_instance lengths -1",
            lambda: sp.make_instance(np.array([5, -1]), 16),
            ["lengths"],
        ),
        ("seqpar make_instance cluster=0", lambda: sp.make_instance([5, 6], 0), ["cluster"]),
        ("seqpar make_instance cluster='x'", lambda: sp.make_instance([5, 6], "x"), ["cluster"]),
    ]
    return cases


def lib_verdict(exc: BaseException | None, names: list[str]) -> str:
    from planner.core.errors import InputError

    if exc is None:
        return "WRONG returned"
    if not isinstance(exc, InputError):
        return f"WRONG {type(exc).__name__}"
    text = str(exc)
    if "\n" in text.strip():
        return "WRONG several lines"
    if not any(n in text for n in names):
        return "WRONG names no argument"
    return "ok"


# ------------------------------------------------------------------ main
def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="files,flags,library")
    ap.add_argument("--targets", default="")
    ap.add_argument("--rows", type=Path, default=HERE / "rows.jsonl")
    ap.add_argument(
        "--redo", type=Path, default=None, help="only the flag / library cases WRONG in these rows"
    )
    args = ap.parse_args()
    redo: set[str] | None = None
    if args.redo is not None:
        redo = {
            json.loads(x)["case"]
            for x in args.redo.read_text().splitlines()
            if json.loads(x)["verdict"].startswith("WRONG")
        }
    only = args.only.split(",")
    os.environ["PLANNER_CONFIG_DIR"] = tempfile.mkdtemp(prefix="s30bad_cfg_")
    with tempfile.TemporaryDirectory(prefix="s30bad_") as scratch, args.rows.open("a") as sink:
        tmp = Path(scratch)

        def emit(
            kind: str, target: str, case: str, v: str, code: Any, last: str, tb: bool, secs: float
        ) -> None:
            row = {
                "kind": kind,
                "target": target,
                "case": case,
                "verdict": v,
                "exit": code,
                "traceback": tb,
                "stderr": last[:300],
                "s": round(secs, 2),
                "load": round(os.getloadavg()[0], 2),
            }
            sink.write(json.dumps(row) + "\n")
            sink.flush()
            if v.startswith("WRONG"):
                print(f"{target} | {case} | {v} | {last[:200]}", flush=True)

        def last_line(err: str) -> str:
            lines = [x for x in err.strip().splitlines() if x.strip()]
            return lines[-1] if lines else ""

        if "files" in only:
            for label, src, fmt, line, extra in file_targets(tmp):
                if args.targets and args.targets not in label:
                    continue
                data = src.read_bytes()
                muts = s27.byte_mutations(fmt) + extra
                if fmt != "none":
                    muts += s27.format_mutations(fmt, data)
                for mut, make in muts:
                    case = tmp / "case"
                    shutil.rmtree(case, ignore_errors=True)
                    case.mkdir()
                    path = make(case / src.name, data)
                    before = digest([path])
                    argv = [a.replace("{f}", str(path)) for a in line]
                    code, out, err, secs = run(argv, case)
                    v = verdict(code, out, err, [src.name, str(path)], None)
                    if digest([path]) != before:
                        v = "WRONG input changed"
                    emit("files", label, mut, v, code, last_line(err), "Traceback" in err, secs)
        if "flags" in only:
            for case, argv, names, reject in flag_cases(tmp):
                if args.targets and args.targets not in case:
                    continue
                if redo is not None and case not in redo:
                    continue
                inputs = [Path(a) for a in argv if a.startswith(str(tmp))]
                before = digest(inputs)
                code, out, err, secs = run(argv, tmp)
                v = verdict(code, out, err, names, reject)
                if digest(inputs) != before and "-o" not in argv and "--csv" not in argv:
                    v = "WRONG input changed"
                emit(
                    "flags",
                    case.split(" ")[0],
                    case,
                    v,
                    code,
                    last_line(err),
                    "Traceback" in err,
                    secs,
                )
        if "library" in only:
            for case, call, names in library_cases():
                if args.targets and args.targets not in case:
                    continue
                if redo is not None and case not in redo:
                    continue
                start = time.perf_counter()
                exc: BaseException | None = None
                try:
                    call()
                except BaseException as e:
                    exc = e
                v = lib_verdict(exc, names)
                msg = f"{type(exc).__name__}: {exc}" if exc is not None else "returned"
                emit(
                    "library",
                    case.split(" ")[0],
                    case,
                    v,
                    None,
                    msg,
                    False,
                    time.perf_counter() - start,
                )


if __name__ == "__main__":
    sys.exit(main())
