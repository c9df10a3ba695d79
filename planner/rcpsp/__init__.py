"""Resource-constrained project scheduling (RCPSP): PSPLIB, RCPSP/max, downtime, windows, pairs."""

from planner.rcpsp.evaluate import evaluate, verify
from planner.rcpsp.instance import Downtime, Instance, Precedence, Solution

__all__ = ["Downtime", "Instance", "Precedence", "Solution", "evaluate", "verify"]
