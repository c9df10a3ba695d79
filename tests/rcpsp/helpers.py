"""Shared test helpers: a hypothesis strategy for tiny instances and a brute-force solver."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
from hypothesis import strategies as st

from planner.rcpsp.instance import Downtime, Instance, Precedence

INSTANCES = Path(__file__).resolve().parents[2] / "instances" / "rcpsp"


@st.composite
def tiny_instances(
    draw,
    *,
    max_jobs: int = 4,
    lags: bool = True,
    windows: bool = True,
    downtime: bool = True,
    pairs: bool = True,
) -> Instance:
    """Instances small enough for :func:`brute_force` (every feature switchable)."""
    n = draw(st.integers(1, max_jobs))
    m = draw(st.integers(1, 2))
    caps = [draw(st.integers(1, 3)) for _ in range(m)]
    durations = [draw(st.integers(0, 3)) for _ in range(n)]
    demands = [tuple(draw(st.integers(0, 3)) for _ in range(m)) for _ in range(n)]
    precs = []
    for _ in range(draw(st.integers(0, n + 1))):
        a, b = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
        if lags and draw(st.booleans()):
            if a != b:
                precs.append(Precedence(a, b, draw(st.integers(-3, 3))))
        elif a < b:  # finish-to-start precedences stay acyclic
            precs.append(Precedence(a, b))
    release = [0] * n
    deadline: list[int | None] = [None] * n
    if windows:
        release = [draw(st.integers(0, 2)) for _ in range(n)]
        deadline = [draw(st.one_of(st.none(), st.integers(1, 9))) for _ in range(n)]
    downs = []
    if downtime:
        for _ in range(draw(st.integers(0, 2))):
            r = draw(st.integers(0, m - 1))
            a = draw(st.integers(0, 5))
            downs.append(Downtime(r, a, a + draw(st.integers(1, 3)), draw(st.integers(0, caps[r]))))
    disj = []
    if pairs and n >= 2:
        for _ in range(draw(st.integers(0, 2))):
            a, b = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
            if a != b:
                disj.append((a, b))
    return Instance(
        name="tiny",
        durations=tuple(durations),
        demands=tuple(demands),
        capacities=tuple(caps),
        precedences=tuple(precs),
        release=tuple(release),
        deadline=tuple(deadline),
        downtimes=tuple(downs),
        disjunctive=tuple(disj),
    )


def brute_force(instance: Instance, horizon: int | None = None) -> int | None:
    """Optimal makespan by enumerating every start vector in ``[0, horizon]`` (``None``: infeasible).

    Written from the definitions with numpy, independently of ``verify`` and the models.
    """
    starts = feasible_schedules(instance, horizon)
    if not len(starts):
        return None
    dur = np.asarray(instance.durations)
    return int((starts + dur).max(axis=1, initial=0).min()) if instance.num_jobs else 0


def feasible_schedules(instance: Instance, horizon: int | None = None) -> np.ndarray:
    """Every feasible start vector with all starts in ``[0, horizon]``, one per row."""
    n = instance.num_jobs
    h = instance.horizon if horizon is None else horizon
    dur = np.asarray(instance.durations)
    grids = [range(0, h + 1) for _ in range(n)]
    starts = np.asarray(list(itertools.product(*grids)), dtype=np.int64).reshape(-1, n)
    ok = np.ones(len(starts), dtype=bool)
    ok &= (starts >= np.asarray(instance.release)).all(axis=1)
    for j, dl in enumerate(instance.deadline):
        if dl is not None:
            ok &= starts[:, j] + dur[j] <= dl
    for p in instance.precedences:
        lag = instance.durations[p.pred] if p.lag is None else p.lag
        ok &= starts[:, p.succ] >= starts[:, p.pred] + lag
    for a, b in instance.disjunctive:
        overlap = (starts[:, a] < starts[:, b] + dur[b]) & (starts[:, b] < starts[:, a] + dur[a])
        ok &= ~overlap | (dur[a] == 0) | (dur[b] == 0)  # an empty interval overlaps nothing
    starts = starts[ok]
    top = h + int(dur.max(initial=0)) + 1
    for t in range(top):
        if not len(starts):
            break
        running = (starts <= t) & (t < starts + dur)
        for r in range(instance.num_resources):
            q = np.asarray([row[r] for row in instance.demands])
            cap = instance.capacities[r]
            for w in instance.downtimes:
                if w.resource == r and w.start <= t < w.end:
                    cap = min(cap, w.capacity)
            starts = starts[(running * q).sum(axis=1) <= cap]
            running = (starts <= t) & (t < starts + dur)
    return starts
