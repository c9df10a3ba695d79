"""cProfile (CPU clock) of ``per_layout.py``: the top functions by own and cumulative time.

Run: ``PYTHONPATH=. nice -n 10 .venv/bin/python bench/session_runs/s29fleet/prof_layout.py chat
H100-SXM`` (the two profiles here, ``cprofile_h100_chat_*.txt``, ran an earlier copy of
``per_layout.py`` without the ``numpy`` switch and without ``OPENBLAS_NUM_THREADS=1``: the
numpy one before ``planner warmup`` compiled the kernels of this worktree, the numba one after).
"""

import cProfile
import pstats
import sys
import time
from pathlib import Path

script = Path(__file__).with_name("per_layout.py")
sys.argv = [str(script), "mixtral-8x7b", *sys.argv[1:]]
prof = cProfile.Profile(time.process_time)
prof.enable()
exec(compile(script.read_text(), str(script), "exec"))
prof.disable()
pstats.Stats(prof).sort_stats("tottime").print_stats(40)
pstats.Stats(prof).sort_stats("cumulative").print_stats(60)
