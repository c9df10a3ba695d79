"""Every float option of every command given nan / inf / -inf: exit code and stderr's last line.

Base command lines are the bad-input corpus's (``tests/cli/corpus.py``), with a time limit.
Run from the worktree: PYTHONPATH=. python bench/session_runs/s14bad/sweep_floats.py
"""

from __future__ import annotations

from pathlib import Path

from sweep_files import run

import planner.cli as c
from tests.cli.corpus import BASE as CORPUS

ROOT = Path(__file__).resolve().parents[3]
INST = str(ROOT / "instances")
BASE = {
    **{k: [w.replace("{instances}", INST) for w in v] for k, v in CORPUS.items()},
    "gen rcpsp": ["gen", "rcpsp"],
    "gen offload": ["gen", "offload"],
}
for _name in ("plan train", "plan serve"):
    BASE[_name] = [*BASE[_name], "-t", "5"]
EXTRA = {"--spot-max-share": ["--spot"], "--period-hours": ["--profile", "3,4"]}


def main() -> None:
    """Print one table row per (command, float option, value)."""
    for path, cmd in _leaves(c.command(), []):
        name = " ".join(path)
        for p in cmd.params:
            td = getattr(p, "type_descriptor", None)
            if td is None or "float" not in str(td.annotation) or name not in BASE:
                continue
            flag = p.opts[0]
            for value in ("nan", "inf", "-inf"):
                args = [*BASE[name], *EXTRA.get(flag, []), flag, value]
                if "--profile" in args:
                    args = [a for a in args if a not in ("--qps", "6")]
                rc, err, _status, _lines = run(args)
                print(f"| {name} | {flag} {value} | {rc} | {err[:200]} |", flush=True)


def _leaves(cmd, path):
    subs = getattr(cmd, "commands", {})
    if not subs:
        yield path, cmd
    for n, s in subs.items():
        yield from _leaves(s, [*path, n])


if __name__ == "__main__":
    main()
