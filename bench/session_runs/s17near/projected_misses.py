"""The near-best misses file as the report will read after this branch (helper s17near).

Takes the committed report's "Published layout against the planner's best plan" table, puts
in the LLM Foundry rows' framework columns from this session's rerun of their searches
(``llmfoundry_near_best.md``: every strict verdict unchanged), adds the framework best plan
column (the unrestricted best plan for rows without a profile), and runs
``bench/train_near_best_misses.py`` on it. Not the full report (the lead regenerates it).

Usage::

    PYTHONPATH=. .venv/bin/python bench/session_runs/s17near/projected_misses.py
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

HERE = Path("bench/session_runs/s17near")
REPORT = Path("bench/results/calibration/report.md")
SECTION = "## Published layout against the planner's best plan"


def session_rows() -> dict[str, list[str]]:
    """run -> cells of this session's LLM Foundry rerun."""
    out = {}
    for line in (HERE / "llmfoundry_near_best.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and cells[0].startswith("llmfoundry2401/"):
            out[cells[0]] = cells
    return out


def main() -> None:
    text = REPORT.read_text()
    head, rest = text.split(SECTION, 1)
    section, tail = rest.split("\n## ", 1)
    new = session_rows()
    lines = []
    near = near_fw = total = 0
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 11 and "/" in cells[0]:
            total += 1
            if cells[0] in new:
                s = new[cells[0]]  # run, pub, best, gap, near, fw best, fw gap, fw near, plan
                assert s[4] == cells[6].split()[0], cells[0]  # strict verdict unchanged
                cells[8:11] = [s[5], s[6], s[7]]
                cells.append(s[8])
            else:
                cells.append(cells[5])
            near += cells[6].startswith("yes")
            near_fw += cells[10] == "yes"
            line = "| " + " | ".join(cells) + " |"
        elif line.startswith("|---"):
            line += "---|"
        elif line.startswith("| run |"):
            line += " framework best plan |"
        elif line.startswith("Near-best against"):
            line = f"Near-best against the best plan of the run's framework: {near_fw} of {total}."
        lines.append(line)
    projected = HERE / "report_projected.md"
    projected.write_text(head + SECTION + "\n".join(lines) + "\n## " + tail)
    spec = importlib.util.spec_from_file_location("misses", "bench/train_near_best_misses.py")
    misses = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(misses)
    misses.REPORT = projected
    misses.OUT = HERE / "near_best_misses_projected.md"
    misses.main()
    print(f"\nstrict {near} / {total}, within the framework {near_fw} / {total}")


if __name__ == "__main__":
    main()
