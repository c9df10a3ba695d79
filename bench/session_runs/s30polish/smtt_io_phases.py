"""Where a 1,000,000-job ``solve smtt -t 1`` spends its CPU outside the solver: read, solve,
write (stdout's compact JSON and ``-o``'s file), each timed in process (CPU seconds).

Usage: PYTHONPATH=. .venv/bin/python bench/session_runs/s30polish/smtt_io_phases.py FILE.json [METHOD]
(the instance: s25scale's make_smtt.py, the generator's distribution at n = 1,000,000).
"""

import json
import sys
import tempfile
import time
from pathlib import Path

import planner
from planner.core.family import get_family
from planner.core.io import dump_json
from planner.core.specs import load_instances

path, method = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else "mdd")
t = time.process_time()
(loaded,) = load_instances(get_family("smtt"), [path])
inst = loaded.instance
t_read = time.process_time() - t
t = time.process_time()
res = planner.solve(inst, method, time_limit=1.0, threads=1)
t_solve = time.process_time() - t
d = res.to_dict()
t = time.process_time()
text = json.dumps(d) + "\n"  # what --json prints (planner.core.console)
t_stdout = time.process_time() - t
with tempfile.TemporaryDirectory() as tmp:
    t = time.process_time()
    dump_json(Path(tmp) / "o.json", d)  # what -o writes
    t_file = time.process_time() - t
    size = (Path(tmp) / "o.json").stat().st_size
print(
    f"{method}: read {t_read:.2f} s, solve {t_solve:.2f} s (runtime_s {res.runtime_s:.2f}), "
    f"stdout JSON {t_stdout:.2f} s ({len(text):,} chars), -o file {t_file:.2f} s ({size:,} bytes)"
)
