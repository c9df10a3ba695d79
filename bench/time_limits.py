"""Time-limit benchmark: does ``planner solve FAMILY -m METHOD -t T`` return in time?

For each family given and each of its methods, instances of several sizes (up to the family's
largest generator setting) are made with ``planner gen``, and ``planner solve`` runs on each as a
subprocess with ``-t T --json``. A run passes when its wall time stays within
``T + max(1 s, 10 % of T)`` plus the process start-up, measured per family as the wall time of
a cheap method on the same instance less that method's own runtime (imports, loading the
compiled kernels, reading the instance, checking and writing the answer; measured again for
every size, just before its runs, since it grows with the instance and with the machine's
load). The report gives wall / T for
every run, the method's own runtime, the status and any recorded reason (a model skipped because
it cannot be built in time, a rule finished by EDD at the deadline)::

    .venv/bin/python bench/time_limits.py smtt rcpsp -t 2 --out bench/results/time_limits/t2

Sizes come from :data:`SIZES`; ``--size FAMILY=LABEL:GEN ARGS`` adds (or, for a family not in
the table, defines) one, so any family can be run, e.g.
``--size "pipelining=small:--stages 4"``. Run ``planner warmup`` first so that compiling the
kernels (once per installation) is not counted; loading them is part of the start-up.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from planner.bench import markdown_rows, write_report
from planner.bench.rows import write_rows
from planner.bench.runner import certificate_row
from planner.core.family import get_family

#: Instance sizes per family: label -> ``planner gen FAMILY`` arguments, smallest first; the
#: last one is the family's largest generator setting (see ``planner gen FAMILY --help``).
SIZES: dict[str, list[tuple[str, list[str]]]] = {
    "smtt": [
        ("n=100", ["--n", "100", "--tf", "0.6", "--rdd", "0.2", "--clip"]),
        ("n=20000", ["--n", "20000", "--tf", "0.6", "--rdd", "0.2", "--clip"]),
        ("n=100000", ["--n", "100000", "--tf", "0.6", "--rdd", "0.2", "--clip"]),
        ("n=100000 weighted", ["--n", "100000", "--tf", "0.6", "--rdd", "0.2", "--weighted"]),
    ],
    "rcpsp": [
        ("30 jobs", ["--jobs", "30"]),
        ("120 jobs", ["--jobs", "120", "--resources", "4"]),
        (
            "300 jobs, windows",
            ["--jobs", "300", "--resources", "4", "--p-downtime", "0.5", "--p-window", "0.2"],
        ),
    ],
    "seqpar": [
        ("512 seqs, 64 GPUs", ["--mix", "commoncrawl", "--batch", "512", "--gpus", "64"]),
        ("16384 seqs, 1024 GPUs", ["--mix", "commoncrawl", "--batch", "16384", "--gpus", "1024"]),
        (
            "131072 seqs, 65536 GPUs",
            ["--mix", "commoncrawl", "--batch", "131072", "--gpus", "65536"],
        ),
    ],
    "offload": [
        ("llada2-mini, 32 steps", ["--preset", "llada2-mini", "--steps", "32"]),
        ("deepseek-v2-lite, 4096 steps", ["--preset", "deepseek-v2-lite", "--steps", "4096"]),
        ("deepseek-v2-lite, 16384 steps", ["--preset", "deepseek-v2-lite", "--steps", "16384"]),
    ],
    "pipelining": [
        ("10 ops", ["--ops", "10", "--units", "3"]),
        ("50 ops", ["--ops", "50", "--units", "4", "--recurrences", "4"]),
        ("100 ops", ["--ops", "100", "--units", "8", "--recurrences", "10"]),
    ],
}

#: A method that returns at once, used to measure the start-up (default: the first one).
CHEAP = {
    "smtt": "edd",
    "rcpsp": "sgs-basic",
    "seqpar": "static",
    "offload": "static",
    "pipelining": "ims",
}


def planner_cmd() -> list[str]:
    """How to run the CLI with this interpreter."""
    return [sys.executable, "-c", "from planner.cli import main; main()"]


def generate(family: str, label: str, args: list[str], folder: Path) -> Path:
    """Write one instance of ``family`` with ``planner gen`` and return its path."""
    path = folder / f"{family}_{label.replace(' ', '_').replace(',', '')}.json"
    if not path.exists():
        subprocess.run([*planner_cmd(), "gen", family, *args, "-o", str(path)], check=True)
    return path


def solve(family: str, path: Path, method: str, limit: float, threads: int) -> dict:
    """Run ``planner solve`` once; wall time, exit code and the JSON answer's key fields."""
    cmd = [*planner_cmd(), "solve", family, str(path), "-m", method, "-t", f"{limit:g}"]
    cmd += ["--threads", str(threads), "--json"]
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - started
    row = {"wall_s": round(wall, 3), "exit": proc.returncode, "status": "", "objective": ""}
    row["runtime_s"], row["note"], row["result"] = "", "", {}
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    if proc.returncode == 0 and lines:
        res = json.loads(lines[-1])
        stats = res.get("stats") or {}
        row.update(status=res.get("status", ""), objective=res.get("objective", ""), result=res)
        row["runtime_s"] = res.get("runtime_s", "")
        notes = [str(stats[k]) for k in ("skipped", "finished_by") if stats.get(k)]
        notes += [f"{k}: {v}" for k, v in stats.items() if k.endswith("_skipped")]
        row["note"] = "; ".join(notes) or (res.get("reason") or "")
    else:
        row["note"] = (proc.stderr.strip().splitlines() or ["no output"])[-1][:200]
    return row


