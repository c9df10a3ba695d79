"""Per-row errors of the inference-GPU rows under one ``whatif.py`` case (s29l40s).

Usage: ``PYTHONPATH=. python bench/session_runs/s29l40s/whatif_rows.py CASE [ID-SUBSTRING]``
(default substring ``rtxpro``).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from whatif import errors, patch

if __name__ == "__main__":
    base = errors()
    undo = patch(sys.argv[1])
    new = errors()
    undo()
    print(f"| row | base | {sys.argv[1]} |")
    print("|---|---|---|")
    for rid, e in base.items():
        if (sys.argv[2] if len(sys.argv) > 2 else "rtxpro") in rid:
            print(f"| {rid} | {e:+.1%} | {new[rid]:+.1%} |")
