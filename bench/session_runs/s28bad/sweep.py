"""Bad-input sweep, twenty-eighth session: the serving planner's inputs and flags.

Reuses the twenty-seventh session's machinery (``bench/session_runs/s27bad/sweep.py``:
mutations, the in-process runner, the verdicts) for three kinds of case:

* ``files``: every file ``plan serve`` / ``solve serve`` reads, corrupted (the s27bad serve
  targets, which that session never reached, plus a serve TOML naming a trace, a JSON Lines
  ``--profile``, a user's own GPU TOML in ``--gpus``, a workloads file naming a histogram);
* ``flags``: SLO, speculative-decoding, engine, export, profile, length and pin flags given
  wrong values or contradicting each other (a case marked ``reject`` must exit 2: exit 0 on
  it is ``WRONG accepted``);
* ``library``: ``planner.serve.sweep`` / ``plan`` / ``make_problem`` called with bad
  arguments: ``ok`` is an ``InputError`` naming the argument; any other exception, a
  message naming the CLI flag only, or a return is ``WRONG``.

    PYTHONPATH=. nice -n 10 .venv/bin/python bench/session_runs/s28bad/sweep.py \
        [--only files,flags,library] [--targets SUBSTRING] [--rows rows.jsonl]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
ROOT = Path(__file__).resolve().parents[3]
INST = ROOT / "instances"

_spec = importlib.util.spec_from_file_location("s27sweep", HERE.parent / "s27bad" / "sweep.py")
assert _spec is not None and _spec.loader is not None
s27 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(s27)

TIME = ["-t", "2", "--threads", "1"]
BASE = ["plan", "serve", "--model", "llama-3.1-8b", "--gpus", "H100:2"]
LEN = ["--prompt-tokens", "600", "--output-tokens", "150"]
SERVE = [*BASE, "--qps", "2", *LEN, "--tpot", "50ms", *TIME]

EXTRA_TARGETS: list[Any] = [
    (
        "solve serve trace toml",
        "serve",
        INST / "serve/trace-8b.toml",
        "toml",
        ["solve", "serve", "{f}", *TIME],
    ),
    (
        "plan serve --profile jsonl",
        "serve",
        INST / "serve/traces/trace-8b.jsonl",
        "jsonl",
        [*BASE, *LEN, "--tpot", "50ms", "--profile", "{f}", *TIME],
    ),
    (
        "plan serve --gpus user gpu toml",
        "serve",
        ROOT / "models/hardware/h100-sxm.toml",
        "toml",
        [
            "plan",
            "serve",
            "--model",
            "llama-3.1-8b",
            "--gpus",
            "{f}:2",
            "--qps",
            "2",
            *LEN,
            "--tpot",
            "50ms",
            *TIME,
        ],
    ),
    (
        "plan serve --gpus pool gpu table",
        "serve",
        (
            "pools.toml",
            'name = "own"\n[[pool]]\ncount = 2\n'
            '[pool.gpu]\nbase = "H100"\nnic_gbit_s = 100\nprice_per_gpu_hour = 2.5\n',
        ),
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
            *LEN,
            "--tpot",
            "50ms",
            *TIME,
        ],
    ),
    (
        "plan serve --workloads two",
        "serve",
        (
            "wl2.toml",
            "[[workloads]]\nname = 'chat'\nweight = 1\n"
            "traffic = { qps = 1, prompt_tokens = 'exp:500', output_tokens = 90 }\n"
            "slo = { ttft = '2s', tpot = '50ms' }\n"
            "[[workloads]]\nname = 'batch'\n"
            "traffic = { qps = 0.5, prompt_tokens = 2000, output_tokens = 200 }\n"
            "slo = { tpot = '200ms' }\n",
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
]


def file_targets() -> list[Any]:
    """The s27bad serve targets it never ran (its --offload target did run), plus ours."""
    theirs = [t for t in s27.TARGETS if t[1] == "serve" and t[0] != "plan serve --offload"]
    return theirs + EXTRA_TARGETS


#: (case, argv, names the error must contain one of, must it be refused)
FlagCase = tuple[str, list[str], list[str], bool]


def flag_cases(tmp: Path) -> list[FlagCase]:
    """Serve flags with wrong values and contradictions."""
    wl = tmp / "wl.toml"
    wl.write_text(
        "[[workloads]]\nname = 'chat'\n"
        "traffic = { qps = 1, prompt_tokens = 500, output_tokens = 90 }\n"
    )
    hist = tmp / "hist.csv"
    hist.write_text("tokens,weight\n100,1\n900,3\n")
    trace = str(INST / "serve/traces/trace-8b.jsonl")
    out: list[FlagCase] = []

    def add(
        case: str,
        extra: list[str],
        names: list[str],
        reject: bool = True,
        base: list[str] | None = None,
    ) -> None:
        out.append((case, [*(SERVE if base is None else base), *extra], names, reject))

    no_slo = [*BASE, "--qps", "2", *LEN, *TIME]
    day = [*BASE, *LEN, "--tpot", "50ms", "--profile", "1,2", *TIME]
    for flag in ("--ttft", "--tpot"):
        for v in ("nan", "inf", "-5", "0", "1e309", "abc", "5 parsecs", "", "ms", "-1ms"):
            add(f"{flag} {v!r}", [flag, v], [flag], base=no_slo)
    add(
        "--tpot 20000 (bare ms = 20 s)",
        ["--tpot", "20000"],
        ["--tpot", "--allow-slow"],
        base=no_slo,
    )
    add("--tpot 11s", ["--tpot", "11s"], ["--tpot", "--allow-slow"], base=no_slo)
    add("--ttft 11min", ["--ttft", "11min"], ["--ttft", "--allow-slow"], base=no_slo)
    add("--ttft 700000 (bare ms)", ["--ttft", "700000"], ["--ttft", "--allow-slow"], base=no_slo)
    add("--tpot 11s --allow-slow", ["--tpot", "11s", "--allow-slow"], [], False, base=no_slo)
    add("--tpot 50 (bare = 50 ms)", ["--tpot", "50"], [], False, base=no_slo)
    for v in ("nan", "-1", "0", "100", "150", "inf"):
        add(f"--percentile {v}", ["--percentile", v], ["--percentile"])
    # speculative decoding
    spec = ["--speculative", "eagle"]
    for v in ("1.5", "-0.1", "nan", "inf", "abc"):
        add(f"--spec-acceptance {v}", [*spec, "--spec-acceptance", v], ["--spec-acceptance"])
    add("--spec-acceptance 0", [*spec, "--spec-acceptance", "0"], [], False)
    add("--spec-acceptance 1", [*spec, "--spec-acceptance", "1"], [], False)
    for v in ("0", "-1", "100000", "2.5"):
        add(f"--spec-tokens {v}", [*spec, "--spec-tokens", v], ["--spec-tokens"])
    add("--speculative bogus", ["--speculative", "bogus"], ["--speculative"])
    add(
        "--speculative draft, no --draft-model",
        ["--speculative", "draft"],
        ["--speculative", "--draft-model"],
    )
    add("--speculative mtp on llama", ["--speculative", "mtp"], ["--speculative", "mtp"])
    add(
        "--draft-model missing.json",
        ["--speculative", "draft", "--draft-model", str(tmp / "missing.json")],
        ["--draft-model", "missing.json"],
    )
    add(
        "--draft-model nonsense",
        ["--speculative", "draft", "--draft-model", "zz-model"],
        ["--draft-model", "zz-model"],
    )
    add(
        "--spec-acceptance without --speculative",
        ["--spec-acceptance", "0.5"],
        ["--spec-acceptance", "--speculative"],
    )
    add(
        "--spec-tokens without --speculative",
        ["--spec-tokens", "4"],
        ["--spec-tokens", "--speculative"],
    )
    add(
        "--draft-model without --speculative",
        ["--draft-model", "llama-3.2-1b"],
        ["--draft-model", "--speculative"],
    )
    # engine strings
    for v in (
        "bogus",
        "vllm:abc",
        "vllm:0.6.3,bogus",
        "vllm,steps=0",
        "vllm,steps=x",
        "vllm,tokens=-1",
        "vllm,tokens=nan",
        "vllm,pad=0",
        "vllm,pad=nan",
        "",
        "vllm,,",
        "vllm,steps=",
        "vllm,eager,eager",
        "vllm,steps=2,steps=3",
        "vllm:",
        ":0.6.3",
        "trtllm,tuned,fp8-law,pad=1e309",
    ):
        add(f"--engine {v!r}", ["--engine", v], ["--engine"])
    add(
        "--engine trtllm on MI300X",
        ["--engine", "trtllm"],
        ["--engine", "trtllm", "MI300X"],
        base=[*BASE[:-1], "MI300X:2", "--qps", "2", *LEN, "--tpot", "50ms", *TIME],
    )
    # export
    add("--export bogus", ["--export", "bogus"], ["--export"])
    # documented: a named --engine is kept beside --export (docs/serve.md, s20user)
    add(
        "--export vllm --engine sglang",
        ["--export", "vllm", "--engine", "sglang"],
        ["--export", "--engine"],
        False,
    )
    add(
        "--export vllm -o = hist input",
        ["--prompt-tokens", str(hist), "--export", "vllm", "-o", str(hist)],
        ["--out", str(hist)],
        base=[*BASE, "--qps", "2", "--output-tokens", "150", "--tpot", "50ms", *TIME],
    )
    add(
        "-o = --workloads input",
        ["--workloads", str(wl), "-o", str(wl)],
        ["--out", str(wl)],
        base=[*BASE, "--tpot", "50ms", *TIME],
    )
    add(
        "-o = --trace input",
        ["--trace", trace, "-o", trace],
        ["--out", trace],
        base=[*BASE, "--tpot", "50ms", *TIME],
    )
    # the project creates a missing output folder (s27bad: accepted for every command)
    add("-o missing dir", ["-o", str(tmp / "no_dir" / "plan.json")], ["--out", "no_dir"], False)
    add("-o is a directory", ["-o", str(tmp)], ["--out", str(tmp)])
    add("-o /dev/null", ["-o", "/dev/null"], [], False)
    # lengths, rates, other numbers
    for v in (
        "uniform:5-1",
        "uniform:-5-10",
        "exp:-1",
        "exp:0",
        "exp:nan",
        "normal:1",
        "normal:100,-1",
        "lognormal:x",
        "0",
        "-5",
        "nan",
        "1e309",
        "1.5",
        "abc:1",
        "hist.xyz",
        "exp:1e12",
        "uniform:1-1e12",
        "",
    ):
        add(
            f"--prompt-tokens {v!r}",
            [],
            ["--prompt-tokens"],
            v not in ("uniform:1-1e12",),
            base=[
                *BASE,
                "--qps",
                "2",
                "--prompt-tokens",
                v,
                "--output-tokens",
                "150",
                "--tpot",
                "50ms",
                *TIME,
            ],
        )
    for v in ("nan", "inf", "-1", "1e309"):
        add(f"--qps {v}", [], ["--qps"], base=[*BASE, "--qps", v, *LEN, "--tpot", "50ms", *TIME])
    for flag, vals in (
        ("--prefix-hit-rate", ("1.5", "-0.1", "nan", "1")),
        ("--arrival-scv", ("-1", "nan", "inf", "0", "1e6")),
        ("--kv-block", ("0", "-1", "7", "1000000")),
        ("--period-hours", ("0", "nan", "-1", "inf")),
        ("--spot-max-share", ("nan", "-0.5", "1.5")),
        ("--sim-time-limit", ("0", "nan", "-1")),
        ("--precision", ("fp3", "", "FP8x")),
        ("--kv-precision", ("fp3", "int3")),
        ("--kv-admission", ("bogus",)),
        ("--pricing", ("bogus", "")),
        ("--method", ("bogus",)),
        ("--spot-recovery", ("x", "-5min", "nan", "0")),
        ("--gpu-type", ("B200", "Foo")),
    ):
        for v in vals:
            extra, base = [flag, v], None
            if flag in ("--period-hours", "--spot-max-share", "--spot-recovery"):
                base = day  # these shape a day of periods: --profile, not --qps
            if flag in ("--spot-max-share", "--spot-recovery"):
                extra = ["--spot", *extra]
            reject = not (flag == "--arrival-scv" and v in ("0", "1e6"))
            add(f"{flag} {v!r}", extra, [flag], reject, base=base)
    for v in ("10,x", "", ",", "-1,2", "nan,1", "inf", "1e309,1", "0,0,0"):
        add(
            f"--profile {v!r}",
            ["--profile", v],
            ["--profile"],
            v != "0,0,0",
            base=[*BASE, *LEN, "--tpot", "50ms", *TIME],
        )
    add(
        "--profile dir",
        ["--profile", str(tmp)],
        ["--profile", str(tmp)],
        base=[*BASE, *LEN, "--tpot", "50ms", *TIME],
    )
    add("--profile with --qps", ["--profile", "1,2"], ["--profile", "--qps"])
    add(
        "--period-hours without --profile", ["--period-hours", "2"], ["--period-hours", "--profile"]
    )
    add("--max-change without --profile", ["--max-change", "2"], ["--max-change", "--profile"])
    add(
        "--spot-recovery without --spot",
        ["--spot-recovery", "10min"],
        ["--spot-recovery", "--spot"],
    )
    # gpus / model / pins
    for v in (
        "H100:0",
        "H100:-1",
        "Foo:2",
        "H100:2,H100:3",
        "",
        "H100:2,",
        "H100:nan",
        "H100:1e309",
        "2xH100xA100",
        str(tmp / "nope.toml"),
        str(tmp) + ":2",
    ):
        add(
            f"--gpus {v!r}",
            [],
            ["--gpus", "H100", "Foo", "nope.toml", str(tmp)],
            base=[
                "plan",
                "serve",
                "--model",
                "llama-3.1-8b",
                "--gpus",
                v,
                "--qps",
                "2",
                *LEN,
                "--tpot",
                "50ms",
                *TIME,
            ],
        )
    for v in ("zz-model", "", str(tmp / "nope.json"), str(tmp)):
        add(
            f"--model {v!r}",
            [],
            ["--model", "zz-model", "nope.json", str(tmp)],
            base=[
                "plan",
                "serve",
                "--model",
                v,
                "--gpus",
                "H100:2",
                "--qps",
                "2",
                *LEN,
                "--tpot",
                "50ms",
                *TIME,
            ],
        )
    # pins no plan meets: INFEASIBLE with its reason is the standard's answer
    add("--tp 3 on H100:2", ["--tp", "3"], ["--tp"], False)
    add("--tp 4 --pp 4 on H100:2", ["--tp", "4", "--pp", "4"], ["--tp", "--pp"], False)
    add("--ep 2 on a dense model", ["--ep", "2"], ["--ep"], False)
    add("--chunk-tokens 1", ["--chunk-tokens", "1"], [], False)
    add(
        "--disaggregate-only on 1 GPU",
        ["--disaggregate-only"],
        ["--disaggregate-only"],
        False,
        base=[*BASE[:-1], "H100:1", "--qps", "2", *LEN, "--tpot", "50ms", *TIME],
    )
    add("--min-replicas 5 on H100:2", ["--min-replicas", "5"], ["--min-replicas"], False, base=day)
    add("--offload on a dense model", ["--offload", str(hist)], ["--offload", "hist.csv"])
    add("--offload missing", ["--offload", str(tmp / "nope.json")], ["--offload", "nope.json"])
    add("--sim-requests 0", ["--simulate", "--sim-requests", "0"], ["--sim-requests"])
    add("-t 0", ["-t", "0"], ["--time-limit", "-t"])
    add(
        "--prices missing",
        ["--prices", str(tmp / "nope.toml"), "--pricing", "spot"],
        ["--prices", "nope.toml"],
    )
    add(
        "--pricing spot without a price",
        ["--pricing", "spot", "--gpus", "MI300X:2"],
        ["--pricing", "spot", "MI300X", "price"],
        False,
    )
    return out


# ------------------------------------------------------------------ library calls
LibCase = tuple[str, Callable[[], Any], list[str]]


def library_cases(tmp: Path) -> list[LibCase]:
    """Library entry points given bad arguments: (case, call, names the message must hold)."""
    import planner.serve as ps

    kw: dict[str, Any] = {
        "prompt_tokens": 600,
        "output_tokens": 150,
        "tpot": "50ms",
        "time_limit": 2,
        "threads": 1,
    }
    pk = {k: v for k, v in kw.items() if k not in ("time_limit", "threads")}

    def sw(**over: Any) -> Callable[[], Any]:
        args = {"model": "llama-3.1-8b", "gpu_types": ["H100"], "rates": [1.0], **kw, **over}
        return lambda: ps.sweep(**args)

    def mp(**over: Any) -> Callable[[], Any]:
        args = {"model": "llama-3.1-8b", "gpus": "H100:2", "qps": 2.0, **pk, **over}
        return lambda: ps.make_problem(**args)

    cases: list[LibCase] = [
        ("sweep gpu_types=['Foo']", sw(gpu_types=["Foo"]), ["Foo"]),
        ("sweep gpu_types='H100' (a string)", sw(gpu_types="H100"), ["gpu_types"]),
        ("sweep gpu_types=[]", sw(gpu_types=[]), ["GPU type", "gpu_types"]),
        ("sweep rates=[nan]", sw(rates=[float("nan")]), ["rates"]),
        ("sweep rates=['1']", sw(rates=["1"]), ["rates"]),
        ("sweep rates=5", sw(rates=5), ["rates"]),
        ("sweep gpus_per_type=0", sw(gpus_per_type=0), ["gpus_per_type"]),
        ("sweep gpus_per_type=2.5", sw(gpus_per_type=2.5), ["gpus_per_type"]),
        ("sweep model='zz'", sw(model="zz-model"), ["zz-model", "model"]),
        ("sweep prompt_tokens='x'", sw(prompt_tokens="x"), ["prompt_tokens"]),
        ("sweep prompt_tokens=-5", sw(prompt_tokens=-5), ["prompt_tokens"]),
        ("sweep prompt_tokens=nan", sw(prompt_tokens=float("nan")), ["prompt_tokens"]),
        ("sweep prompt_tokens=[1,2]", sw(prompt_tokens=[1, 2]), ["prompt_tokens"]),
        ("sweep ttft='x'", sw(ttft="x"), ["ttft"]),
        ("sweep tpot=20000", sw(tpot=20000), ["tpot", "allow_slow"]),
        ("sweep tpot=nan", sw(tpot=float("nan")), ["tpot"]),
        ("sweep percentile=150", sw(percentile=150), ["percentile"]),
        ("sweep engine='bogus'", sw(engine="bogus"), ["engine"]),
        ("sweep engine='vllm,steps=0'", sw(engine="vllm,steps=0"), ["engine", "steps"]),
        ("sweep engine=3", sw(engine=3), ["engine"]),
        (
            "sweep engine trtllm + MI300X",
            sw(gpu_types=["MI300X"], engine="trtllm"),
            ["engine", "trtllm", "MI300X"],
        ),
        (
            "sweep speculative={'method':'eagle','acceptance':1.5}",
            sw(speculative={"method": "eagle", "acceptance": 1.5}),
            ["acceptance"],
        ),
        (
            "sweep speculative={'method':'bogus'}",
            sw(speculative={"method": "bogus"}),
            ["speculative", "method", "bogus"],
        ),
        ("sweep speculative='eagle' (string)", sw(speculative="eagle"), ["speculative"]),
        (
            "sweep speculative={'zz':1}",
            sw(speculative={"method": "eagle", "zz": 1}),
            ["speculative", "zz"],
        ),
        ("sweep unknown keyword", sw(zz_unknown=1), ["zz_unknown"]),
        ("sweep time_limit=0", sw(time_limit=0), ["time_limit"]),
        ("sweep threads=0", sw(threads=0), ["threads"]),
        ("sweep plot missing dir", sw(plot=str(tmp / "no_dir" / "x.png")), []),
        ("sweep pricing='bogus'", sw(pricing="bogus"), ["pricing", "bogus"]),
        (
            "sweep prices missing",
            sw(prices=str(tmp / "nope.toml"), pricing="spot"),
            ["prices", "nope.toml"],
        ),
        ("sweep precision='fp3'", sw(precision="fp3"), ["precision", "fp3"]),
        ("sweep prefix_hit_rate=2", sw(prefix_hit_rate=2), ["prefix_hit_rate"]),
        ("sweep arrival_scv=-1", sw(arrival_scv=-1), ["arrival_scv"]),
        ("sweep tp=0", sw(tp=0), ["tp"]),
        ("sweep tp='2'", sw(tp="2"), ["tp"]),
        ("sweep max_batch=-1", sw(max_batch=-1), ["max_batch"]),
        ("sweep kv_block=0", sw(kv_block=0), ["kv_block"]),
        ("sweep kv_admission='x'", sw(kv_admission="x"), ["kv_admission"]),
        (
            "sweep workloads missing",
            sw(workloads=str(tmp / "nope.toml"), prompt_tokens=None, output_tokens=None),
            ["workloads", "nope.toml"],
        ),
        (
            "sweep trace missing",
            sw(trace=str(tmp / "nope.jsonl"), prompt_tokens=None, output_tokens=None),
            ["trace", "nope.jsonl"],
        ),
        ("sweep offload on dense", sw(offload={"experts": []}), ["offload"]),
        ("make_problem gpus='H100:0'", mp(gpus="H100:0"), ["H100", "gpus", "count"]),
        ("make_problem gpus=5", mp(gpus=5), ["gpus"]),
        ("make_problem qps=-1", mp(qps=-1), ["qps"]),
        ("make_problem qps='x'", mp(qps="x"), ["qps"]),
        (
            "make_problem workloads=[{}]",
            mp(workloads=[{}], qps=None, prompt_tokens=None, output_tokens=None),
            ["workload"],
        ),
        (
            "make_problem workloads=[{'name':5}]",
            mp(
                workloads=[
                    {"name": 5, "traffic": {"qps": 1, "prompt_tokens": 5, "output_tokens": 5}}
                ],
                qps=None,
                prompt_tokens=None,
                output_tokens=None,
            ),
            ["name"],
        ),
        ("make_problem name=5", mp(name=5), ["name"]),
        ("make_problem model=None", mp(model=None), ["model"]),
    ]
    return cases


def lib_verdict(exc: BaseException | None, names: list[str]) -> str:
    """``names`` empty: the call may return (``accepted``)."""
    from planner.core.errors import InputError

    if exc is None:
        return "accepted" if not names else "WRONG returned"
    if not isinstance(exc, InputError):
        return f"WRONG raised {type(exc).__name__}"
    msg = str(exc)
    if "\n" in msg.strip():
        return "WRONG several lines"
    if names and not any(n in msg for n in names):
        return "WRONG names no argument"
    if msg.lstrip().startswith("--") or (" --" in msg and not any(n in msg for n in names)):
        return "WRONG names the CLI flag"
    return "ok"


# ------------------------------------------------------------------ running
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", default="files,flags,library")
    ap.add_argument("--targets", default="", help="file targets whose label holds one of these")
    ap.add_argument(
        "--cases",
        default="",
        help="file cases whose mutation holds one of these (re-runs; byte mutations skipped)",
    )
    ap.add_argument("--rows", type=Path, default=HERE / "rows.jsonl")
    ap.add_argument("--table", nargs="+", type=Path, help="render these rows files, run nothing")
    ap.add_argument("--title", default="sweep")
    args = ap.parse_args()
    if args.table:
        print(s27.table(args.table, args.title))
        return
    kinds = args.only.split(",")
    load0, t0, c0 = os.getloadavg()[0], time.perf_counter(), time.process_time()
    os.environ.setdefault("PLANNER_CONFIG_DIR", tempfile.mkdtemp(prefix="s28bad_cfg_"))
    with tempfile.TemporaryDirectory(prefix="s28bad_") as scratch, args.rows.open("a") as sink:
        tmp = Path(scratch)

        def emit(target: str, case: str, v: str, first: str, secs: float) -> None:
            row = {
                "family": "serve",
                "target": target,
                "case": case,
                "verdict": v,
                "stderr": first[:240],
                "s": round(secs, 2),
                "load": os.getloadavg()[0],
            }
            sink.write(json.dumps(row) + "\n")
            sink.flush()
            if not v.startswith(("ok", "accepted", "infeasible")):
                print(f"{target} | {case} | {v} | {first[:160]}", flush=True)

        if "files" in kinds:
            s27.TARGETS[:] = [
                t
                for t in file_targets()
                if not args.targets or any(o in t[0] for o in args.targets.split(","))
            ]
            # the serve targets name no generated input: s27's generated_inputs is not needed
            s27.generated_inputs = lambda _tmp: None
            if args.cases:
                wanted = args.cases.split(",")
                every = s27.format_mutations
                s27.byte_mutations = lambda _fmt: []
                s27.format_mutations = lambda fmt, data: [
                    m for m in every(fmt, data) if any(w in m[0] for w in wanted)
                ]
            s27.sweep("", args.rows, True)
        if "flags" in kinds:
            flags_dir = tmp / "flags"
            flags_dir.mkdir()
            for case, argv, names, reject in flag_cases(flags_dir):
                inputs = {Path(a): s27.digest(Path(a)) for a in argv if Path(a).is_file()}
                code, out, err, secs = s27.run(argv, flags_dir)
                changed = any(s27.digest(p) != h for p, h in inputs.items())
                first = next(
                    (x for x in err.splitlines() if x.startswith("planner: error")),
                    (err.strip().splitlines() or [""])[-1],
                )
                v = s27.verdict(code, out, err, names or ["--"], "", changed)
                if reject and v in ("accepted", "infeasible"):
                    v = f"WRONG {v} (must be refused)"
                if not reject and code == 2 and v == "ok":
                    v = "REVIEW refused"
                emit("flags", case, v, first, secs)
        if "library" in kinds:
            lib_dir = tmp / "lib"
            lib_dir.mkdir()
            for case, call, names in library_cases(lib_dir):
                t1 = time.perf_counter()
                exc: BaseException | None = None
                with s27.quiet():
                    try:
                        call()
                    except Exception as e:  # classify whatever the library raised
                        exc = e
                first = "" if exc is None else f"{type(exc).__name__}: {exc}"
                emit(
                    "library",
                    case,
                    lib_verdict(exc, names),
                    first.splitlines()[0] if first else "",
                    time.perf_counter() - t1,
                )
    with contextlib.suppress(Exception):
        shutil.rmtree(os.environ["PLANNER_CONFIG_DIR"])
    print(
        f"# {' '.join(sys.argv[1:])}: {time.perf_counter() - t0:.0f} s wall, "
        f"{time.process_time() - c0:.0f} CPU s, load {load0:.2f} -> {os.getloadavg()[0]:.2f}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