def startup(family: str, path: Path, method: str, limit: float) -> float:
    """Process cost of a solve: wall time less the method's runtime (best of two)."""
    best = float("inf")
    for _ in range(2):
        row = solve(family, path, method, limit, 1)
        if row["exit"] == 0 and row["runtime_s"] != "":
            best = min(best, row["wall_s"] - float(row["runtime_s"]))
    return round(best, 3)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("families", nargs="+", help="families to run (e.g. smtt rcpsp)")
    ap.add_argument("-t", "--time-limit", type=float, default=2.0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--methods", default="", help="comma-separated subset (default: all)")
    ap.add_argument(
        "--size",
        action="append",
        default=[],
        metavar="FAMILY=LABEL:ARGS",
        help="add a size: gen arguments for FAMILY under LABEL",
    )
    ap.add_argument("--out", type=Path, required=True, help="prefix of the .csv and .md reports")
    ap.add_argument("--instances", type=Path, default=None, help="folder for generated instances")
    a = ap.parse_args()
    sizes = {k: list(v) for k, v in SIZES.items()}
    for spec in a.size:
        fam, _, rest = spec.partition("=")
        label, _, args = rest.partition(":")
        sizes.setdefault(fam, []).append((label, shlex.split(args)))
    folder = a.instances or Path(tempfile.mkdtemp(prefix="time_limits_"))
    folder.mkdir(parents=True, exist_ok=True)
    limit = a.time_limit
    allowed = limit + max(1.0, 0.1 * limit)
    wanted = [m for m in a.methods.split(",") if m]
    rows = []
    for family in a.families:
        if family not in sizes:
            sys.exit(f"no sizes for family {family!r}: pass --size {family}=LABEL:GEN-ARGS")
        methods = [m for m in get_family(family).methods if not wanted or m in wanted]
        paths = [(label, generate(family, label, args, folder)) for label, args in sizes[family]]
        cheap = CHEAP.get(family) or next((m for m in methods if m != "auto"), methods[0])
        for label, path in paths:
            base = startup(family, path, cheap, limit)
            print(f"{family} {label}: start-up {base:.2f} s (method {cheap})", flush=True)
            for method in methods:
                row = {"family": family, "size": label, "method": method, "time_limit": limit}
                row.update(solve(family, path, method, limit, a.threads))
                row["startup_s"] = base
                row["allowed_s"] = round(allowed + base, 3)
                row["wall_over_limit"] = round(row["wall_s"] / limit, 2)
                row["ok"] = bool(row["status"]) and row["wall_s"] <= allowed + base
                rows.append(row)
                print(
                    f"  {label:>18} {method:>12}  wall {row['wall_s']:6.2f} s  "
                    f"runtime {row['runtime_s']!s:>8}  {row['status']:<9} "
                    f"{'ok' if row['ok'] else 'OVER'}  {row['note'][:60]}",
                    flush=True,
                )
    command = "python bench/time_limits.py " + " ".join(shlex.quote(x) for x in sys.argv[1:])
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    bench_rows = [as_bench_row(r) for r in rows]
    a.out.parent.mkdir(parents=True, exist_ok=True)
    write_rows(a.out.with_suffix(".csv"), bench_rows)
    write_report(
        a.out.with_suffix(".md"),
        bench_rows,
        title="Time limits",
        command=command,
        notes=[verdict(rows, load, allowed)],
        sections=[("Every run", markdown_rows(rows, TABLE))],
        plots=False,
    )
    print(f"wrote {a.out.with_suffix('.csv')} and {a.out.with_suffix('.md')}")


#: Columns of the per-run table of the report.
TABLE = [
    "family",
    "size",
    "method",
    "wall_s",
    "wall_over_limit",
    "runtime_s",
    "startup_s",
    "status",
    "ok",
    "note",
]


def as_bench_row(r: dict) -> dict:
    """One run as a benchmark CSV row: the certificate of ``planner solve --json``, with the
    wall time, start-up and verdict in ``stats``."""
    return certificate_row(
        r["result"],
        family=r["family"],
        instance=f"{r['family']} {r['size']}",
        method=r["method"],
        stats={
            k: r[k] for k in ("wall_s", "startup_s", "allowed_s", "wall_over_limit", "ok", "exit")
        }
        | {"note": r["note"]},
    )


def verdict(rows: list[dict], load: str, allowed: float) -> str:
    """The report's summary: how many runs kept their limit, by wall time and by runtime."""
    over = [r for r in rows if not r["ok"]]
    in_time = [r for r in rows if r["runtime_s"] != "" and float(r["runtime_s"]) <= allowed]
    extra = sorted(
        r["wall_s"] - float(r["runtime_s"]) - r["startup_s"] for r in rows if r["runtime_s"] != ""
    )
    spread = f"{extra[len(extra) // 2]:.2f} s (max {extra[-1]:.2f} s)" if extra else "n/a"
    return (
        f"Load average at the end: {load}; 2-core machine shared with other jobs. A run passes "
        f"when its wall time is at most T + max(1 s, 10 %) = {allowed:g} s plus the start-up "
        "(wall time less the method's runtime of a cheap method on the same instance, best of "
        "two, measured just before the runs on that instance). Kernels were compiled ahead with "
        "`planner warmup`; loading them is part of the start-up.\n\n"
        f"**{len(rows) - len(over)} of {len(rows)} runs within the limit by wall time; "
        f"{len(in_time)} of {len(rows)} by the method's own runtime** (T + max(1 s, 10 %), "
        "without the start-up). Wall time less runtime less the measured start-up, i.e. how "
        f"much the process cost varied from the start-up measurement: median {spread}; on a "
        "loaded machine this, not the method, decides most verdicts."
    )


if __name__ == "__main__":
    main()
