"""cProfile one whole CLI command in-process: python cliprof.py OUT.prof N_TOP -- planner-args..."""

import contextlib
import cProfile
import pstats
import sys
import time

from planner.launcher import main

out, top = sys.argv[1], int(sys.argv[2])
assert sys.argv[3] == "--"
sys.argv = ["planner", *sys.argv[4:]]
prof = cProfile.Profile()
t0 = time.process_time()
prof.enable()
with contextlib.suppress(SystemExit):
    main()
prof.disable()
print(f"command: {time.process_time() - t0:.2f} s CPU", file=sys.stderr)
prof.dump_stats(out)
pstats.Stats(prof, stream=sys.stderr).sort_stats("cumulative").print_stats(top)
