"""``--even-stages --use-all-gpus`` on a mixed cluster: the structural reason (s31review2).

Every replica's stages sit on one pool each, so using all GPUs of two pools needs ``pp >= 2``,
and equal stages need ``pp`` to divide the layers. With 7 layers on H100:4,A100-80GB:4 only
``pp = 7`` is left, which does not divide 8 GPUs: no plan exists, and ``plan train`` said "no
plan fits in memory: the smallest need is 5.1 GiB per GPU ..., 80.0 GiB available" (review of
s31user, which made the pool search keep equal stages only).
"""

from __future__ import annotations

from planner.core.result import Status
from planner.core.solve import solve
from planner.perfmodel.hardware import parse_cluster
from planner.train.explain import structural_reason
from planner.train.instance import Constraints, TrainingProblem, Workload

from .conftest import tiny_spec


def _problem(layers: int, cluster: str = "H100:4,A100-80GB:4", **fixed) -> TrainingProblem:
    return TrainingProblem(
        "even-all",
        tiny_spec(layers=layers, heads=8, head_dim=128),
        parse_cluster(cluster),
        Workload(16, 512),
        Constraints(even_stages=True, use_all_gpus=True, **fixed),
    )


def test_no_equal_stage_count_uses_all_gpus_of_two_pools():
    reason = structural_reason(_problem(7))
    assert reason is not None and "use_all_gpus" in reason and "7 layers" in reason, reason
    result = solve(_problem(7), "auto", time_limit=20, threads=1)
    assert result.status is Status.INFEASIBLE
    assert "memory" not in result.reason, result.reason


def test_a_count_that_divides_both_is_still_searched():
    # 8 layers: pp = 2 (or 4, 8) splits them evenly and divides the 8 GPUs
    assert structural_reason(_problem(8)) is None
    # one pool: pp = 1 uses all its GPUs, whatever the layer count
    assert structural_reason(_problem(7, cluster="8xH100")) is None
