"""Bad-input sweep: every family's input formats, broken every way, through every CLI command.

Each bundled input file (JSON, TOML, JSON Lines, .npy, PSPLIB .sm / .rcp / .SCH, OR-Library
text, CSV, plugin .py) is broken: emptied, truncated, replaced by binary garbage, made invalid
UTF-8, a directory in its place, a path through a file, a dangling symlink; for JSON / TOML /
JSON Lines also each field (top level and one level down) dropped or given a wrong type
(string, list, negative number, null); .npy with a wrong shape, dtype, NaN or negative counts;
CSV with a column dropped or a cell made text. Every command that reads the file runs it;
then every option of every command gets a bad value. A case passes when the command exits 0
(the broken input was still valid) or exits 2 with one line ``planner: error: ...`` that names
the file, field or flag, and never prints a traceback; anything else is a finding.

    PYTHONPATH=. nice -n 10 .venv/bin/python bench/session_runs/s19polish/bad_input_sweep.py \
        [--only SUBSTRING] [--out bench/session_runs/s19polish/bad_input_sweep.md]

Runs in-process (``planner.cli.main``), one case at a time, each with a 60 s alarm.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import json
import os
import random
import shutil
import signal
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[3]
INST = ROOT / "instances"
OUT = Path(__file__).with_name("bad_input_sweep.md")
TIME = ["-t", "1", "--threads", "1"]

#: A valid serve command line (the file-reading options are added to it).
SERVE = ["plan", "serve", "--model", "llama-3.1-8b", "--gpus", "H100:2", "--qps", "2"]
SERVE_LEN = ["--prompt-tokens", "600", "--output-tokens", "150", "--tpot", "50ms"]
TRAIN = ["plan", "train", "--model", "gpt-1.7b", "--gpus", "16xA100", "-B", "64", "-s", "1024"]

#: (label, bundled file or generated text, its format, command line with {f} for the file)
TARGETS: list[tuple[str, Path | tuple[str, str], str, list[str]]] = [
    ("smtt json", INST / "smtt/example.json", "json", ["solve", "smtt", "{f}", *TIME]),
    (
        "smtt jsonl",
        INST / "smtt/tkindt_n100_sample.jsonl",
        "jsonl",
        ["solve", "smtt", "{f}", *TIME],
    ),
    ("smtt orlib", INST / "smtt/wt40_first3.txt", "text", ["solve", "smtt", "{f}", *TIME]),
    ("rcpsp sm", INST / "rcpsp/j301_1.sm", "text", ["solve", "rcpsp", "{f}", *TIME]),
    ("rcpsp rcp", INST / "rcpsp/example.rcp", "text", ["solve", "rcpsp", "{f}", *TIME]),
    ("rcpsp sch", INST / "rcpsp/PSP1.SCH", "text", ["solve", "rcpsp", "{f}", *TIME]),
    (
        "rcpsp json",
        INST / "rcpsp/datacenter_migration.json",
        "json",
        ["solve", "rcpsp", "{f}", *TIME],
    ),
    ("train json", INST / "train/toy-8xa100.json", "json", ["solve", "train", "{f}", *TIME]),
    ("train toml", INST / "train/llama-8b-64xh100.toml", "toml", ["solve", "train", "{f}", *TIME]),
    ("serve toml", INST / "serve/chat-70b.toml", "toml", ["solve", "serve", "{f}", *TIME]),
    ("serve json", INST / "serve/offline-8b.json", "json", ["solve", "serve", "{f}", *TIME]),
    ("seqpar json", INST / "seqpar/example.json", "json", ["solve", "seqpar", "{f}", *TIME]),
    (
        "pipelining json",
        INST / "pipelining/fa3_fwd_hopper.json",
        "json",
        ["solve", "pipelining", "{f}", *TIME],
    ),
    ("offload json", INST / "offload/tide_trace.json", "json", ["solve", "offload", "{f}", *TIME]),
    ("offload npy", INST / "offload/tide_trace.npy", "npy", ["solve", "offload", "{f}", *TIME]),
    ("bench suite", INST / "smtt/example.json", "json", ["bench", "smtt", "{f}", *TIME]),
    (
        "plan train --gpus",
        INST / "train/clusters/h100-two-nics.toml",
        "toml",
        [
            "plan",
            "train",
            "--model",
            "gpt-1.7b",
            "--gpus",
            "{f}",
            "-B",
            "64",
            "-s",
            "1024",
            "-t",
            "2",
        ],
    ),
    (
        "plan train --model",
        INST / "train/configs/toy-config.json",
        "json",
        ["plan", "train", "--model", "{f}", "--gpus", "8xA100", "-B", "16", "-s", "512", "-t", "2"],
    ),
    (
        "plan serve --trace",
        INST / "serve/traces/trace-8b.jsonl",
        "jsonl",
        [
            "plan",
            "serve",
            "--model",
            "llama-3.1-8b",
            "--gpus",
            "H100:2",
            "--trace",
            "{f}",
            "--tpot",
            "50ms",
            "-t",
            "2",
        ],
    ),
    (
        "plan serve --gpus",
        INST / "train/clusters/mixed-h100-a100.toml",
        "toml",
        [
            "plan",
            "serve",
            "--model",
            "llama-3.1-8b",
            "--gpus",
            "{f}",
            "--qps",
            "2",
            *SERVE_LEN,
            "-t",
            "2",
        ],
    ),
    (
        "plan serve --prompt-tokens",
        ("hist.csv", "tokens,weight\n100,1\n900,3\n"),
        "csv",
        [*SERVE, "--prompt-tokens", "{f}", "--output-tokens", "150", "--tpot", "50ms", "-t", "2"],
    ),
    (
        "plan serve --workloads",
        (
            "wl.toml",
            "[[workloads]]\nname = 'chat'\ntraffic = { qps = 1, prompt_tokens = 500, output_tokens = 90 }\n"
            "slo = { tpot = '50ms' }\n",
        ),
        "toml",
        [
            "plan",
            "serve",
            "--model",
            "llama-3.1-8b",
            "--gpus",
            "H100:2",
            "--workloads",
            "{f}",
            "-t",
            "2",
        ],
    ),
    (
        "plan serve --prices",
        ROOT / "models/prices/gpu-hour.toml",
        "toml",
        [*SERVE, *SERVE_LEN, "--prices", "{f}", "--pricing", "on-demand", "-t", "2"],
    ),
    (
        "plan serve --profile",
        ("profile.csv", "hour,qps\n0,1\n1,3\n"),
        "csv",
        [
            "plan",
            "serve",
            "--model",
            "llama-3.1-8b",
            "--gpus",
            "H100:2",
            *SERVE_LEN,
            "--profile",
            "{f}",
            "-t",
            "2",
        ],
    ),
    (
        "plan seqpar --lengths",
        INST / "seqpar/wikipedia_sample.txt",
        "text",
        [
            "plan",
            "seqpar",
            "--lengths",
            "{f}",
            "--batch",
            "16",
            "--steps",
            "2",
            "--gpus",
            "16",
            "-t",
            "2",
        ],
    ),
    (
        "plan pipelining",
        INST / "pipelining/gemm_hopper.json",
        "json",
        ["plan", "pipelining", "{f}", "-t", "2"],
    ),
    ("plan compare", ("plan.json", ""), "json", ["plan", "compare", "{f}", "{f}"]),
    ("bench --compare", ("runs.csv", ""), "csv", ["bench", "--compare", "{f}", "{f}"]),
    (
        "calibrate --rows",
        (
            "rows.csv",
            "model,gpu,gpus,global_batch,seq_len,tp,pp,dp,microbatch,step_time_s,recompute,id\n"
            "gpt-1.7b,H100,16,64,1024,1,1,16,4,1.0,none,dp16\n"
            "gpt-1.7b,H100,16,64,1024,2,1,8,4,1.2,none,tp2\n",
        ),
        "csv",
        ["calibrate", "--rows", "{f}", "--profile", "sweep"],
    ),
    (
        "solve plugin",
        ("rule.py", "def rule(view):\n    return sorted(range(len(view.p)))\n"),
        "py",
        ["solve", "smtt", str(INST / "smtt/example.json"), "-m", "{f}:rule", "-t", "1"],
    ),
    (
        "bench plugin",
        ("rule.py", "def rule(view):\n    return sorted(range(len(view.p)))\n"),
        "py",
        ["bench", "smtt", str(INST / "smtt/example.json"), "--heuristic", "{f}:rule", "-t", "1"],
    ),
]

WRONG = {"string": "x", "list": [1], "negative": -1, "null": None, "object": {"a": 1}}


def generated_inputs(tmp: Path) -> None:
    """Files the generated targets copy from a real run: a plan JSON, a bench CSV."""
    from planner.cli import main

    plan = tmp / "_plan.json"
    bench = tmp / "_runs.csv"
    with quiet():
        for args in (
            [*TRAIN, "-t", "5", "--out", str(plan)],
            ["bench", "smtt", str(INST / "smtt/example.json"), "-t", "1", "--csv", str(bench)],
        ):
            with contextlib.suppress(SystemExit):
                main(args)
    for i, (label, _src, fmt, line) in enumerate(TARGETS):
        if label == "plan compare":
            TARGETS[i] = (label, ("plan.json", plan.read_text()), fmt, line)
        elif label == "bench --compare":
            TARGETS[i] = (label, ("runs.csv", bench.read_text()), fmt, line)


@contextlib.contextmanager
def quiet() -> Iterator[tuple[io.StringIO, io.StringIO]]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        yield out, err


# ------------------------------------------------------------------ mutations
Mutation = tuple[str, Callable[[Path, bytes], Path]]


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def byte_mutations() -> list[Mutation]:
    rnd = random.Random(19)
    garbage = bytes(rnd.randrange(256) for _ in range(512))

    def directory(p: Path, _d: bytes) -> Path:
        p.mkdir()
        return p

    def through_file(p: Path, d: bytes) -> Path:
        write(p, d)
        return p / "inner"

    def dangling(p: Path, _d: bytes) -> Path:
        p.symlink_to(p.with_name("no_such_target"))
        return p

    def missing(p: Path, _d: bytes) -> Path:
        return p

    return [
        ("empty", lambda p, d: write(p, b"")),
        ("truncated", lambda p, d: write(p, d[: max(1, len(d) // 2)])),
        ("garbage", lambda p, d: write(p, garbage)),
        ("bad-utf8", lambda p, d: write(p, b"\xff\xfe" + d)),
        ("nul-bytes", lambda p, d: write(p, d.replace(b"\n", b"\x00\n", 3))),
        ("directory", directory),
        ("through-a-file", through_file),
        ("dangling-symlink", dangling),
        ("missing", missing),
    ]


def tree_mutations(data: Any, dump: Callable[[Any], bytes], toml: bool) -> list[Mutation]:
    """Each field (top level and one level down) dropped or given a wrong type."""
    out: list[Mutation] = []

    def paths(obj: Any, prefix: tuple = (), depth: int = 0) -> Iterator[tuple]:
        if isinstance(obj, dict):
            for k, v in obj.items():
                yield (*prefix, k)
                if depth < 1:
                    yield from paths(v, (*prefix, k), depth + 1)
        elif isinstance(obj, list) and obj and depth < 1:
            yield (*prefix, 0)
            yield from paths(obj[0], (*prefix, 0), depth + 1)

    def edited(path: tuple, value: Any, drop: bool) -> bytes:
        new = copy.deepcopy(data)
        obj = new
        for k in path[:-1]:
            obj = obj[k]
        if drop:
            del obj[path[-1]]
        else:
            obj[path[-1]] = value
        return dump(new)

    for path in paths(data):
        name = ".".join(str(k) for k in path)
        with contextlib.suppress(Exception):
            text = edited(path, None, True)
            out.append((f"drop {name}", lambda p, d, t=text: write(p, t)))
        for kind, value in WRONG.items():
            if toml and value is None:
                continue
            with contextlib.suppress(Exception):
                text = edited(path, value, False)
                out.append((f"{name}={kind}", lambda p, d, t=text: write(p, t)))
    return out


def toml_dump(obj: Any) -> bytes:
    """A small TOML writer (tables, arrays of tables, inline values): enough for the inputs."""

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return repr(v)
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{" + ", ".join(f"{json.dumps(k)} = {value(x)}" for k, x in v.items()) + "}"
        raise TypeError(type(v))

    lines = [f"{json.dumps(k)} = {value(v)}" for k, v in obj.items() if not isinstance(v, dict)]
    for k, v in obj.items():
        if isinstance(v, dict):
            lines.append(f"[{json.dumps(k)}]")
            lines += [f"{json.dumps(a)} = {value(b)}" for a, b in v.items()]
    return ("\n".join(lines) + "\n").encode()


def format_mutations(fmt: str, data: bytes) -> list[Mutation]:
    if fmt == "json":
        return tree_mutations(json.loads(data), lambda o: json.dumps(o).encode(), False)
    if fmt == "jsonl":
        lines = [json.loads(x) for x in data.decode().splitlines() if x.strip()]
        first = lines[0]

        def dump(o: Any) -> bytes:
            return "\n".join(json.dumps(x) for x in [o, *lines[1:]]).encode() + b"\n"

        extra = [("not-an-object", lambda p, d: write(p, b"[1, 2]\n" + d))]
        return extra + tree_mutations(first, dump, False)
    if fmt == "toml":
        return tree_mutations(tomllib.loads(data.decode()), toml_dump, True)
    if fmt == "npy":
        arr = np.load(io.BytesIO(data))

        def save(a: np.ndarray) -> bytes:
            buf = io.BytesIO()
            np.save(buf, a)
            return buf.getvalue()

        return [
            ("1-d", lambda p, d: write(p, save(arr.reshape(-1)))),
            ("5-d", lambda p, d: write(p, save(arr[None, None]))),
            ("float-nan", lambda p, d: write(p, save(np.where(arr > 0, np.nan, 0.0)))),
            ("negative", lambda p, d: write(p, save(-arr.astype(np.int64) - 1))),
            ("strings", lambda p, d: write(p, save(arr.astype(str)))),
            ("empty-array", lambda p, d: write(p, save(arr[:0]))),
            ("pickled", lambda p, d: write(p, save(np.array([{"a": 1}], dtype=object)))),
        ]
    if fmt == "csv":
        rows = data.decode().splitlines()
        head = rows[0].split(",")
        out: list[Mutation] = [("header-only", lambda p, d: write(p, (rows[0] + "\n").encode()))]
        for i, col in enumerate(head):
            cut = "\n".join(",".join(c for j, c in enumerate(r.split(",")) if j != i) for r in rows)
            out.append((f"drop column {col}", lambda p, d, t=cut: write(p, (t + "\n").encode())))
            if len(rows) > 1:
                cell = ",".join("zz" if j == i else c for j, c in enumerate(rows[1].split(",")))
                bad = "\n".join([rows[0], cell, *rows[2:]]) + "\n"
                out.append((f"{col}=text", lambda p, d, t=bad: write(p, t.encode())))
        return out
    if fmt == "py":
        return [
            ("syntax-error", lambda p, d: write(p, b"def rule(view:\n")),
            ("raises-on-import", lambda p, d: write(p, b"raise RuntimeError('boom')\n")),
            ("no-function", lambda p, d: write(p, b"x = 1\n")),
            ("not-callable", lambda p, d: write(p, b"rule = 3\n")),
            ("returns-garbage", lambda p, d: write(p, b"def rule(view):\n    return 'abc'\n")),
            ("raises", lambda p, d: write(p, b"def rule(view):\n    raise ValueError('x')\n")),
            ("exits", lambda p, d: write(p, b"import sys\ndef rule(view):\n    sys.exit(3)\n")),
        ]
    return []


# ------------------------------------------------------------------ bad flag values
BAD_VALUES = {
    "int": ["abc", "-1", "0", "1e999"],
    "float": ["abc", "-1", "nan", "inf"],
    "text": ["", "??", "-"],
}


def flag_cases() -> Iterator[tuple[str, list[str]]]:
    """Every option of every command with each bad value of its type (on a valid line)."""
    from planner.cli import command, walk_commands

    bases = {
        "solve": ["solve", "smtt", str(INST / "smtt/example.json"), *TIME],
        "bench": ["bench", "smtt", str(INST / "smtt/example.json"), *TIME],
        "plan train": [*TRAIN, "-t", "2"],
        "plan serve": [*SERVE, *SERVE_LEN, "-t", "2"],
        "plan seqpar": [
            "plan",
            "seqpar",
            "--lengths",
            str(INST / "seqpar/wikipedia_sample.txt"),
            "--batch",
            "16",
            "--steps",
            "2",
            "--gpus",
            "16",
            "-t",
            "2",
        ],
        "plan pipelining": ["plan", "pipelining", "fa3_fwd_hopper.json", "-t", "2"],
        "gen smtt": ["gen", "smtt", "--n", "5", "--tf", "0.2", "--rdd", "0.6"],
        "gen rcpsp": ["gen", "rcpsp"],
        "gen train": ["gen", "train"],
        "gen seqpar": ["gen", "seqpar", "--mix", "github"],
        "gen pipelining": ["gen", "pipelining"],
        "gen offload": ["gen", "offload"],
        "families": ["families"],
    }
    root = command()
    for cmd in walk_commands(root):
        if getattr(cmd, "commands", None):
            continue
        path = next(
            (
                f"{g.name} {cmd.name}"
                for g in walk_commands(root)
                if g is not root and cmd in getattr(g, "commands", {}).values()
            ),
            cmd.name,
        )
        base = bases.get(path)
        if base is None:
            continue
        for param in cmd.params:
            if getattr(param, "param_type_name", "") != "option" or param.nargs != 1:
                continue
            flag = max(param.opts, key=len)
            if flag in ("--out", "--report", "--csv", "--plot", "--plot-breakdown", "--help"):
                continue  # outputs: tests/cli/corpus.py covers directories and clobbering
            # Typer ships its own Click: read the annotation rather than Click's param type
            ann = str(getattr(getattr(param, "type_descriptor", None), "annotation", ""))
            if "bool" in ann or "tuple" in ann or "list" in ann:
                continue
            kind = "int" if "int" in ann else "float" if "float" in ann else "text"
            for value in BAD_VALUES[kind]:
                yield f"{path} {flag}={value!r}", [*base, flag, value]


# ------------------------------------------------------------------ running
class Hang(Exception):
    pass


def run(args: list[str], cwd: Path) -> tuple[int | str, str, str, float]:
    from planner.cli import main

    def alarm(*_a: Any) -> None:
        raise Hang

    old = os.getcwd()
    os.chdir(cwd)
    signal.signal(signal.SIGALRM, alarm)
    signal.alarm(60)
    t0 = time.perf_counter()
    try:
        with quiet() as (out, err):
            try:
                main(args)
                code: int | str = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            except Hang:
                code = "hang"
            except BaseException as exc:  # main must catch everything: record what escaped
                code = f"escaped {type(exc).__name__}"
    finally:
        signal.alarm(0)
        os.chdir(old)
    return code, out.getvalue(), err.getvalue(), time.perf_counter() - t0


def verdict(code: int | str, err: str, names: list[str]) -> str:
    lines = [x for x in err.strip().splitlines() if x.strip()]
    if code == 0:
        return "ok (accepted)"
    if code != 2:
        return f"FAIL exit {code}"
    errors = [x for x in lines if x.startswith("planner: error: ")]
    if "Traceback" in err or len(errors) != 1:
        return "FAIL not one error line"
    if not any(n in errors[0] for n in names):
        return "VAGUE names no file/field/flag"
    return "ok"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", default="", help="only targets whose label contains this")
    ap.add_argument("--no-flags", action="store_true", help="skip the bad flag values")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    os.environ.setdefault("PLANNER_CONFIG_DIR", tempfile.mkdtemp(prefix="sweep_cfg_"))
    load0 = os.getloadavg()[0]
    t_start, cpu_start = time.perf_counter(), time.process_time()
    results: list[tuple[str, str, str, str, float]] = []
    with tempfile.TemporaryDirectory(prefix="sweep_") as scratch:
        tmp = Path(scratch)
        generated_inputs(tmp)
        for label, src, fmt, line in TARGETS:
            if args.only not in label:
                continue
            if isinstance(src, Path):
                name, data = src.name, src.read_bytes()
            else:
                name, data = src[0], src[1].encode()
            muts = byte_mutations() + format_mutations(fmt, data)
            for mut, make in muts:
                case = tmp / f"case_{len(results)}"
                case.mkdir()
                if isinstance(src, Path):  # files the input names (a trace's .npy, a folder)
                    for other in src.parent.iterdir():
                        if other.name != name and other.is_file():
                            shutil.copy(other, case / other.name)
                        elif other.is_dir():
                            shutil.copytree(other, case / other.name)
                target = make(case / name, data)
                argv = [w.replace("{f}", str(target)) for w in line]
                code, _out, err, secs = run(argv, case)
                first = (err.strip().splitlines() or [""])[0]
                names = [name, str(target), "--"]  # the file, or the flag that gave it
                results.append((label, mut, verdict(code, err, names), first[:220], secs))
                shutil.rmtree(case, ignore_errors=True)
        if not args.no_flags and (not args.only or args.only == "flags"):
            for case_id, argv in flag_cases():
                flag, value = argv[-2], argv[-1]
                code, _out, err, secs = run(argv, tmp)
                first = (err.strip().splitlines() or [""])[0]
                # the flag, its field (--global-batch: global_batch), or the bad value quoted
                names = [flag, flag.lstrip("-").replace("-", "_"), repr(value), f" {value}: "]
                results.append(("flags", case_id, verdict(code, err, names), first[:220], secs))
    wall, cpu = time.perf_counter() - t_start, time.process_time() - cpu_start
    bad = [r for r in results if not r[2].startswith("ok")]
    lines = [
        "# Bad-input sweep (s19polish)",
        "",
        f"`{' '.join(['bench/session_runs/s19polish/bad_input_sweep.py', *sys.argv[1:]])}`: "
        f"{len(results)} cases, {len(bad)} findings; {wall:.0f} s wall, {cpu:.0f} CPU s, "
        f"load {load0:.2f} -> {os.getloadavg()[0]:.2f}.",
        "",
        "## Findings",
        "",
        "| target | case | verdict | first stderr line |",
        "|---|---|---|---|",
        *(f"| {a} | {b} | {c} | {d.replace('|', '/')} |" for a, b, c, d, _ in bad),
        "",
        "## Every case",
        "",
        "| target | case | verdict | s | first stderr line |",
        "|---|---|---|---|---|",
        *(f"| {a} | {b} | {c} | {e:.1f} | {d.replace('|', '/')} |" for a, b, c, d, e in results),
    ]
    args.out.write_text("\n".join(lines) + "\n")
    print(f"{len(results)} cases, {len(bad)} findings -> {args.out}")
    for a, b, c, d, _ in bad:
        print(f"{a} | {b} | {c} | {d}")


if __name__ == "__main__":
    main()
