"""Ctrl-C as a terminal sends it: SIGINT to a command's whole process group after N seconds.

Usage (from the user's folder, with ``logs/``): ``python ctrlc2.py SECONDS planner bench ...``;
stderr goes to ``logs/c2.err``, the exit code is printed.
"""

import os
import signal
import subprocess
import sys
import time


def main() -> None:
    """Start the command in a new session, wait, send SIGINT to its group, print its exit code."""
    delay, cmd = float(sys.argv[1]), sys.argv[2:]
    with open("logs/c2.err", "w") as err:
        proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=err)
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait()
    print("rc", proc.returncode)


if __name__ == "__main__":
    main()
