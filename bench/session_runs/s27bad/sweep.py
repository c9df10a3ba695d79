"""Bad-input sweep, twenty-seventh session: every command, every input format, corrupted.

Derives broken inputs from valid ones and runs each through the CLI in-process
(``planner.cli.main``; solver lines carry ``--threads 1 -t 2``), then classifies it:

* ``ok``: exit 2 with one ``planner: error: ...`` line naming the file, field or flag;
* ``accepted``: exit 0 (the change left the input valid), ``infeasible``: exit 0 and the
  output says INFEASIBLE;
* ``WRONG ...``: a traceback, an exit other than 0/2, more than one error line, a message
  naming no file/field/flag, a hang past 60 s, an input file changed, or exit 0 on a
  non-finite number / a float for an int / a bool for a number (silently coerced).

Mutations beyond s19polish's sweep (bench/session_runs/s19polish/bad_input_sweep.py, which
this one extends): leaf values NaN / Infinity / 1e309 / float-for-int / bool / nested list /
zero / huge; empty arrays; duplicated list items; unknown keys; UTF-16 and BOM encodings;
/dev/null and an unreadable (chmod 000) file; ``--out`` in a missing folder or equal to
the input; contradictory flags.

    PYTHONPATH=. nice -n 10 .venv/bin/python bench/session_runs/s27bad/sweep.py \
        [--only SUBSTRING] [--rows rows.jsonl]

Writes one JSON line per case to ``--rows``; ``--table`` renders rows files into Markdown.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import hashlib
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
HERE = Path(__file__).parent
TIME = ["-t", "2", "--threads", "1"]

SERVE = ["plan", "serve", "--model", "llama-3.1-8b", "--gpus", "H100:2", "--qps", "2"]
SERVE_LEN = ["--prompt-tokens", "600", "--output-tokens", "150", "--tpot", "50ms"]
TRAIN = ["plan", "train", "--model", "gpt-1.7b", "--gpus", "16xA100", "-B", "64", "-s", "1024"]
MIX = ["plan", "serve", "--model", "mixtral-8x7b", "--gpus", "L40S:1"]
MIX_LEN = ["--prompt-tokens", "512", "--output-tokens", "128", *TIME]

#: (label, family, bundled file or (name, text), format, command line with {f} for the file)
Target = tuple[str, str, Path | tuple[str, str], str, list[str]]
TARGETS: list[Target] = [
    (
        "solve smtt json",
        "smtt",
        INST / "smtt/example.json",
        "json",
        ["solve", "smtt", "{f}", *TIME],
    ),
    (
        "solve smtt jsonl",
        "smtt",
        INST / "smtt/tkindt_n100_sample.jsonl",
        "jsonl",
        ["solve", "smtt", "{f}", *TIME],
    ),
    (
        "solve smtt orlib",
        "smtt",
        INST / "smtt/wt40_first3.txt",
        "text",
        ["solve", "smtt", "{f}", *TIME],
    ),
    (
        "bench smtt --reference",
        "smtt",
        INST / "smtt/wtopt40_first3.txt",
        "text",
        ["bench", "smtt", str(INST / "smtt/wt40_first3.txt"), "--reference", "{f}", *TIME],
    ),
    ("solve rcpsp sm", "rcpsp", INST / "rcpsp/j301_1.sm", "text", ["solve", "rcpsp", "{f}", *TIME]),
    (
        "solve rcpsp rcp",
        "rcpsp",
        INST / "rcpsp/example.rcp",
        "text",
        ["solve", "rcpsp", "{f}", *TIME],
    ),
    ("solve rcpsp sch", "rcpsp", INST / "rcpsp/PSP1.SCH", "text", ["solve", "rcpsp", "{f}", *TIME]),
    (
        "solve rcpsp json",
        "rcpsp",
        INST / "rcpsp/datacenter_migration.json",
        "json",
        ["solve", "rcpsp", "{f}", *TIME],
    ),
    (
        "solve train json",
        "train",
        INST / "train/toy-8xa100.json",
        "json",
        ["solve", "train", "{f}", *TIME],
    ),
    (
        "solve train toml",
        "train",
        INST / "train/llama-8b-64xh100.toml",
        "toml",
        ["solve", "train", "{f}", *TIME],
    ),
    (
        "plan train --gpus toml",
        "train",
        INST / "train/clusters/h100-two-nics.toml",
        "toml",
        ["plan", "train", "--model", "gpt-1.7b", "--gpus", "{f}", "-B", "64", "-s", "1024", *TIME],
    ),
    (
        "plan train --model json",
        "train",
        INST / "train/configs/toy-config.json",
        "json",
        ["plan", "train", "--model", "{f}", "--gpus", "8xA100", "-B", "16", "-s", "512", *TIME],
    ),
    (
        "plan train --from megatron",
        "train",
        ("launch.sh", ""),
        "text",
        [
            "plan",
            "train",
            "--model",
            "gpt-1.7b",
            "--gpus",
            "16xA100",
            "--from",
            "megatron",
            "{f}",
            *TIME,
        ],
    ),
    (
        "plan train --from deepspeed",
        "train",
        ("ds.json", ""),
        "json",
        [
            "plan",
            "train",
            "--model",
            "gpt-1.7b",
            "--gpus",
            "16xA100",
            "--from",
            "deepspeed",
            "{f}",
            *TIME,
        ],
    ),
    (
        "plan train --prices",
        "train",
        ROOT / "models/prices/gpu-hour.toml",
        "toml",
        [*TRAIN, "--objective", "cost", "--prices", "{f}", *TIME],
    ),
    ("plan compare", "train", ("plan.json", ""), "json", ["plan", "compare", "{f}", "{f}"]),
    (
        "solve serve toml",
        "serve",
        INST / "serve/chat-70b.toml",
        "toml",
        ["solve", "serve", "{f}", *TIME],
    ),
    (
        "solve serve json",
        "serve",
        INST / "serve/offline-8b.json",
        "json",
        ["solve", "serve", "{f}", *TIME],
    ),
    (
        "solve serve fleet",
        "serve",
        INST / "serve/fleet-3x3.toml",
        "toml",
        ["solve", "serve", "{f}", *TIME],
    ),
    (
        "plan serve --trace",
        "serve",
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
            *TIME,
        ],
    ),
    (
        "plan serve --gpus toml",
        "serve",
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
            *TIME,
        ],
    ),
    (
        "plan serve --model json",
        "serve",
        INST / "train/configs/toy-config.json",
        "json",
        ["plan", "serve", "--model", "{f}", "--gpus", "H100:2", "--qps", "2", *SERVE_LEN, *TIME],
    ),
    (
        "plan serve hist csv",
        "serve",
        ("hist.csv", "tokens,weight\n100,1\n900,3\n"),
        "csv",
        [*SERVE, "--prompt-tokens", "{f}", "--output-tokens", "150", "--tpot", "50ms", *TIME],
    ),
    (
        "plan serve hist json",
        "serve",
        ("hist.json", '{"values": [100, 900], "weights": [1, 3]}'),
        "json",
        [*SERVE, "--prompt-tokens", "{f}", "--output-tokens", "150", "--tpot", "50ms", *TIME],
    ),
    (
        "plan serve hist toml",
        "serve",
        ("hist.toml", "values = [100, 900]\nweights = [1, 3]\n"),
        "toml",
        [*SERVE, "--prompt-tokens", "{f}", "--output-tokens", "150", "--tpot", "50ms", *TIME],
    ),
    (
        "plan serve --workloads toml",
        "serve",
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
            *TIME,
        ],
    ),
    (
        "plan serve --workloads json",
        "serve",
        (
            "wl.json",
            json.dumps(
                {
                    "workloads": [
                        {
                            "name": "chat",
                            "traffic": {"qps": 1, "prompt_tokens": 500, "output_tokens": 90},
                            "slo": {"tpot": "50ms"},
                        }
                    ]
                }
            ),
        ),
        "json",
        [
            "plan",
            "serve",
            "--model",
            "llama-3.1-8b",
            "--gpus",
            "H100:2",
            "--workloads",
            "{f}",
            *TIME,
        ],
    ),
    (
        "plan serve --prices",
        "serve",
        ROOT / "models/prices/gpu-hour.toml",
        "toml",
        [*SERVE, *SERVE_LEN, "--prices", "{f}", "--pricing", "on-demand", *TIME],
    ),
    (
        "plan serve --profile csv",
        "serve",
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
            *TIME,
        ],
    ),
    (
        "plan serve --offload",
        "serve",
        ("offplan.json", ""),
        "json",
        [*MIX, "--offload", "{f}", *MIX_LEN],
    ),
    (
        "solve seqpar json",
        "seqpar",
        INST / "seqpar/example.json",
        "json",
        ["solve", "seqpar", "{f}", *TIME],
    ),
    (
        "plan seqpar --lengths",
        "seqpar",
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
            *TIME,
        ],
    ),
    (
        "solve pipelining json",
        "pipelining",
        INST / "pipelining/gemm_hopper.json",
        "json",
        ["solve", "pipelining", "{f}", *TIME],
    ),
    (
        "plan pipelining",
        "pipelining",
        INST / "pipelining/fa3_fwd_hopper.json",
        "json",
        ["plan", "pipelining", "{f}", *TIME],
    ),
    (
        "solve offload json",
        "offload",
        INST / "offload/tide_trace.json",
        "json",
        ["solve", "offload", "{f}", *TIME],
    ),
    (
        "solve offload npy",
        "offload",
        INST / "offload/tide_trace.npy",
        "npy",
        ["solve", "offload", "{f}", *TIME],
    ),
    (
        "gen offload --counts",
        "offload",
        INST / "offload/tide_trace.npy",
        "npy",
        ["gen", "offload", "--preset", "llada2-mini", "--counts", "{f}"],
    ),
    (
        "bench suite smtt",
        "bench",
        INST / "smtt/example.json",
        "json",
        ["bench", "smtt", "{f}", *TIME],
    ),
    ("bench --compare", "bench", ("runs.csv", ""), "csv", ["bench", "--compare", "{f}", "{f}"]),
    (
        "bench --heuristic",
        "bench",
        ("rule.py", "def rule(view):\n    return sorted(range(len(view.p)))\n"),
        "py",
        ["bench", "smtt", str(INST / "smtt/example.json"), "--heuristic", "{f}:rule", *TIME],
    ),
    (
        "solve -m FILE.py",
        "smtt",
        ("rule.py", "def rule(view):\n    return sorted(range(len(view.p)))\n"),
        "py",
        ["solve", "smtt", str(INST / "smtt/example.json"), "-m", "{f}:rule", *TIME],
    ),
    (
        "calibrate --rows",
        "perfmodel",
        (
            "rows.csv",
            "model,gpu,gpus,global_batch,seq_len,tp,pp,dp,microbatch,step_time_s,recompute,id\n"
            "gpt-1.7b,H100,16,64,1024,1,1,16,4,1.0,none,dp16\n"
            "gpt-1.7b,H100,16,64,1024,2,1,8,4,1.2,none,tp2\n",
        ),
        "csv",
        ["calibrate", "--rows", "{f}", "--profile", "sweep"],
    ),
]


def generated_inputs(tmp: Path) -> None:
    """Files the generated targets copy from real runs (plan JSON, bench CSV, launches, ...)."""
    from planner.cli import main

    made = {
        "plan.json": [*TRAIN, "-t", "5", "--out", str(tmp / "plan.json")],
        "runs.csv": [
            "bench",
            "smtt",
            str(INST / "smtt/example.json"),
            "-t",
            "1",
            "--csv",
            str(tmp / "runs.csv"),
        ],
        "launch.sh": [*TRAIN, "-t", "5", "--export", "megatron", "-o", str(tmp / "launch.sh")],
        "ds.json": [*TRAIN, "-t", "5", "--export", "deepspeed", "-o", str(tmp / "ds.json")],
        "mix.json": [
            "gen",
            "offload",
            "--preset",
            "mixtral-8x7b",
            "--steps",
            "8",
            "--budget",
            "2",
            "--overlap",
            "-o",
            str(tmp / "mix.json"),
        ],
        "offplan.json": [
            "solve",
            "offload",
            str(tmp / "mix.json"),
            "-t",
            "5",
            "-o",
            str(tmp / "offplan.json"),
        ],
    }
    with quiet():
        for args in made.values():
            with contextlib.suppress(SystemExit):
                main(args)
    for i, (label, fam, src, fmt, line) in enumerate(TARGETS):
        if isinstance(src, tuple) and src[1] == "":
            TARGETS[i] = (label, fam, (src[0], (tmp / src[0]).read_text()), fmt, line)


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


def byte_mutations(fmt: str) -> list[Mutation]:
    rnd = random.Random(27)
    garbage = bytes(rnd.randrange(256) for _ in range(512))

    def directory(p: Path, _d: bytes) -> Path:
        p.mkdir()
        return p

    def unreadable(p: Path, d: bytes) -> Path:
        write(p, d)
        p.chmod(0)
        return p

    muts: list[Mutation] = [
        ("empty", lambda p, d: write(p, b"")),
        ("truncated", lambda p, d: write(p, d[: max(1, len(d) // 2)])),
        ("garbage", lambda p, d: write(p, garbage)),
        (
            "utf-16",
            lambda p, d: (
                write(p, d.decode("utf-8").encode("utf-16")) if fmt != "npy" else write(p, garbage)
            ),
        ),
        ("directory", directory),
        ("dev-null", lambda p, d: Path("/dev/null")),
        ("missing", lambda p, d: p),
    ]
    if fmt != "npy":
        muts.insert(4, ("utf-8 BOM", lambda p, d: write(p, b"\xef\xbb\xbf" + d)))
    if os.geteuid() != 0:  # root reads a chmod 000 file anyway
        muts.append(("chmod 000", unreadable))
    return muts


NONFINITE = {"NaN": "NaN", "Infinity": "Infinity", "1e309": "1e309"}


def value_variants(v: Any) -> list[tuple[str, Any]]:
    """Wrong values for one leaf, by its type ('@raw:' values are spliced into the JSON text)."""
    out: list[tuple[str, Any]] = [("null", None), ("nested-list", [[1]])]
    if isinstance(v, bool):
        out += [("string", "x"), ("int", 2)]
    elif isinstance(v, (int, float)):
        out += [("string", "x"), ("bool", True), ("negative", -1), ("zero", 0), ("huge", 10**30)]
        out += [(k, f"@raw:{r}") for k, r in NONFINITE.items()]
        if isinstance(v, int):
            out.append(("float-for-int", v + 0.5))
    elif isinstance(v, str):
        out += [("number", 7), ("empty-string", ""), ("bool", True)]
    elif isinstance(v, list):
        out += [("empty-list", []), ("string", "x")]
        if v and isinstance(v[0], dict):
            out.append(("duplicate-item", [v[0], *v]))
        if v and isinstance(v[0], (int, float)) and not isinstance(v[0], bool):
            for k, r in (("item-nan", "NaN"), ("item-1e309", "1e309")):
                out.append((k, "@raw:[" + ", ".join([r, *map(json.dumps, v[1:])]) + "]"))
            out += [("item-string", ["x", *v[1:]]), ("item-negative", [-1, *v[1:]])]
            if isinstance(v[0], int):
                out.append(("item-float", [v[0] + 0.5, *v[1:]]))
    elif isinstance(v, dict):
        out += [("string", "x"), ("empty-table", {}), ("unknown-key", {**v, "zz_unknown": 1})]
    return out


def tree_mutations(data: Any, dump: Callable[[Any], bytes], toml: bool) -> list[Mutation]:
    """Each field (three levels deep) dropped or given each wrong value of its type."""
    out: list[Mutation] = []

    def paths(obj: Any, prefix: tuple = (), depth: int = 0) -> Iterator[tuple[tuple, Any]]:
        if isinstance(obj, dict):
            for k, v in obj.items():
                yield (*prefix, k), v
                if depth < 2:
                    yield from paths(v, (*prefix, k), depth + 1)
        elif isinstance(obj, list) and obj and isinstance(obj[0], dict) and depth < 2:
            yield from paths(obj[0], (*prefix, 0), depth + 1)

    def edited(path: tuple, value: Any, drop: bool) -> bytes:
        new = copy.deepcopy(data)
        obj = new
        for k in path[:-1]:
            obj = obj[k]
        raw = None
        if drop:
            del obj[path[-1]]
        elif isinstance(value, str) and value.startswith("@raw:"):
            raw = value[5:]
            obj[path[-1]] = "@@RAW@@"
        else:
            obj[path[-1]] = value
        text = dump(new)
        if raw is not None:
            if toml:
                raw = {"NaN": "nan", "Infinity": "inf"}.get(raw, raw).replace("NaN", "nan")
            text = text.replace(b'"@@RAW@@"', raw.encode())
        return text

    if isinstance(data, dict):
        out.append(
            ("unknown top-level key", lambda p, d: write(p, dump({**data, "zz_unknown": 1})))
        )
    for path, value in paths(data):
        name = ".".join(str(k) for k in path)
        with contextlib.suppress(Exception):
            text = edited(path, None, True)
            out.append((f"drop {name}", lambda p, d, t=text: write(p, t)))
        for kind, bad in value_variants(value):
            if toml and bad is None:
                continue
            with contextlib.suppress(Exception):
                text = edited(path, bad, False)
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

    def table(prefix: str, d: dict) -> list[str]:
        lines = [
            f"{json.dumps(k)} = {value(v)}"
            for k, v in d.items()
            if not isinstance(v, dict)
            and not (isinstance(v, list) and v and all(isinstance(x, dict) for x in v))
        ]
        for k, v in d.items():
            name = f"{prefix}.{json.dumps(k)}" if prefix else json.dumps(k)
            if isinstance(v, dict):
                lines += [f"[{name}]", *table(name, v)]
            elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
                for x in v:
                    lines += [f"[[{name}]]", *table(name, x)]
        return lines

    return ("\n".join(table("", obj)) + "\n").encode()


def text_mutations(data: bytes) -> list[Mutation]:
    """Numeric tokens of a text format (PSPLIB, OR-Library, lengths) replaced one at a time."""
    import re

    text = data.decode()
    nums = [m for m in re.finditer(r"(?<![\w.-])\d+(?![\w.])", text)]
    rnd = random.Random(27)
    picks = sorted(rnd.sample(range(len(nums)), min(6, len(nums)))) if nums else []
    out: list[Mutation] = []
    for i in picks:
        m = nums[i]
        for kind, rep in (
            ("nan", "nan"),
            ("float", m.group() + ".5"),
            ("negative", "-" + m.group()),
            ("huge", "1" + "0" * 30),
            ("word", "abc"),
        ):
            new = text[: m.start()] + rep + text[m.end() :]
            out.append((f"token#{i}={kind}", lambda p, d, t=new: write(p, t.encode())))
    lines = text.splitlines(keepends=True)
    if len(lines) > 4:
        out.append(("last-line-dropped", lambda p, d: write(p, "".join(lines[:-1]).encode())))
        out.append(
            ("line-duplicated", lambda p, d: write(p, "".join(lines[:3] + lines[2:]).encode()))
        )
    return out


def format_mutations(fmt: str, data: bytes) -> list[Mutation]:
    if fmt == "json":
        return tree_mutations(json.loads(data), lambda o: json.dumps(o).encode(), False)
    if fmt == "jsonl":
        lines = [json.loads(x) for x in data.decode().splitlines() if x.strip()]
        first = lines[0]

        def dump(o: Any) -> bytes:
            return "\n".join(json.dumps(x) for x in [o, *lines[1:]]).encode() + b"\n"

        extra = [
            ("not-an-object", lambda p, d: write(p, b"[1, 2]\n" + d)),
            ("blank-lines-only", lambda p, d: write(p, b"\n\n")),
        ]
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
            ("float-nan", lambda p, d: write(p, save(np.where(arr > 0, np.nan, 0.0)))),
            ("float-inf", lambda p, d: write(p, save(np.where(arr > 0, np.inf, 0.0)))),
            ("float-frac", lambda p, d: write(p, save(arr + 0.5))),
            ("negative", lambda p, d: write(p, save(-arr.astype(np.int64) - 1))),
            ("bool", lambda p, d: write(p, save(arr > 0))),
            ("empty-array", lambda p, d: write(p, save(arr[:0]))),
            ("all-zero", lambda p, d: write(p, save(np.zeros_like(arr)))),
            ("pickled", lambda p, d: write(p, save(np.array([{"a": 1}], dtype=object)))),
        ]
    if fmt == "csv":
        rows = data.decode().splitlines()
        head = rows[0].split(",")
        out: list[Mutation] = [("header-only", lambda p, d: write(p, (rows[0] + "\n").encode()))]
        for i, col in enumerate(head):
            if len(rows) > 1:
                for kind, rep in (
                    ("text", "zz"),
                    ("nan", "nan"),
                    ("inf", "inf"),
                    ("empty", ""),
                    ("negative", "-1"),
                ):
                    cells = rows[1].split(",")
                    cells[i] = rep
                    bad = "\n".join([rows[0], ",".join(cells), *rows[2:]]) + "\n"
                    out.append((f"{col}={kind}", lambda p, d, t=bad: write(p, t.encode())))
        if len(rows) > 1:
            out.append(
                (
                    "duplicate-row",
                    lambda p, d: write(p, ("\n".join([*rows, rows[1]]) + "\n").encode()),
                )
            )
            out.append(
                (
                    "extra-cell",
                    lambda p, d: write(
                        p, ("\n".join([rows[0], rows[1] + ",9", *rows[2:]]) + "\n").encode()
                    ),
                )
            )
        return out
    if fmt == "py":
        return [
            ("syntax-error", lambda p, d: write(p, b"def rule(view:\n")),
            ("raises-on-import", lambda p, d: write(p, b"raise RuntimeError('boom')\n")),
            ("no-function", lambda p, d: write(p, b"x = 1\n")),
            ("returns-garbage", lambda p, d: write(p, b"def rule(view):\n    return 'abc'\n")),
            ("returns-nan", lambda p, d: write(p, b"def rule(view):\n    return [float('nan')]\n")),
            (
                "returns-dups",
                lambda p, d: write(p, b"def rule(view):\n    return [0] * len(view.p)\n"),
            ),
            ("raises", lambda p, d: write(p, b"def rule(view):\n    raise ValueError('x')\n")),
            ("exits", lambda p, d: write(p, b"import sys\ndef rule(view):\n    sys.exit(3)\n")),
        ]
    if fmt == "text":
        return text_mutations(data)
    return []


# ------------------------------------------------------------------ outputs and flags
def output_cases(tmp: Path) -> list[tuple[str, str, list[str], list[str]]]:
    """(family, case, argv, names) for output paths and contradictory flags."""
    smtt = str(tmp / "in_smtt.json")
    shutil.copy(INST / "smtt/example.json", smtt)
    off = str(tmp / "in_off.json")
    shutil.copy(INST / "offload/tide_trace.json", off)
    shutil.copy(INST / "offload/tide_trace.npy", tmp / "tide_trace.npy")
    count = iter(range(100))

    def fresh(suffix: str = ".json") -> str:
        """A path in a folder that does not exist (a new one each case: an accepted case
        creates its folder, which a later case would see as an existing file)."""
        return str(tmp / f"no_such_dir_{next(count)}" / f"out{suffix}")

    miss = {k: fresh() for k in ("solve", "seqpar", "train", "serve", "csv")}
    seqlen = str(INST / "seqpar/wikipedia_sample.txt")
    pipe = str(INST / "pipelining/gemm_hopper.json")
    cases = [
        (
            "smtt",
            "solve --out missing dir",
            ["solve", "smtt", smtt, *TIME, "-o", miss["solve"]],
            [miss["solve"], "--out"],
        ),
        (
            "smtt",
            "solve --out = input",
            ["solve", "smtt", smtt, *TIME, "-o", smtt],
            [smtt, "--out"],
        ),
        (
            "smtt",
            "solve --plot = input",
            ["solve", "smtt", smtt, *TIME, "--plot", smtt],
            [smtt, "--plot"],
        ),
        (
            "smtt",
            "gen --out = dir",
            ["gen", "smtt", "--n", "5", "--tf", ".2", "--rdd", ".6", "-o", str(tmp)],
            [str(tmp), "--out"],
        ),
        (
            "offload",
            "solve --out = input",
            ["solve", "offload", off, *TIME, "-o", off],
            [off, "--out"],
        ),
        (
            "offload",
            "gen --out = counts npy",
            [
                "gen",
                "offload",
                "--preset",
                "llada2-mini",
                "--counts",
                str(tmp / "tide_trace.npy"),
                "-o",
                str(tmp / "tide_trace.npy"),
                "--force",
            ],
            ["tide_trace.npy", "--out", "--counts"],
        ),
        (
            "seqpar",
            "plan --out = lengths",
            [
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
                *TIME,
                "-o",
                seqlen,
            ],
            [seqlen, "--out"],
        ),
        (
            "seqpar",
            "plan --out missing dir",
            [
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
                *TIME,
                "-o",
                miss["seqpar"],
            ],
            [miss["seqpar"], "--out"],
        ),
        (
            "pipelining",
            "plan --out = input",
            ["plan", "pipelining", pipe, *TIME, "-o", pipe],
            [pipe, "--out"],
        ),
        (
            "train",
            "plan --out missing dir",
            [*TRAIN, *TIME, "-o", miss["train"]],
            [miss["train"], "--out"],
        ),
        (
            "serve",
            "plan --out missing dir",
            [*SERVE, *SERVE_LEN, *TIME, "-o", miss["serve"]],
            [miss["serve"], "--out"],
        ),
        (
            "bench",
            "--csv missing dir",
            ["bench", "smtt", smtt, *TIME, "--csv", miss["csv"]],
            [miss["csv"], "--csv"],
        ),
        (
            "bench",
            "--report = input",
            ["bench", "smtt", smtt, *TIME, "--report", smtt, "--force"],
            [smtt, "--report"],
        ),
        # contradictory flags
        (
            "train",
            "--tp 3 --fix tp=2",
            [*TRAIN, *TIME, "--tp", "3", "--fix", "tp=2"],
            ["--tp", "--fix", "tp"],
        ),
        ("train", "--tp 64 on 16 GPUs", [*TRAIN, *TIME, "--tp", "64"], ["--tp", "tp"]),
        (
            "train",
            "--max-gpus 4 --use-all-gpus",
            [*TRAIN, *TIME, "--max-gpus", "4", "--use-all-gpus"],
            ["--max-gpus", "--use-all-gpus", "INFEASIBLE"],
        ),
        (
            "train",
            "--even-stages --stage-layers",
            [*TRAIN, *TIME, "--pp", "2", "--even-stages", "--stage-layers", "10,14"],
            ["--even-stages", "--stage-layers"],
        ),
        (
            "serve",
            "--disaggregate-only --tp 2 --gpu-type A100",
            [*SERVE, *SERVE_LEN, *TIME, "--gpu-type", "A100"],
            ["--gpu-type", "A100"],
        ),
        (
            "serve",
            "--min-replicas 5 --max-replicas 2",
            [*SERVE, *SERVE_LEN, *TIME, "--min-replicas", "5", "--max-replicas", "2"],
            ["--min-replicas", "--max-replicas"],
        ),
        (
            "serve",
            "--qps with --workloads",
            [*SERVE, *SERVE_LEN, *TIME, "--workloads", str(tmp / "wl.toml")],
            ["--workloads", "--qps"],
        ),
        (
            "serve",
            "--trace with --prompt-tokens",
            [*SERVE, *SERVE_LEN, *TIME, "--trace", str(INST / "serve/traces/trace-8b.jsonl")],
            ["--trace", "--prompt-tokens", "--qps"],
        ),
        (
            "serve",
            "--spot-max-share 2",
            [*SERVE, *SERVE_LEN, *TIME, "--spot", "--spot-max-share", "2"],
            ["--spot-max-share", "--spot"],
        ),
        (
            "serve",
            "--spec-acceptance 1.5",
            [*SERVE, *SERVE_LEN, *TIME, "--speculative", "eagle", "--spec-acceptance", "1.5"],
            ["--spec-acceptance"],
        ),
        (
            "bench",
            "--resume without --csv",
            ["bench", "smtt", smtt, *TIME, "--resume"],
            ["--resume", "--csv"],
        ),
        (
            "bench",
            "--compare with a family",
            ["bench", "smtt", smtt, "--compare", smtt, smtt],
            ["--compare"],
        ),
        (
            "perfmodel",
            "calibrate --profile without --rows",
            ["calibrate", "--profile", "x"],
            ["--profile", "--rows"],
        ),
        (
            "seqpar",
            "--max-len 0",
            [
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
                *TIME,
                "--max-len",
                "0",
            ],
            ["--max-len"],
        ),
        (
            "pipelining",
            "--warps 0 --max-ii 1",
            ["plan", "pipelining", pipe, *TIME, "--max-ii", "1"],
            ["--max-ii", "INFEASIBLE"],
        ),
        ("smtt", "-t nan", ["solve", "smtt", smtt, "-t", "nan"], ["--time-limit", "-t"]),
        (
            "smtt",
            "--threads 0",
            ["solve", "smtt", smtt, "-t", "2", "--threads", "0"],
            ["--threads"],
        ),
    ]
    (tmp / "wl.toml").write_text(
        "[[workloads]]\nname = 'chat'\ntraffic = { qps = 1, prompt_tokens = 500, output_tokens = 90 }\n"
    )
    return cases


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
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            except Hang:
                code = "hang"
            except BaseException as exc:  # main must catch everything: record what escaped
                code = f"escaped {type(exc).__name__}"
    finally:
        signal.alarm(0)
        os.chdir(old)
    return code, out.getvalue(), err.getvalue(), time.perf_counter() - t0


COERCED = (
    "NaN",
    "Infinity",
    "1e309",
    "nan",
    "inf",
    "float-for-int",
    "item-float",
    "float-frac",
    "=bool",
    "item-1e309",
    "float-",
)


def verdict(code: int | str, out: str, err: str, names: list[str], mut: str, changed: bool) -> str:
    if changed:
        return "WRONG input changed"
    lines = [x for x in err.strip().splitlines() if x.strip()]
    if code == 0:
        if "INFEASIBLE" in out or "INFEASIBLE" in err:
            return "infeasible"
        if any(c in mut for c in COERCED):
            return "REVIEW accepted"
        return "accepted"
    if code != 2:
        return f"WRONG exit {code}"
    errors = [x for x in lines if x.startswith("planner: error: ")]
    if "Traceback" in err or len(errors) != 1:
        return "WRONG not one error line"
    if not any(n in errors[0] for n in names):
        return "WRONG names no file/field/flag"
    return "ok"


def digest(path: Path) -> str | None:
    with contextlib.suppress(OSError):
        if path.is_file():
            return hashlib.sha256(path.read_bytes()).hexdigest()
    return None


def sweep(only: str, rows: Path, skip_outputs: bool) -> None:
    os.environ.setdefault("PLANNER_CONFIG_DIR", tempfile.mkdtemp(prefix="s27bad_cfg_"))
    with tempfile.TemporaryDirectory(prefix="s27bad_") as scratch, rows.open("a") as sink:
        tmp = Path(scratch)
        generated_inputs(tmp)

        def emit(fam: str, label: str, mut: str, v: str, first: str, secs: float) -> None:
            row = {
                "family": fam,
                "target": label,
                "case": mut,
                "verdict": v,
                "stderr": first[:240],
                "s": round(secs, 2),
                "load": os.getloadavg()[0],
            }
            sink.write(json.dumps(row) + "\n")
            sink.flush()
            if not v.startswith(("ok", "accepted", "infeasible")):
                print(f"{label} | {mut} | {v} | {first[:160]}", flush=True)

        for label, fam, src, fmt, line in TARGETS:
            if only and not any(o in label for o in only.split(",")):
                continue
            if isinstance(src, Path):
                name, data = src.name, src.read_bytes()
            else:
                name, data = src[0], src[1].encode()
            for mut, make in byte_mutations(fmt) + format_mutations(fmt, data):
                case = tmp / "case"
                shutil.rmtree(case, ignore_errors=True)
                case.mkdir()
                if isinstance(src, Path):  # files the input names (a trace's .npy, a folder)
                    for other in src.parent.iterdir():
                        if other.name != name and other.is_file():
                            shutil.copy(other, case / other.name)
                        elif other.is_dir():  # a problem file naming configs/x.json
                            shutil.copytree(other, case / other.name)
                target = make(case / name, data)
                before = digest(target)
                argv = [w.replace("{f}", str(target)) for w in line]
                code, out, err, secs = run(argv, case)
                changed = before is not None and digest(target) != before
                first = next(
                    (x for x in err.splitlines() if x.startswith("planner: error")),
                    (err.strip().splitlines() or [""])[-1],
                )
                names = [name, str(target), "--"]
                emit(fam, label, mut, verdict(code, out, err, names, mut, changed), first, secs)
                with contextlib.suppress(OSError):
                    target.chmod(0o644)
        if skip_outputs or (only and "outputs" not in only.split(",")):
            return
        for fam, case_id, argv, names in output_cases(tmp):
            inputs = {Path(a): digest(Path(a)) for a in argv if Path(a).is_file()}
            code, out, err, secs = run(argv, tmp)
            changed = any(digest(p) != h for p, h in inputs.items())
            first = next(
                (x for x in err.splitlines() if x.startswith("planner: error")),
                (err.strip().splitlines() or [""])[-1],
            )
            emit(
                fam,
                "outputs/flags",
                case_id,
                verdict(code, out, err, names, "", changed),
                first,
                secs,
            )


def table(paths: list[Path], title: str) -> str:
    rows = [json.loads(x) for p in paths for x in p.read_text().splitlines() if x.strip()]
    fams = sorted({r["family"] for r in rows})
    kinds = ["ok", "accepted", "infeasible", "REVIEW", "WRONG"]
    lines = [
        f"### {title}",
        "",
        "| family | cases | " + " | ".join(kinds) + " |",
        "|---" * (len(kinds) + 2) + "|",
    ]
    for fam in [*fams, "all"]:
        sel = [r for r in rows if fam in ("all", r["family"])]
        counts = [sum(r["verdict"].startswith(k) for r in sel) for k in kinds]
        lines.append(f"| {fam} | {len(sel)} | " + " | ".join(map(str, counts)) + " |")
    bad = [r for r in rows if r["verdict"].startswith(("WRONG", "REVIEW"))]
    lines += ["", "| target | case | verdict | first stderr line |", "|---|---|---|---|"]
    lines += [
        f"| {r['target']} | {r['case']} | {r['verdict']} | {r['stderr'][:160].replace('|', '/')} |"
        for r in bad
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--only",
        default="",
        help="only targets whose label contains one of these (comma-separated; outputs)",
    )
    ap.add_argument("--no-outputs", action="store_true", help="skip output paths and flags")
    ap.add_argument("--rows", type=Path, default=HERE / "rows.jsonl")
    ap.add_argument("--table", nargs="+", type=Path, help="render these rows files, run nothing")
    ap.add_argument("--title", default="sweep")
    args = ap.parse_args()
    if args.table:
        print(table(args.table, args.title))
        return
    load0, t0, c0 = os.getloadavg()[0], time.perf_counter(), time.process_time()
    sweep(args.only, args.rows, args.no_outputs)
    print(
        f"# {' '.join(sys.argv[1:])}: {time.perf_counter() - t0:.0f} s wall, "
        f"{time.process_time() - c0:.0f} CPU s, load {load0:.2f} -> {os.getloadavg()[0]:.2f}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
