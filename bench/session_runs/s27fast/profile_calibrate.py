"""Profile ``planner calibrate --check`` (the fit + the comparison) with cProfile.

Usage: PYTHONPATH=. .venv/bin/python bench/session_runs/s27fast/profile_calibrate.py OUT.prof
Prints the CPU time of the whole check and the 40 most expensive functions (cumulative).
"""

import cProfile
import pstats
import sys
import time

from planner.cli import main as planner_main


def main() -> None:
    """Run the check under cProfile and print the hot spots."""
    code = None
    out = sys.argv[1]
    profiler = cProfile.Profile()
    start = time.process_time()
    profiler.enable()
    try:
        planner_main(["calibrate", "--check"])
    except SystemExit as exc:
        code = exc.code
    profiler.disable()
    cpu = time.process_time() - start
    print(f"exit {code}; CPU {cpu:.1f} s")
    profiler.dump_stats(out)
    pstats.Stats(out).sort_stats("cumulative").print_stats(40)
    pstats.Stats(out).sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
