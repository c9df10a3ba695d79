"""Count the sweep's rows by target and verdict (Markdown table on stdout).

python bench/session_runs/s30bad/summary.py bench/session_runs/s30bad/*.jsonl
"""

from __future__ import annotations

import collections
import json
import sys
from pathlib import Path


def main() -> None:
    for name in sys.argv[1:]:
        rows = [json.loads(x) for x in Path(name).read_text().splitlines() if x.strip()]
        by = collections.Counter((r["target"], r["verdict"]) for r in rows)
        print(f"\n### {Path(name).name}: {len(rows)} cases\n")
        print("| target | verdict | cases |\n|---|---|---|")
        for (target, verdict), n in sorted(by.items()):
            print(f"| {target} | {verdict} | {n} |")


if __name__ == "__main__":
    main()
