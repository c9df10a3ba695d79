"""Callers of a function in the cProfile of the issue-18 solve."""

import cProfile
import pstats
import sys

from planner.train.api import make_problem, solve

problem = make_problem("gpt-1008b", "3072xA100", global_batch=3072, seq_len=2048)
prof = cProfile.Profile()
prof.enable()
result = solve(problem, "auto", time_limit=60)
prof.disable()
st = pstats.Stats(prof, stream=sys.stdout)
st.sort_stats("tottime").print_stats(30)
for name in sys.argv[1:]:
    st.print_callers(name)
