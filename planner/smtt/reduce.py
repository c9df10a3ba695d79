"""Due dates far outside the schedule's time span, moved in (an exact reduction).

Every completion time lies in ``[0, P]`` (``P = Σ p``, no idle time), so a job's tardiness
``max(0, C - d)`` is ``C - d`` for any ``d <= 0`` and ``0`` for any ``d >= P``. A due date below
``-P`` can therefore move up to ``-P`` (the tardiness drops by the same constant whatever the
order) and one above ``2 P`` down to ``2 P``: the optimal orders are the same and objectives and
bounds differ by a known constant. The models need it: ``d = -2**50`` made HiGHS return no row
values (PuLP raised ``IndexError``) and ``d = -2**60`` overflowed the exact algorithm's
kernel, on three-job instances the heuristics solve (s25cert). Due dates inside
``[-P, 2 P]`` are left alone, so ordinary instances get the same models as before.
"""

from __future__ import annotations

from planner.smtt.instance import Instance


def reduce_due_dates(instance: Instance) -> tuple[Instance, int]:
    """The instance with its due dates moved into ``[-P, 2 P]``, and the objective offset.

    Parameters
    ----------
    instance
        Any instance.

    Returns
    -------
    tuple[Instance, int]
        ``(reduced, offset)``: for every order, the (weighted) tardiness on ``instance``
        equals the one on ``reduced`` plus ``offset`` (so does every lower bound).
        ``instance`` itself and ``0`` when no due date lies outside that range.
    """
    total = sum(instance.p)
    low, high = -total, 2 * total
    if all(low <= d <= high for d in instance.d):
        return instance, 0
    weights = instance.w or (1,) * instance.n
    # below -P: always tardy, by (-d) = (-low) + (low - d); the second part is the offset
    offset = sum(w * (low - d) for d, w in zip(instance.d, weights, strict=True) if d < low)
    due = tuple(min(max(d, low), high) for d in instance.d)
    reduced = Instance(name=instance.name, p=instance.p, d=due, w=instance.w, meta=instance.meta)
    return reduced, offset
