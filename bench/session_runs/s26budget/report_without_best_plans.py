"""Regenerate ``bench/results/calibration/report.md`` after a serving-only refit, without the
80-minute best-plan searches.

The report's "Published layout against the planner's best plan" section depends only on the
training constants (it searches training layouts). This script refits (``fit.fit()``, the
constants ``planner calibrate`` writes), asserts that no training constant moved against the
committed report's source (``--base``: the constants file of main), writes the report with
``best_plans=False`` and splices the committed report's section back in unchanged.

Usage::

    PYTHONPATH=. nice -n 10 .venv/bin/python \\
        bench/session_runs/s26budget/report_without_best_plans.py \\
        --base bench/session_runs/s26budget/constants_main.json --command "..."
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import planner.serve  # registers the serving predictors
import planner.train  # noqa: F401
from planner.core.io import write_atomic
from planner.perfmodel.calibration import fit as calibration

ROOT = Path(__file__).resolve().parents[3]
REPORT = ROOT / "bench" / "results" / "calibration" / "report.md"
SECTION = "## Published layout against the planner's best plan"


def section(text: str, title: str) -> str:
    """The Markdown section starting at ``title`` up to the next ``## `` heading."""
    start = text.index(title)
    end = text.find("\n## ", start + len(title))
    return text[start : end + 1 if end >= 0 else len(text)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", type=Path, required=True, help="constants.json of main")
    ap.add_argument("--command", required=True, help="the command line stated in the report")
    args = ap.parse_args()
    base = json.loads(args.base.read_text())
    base = base.get("constants", base)
    result = calibration.fit()
    training = {p.name for p in calibration.PARAMETERS if p.kind == "training"}
    moved = {
        n: (base[n], result.values[n])
        for n in sorted(training)
        if abs(result.values[n] - base[n]) > 1e-9 * max(1.0, abs(base[n]))
    }
    assert not moved, f"training constants moved, the best-plan section is stale: {moved}"
    committed = REPORT.read_text()
    kept = section(committed, SECTION)
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "report.md"
        calibration.report(result, fresh, command=args.command, best_plans=False)
        text = fresh.read_text()
    # the section sat between the layout-kind exceptions and the leave-one-source-out table
    anchor = "## Leave one source out"
    assert SECTION not in text and anchor in text
    assert kept.endswith("\n\n")  # the section ends with its blank line
    text = text.replace(anchor, kept + anchor, 1)
    write_atomic(REPORT, text)
    print(f"wrote {REPORT} ({len(text)} chars); training constants unchanged: {len(training)}")


if __name__ == "__main__":
    main()
