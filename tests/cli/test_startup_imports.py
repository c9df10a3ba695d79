"""Start-up: a command loads only the heavy libraries its code path calls.

OR-Tools' ``cp_model`` (which imports pandas) took 245 ms and numba 179 ms of a 1.4 s small
solve (``python -X importtime``, load 0.3, s26small); a path that never builds a CP-SAT model or
calls a compiled kernel must not pay for them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SMTT = str(ROOT / "instances" / "smtt" / "example.json")  # unweighted, n = 20
RCPSP = str(ROOT / "instances" / "rcpsp" / "j301_1.sm")
HEAVY = ("ortools.sat.python.cp_model", "pandas", "numba")

# run the CLI in a fresh interpreter, then report which heavy modules it loaded (on stderr:
# stdout is the command's)
SCRIPT = f"""
import json, sys
from planner.launcher import main
sys.argv = ["planner", *sys.argv[1:]]
try:
    main()
except SystemExit as stop:
    code = stop.code
else:
    code = 0
heavy = {HEAVY!r}
print("LOADED " + json.dumps([m for m in heavy if m in sys.modules]), file=sys.stderr)
sys.exit(code)
"""


def loaded(*args: str) -> set[str]:
    """The heavy modules in ``sys.modules`` after ``planner ARGS`` ran (it must exit 0)."""
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT, *args], capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 0, run.stderr[-2000:]
    line = [x for x in run.stderr.splitlines() if x.startswith("LOADED ")][-1]
    return set(json.loads(line.removeprefix("LOADED ")))


@pytest.mark.parametrize(
    ("args", "allowed"),
    [
        # unweighted smtt: local search and Branch & Memorize are numba kernels; CP-SAT only
        # serves the weighted exact path, so neither it nor pandas may load
        (["solve", "smtt", SMTT, "-t", "5", "--json"], {"numba"}),
        (["solve", "smtt", SMTT, "-m", "exact", "-t", "5", "--json"], {"numba"}),
        # a constructive rule is numpy only
        (["solve", "smtt", SMTT, "-m", "mdd", "--json"], set()),
        # one SGS pass: compiled kernels, no CP-SAT model
        (["solve", "rcpsp", RCPSP, "-m", "sgs-lft", "--json"], {"numba"}),
        # the registry lists methods without importing a solver
        (["families", "--json"], set()),
    ],
    ids=["smtt-auto", "smtt-exact", "smtt-rule", "rcpsp-sgs", "families"],
)
def test_a_command_loads_only_what_its_path_calls(args, allowed):
    assert loaded(*args) <= allowed


def test_a_small_rcpsp_auto_solve_loads_numba_only_for_its_ga_stage():
    """rcpsp ``auto`` on PSPLIB j301_1: CP-SAT (and with it pandas) always, the compiled kernels
    only when a GA or LNS stage ran. The quick CP-SAT run closes it at low load, so its one SGS
    pass runs interpreted and numba stays out (~0.5 CPU s of a 1.5 s start-up, s28start); a
    loaded machine may leave the quick run short of the proof, and the GA stage then loads them.
    On the session-start code numba loaded in every case."""
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT, "solve", "rcpsp", RCPSP, "-t", "10", "--json"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    line = [x for x in run.stderr.splitlines() if x.startswith("LOADED ")][-1]
    modules = set(json.loads(line.removeprefix("LOADED ")))
    stages = {s["stage"] for s in json.loads(run.stdout)["stats"]["stages"]}
    assert {"ortools.sat.python.cp_model", "pandas"} <= modules
    assert ("numba" in modules) == bool(stages & {"ga", "lns"}), (modules, stages)


def test_a_weighted_smtt_solve_still_loads_cp_sat_before_its_clock():
    """The weighted exact path builds CP-SAT models: its import stays outside the limit."""
    wt40 = str(ROOT / "instances" / "smtt" / "wt40_first3.txt") + "#0"
    assert "ortools.sat.python.cp_model" in loaded("solve", "smtt", wt40, "-t", "1", "--json")
