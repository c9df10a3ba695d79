"""Bad values in every input file the CLI reads (s21lib): numbers made NaN / inf / 0 / -1 /
1e308 / text / true, unknown keys, empty and truncated files, a wrong extension, and the
out-of-range values the issues name (a budget above the experts, an acceptance outside
[0, 1], a TPOT over 10 s without --allow-slow, a trace whose shape does not match the model).

s19polish's sweep (``bench/session_runs/s19polish/bad_input_sweep.py``) breaks the files'
bytes and structure (fields dropped, wrong JSON kinds); this one breaks their *values* and
covers the files it does not read (GPU tables, ``--offload`` plans, ``--from`` launches,
offload JSON Lines traces, seqpar length files, smtt JSON Lines / OR-Library text). Its
runner and verdict are reused.

    PYTHONPATH=. nice -n 10 .venv/bin/python bench/session_runs/s21lib/bad_input_sweep.py \
        [--only SUBSTRING] [--out bench/session_runs/s21lib/bad_input_sweep.md]

A case is ``ok`` when the command exits 2 with one ``planner: error:`` line naming the file
(or the field), ``accepted`` when it exits 0 (the row shows the status it printed: read it,
a NaN accepted is a finding, a value that is merely unusual is not), else a finding.
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import json
import os
import re
import shutil
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
T = ["-t", "2", "--threads", "1"]

_spec = importlib.util.spec_from_file_location(
    "s19sweep", ROOT / "bench/session_runs/s19polish/bad_input_sweep.py"
)
s19 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(s19)  # type: ignore[union-attr]
run, verdict, toml_dump = s19.run, s19.verdict, s19.toml_dump

SERVE = ["plan", "serve", "--model", "llama-3.1-8b", "--gpus", "H100:2"]
LEN = ["--prompt-tokens", "600", "--output-tokens", "150", "--tpot", "50ms"]
TRAIN = ["plan", "train", "--model", "gpt-1.7b", "--gpus", "16xA100", "-B", "64", "-s", "1024"]

#: Mixtral on one L40S with an offload plan ({f}); seqpar's plan from a length file ({f}).
MIXTRAL_OFFLOAD = [
    *["plan", "serve", "--model", "mixtral-8x7b", "--gpus", "L40S:1", "--qps", "0.1"],
    *["--prompt-tokens", "500", "--output-tokens", "100", "--tpot", "5s", "--offload", "{f}", *T],
]
SEQPAR_PLAN = [
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
    *T,
]


def solve(family: str, selector: str = "") -> list[str]:
    """``planner solve FAMILY {f}[#selector] -t 2 --threads 1``."""
    return ["solve", family, "{f}" + selector, *T]


#: Values every number of a JSON / TOML file is replaced by, in turn.
VALUES: dict[str, Any] = {
    "nan": float("nan"),
    "inf": float("inf"),
    "zero": 0,
    "negative": -1,
    "huge": 1e308,
    "text": "7",
    "true": True,
}
MAX_LEAVES = 14  # numbers per file (the first ones, then every other one)

GPU_TABLE = (ROOT / "models/hardware/h100-sxm.toml").read_text()
CLUSTER = (
    'name = "mine"\n[[pool]]\ngpu = "H100"\ncount = 8\n[[pool]]\ngpu = "A100"\ncount = 8\n'
    "nic_gbit_s = 200\n"
)
PRICES = (
    "[gpu.H100-SXM]\non_demand = 3.0\nreserved = 2.0\nspot = 1.0\nspot_preemption_per_hour = 0.05\n"
)
SERVE_TOML = (
    'name = "s"\nmodel = "llama-3.1-8b"\ngpus = "H100:2"\n[traffic]\nqps = 2\n'
    'prompt_tokens = 600\noutput_tokens = 150\n[slo]\nttft = "1s"\ntpot = "50ms"\n'
    "percentile = 99\n[constraints]\nmax_tp = 2\n"
)
SERVE_SPEC = (
    SERVE_TOML
    + '[speculative]\nmethod = "draft"\ndraft = "llama-3.2-1b"\ntokens = 3\nacceptance = 0.7\n'
)
WORKLOADS = (
    "[[workloads]]\nname = 'chat'\n[workloads.traffic]\nqps = 1\nprompt_tokens = 500\n"
    "output_tokens = 90\n[workloads.slo]\ntpot = '50ms'\n"
)
HIST_JSON = '{"values": [100, 900], "weights": [1, 3]}'
PROFILE_CSV = "hour,qps\n0,1\n1,3\n"
SMTT_JSONL = (
    '{"name": "a", "p": [3, 2, 4], "d": [2, 4, 5]}\n{"name": "b", "p": [1, 2], "d": [1, 1]}\n'
)
SEQPAR_LENGTHS = "52\n333\n210\n36\n451\n1200\n64\n"


def numbers(obj: Any, prefix: tuple = ()) -> Iterator[tuple]:
    """Paths of the numeric leaves (lists: every item of short ones, the first of long ones)."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from numbers(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj[:3] if len(obj) <= 3 else obj[:1]):
            yield from numbers(v, (*prefix, i))
    elif isinstance(obj, (int, float)) and not isinstance(obj, bool):
        yield prefix


def tables(obj: Any, prefix: tuple = ()) -> Iterator[tuple]:
    """Paths of the objects (for an unknown key in each)."""
    if isinstance(obj, dict):
        yield prefix
        for k, v in obj.items():
            yield from tables(v, (*prefix, k))
    elif isinstance(obj, list) and obj:
        yield from tables(obj[0], (*prefix, 0))


def edit(data: Any, path: tuple, value: Any) -> Any:
    new = copy.deepcopy(data)
    node = new
    for k in path[:-1]:
        node = node[k]
    if value is _DROP:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return new


_DROP = object()


def tree_cases(text: str, fmt: str) -> Iterator[tuple[str, bytes]]:
    """Value mutations of a JSON / TOML / JSON Lines document."""
    if fmt == "jsonl":
        first, *rest = text.splitlines()
        for name, body in tree_cases(first, "json"):
            yield f"line 1 {name}", body.rstrip(b"\n") + b"\n" + "\n".join(rest).encode() + b"\n"
        return
    data = json.loads(text) if fmt == "json" else tomllib.loads(text)
    dump: Callable[[Any], bytes] = (
        (lambda o: json.dumps(o).encode()) if fmt == "json" else toml_dump
    )
    paths = list(numbers(data))
    if len(paths) > MAX_LEAVES:
        paths = paths[: MAX_LEAVES // 2] + paths[MAX_LEAVES // 2 :: 2][: MAX_LEAVES // 2]
    for path in paths:
        name = ".".join(map(str, path))
        for kind, value in VALUES.items():
            if fmt == "toml" and isinstance(value, float) and not np.isfinite(value):
                # toml_dump writes repr(); TOML spells them nan / inf
                body = dump(edit(data, path, 12345.678)).replace(
                    b"12345.678", b"nan" if np.isnan(value) else b"inf"
                )
            else:
                body = dump(edit(data, path, value))
            yield f"{name}={kind}", body
    for path in list(tables(data))[:6]:
        name = ".".join(map(str, path)) or "top"
        yield f"unknown key in {name}", dump(edit(data, (*path, "no_such_key"), 1))


def text_cases(text: str) -> Iterator[tuple[str, bytes]]:
    """Number tokens of a text format (PSPLIB, OR-Library, length lists, launch args)."""
    lines = text.splitlines()
    picked = [
        i for i, line in enumerate(lines) if re.search(r"(?<![\w.])\d+(\.\d+)?(?![\w.])", line)
    ]
    step = max(1, len(picked) // 6)
    for i in picked[::step][:6]:
        for kind, token in (
            ("nan", "nan"),
            ("negative", "-1"),
            ("text", "x"),
            ("huge", "1e308"),
            ("zero", "0"),
        ):
            new = list(lines)
            new[i] = re.sub(r"(?<![\w.])\d+(\.\d+)?(?![\w.])", token, lines[i], count=1)
            yield f"line {i + 1} first number={kind}", ("\n".join(new) + "\n").encode()


def npy_cases(arr: np.ndarray) -> Iterator[tuple[str, bytes]]:
    import io

    def save(a: np.ndarray) -> bytes:
        buf = io.BytesIO()
        np.save(buf, a)
        return buf.getvalue()

    f = arr.astype(float)
    yield "nan count", save(np.where(np.arange(f.size).reshape(f.shape) == 5, np.nan, f))
    yield "inf count", save(np.where(np.arange(f.size).reshape(f.shape) == 5, np.inf, f))
    yield "negative count", save(np.where(np.arange(f.size).reshape(f.shape) == 5, -3, arr))
    yield "fractional count", save(f + 0.5)
    yield "huge count", save(np.full(arr.shape, 1e308))
    yield "one layer more than the model", save(np.concatenate([arr, arr[:, :1]], axis=1))
    yield "one expert fewer than the model", save(arr[:, :, :-1])
    yield "2-D array", save(arr[0])
    yield "text array", save(arr.astype(str))
    yield "zero steps", save(arr[:0])


# (label, file name, base text / bytes, format, command line with {f}, companions)
Target = tuple[str, str, Any, str, list[str], dict[str, Any]]


def targets(tmp: Path) -> list[Target]:
    """Every file type the CLI reads, from a bundled or generated valid example."""
    from planner.cli import main

    made = tmp / "_made"
    made.mkdir()

    def gen(args: list[str]) -> None:
        code, _o, err, _s = run(args, made)
        if code != 0:
            raise SystemExit(f"setup failed: {' '.join(args)}: {err.strip()[:300]}")

    gen(
        [
            "solve",
            "offload",
            str(INST / "offload/tide_trace.npy"),
            "-m",
            "lru",
            *T,
            "-o",
            str(made / "plan.json"),
        ]
    )
    gen(
        [
            "gen",
            "offload",
            "--preset",
            "mixtral-8x7b",
            "--steps",
            "4",
            "--budget",
            "2",
            "--overlap",
            "-o",
            str(made / "mix.json"),
        ]
    )
    gen(
        [
            "solve",
            "offload",
            str(made / "mix.json"),
            "-m",
            "lru",
            *T,
            "-o",
            str(made / "mixplan.json"),
        ]
    )
    gen(
        [
            "gen",
            "offload",
            "--preset",
            "mixtral-8x7b",
            "--steps",
            "4",
            "--budget",
            "2",
            "-o",
            str(made / "mix.jsonl"),
        ]
    )
    launches = {}
    for fw, suffix in (
        ("megatron", ".txt"),
        ("nemo", ".txt"),
        ("deepspeed", ".json"),
        ("torchtitan", ".toml"),
    ):
        path = made / f"{fw}{suffix}"
        gen([*TRAIN, "--fix", "tp=2,pp=2", "--export", fw, "--out", str(path), *T])
        launches[fw] = path.read_text()
    del main
    tide = json.loads((INST / "offload/tide_trace.json").read_text())
    tide_npy = np.load(INST / "offload/tide_trace.npy")
    comp_tide = {"tide_trace.npy": (INST / "offload/tide_trace.npy").read_bytes()}
    mixplan = (made / "mixplan.json").read_text()
    out: list[Target] = [
        ("serve problem toml", "s.toml", SERVE_TOML, "toml", solve("serve"), {}),
        (
            "serve problem toml speculative",
            "s.toml",
            SERVE_SPEC,
            "toml",
            solve("serve"),
            {},
        ),
        (
            "serve problem json",
            "s.json",
            (INST / "serve/offline-8b.json").read_text(),
            "json",
            solve("serve"),
            {},
        ),
        (
            "cluster toml (serve --gpus)",
            "c.toml",
            CLUSTER,
            "toml",
            [*SERVE[:4], "--gpus", "{f}", "--qps", "2", *LEN, *T],
            {},
        ),
        (
            "cluster toml (train --gpus)",
            "c.toml",
            CLUSTER,
            "toml",
            ["plan", "train", "--model", "gpt-1.7b", "--gpus", "{f}", "-B", "64", "-s", "1024", *T],
            {},
        ),
        (
            "GPU table (--gpus 8xF)",
            "g.toml",
            GPU_TABLE,
            "toml",
            [*SERVE[:4], "--gpus", "8x{f}", "--qps", "2", *LEN, *T],
            {},
        ),
        (
            "prices toml",
            "p.toml",
            PRICES,
            "toml",
            [*SERVE, "--qps", "2", *LEN, "--prices", "{f}", "--pricing", "on-demand", *T],
            {},
        ),
        ("workloads toml", "w.toml", WORKLOADS, "toml", [*SERVE, "--workloads", "{f}", *T], {}),
        (
            "length histogram json",
            "h.json",
            HIST_JSON,
            "json",
            [
                *SERVE,
                "--qps",
                "2",
                "--prompt-tokens",
                "{f}",
                "--output-tokens",
                "150",
                "--tpot",
                "50ms",
                *T,
            ],
            {},
        ),
        (
            "serve trace jsonl",
            "t.jsonl",
            (INST / "serve/traces/trace-8b.jsonl").read_text()[:2000].rsplit("\n", 1)[0] + "\n",
            "jsonl",
            [*SERVE, "--trace", "{f}", "--tpot", "50ms", *T],
            {},
        ),
        (
            "day profile csv",
            "d.csv",
            PROFILE_CSV,
            "text",
            [*SERVE, *LEN, "--profile", "{f}", *T],
            {},
        ),
        (
            "--offload plan json",
            "plan.json",
            mixplan,
            "json",
            MIXTRAL_OFFLOAD,
            {},
        ),
        (
            "train problem json",
            "tr.json",
            (INST / "train/toy-8xa100.json").read_text(),
            "json",
            solve("train"),
            {"configs/toy-config.json": (INST / "train/configs/toy-config.json").read_bytes()},
        ),
        (
            "train problem toml",
            "tr.toml",
            (INST / "train/llama-8b-64xh100.toml").read_text(),
            "toml",
            solve("train"),
            {},
        ),
        (
            "--from megatron",
            "m.txt",
            launches["megatron"],
            "text",
            [*TRAIN[:6], "--from", "megatron", "{f}", *T],
            {},
        ),
        (
            "--from nemo",
            "n.txt",
            launches["nemo"],
            "text",
            [*TRAIN[:6], "--from", "nemo", "{f}", *T],
            {},
        ),
        (
            "--from deepspeed",
            "ds.json",
            launches["deepspeed"],
            "json",
            [*TRAIN[:6], "-s", "1024", "--from", "deepspeed", "{f}", *T],
            {},
        ),
        (
            "--from torchtitan",
            "tt.toml",
            launches["torchtitan"],
            "toml",
            [*TRAIN[:6], "--from", "torchtitan", "{f}", *T],
            {},
        ),
        (
            "offload trace json (header)",
            "tide_trace.json",
            json.dumps(tide),
            "json",
            solve("offload"),
            comp_tide,
        ),
        (
            "offload trace npy",
            "tide_trace.npy",
            tide_npy,
            "npy",
            solve("offload"),
            {"tide_trace.json": json.dumps(tide).encode()},
        ),
        (
            "offload trace jsonl",
            "mix.jsonl",
            (made / "mix.jsonl").read_text(),
            "jsonl",
            solve("offload"),
            {},
        ),
        (
            "seqpar lengths (plan)",
            "len.txt",
            SEQPAR_LENGTHS,
            "text",
            SEQPAR_PLAN,
            {},
        ),
        (
            "seqpar lengths (gen)",
            "len.txt",
            SEQPAR_LENGTHS,
            "text",
            ["gen", "seqpar", "--lengths", "{f}", "--batch", "16", "--gpus", "16", "--seed", "1"],
            {},
        ),
        (
            "seqpar instance json",
            "sp.json",
            (INST / "seqpar/example.json").read_text(),
            "json",
            solve("seqpar"),
            {},
        ),
        (
            "pipelining loop json",
            "loop.json",
            (INST / "pipelining/gemm_hopper.json").read_text(),
            "json",
            solve("pipelining"),
            {},
        ),
        (
            "rcpsp sm",
            "j.sm",
            (INST / "rcpsp/j301_1.sm").read_text(),
            "text",
            solve("rcpsp"),
            {},
        ),
        (
            "rcpsp SCH",
            "P.SCH",
            (INST / "rcpsp/PSP1.SCH").read_text(),
            "text",
            solve("rcpsp"),
            {},
        ),
        (
            "rcpsp json",
            "r.json",
            (INST / "rcpsp/datacenter_migration.json").read_text(),
            "json",
            solve("rcpsp"),
            {},
        ),
        ("smtt jsonl", "s.jsonl", SMTT_JSONL, "jsonl", solve("smtt"), {}),
        (
            "smtt OR-Library",
            "wt.txt",
            (INST / "smtt/wt40_first3.txt").read_text(),
            "text",
            solve("smtt", "#0"),
            {},
        ),
    ]
    return out


def issue_cases(tmp: Path) -> list[tuple[str, str, dict[str, Any], list[str]]]:
    """The out-of-range values the issues name, and wrong extensions."""
    tide = json.loads((INST / "offload/tide_trace.json").read_text())
    npy = (INST / "offload/tide_trace.npy").read_bytes()
    arr = np.load(INST / "offload/tide_trace.npy")
    big = {**tide, "hardware": {**tide["hardware"], "budget": 300}}
    shared_only = {**tide, "hardware": {**tide["hardware"], "budget": 0}}
    glob_big = {
        **tide,
        "hardware": {k: v for k, v in tide["hardware"].items() if k != "budget"}
        | {"global_budget": 10**6},
    }
    dense = {**tide, "counts": arr[:2].tolist()}
    dense_bad = {**tide, "counts": arr[:2, :, :-1].tolist()}
    acc = SERVE_SPEC.replace("acceptance = 0.7", "acceptance = 1.5")
    acc_neg = SERVE_SPEC.replace("acceptance = 0.7", "acceptance = -0.1")
    slow = SERVE_TOML.replace('tpot = "50ms"', 'tpot = "20s"')
    slow_ok = SERVE_TOML.replace('tpot = "50ms"', 'tpot = "20s"\nallow_slow = true')
    return [
        (
            "offload budget above experts (300 > 257)",
            "o.json",
            {"o.json": json.dumps(big), "tide_trace.npy": npy},
            solve("offload"),
        ),
        (
            "offload budget 0 (below the shared expert)",
            "o.json",
            {"o.json": json.dumps(shared_only), "tide_trace.npy": npy},
            solve("offload"),
        ),
        (
            "offload global_budget above all experts",
            "o.json",
            {"o.json": json.dumps(glob_big), "tide_trace.npy": npy},
            solve("offload"),
        ),
        (
            "offload inline counts (valid)",
            "o.json",
            {"o.json": json.dumps(dense)},
            solve("offload"),
        ),
        (
            "offload inline counts, one expert short",
            "o.json",
            {"o.json": json.dumps(dense_bad)},
            solve("offload"),
        ),
        (
            "offload npy, header of another model",
            "tide_trace.npy",
            {
                "tide_trace.npy": npy,
                "tide_trace.json": json.dumps({**tide, "model": {**tide["model"], "layers": 19}}),
            },
            solve("offload"),
        ),
        ("serve acceptance 1.5 (file)", "s.toml", {"s.toml": acc}, solve("serve")),
        (
            "serve acceptance -0.1 (file)",
            "s.toml",
            {"s.toml": acc_neg},
            solve("serve"),
        ),
        (
            "serve acceptance 1.5 (flag)",
            "x",
            {},
            [
                *SERVE,
                "--qps",
                "2",
                *LEN,
                "--speculative",
                "draft",
                "--draft-model",
                "llama-3.2-1b",
                "--spec-acceptance",
                "1.5",
                *T,
            ],
        ),
        ("serve TPOT 20 s in a file", "s.toml", {"s.toml": slow}, solve("serve")),
        (
            "serve TPOT 20 s in a file with allow_slow",
            "s.toml",
            {"s.toml": slow_ok},
            solve("serve"),
        ),
        (
            "serve TPOT 20 s flag",
            "x",
            {},
            [
                *SERVE,
                "--qps",
                "2",
                "--prompt-tokens",
                "600",
                "--output-tokens",
                "150",
                "--tpot",
                "20s",
                *T,
            ],
        ),
        (
            "serve problem as .json holding TOML",
            "s.json",
            {"s.json": SERVE_TOML},
            solve("serve"),
        ),
        ("serve problem .yaml", "s.yaml", {"s.yaml": SERVE_TOML}, solve("serve")),
        (
            "cluster .json holding TOML",
            "c.json",
            {"c.json": CLUSTER},
            [*SERVE[:4], "--gpus", "{f}", "--qps", "2", *LEN, *T],
        ),
        (
            "prices .json",
            "p.json",
            {"p.json": PRICES},
            [*SERVE, "--qps", "2", *LEN, "--prices", "{f}", *T],
        ),
        ("profile .txt", "d.txt", {"d.txt": PROFILE_CSV}, [*SERVE, *LEN, "--profile", "{f}", *T]),
        (
            "profile csv nan",
            "d.csv",
            {"d.csv": "hour,qps\n0,nan\n1,3\n"},
            [*SERVE, *LEN, "--profile", "{f}", *T],
        ),
        (
            "profile csv inf",
            "d.csv",
            {"d.csv": "hour,qps\n0,inf\n1,3\n"},
            [*SERVE, *LEN, "--profile", "{f}", *T],
        ),
        (
            "profile csv negative",
            "d.csv",
            {"d.csv": "hour,qps\n0,-2\n1,3\n"},
            [*SERVE, *LEN, "--profile", "{f}", *T],
        ),
        ("profile csv empty", "d.csv", {"d.csv": ""}, [*SERVE, *LEN, "--profile", "{f}", *T]),
        (
            "profile csv short row",
            "d.csv",
            {"d.csv": "hour,qps\n0\n"},
            [*SERVE, *LEN, "--profile", "{f}", *T],
        ),
        (
            "profile jsonl without arrivals",
            "d.jsonl",
            {"d.jsonl": '{"prompt_tokens": 5, "output_tokens": 5}\n' * 3},
            [*SERVE, *LEN, "--profile", "{f}", *T],
        ),
        (
            "--offload plan of another model (TIDE's llada2 plan, mixtral)",
            "plan.json",
            {"plan.json": (tmp / "_made/plan.json").read_text()},
            MIXTRAL_OFFLOAD,
        ),
        (
            "--offload .npy",
            "plan.npy",
            {"plan.npy": npy},
            MIXTRAL_OFFLOAD,
        ),
        (
            "seqpar lengths csv",
            "l.csv",
            {"l.csv": "length\n52\n333\n"},
            SEQPAR_PLAN,
        ),
        (
            "seqpar lengths empty",
            "l.txt",
            {"l.txt": ""},
            SEQPAR_PLAN,
        ),
        (
            "seqpar lengths fractional",
            "l.txt",
            {"l.txt": "52.5\n333\n"},
            SEQPAR_PLAN,
        ),
        (
            "seqpar length above max-len",
            "l.txt",
            {"l.txt": "52\n10000000\n"},
            SEQPAR_PLAN,
        ),
        (
            "rcpsp .sm named .json",
            "j.json",
            {"j.json": (INST / "rcpsp/j301_1.sm").read_text()},
            solve("rcpsp"),
        ),
        (
            "rcpsp .SCH named .sm",
            "P.sm",
            {"P.sm": (INST / "rcpsp/PSP1.SCH").read_text()},
            solve("rcpsp"),
        ),
        (
            "smtt OR-Library index out of range",
            "wt.txt",
            {"wt.txt": (INST / "smtt/wt40_first3.txt").read_text()},
            solve("smtt", "#7"),
        ),
        (
            "smtt OR-Library truncated",
            "wt.txt",
            {"wt.txt": (INST / "smtt/wt40_first3.txt").read_text()[:300]},
            solve("smtt"),
        ),
        ("smtt jsonl named .json", "s.json", {"s.json": SMTT_JSONL}, solve("smtt")),
        (
            "pipelining loop named .toml",
            "l.toml",
            {"l.toml": (INST / "pipelining/gemm_hopper.json").read_text()},
            solve("pipelining"),
        ),
        (
            "train problem .json holding TOML",
            "t.json",
            {"t.json": (INST / "train/llama-8b-64xh100.toml").read_text()},
            solve("train"),
        ),
    ]


def status_of(out: str) -> str:
    m = re.search(r"\b(OPTIMAL|FEASIBLE|INFEASIBLE|UNKNOWN)\b", out)
    return m.group(1) if m else ""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", default="")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    os.environ.setdefault("PLANNER_CONFIG_DIR", tempfile.mkdtemp(prefix="s21_cfg_"))
    load0 = os.getloadavg()[0]
    t0, c0 = time.perf_counter(), time.process_time()
    rows: list[tuple[str, str, str, str, str, float]] = []
    with tempfile.TemporaryDirectory(prefix="s21sweep_") as scratch:
        tmp = Path(scratch)

        def one(label: str, mut: str, files: dict[str, Any], name: str, line: list[str]) -> None:
            case = tmp / f"case_{len(rows)}"
            case.mkdir()
            for fname, body in files.items():
                (case / fname).parent.mkdir(parents=True, exist_ok=True)
                data = body if isinstance(body, bytes) else str(body).encode()
                (case / fname).write_bytes(data)
            target = case / name
            argv = [w.replace("{f}", str(target)) for w in line]
            code, out, err, secs = run(argv, case)
            first = (err.strip().splitlines() or [""])[0]
            v = verdict(code, err, [name, str(target), "--"])
            if code == 0:
                v = f"accepted {status_of(out)}".strip()
            rows.append(
                (label, mut, v, first[:240], " ".join(line).replace(str(tmp), "")[:160], secs)
            )
            shutil.rmtree(case, ignore_errors=True)

        for label, name, base, fmt, line, comp in targets(tmp):
            if args.only and args.only not in label:
                continue
            if fmt == "npy":
                muts = list(npy_cases(base))
            elif fmt in ("json", "toml", "jsonl"):
                muts = list(tree_cases(base, fmt))
            else:
                muts = list(text_cases(base))
            text = base if isinstance(base, str) else ""
            if text:
                muts = [("empty file", b""), ("truncated", text[: len(text) // 2].encode()), *muts]
            for mut, body in muts:
                one(label, mut, {**comp, name: body}, name, line)
        for label, name, files, line in issue_cases(tmp):
            if args.only and args.only not in label:
                continue
            one("issue", label, files, name, line)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    findings = [r for r in rows if not r[2].startswith(("ok", "accepted"))]
    accepted = [r for r in rows if r[2].startswith("accepted")]
    lines = [
        "# Bad-value sweep (s21lib)",
        "",
        f"`{' '.join(['bench/session_runs/s21lib/bad_input_sweep.py', *sys.argv[1:]])}`: {len(rows)} cases, "
        f"{len(findings)} not exit 2 with one line naming the file, {len(accepted)} accepted (exit 0; read them); "
        f"{wall:.0f} s wall, {cpu:.0f} CPU s, load {load0:.2f} -> {os.getloadavg()[0]:.2f}.",
        "",
        "## Findings (exit code other than 0 / 2, more than one line, or naming nothing)",
        "",
        "| file type | variant | verdict | first stderr line |",
        "|---|---|---|---|",
        *(f"| {a} | {b} | {c} | {d.replace('|', '/')} |" for a, b, c, d, _e, _s in findings),
        "",
        "## Accepted (exit 0)",
        "",
        "| file type | variant | status | first stderr line |",
        "|---|---|---|---|",
        *(f"| {a} | {b} | {c} | {d.replace('|', '/')} |" for a, b, c, d, _e, _s in accepted),
        "",
        "## Every case",
        "",
        "| file type | variant | command | verdict | s | first stderr line |",
        "|---|---|---|---|---|---|",
        *(
            f"| {a} | {b} | `{e}` | {c} | {s:.1f} | {d.replace('|', '/')} |"
            for a, b, c, d, e, s in rows
        ),
    ]
    args.out.write_text("\n".join(lines) + "\n")
    print(f"{len(rows)} cases, {len(findings)} findings, {len(accepted)} accepted -> {args.out}")


if __name__ == "__main__":
    main()
