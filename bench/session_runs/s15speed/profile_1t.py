"""cProfile of the issue-18 solve (GPT-1T on 3,072 A100, method auto)."""

import cProfile
import pstats
import sys
import time

from planner.train.api import make_problem, solve

problem = make_problem("gpt-1008b", "3072xA100", global_batch=3072, seq_len=2048)
prof = cProfile.Profile()
cpu = time.process_time()
prof.enable()
result = solve(problem, "auto", time_limit=60)
prof.disable()
print(
    result.status.value,
    result.solution.short(),
    repr(result.objective),
    repr(result.bound),
    f"cpu {time.process_time() - cpu:.2f}",
)
print(result.stats)
st = pstats.Stats(prof, stream=sys.stdout)
st.sort_stats(sys.argv[1] if len(sys.argv) > 1 else "cumulative").print_stats(45)
