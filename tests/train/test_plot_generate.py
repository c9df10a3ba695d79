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


def test_plot_axis_is_seconds_of_the_modeled_step(tmp_path, monkeypatch):
    import planner.train.plot as plotting
    from planner.core.solve import solve
    from planner.train.step_time import estimate

    prob = generate(1, seed=3, tiny=True)[0]
    res = solve(prob, "exact", time_limit=30)
    captured = {}

    def keep(fig, path):
        captured["fig"] = fig
        return path

    monkeypatch.setattr(plotting, "save_figure", keep)
    monkeypatch.setattr(plotting, "DRAWN_EACH_END", 1)  # force the steady-state band
    plot(prob, res, tmp_path / "x.png")
    ax = captured["fig"].axes[0]
    step = estimate(prob, res.solution).step_time
    assert "seconds" in ax.get_xlabel() and ax.get_ylabel()
    assert prob.name in ax.get_title() and "exact" in ax.get_title()
    assert ax.get_legend() is not None and len(ax.get_legend().get_texts()) == 5
    ends = [p.get_x() + p.get_width() for p in ax.patches]
    assert max(ends) == pytest.approx(step, rel=1e-9)  # the last tail ends at the step time
    assert ax.get_xlim()[1] >= step
    lines = sorted(line.get_xdata()[0] for line in ax.lines)
    assert lines[-1] == pytest.approx(step, rel=1e-9)


def test_generator_is_seeded_and_round_trips():
    a, b = generate(3, seed=7), generate(3, seed=7)
    assert [x.to_dict() for x in a] == [x.to_dict() for x in b]
    for prob in a:
        again = TrainingProblem.from_dict(prob.to_dict())
        assert again.model == prob.model and again.workload == prob.workload
