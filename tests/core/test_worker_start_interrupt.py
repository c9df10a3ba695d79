"""A Ctrl-C that arrives while a plugin worker starts leaves no worker behind.

Workers start with SIGINT blocked in the driver (:func:`planner.core.sigint.deaf_children`);
a Ctrl-C pressed meanwhile is delivered when the block ends, as ``KeyboardInterrupt`` out of
the ``with``. The worker has started by then: its handle must know it, or neither ``close``
nor the exit finalizer stops it: it goes on loading the plugin (multiprocessing's exit join
waits for it) and then fails to report "ready" down a closed pipe (s27review: on main the
worker below lived on for the 4 s of its import).

The scenario raises a real SIGINT, so it runs in its own process and session: a signal that
went astray must not reach the test runner's worker (a CI run lost an xdist worker to one).
"""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

PLUGIN = """
import time

time.sleep(4)  # a plugin that imports something heavy


def one(x):
    return 1
"""

SCENARIO = """
import multiprocessing, signal, sys
from planner.core.isolation import FunctionSpec, IsolatedFunction

worker = IsolatedFunction(FunctionSpec.parse(sys.argv[1] + ":one"))
process_class = type(multiprocessing.get_context("spawn").Process())
start = process_class.start

def start_then_ctrl_c(self):
    start(self)
    signal.raise_signal(signal.SIGINT)  # blocked here: pending until the block ends

process_class.start = start_then_ctrl_c
before = set(multiprocessing.active_children())
try:
    worker.start()
except KeyboardInterrupt:
    pass
else:
    sys.exit("no KeyboardInterrupt out of the interrupted start")
process_class.start = start
started = [p for p in multiprocessing.active_children() if p not in before]
assert len(started) == 1, started  # the Ctrl-C came after the worker was started
worker.close()
started[0].join(timeout=1.0)
alive = started[0].is_alive()
started[0].kill()
assert not alive, "the interrupted start left its worker running"
assert worker.call(0, time_limit=60).value == 1  # the handle starts afresh
worker.close()
print("ok")
"""


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX signal masks")
def test_ctrl_c_during_worker_start_is_raised_and_the_worker_stopped(tmp_path):
    plug = tmp_path / "plug.py"
    plug.write_text(PLUGIN)
    done = subprocess.run(
        [sys.executable, "-c", SCENARIO, str(plug)],
        capture_output=True,
        text=True,
        timeout=120,
        start_new_session=True,
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]
