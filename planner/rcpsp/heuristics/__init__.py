"""RCPSP heuristics: schedule-generation schemes, priority rules, justification, GA and LNS.

Modules (the method functions that use them are in :mod:`planner.rcpsp.methods`)
-------
``_jit``      optional numba compilation of the kernels
``data``      flat arrays of an instance (forward and mirrored) for the compiled kernels
``sgs``       serial and parallel schedule-generation schemes (numba when available)
``priority``  LFT / LST / MTS / GRPW rules, activity lists, regret-based biased sampling
``fbi``       forward–backward improvement (double justification)
``ga``        genetic algorithm on activity lists
``pos``       resource-flow arcs of a schedule (partial-order schedule)
``lns``       CP-SAT large neighbourhood search on the exact model

This package file imports nothing, so that the family's method table can name the rules without
loading the compiled kernels.
"""

#: Priority rule names, in the order methods list them.
RULES = ("lft", "lst", "mts", "grpw")
