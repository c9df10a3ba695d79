"""RCPSP heuristics: schedule-generation schemes, priority rules, justification, GA and LNS.

Modules
-------
``data``      flat arrays of an instance (forward and mirrored) for the compiled kernels
``sgs``       serial and parallel schedule-generation schemes (numba when available)
``priority``  LFT / LST / MTS / GRPW rules, activity lists, regret-based biased sampling
``fbi``       forward–backward improvement (double justification)
``ga``        genetic algorithm on activity lists
``pos``       resource-flow arcs of a schedule (partial-order schedule)
``lns``       CP-SAT large neighbourhood search on the exact model
``methods``   the method functions and the ``HEURISTICS`` table for ``planner.rcpsp.methods``
"""

from planner.rcpsp.heuristics.data import SgsData
from planner.rcpsp.heuristics.fbi import justify
from planner.rcpsp.heuristics.ga import GaParams, genetic_algorithm
from planner.rcpsp.heuristics.lns import LnsParams, large_neighbourhood_search
from planner.rcpsp.heuristics.methods import HEURISTICS
from planner.rcpsp.heuristics.sgs import Decoder, parallel_sgs, serial_sgs

__all__ = [
    "HEURISTICS",
    "Decoder",
    "GaParams",
    "LnsParams",
    "SgsData",
    "genetic_algorithm",
    "justify",
    "large_neighbourhood_search",
    "parallel_sgs",
    "serial_sgs",
]
