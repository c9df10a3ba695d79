"""Pipeline schedule simulation, plotting, generator."""

from __future__ import annotations

import pytest

from planner.train.generate import generate
from planner.train.instance import TrainingProblem
from planner.train.plot import plot, schedule
from planner.train.search import exact_search


@pytest.mark.parametrize(("p", "m"), [(1, 3), (4, 8), (4, 2), (6, 16)])
def test_1f1b_makespan(p, m):
    f, b = 1.0, 2.0
    passes = schedule([f] * p, [b] * p, [0.0] * p, m)
    assert len(passes) == 2 * p * m
    end = max(x[4] for x in passes)
    assert end == pytest.approx((m + p - 1) * (f + b))
    # stage j never runs two passes at once
    for j in range(p):
        mine = sorted((a, e) for s, _i, _k, a, e in passes if s == j)
        assert all(mine[i][1] <= mine[i + 1][0] + 1e-12 for i in range(len(mine) - 1))


def test_plot_writes_png(tmp_path):
    prob = generate(1, seed=3, tiny=True)[0]
    plan = exact_search(prob, top_k=1).ranked[0][0]
    path = plot(prob, plan, tmp_path / "x.png")
    assert path.stat().st_size > 1000


def test_generator_is_seeded_and_round_trips():
    a, b = generate(3, seed=7), generate(3, seed=7)
    assert [x.to_dict() for x in a] == [x.to_dict() for x in b]
    for prob in a:
        again = TrainingProblem.from_dict(prob.to_dict())
        assert again.model == prob.model and again.workload == prob.workload
