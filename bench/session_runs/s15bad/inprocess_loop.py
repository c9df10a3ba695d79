"""Repeated in-process ``planner.cli.main`` calls: does the n-th call hang?

Runs the s14bad sweeps' cases (``sweep_files`` leaves of every family's example, then the
``sweep_floats`` float options) through :func:`planner.cli.main` in ONE process, printing one
line per call; :mod:`faulthandler` dumps every thread's stack if a call takes over 150 s.

Run from the worktree: PYTHONPATH=. python bench/session_runs/s15bad/inprocess_loop.py [files|floats]
"""

from __future__ import annotations

import contextlib
import faulthandler
import io
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "s14bad"))

import sweep_files as sf  # noqa: E402

from planner.cli import main  # noqa: E402


def call(args: list[str]) -> tuple[object, float, str]:
    """Run ``planner ARGS`` in this process; exit code, wall seconds, stderr's last line."""
    faulthandler.dump_traceback_later(150, repeat=True)
    err = io.StringIO()
    start = time.perf_counter()
    code: object = 0
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            main(args)
    except SystemExit as exc:
        code = exc.code
    faulthandler.cancel_dump_traceback_later()
    lines = err.getvalue().strip().splitlines()
    return code, time.perf_counter() - start, lines[-1] if lines else ""


def file_cases():
    tmp = Path(tempfile.mkdtemp(prefix="s15bad-"))
    for fam, rel in sf.EXAMPLES.items():
        text = (sf.ROOT / rel).read_text()
        for k, (label, body) in enumerate(sf.cases(fam, text)):
            path = tmp / f"{fam}-{k}.json"
            path.write_text(body)
            yield f"solve {fam} {label}", ["solve", fam, str(path), "-t", "2"]


def float_cases():
    import sweep_floats as sfl

    import planner.cli as c

    for path, cmd in sfl._leaves(c.command(), []):
        name = " ".join(path)
        for p in cmd.params:
            td = getattr(p, "type_descriptor", None)
            if td is None or "float" not in str(td.annotation) or name not in sfl.BASE:
                continue
            flag = p.opts[0]
            for value in ("nan", "inf"):
                args = [*sfl.BASE[name], *sfl.EXTRA.get(flag, []), flag, value]
                yield f"{name} {flag} {value}", args


def main_loop() -> None:
    which = sys.argv[1] if len(sys.argv) > 1 else "files"
    cases = file_cases() if which == "files" else float_cases()
    for n, (label, args) in enumerate(cases):
        code, wall, last = call(args)
        print(
            f"{n} | {label} | rc {code} | {wall:.2f} s | threads {threading.active_count()} | {last[:120]}",
            flush=True,
        )


if __name__ == "__main__":
    main_loop()
