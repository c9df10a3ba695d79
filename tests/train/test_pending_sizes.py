"""The pipeline sizes a configuration defers (``PendingSizes``, heap kind 8) are those at or above
the search's threshold, and checking them later gives the sizes the full check gives.

``_config_bound`` once named its dp-limit array ``limit`` over the threshold argument of the same
name, so the deferral compared step-time bounds with dp counts (s23review): with no threshold
(``inf``) it still deferred sizes whose bound exceeded their largest dp.
"""

from __future__ import annotations

import math

from planner.perfmodel.hardware import parse_cluster
from planner.perfmodel.readers import load_model
from planner.train.instance import Constraints, TrainingProblem, Workload
from planner.train.search import LayerConfig, _config_bound, config_seeds, layer_config
from planner.train.space import space


def _configs():
    # a large batch on few GPUs: step-time bounds (seconds) above the largest dp of many sizes
    prob = TrainingProblem(
        "pending",
        load_model("gpt-1.7b"),
        parse_cluster("16xA100"),
        Workload(4096, 2048),
        Constraints(),
        meta={"top_k": 5},
    )
    sp = space(prob)
    cap = prob.capacity(prob.cluster.pools[0].gpu)
    seeds = config_seeds(prob, sp, cap)
    lcs = [x if isinstance(x, LayerConfig) else layer_config(prob, *x) for _k, x in seeds]
    return prob, sp.zeros, cap, lcs


def test_deferred_sizes_are_the_ones_at_or_above_the_threshold():
    prob, zeros, cap, lcs = _configs()
    above_dp = 0
    for lc in lcs:
        full = _config_bound(prob, lc, zeros, cap)  # every size checked now
        if not full:
            continue
        pending: list = []
        assert _config_bound(prob, lc, zeros, cap, math.inf, pending) == full
        assert pending == []  # no threshold yet: nothing waits
        above_dp += any(b >= prob.gpu_budget / (lc.tp * lc.cp * p) for p, b in full.items())
        limit = sorted(full.values())[len(full) // 2]
        pending = []
        now = _config_bound(prob, lc, zeros, cap, limit, pending)
        assert now == {p: b for p, b in full.items() if b < limit}
        later: dict[int, float] = {}
        for rest in pending:
            assert (rest.bound >= limit).all()
            while rest is not None:  # the search pops it again until every size is checked
                got, rest = rest.take(prob, lc, limit, cap)
                later.update(got)
        assert later == {p: b for p, b in full.items() if b >= limit}
    assert above_dp > 0  # the case the old name clash deferred with no threshold
