"""Check that no line of the old README was lost in the eighteenth session's restructure.

Usage (from the repository root): ``python bench/session_runs/s18docs/check_moved.py [REF]``
(REF, default ``main``, names the old README: ``git show REF:README.md``). Every non-empty line
of the old README must occur as a whole line of README.md or docs/*.md, compared after two
normalizations that moving text needs and that change no content:

- surrounding whitespace and a heading's leading ``#`` markers are ignored (a section's
  heading level changes when it becomes a page);
- link targets are ignored, ``[text](anything)`` == ``[text]()`` (a link moved into docs/
  points one folder up, or to the page its section moved to).

A table row of the old Benchmarks table became a subsection of docs/benchmark_history.md with
its cells as separate lines, so a table row that does not occur whole counts as moved when
every one of its cells occurs (normalized) within a line of the new text. Prints the lines
that are missing (exit 1) and a summary.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

LINK_TARGET = re.compile(r"\]\([^)\s]*\)")
HEADING = re.compile(r"^#{1,6}\s+")


def normal(line: str) -> str:
    line = HEADING.sub("", line.strip())
    return LINK_TARGET.sub("]()", line)


def cells(row: str) -> list[str]:
    return [c.strip() for c in row.strip().strip("|").split(" | ") if c.strip()]


def main(root: Path, ref: str) -> int:
    old = subprocess.run(
        ["git", "show", f"{ref}:README.md"], cwd=root, capture_output=True, text=True, check=True
    ).stdout.split("\n")
    files = [root / "README.md", *sorted((root / "docs").glob("*.md"))]
    new_lines = [normal(x) for f in files for x in f.read_text(encoding="utf-8").split("\n")]
    whole = set(new_lines)
    text = "\n".join(new_lines)
    checked = by_line = by_cells = 0
    missing = []
    for number, line in enumerate(old, 1):
        if not line.strip():
            continue
        checked += 1
        key = normal(line)
        if key in whole:
            by_line += 1
        elif key.startswith("|") and all(normal(c) in text for c in cells(key)):
            by_cells += 1
        else:
            missing.append((number, line))
    for number, line in missing:
        print(f"missing: old README.md:{number}: {line[:160]}")
    print(
        f"old README ({ref}): {len(old) - (old[-1] == '')} lines, {checked} non-empty; found "
        f"{by_line} as whole lines, {by_cells} table rows cell by cell, {len(missing)} missing "
        f"(in {', '.join(str(f.relative_to(root)) for f in files)})"
    )
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(Path.cwd(), sys.argv[1] if len(sys.argv) > 1 else "main"))
