"""CPU seconds to parse every PSPLIB / RCPSP-max file (no bound): the cost of feeding psplib a
temp copy of the text. Run from a checkout: ``PYTHONPATH=. python parse_cost.py DATA``."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from planner.core.family import get_family
from planner.core.specs import read_file


def main() -> None:
    root = Path(sys.argv[1])
    fam = get_family("rcpsp")
    for sub in ("psplib/j30", "psplib/j120", "rcpsp_max/sm_j20"):
        files = sorted(p for p in (root / sub).iterdir() if p.suffix.lower() in (".sm", ".sch"))
        t0 = time.process_time()
        for path in files:
            read_file(fam, path)
        cpu = time.process_time() - t0
        print(f"{sub}: {len(files)} files, {cpu:.2f} CPU s, {1000 * cpu / len(files):.2f} ms/file")


if __name__ == "__main__":
    main()
