"""RCPSP/max check: every ``unsat`` instance proven infeasible, every known optimum matched.

Runs ``planner bench rcpsp`` on ``sm_j10`` / ``sm_j20`` (or reads an existing CSV with
``--csv``/``--resume``), then compares each row with ``optimum/optimum.csv`` and writes a Markdown
report::

    .venv/bin/python bench/rcpsp_max.py ../shared/data/rcpsp_max/sm_j10 \
        --csv bench/results/rcpsp/max_j10.csv --report bench/results/rcpsp/max_j10.md -t 10
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
from pathlib import Path

from planner.bench.rows import read_rows
from planner.core.io import write_atomic
from planner.rcpsp.readers import read_reference, read_unsat


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path, help="sm_j10 or sm_j20 folder (with optimum/optimum.csv)")
    ap.add_argument("--csv", type=Path, required=True)
    ap.add_argument("--report", type=Path, required=True)
    ap.add_argument("--method", default="auto")
    ap.add_argument("-t", "--time-limit", type=float, default=10.0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--no-run", action="store_true", help="only evaluate an existing CSV")
    args = ap.parse_args()
    optimum = args.folder / "optimum" / "optimum.csv"
    cmd = [
        str(Path(sys.executable).with_name("planner")),
        "bench",
        "rcpsp",
        str(args.folder),
        "--methods",
        args.method,
        "-t",
        str(args.time_limit),
        "--threads",
        str(args.threads),
        "--jobs",
        str(args.jobs),
        "--csv",
        str(args.csv),
        "--reference",
        str(optimum),
    ]
    if args.csv.exists():
        cmd.append("--resume")
    if not args.no_run:
        subprocess.run(cmd, check=False)
    refs = read_reference(optimum)
    unsat = read_unsat(optimum)
    rows = [r for r in read_rows(args.csv) if r["method"] == args.method]
    lines, misses = [], []
    counts = dict(
        unsat=0,
        unsat_proven=0,
        known=0,
        known_matched=0,
        known_proven=0,
        open=0,
        open_within=0,
        slow=0,
    )
    times = []
    for row in sorted(rows, key=lambda r: int(r["instance"].removeprefix("PSP"))):
        name, status, t = row["instance"], row["status"], row["runtime_s"] or 0.0
        times.append(t)
        if t > args.time_limit + 0.5:
            counts["slow"] += 1
        if name in unsat:
            counts["unsat"] += 1
            if status == "INFEASIBLE":
                counts["unsat_proven"] += 1
            else:
                misses.append(f"{name}: unsat, got {status}")
            continue
        ref = refs.get(name)
        if ref is None:
            continue
        if ref.value is not None:
            counts["known"] += 1
            if row["objective"] == ref.value:
                counts["known_matched"] += 1
                counts["known_proven"] += status == "OPTIMAL"
            else:
                misses.append(f"{name}: optimum {ref.value:g}, got {status} {row['objective']}")
        else:
            counts["open"] += 1
            obj, bound = row["objective"], row["bound"]
            if obj is not None and obj <= ref.ub and (bound is None or bound <= ref.ub):
                counts["open_within"] += 1
            if status == "OPTIMAL":
                lines.append(
                    f"- {name}: proven optimum {obj:g} (published range {ref.lb:g}..{ref.ub:g})"
                )
            else:
                lines.append(
                    f"- {name}: {status} {obj} bound {bound} (published {ref.lb:g}..{ref.ub:g})"
                )
    text = f"# RCPSP/max {args.folder.name}\n\nReproduce with:\n\n```\n{shlex.join(cmd)}\n```\n\n"
    text += "| check | result |\n|---|---|\n"
    text += f"| unsat proven infeasible | {counts['unsat_proven']}/{counts['unsat']} |\n"
    text += f"| known optimum matched | {counts['known_matched']}/{counts['known']} "
    text += f"(proven optimal {counts['known_proven']}) |\n"
    text += f"| open instances (LB..UB published) within the published UB | {counts['open_within']}/{counts['open']} |\n"
    text += f"| runs over the time limit | {counts['slow']} |\n"
    if times:
        text += f"| mean / max time s | {sum(times) / len(times):.3f} / {max(times):.2f} |\n"
    if misses:
        text += "\nMisses:\n\n" + "\n".join(f"- {m}" for m in misses) + "\n"
    if lines:
        text += "\nOpen instances:\n\n" + "\n".join(lines) + "\n"
    write_atomic(args.report, text)
    print(text)


if __name__ == "__main__":
    main()
