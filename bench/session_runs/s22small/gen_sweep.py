"""Bad-input sweep of every ``planner gen`` command's numeric options (s22small).

Each call: ``timeout 20 planner gen FAMILY BASE... OPTION VALUE --out TMP/x.json --force``.
A bad value must end with exit 2 and one stderr line naming the option; a value that is
valid for the option (exit 0) is listed as accepted. Prints a Markdown table.

Usage: PYTHONPATH=. .venv/bin/python bench/session_runs/s22small/gen_sweep.py [--fork] > out.md

``--fork`` runs each call in a child forked from one interpreter that has imported every
family (``planner.cli.main`` in the child, killed after 20 s): on a machine at load 10-12 the
start of a new process alone took 10-20 s, so the subprocess mode timed out on valid values.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

BASE = {
    "smtt": ["--n", "5", "--tf", "0.2", "--rdd", "0.6"],
    "rcpsp": ["--jobs", "10"],
    "train": [],
    "seqpar": ["--mix", "github", "--batch", "16", "--gpus", "8"],
    "pipelining": ["--ops", "10..12"],
    "offload": ["--steps", "4"],
}
OPTIONS = {
    "smtt": ["--n", "--tf", "--rdd", "--count"],
    "rcpsp": [
        "--jobs",
        "--layers",
        "--level",
        "--resources",
        "--p-downtime",
        "--p-window",
        "--p-disjunctive",
        "--ramp",
        "--count",
    ],
    "train": ["--count"],
    "seqpar": ["--batch", "--max-len", "--gpus", "--gpus-per-node", "--count"],
    "pipelining": ["--ops", "--units", "--recurrences", "--count"],
    "offload": [
        "--steps",
        "--stability",
        "--zipf",
        "--drift",
        "--tokens",
        "--block-steps",
        "--layers",
        "--prefix",
        "--budget",
        "--global-budget",
        "--h2d-gb-s",
        "--gpu-call-us",
        "--gpu-token-us",
        "--cpu-call-us",
        "--cpu-token-us",
    ],
}
VALUES = ["0", "-1", "1.5", "1e30", "99999999999999999999", "nan", "inf", "-inf", "abc"]
# --seed is common to all gen commands: swept once per family
COMMON = ["--seed"]


def run(family: str, option: str, value: str, tmp: str) -> tuple[int, str, float]:
    base = [x for x in BASE[family]]
    if option in base:  # replace the base's value
        i = base.index(option)
        del base[i : i + 2]
    cmd = [
        "timeout",
        "20",
        os.path.join(os.path.dirname(sys.executable), "planner"),
        "gen",
        family,
        *base,
        option,
        value,
    ]
    cmd += ["--out", os.path.join(tmp, "x.json"), "--force"]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    return proc.returncode, proc.stderr.strip(), time.perf_counter() - start


def run_forked(family: str, option: str, value: str, tmp: str) -> tuple[int, str, float]:
    """The same call in a forked child of this interpreter (families already imported)."""
    import signal

    base = [x for x in BASE[family]]
    if option in base:
        i = base.index(option)
        del base[i : i + 2]
    args = ["gen", family, *base, option, value, "--out", os.path.join(tmp, "x.json"), "--force"]
    err_path = os.path.join(tmp, "stderr.txt")
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # child: stdout / stderr to files, exit with main's code
        fd = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(fd, 2)
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
        code = 1
        try:
            from planner.cli import main as planner_main

            planner_main(args)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        finally:
            sys.stderr.flush()
            os._exit(code)
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            break
        if time.perf_counter() - start > 20:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            code = 124
            break
        time.sleep(0.02)
    with open(err_path) as f:
        err = f.read().strip()
    return code, err, time.perf_counter() - start


def main() -> None:
    forked = "--fork" in sys.argv[1:]
    if forked:  # import every family once, before the first fork
        from planner.cli import command

        command()
    bad = 0
    print("| command | option | value | exit | s | stderr | verdict |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for family, options in OPTIONS.items():
            for option in [*options, *COMMON]:
                for value in VALUES:
                    code, err, secs = (run_forked if forked else run)(family, option, value, tmp)
                    lines = err.splitlines()
                    if code == 0:
                        verdict = "accepted"
                    elif (
                        code == 2
                        and len(lines) == 1
                        and "Traceback" not in err
                        and option in lines[0]
                    ):
                        verdict = "ok"
                    else:
                        verdict = "ISSUE"
                        bad += 1
                    shown = (lines[-1] if lines else "")[:150].replace("|", "\\|")
                    print(
                        f"| gen {family} | {option} | {value} | {code} | {secs:.1f} | {shown} | "
                        f"{verdict} |",
                        flush=True,
                    )
    print(f"\n{bad} issue(s)")


if __name__ == "__main__":
    main()
