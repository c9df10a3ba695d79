"""The reversed project: every precedence turned around, same makespan.

Reading a schedule backwards from its makespan ``C`` (``S'_j = C - S_j - d_j``) turns a
feasible schedule of a project into one of the *reversed* project, with the same makespan, and
back: a lag ``S_j >= S_i + lag`` becomes ``S'_i >= S'_j + d_j - d_i + lag`` (finish-to-start
stays finish-to-start, ``j`` before ``i``), resource use at time ``t`` becomes resource use at
``C - 1 - t``, and disjunctive pairs stay pairs. So both projects have the same optimum, and a
proof that the reversed one cannot finish by ``T`` is a proof for the original. Search on one
direction can be much easier than on the other (the forward/backward trick of the
lazy-clause-generation RCPSP solvers, and of forward-backward improvement).

Release dates, deadlines and downtime tie a schedule to absolute time, so the reversal is
defined here for projects without them (:func:`reversible`); lags of any sign are fine.
"""

from __future__ import annotations

from dataclasses import replace

from planner.rcpsp.instance import Instance, Precedence, Solution


def reversible(instance: Instance) -> bool:
    """True when :func:`reversed_instance` applies: no release, deadline or downtime."""
    return not instance.has_windows and not instance.downtimes


def reversed_instance(instance: Instance) -> Instance:
    """The project with every precedence turned around (same jobs, resources and optimum).

    Parameters
    ----------
    instance
        A project without release dates, deadlines or downtime (:func:`reversible`).

    Returns
    -------
    Instance
        Jobs keep their indices; ``(i, j, lag)`` becomes ``(j, i, d_j - d_i + lag)``, a
        finish-to-start precedence ``i -> j`` the finish-to-start ``j -> i``.

    Raises
    ------
    ValueError
        If the instance has release dates, deadlines or downtime.
    """
    if not reversible(instance):
        raise ValueError(
            f"{instance.name}: release dates, deadlines and downtime have no reversed project"
        )
    dur = instance.durations
    precs = tuple(
        Precedence(p.succ, p.pred)
        if p.lag is None
        else Precedence(p.succ, p.pred, dur[p.succ] - dur[p.pred] + p.lag)
        for p in instance.precedences
    )
    return replace(instance, precedences=precs, meta={**instance.meta, "reversed": True})


def flip(instance: Instance, solution: Solution) -> Solution:
    """A schedule read backwards from its makespan (``S_j -> C - S_j - d_j``).

    Maps a schedule of ``instance`` to one of its reversed project and back. The makespan is kept
    when some job starts at 0 (otherwise the idle lead time is cut off).
    """
    dur = instance.durations
    end = max((s + d for s, d in zip(solution.start, dur, strict=True)), default=0)
    return Solution(tuple(end - s - d for s, d in zip(solution.start, dur, strict=True)))
