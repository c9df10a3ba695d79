"""The single-machine total tardiness rules of the LLM-heuristics paper, as plugins.

Plain plugin code (numpy only, no planner): each function takes the SMTT plugin
view (``view.n``, ``view.p``, ``view.d`` as int64 arrays) and returns a job
order. They follow the code published with "Discovering Heuristics with Large
Language Models (LLMs) for Mixed-Integer Programs: Single-Machine Scheduling"
(arXiv 2510.24013, github.com/ibrahimoguzc/DiscoverHeuristics,
``testing/heuristics_comparison.ipynb``), including its tie-breaking and its
floating-point expressions, so a benchmark of these plugins reproduces the
paper's (and planner's built-in ``edd``, ``mdd``, ``eddc``, ``mddc``,
``aug-mddc``) numbers::

    planner bench smtt tkindt-n100 --methods mdd \\
        --heuristic examples/plugins/smtt_paper_rules.py:mdd --reference optimum
"""

import numpy as np


def edd(view):
    """Earliest due date first (ties: lower job index)."""
    return np.argsort(view.d, kind="stable")


def mdd(view):
    """Modified due date (Baker and Bertrand 1982): next, the job with the least max(t + p, d)."""
    p, d = view.p, view.d
    left = np.arange(view.n)  # unscheduled jobs in index order: argmin picks the lowest index
    t, order = 0, []
    while left.size:
        k = int(np.argmin(np.maximum(t + p[left], d[left])))
        order.append(int(left[k]))
        t += int(p[left[k]])
        left = np.delete(left, k)
    return order


def eddc(view):
    """EDD Challenger (LLM-discovered): SPT order, then due-date bubbling behind a prefix test."""
    p, d = view.p, view.d
    seq = [int(k) for k in np.lexsort((d, p))]  # shortest processing time first, ties by due date
    # pass i only reorders seq[:i + 1], so the work before position i is that of the SPT start
    before = [0, *np.cumsum(p[seq]).tolist()]
    for i in range(1, len(seq)):
        j, elapsed = i, before[i]  # elapsed: total p of seq[:j], as the published loop sums it
        while j > 0 and d[seq[j]] < d[seq[j - 1]]:
            ahead = seq[j - 1]
            if d[ahead] > elapsed:
                seq[j - 1], seq[j] = seq[j], ahead
            elapsed -= int(p[ahead])
            j -= 1
    return seq


def _mddc_urgency(p, d, left, t):
    """MDDC's urgency of the unscheduled jobs ``left`` at time ``t`` (published expression)."""
    pu = p[left]
    urgency = np.maximum(pu * 1.1 + t, d[left])
    with np.errstate(invalid="ignore", divide="ignore"):  # 0/0 at t = 0 stays nan, as published
        rho = pu / (t + np.max(pu))
        rho[rho > 1] = 1
        urgency = urgency * (1 + (rho**2) / (1 + rho**2))
        return urgency + pu / (t + np.sum(pu) / len(left))


def mddc(view):
    """MDD Challenger (LLM-discovered): dispatch by the MDDC urgency, jobs kept in EDD order."""
    return _mddc_dispatch(view.p, view.d, augment=False)


def _mddc_dispatch(p, d, augment):
    """Append the least urgent-scored job of the EDD-ordered rest; ``augment``: AugMDDC's move."""
    left = np.lexsort((p, d))  # due date, ties by processing time
    t, order = 0, []
    while left.size:
        k = int(np.argmin(_mddc_urgency(p, d, left, t)))
        order.append(int(left[k]))
        t += int(p[left[k]])
        left = np.delete(left, k)
        if augment:
            order = _move_one_to_end(order, p, d)
    return order


def _move_one_to_end(order, p, d):
    """The augmentation: the move of one job to the end that lowers total tardiness most.

    Ties go to the earliest position (the published loop keeps the first strict
    improvement); nothing moves when no move improves.
    """
    if len(order) < 2:
        return order
    seq = np.asarray(order)
    finish = np.cumsum(p[seq])
    late = np.maximum(finish - d[seq], 0)
    best_pos, best_delta = -1, 0
    for pos in range(len(seq) - 1):
        after = slice(pos + 1, None)
        # jobs after pos finish p[pos] earlier; the moved job finishes last
        delta = int(np.maximum(finish[after] - p[seq[pos]] - d[seq[after]], 0).sum())
        delta -= int(late[after].sum())
        delta += max(int(finish[-1]) - int(d[seq[pos]]), 0) - int(late[pos])
        if delta < best_delta:
            best_pos, best_delta = pos, delta
    if best_pos < 0:
        return order
    return order[:best_pos] + order[best_pos + 1 :] + [order[best_pos]]


def aug_mddc(view):
    """Augmented MDDC: MDDC, and after each append the best improving move of a job to the end.

    As published, ``t`` keeps adding the appended jobs' processing times (a
    move does not change the partial schedule's length).
    """
    return _mddc_dispatch(view.p, view.d, augment=True)
