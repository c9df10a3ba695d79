"""Fork/join delays are proven lower bounds on start-to-start distances."""

from __future__ import annotations

from planner.rcpsp.delays import fork_join_delays
from planner.rcpsp.instance import Instance, Precedence
from planner.rcpsp.network import distances


def diamond() -> Instance:
    # 0 -> {1, 2, 3} -> 4; the three middle jobs cannot run together (capacity 2, demand 2 each)
    return Instance(
        name="d",
        durations=(1, 3, 3, 3, 1),
        demands=((0,), (2,), (2,), (2,), (0,)),
        capacities=(2,),
        precedences=tuple(Precedence(*p) for p in [(0, 1), (0, 2), (0, 3), (1, 4), (2, 4), (3, 4)]),
    )


def test_diamond_delay():
    inst = diamond()
    d = distances(inst)
    assert d[0, 4] == 4  # lags alone: 1 + 3
    delays = fork_join_delays(inst, d, time_limit=5, max_share=1.0)
    assert delays == {(0, 4): 10}  # 1 + 3 * 3: the middle jobs run one after another


def test_no_delay_without_competition():
    loose = Instance.from_dict({**diamond().to_dict(), "resources": [{"capacity": 6}]})
    assert fork_join_delays(loose, distances(loose), time_limit=5, max_share=1.0) == {}


def test_big_pairs_skipped_by_default():
    inst = diamond()
    assert fork_join_delays(inst, distances(inst), time_limit=5) == {}
