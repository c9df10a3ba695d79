"""Shared helpers of the seqpar tests: bundled paths, tiny instances, a brute force with its own loops."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from pathlib import Path

from hypothesis import strategies as st

from planner.seqpar.costmodel import Cluster, CostModel, TabulatedCost
from planner.seqpar.instance import Instance
from planner.seqpar.presets import get_preset

INSTANCES = Path(__file__).resolve().parents[2] / "instances" / "seqpar"


def tiny_cost(
    alpha1: float = 0.001,
    alpha2: float = 1.0,
    beta1: float = 20.0,
    bw: tuple[float, float, float] = (4.0, 2.0, 0.5),
    act: float = 1.0,
) -> CostModel:
    """A cost model with small numbers: all-to-all 1 GiB per token so bandwidth matters."""
    return CostModel(
        alpha1=alpha1,
        alpha2=alpha2,
        beta1=beta1,
        a2a_bytes_per_token=2**30 / 1000.0,  # 1 ms per token at 1 GB/s
        alltoall_gb_s={2: bw[0], 4: bw[1], 8: bw[2]},
        activation_mb_per_token=act,
        model_states_mb=0.0,
        name="tiny",
    )


def tiny_instance(
    lengths: list[int], gpus: int = 4, per_node: int = 2, tokens: int = 10, **kw
) -> Instance:
    """``gpus`` GPUs holding ``tokens`` tokens each."""
    cluster = Cluster(gpus=gpus, gpus_per_node=per_node, memory_mb=float(tokens))
    return Instance("tiny", lengths, cluster, tiny_cost(**kw))


def preset_instance(lengths: list[int], gpus: int = 16, model: str = "flexsp-7b", **kw) -> Instance:
    """A batch on a FlexSP preset cluster."""
    p = get_preset(model)
    return Instance("preset", lengths, p.cluster(gpus), p.cost(), **kw)


def set_partitions(items: list[int]) -> Iterator[list[list[int]]]:
    """Every partition of ``items`` into non-empty blocks."""
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for part in set_partitions(rest):
        for k in range(len(part)):
            yield [*part[:k], [first, *part[k]], *part[k + 1 :]]
        yield [[first], *part]


def brute_force(inst: Instance) -> float | None:
    """Least step time (s) over every plan, or None when no plan exists (see :func:`brute_force_by_count`)."""
    best = brute_force_by_count(inst)
    return min(best.values()) if best else None


def brute_force_by_count(inst: Instance) -> dict[int, float]:
    """Least step time (s) of the plans with exactly ``M`` micro-batches, by ``M``.

    Enumerates the groups (set partitions of the sequences), a type (degree and
    strategy) for each group whose memory holds it, then the micro-batches
    (set partitions of the groups whose degrees fit the GPUs). Own loops; only
    the cost model's scalar group time is shared with the package.
    """
    n = inst.n
    N = inst.gpus
    cost = inst.cost
    c = math.floor(
        (inst.cluster.memory_mb - cost.model_states_mb / N) / cost.activation_mb_per_token + 1e-9
    )
    types = cost.group_types(N)  # (degree, strategy) pairs the model offers
    best: dict[int, float] = {}
    for groups in set_partitions(list(range(n))):
        options = []
        for g in groups:
            tokens = sum(inst.lengths[i] for i in g)
            options.append([t for t in types if tokens <= t[0] * c])
        if any(not o for o in options):
            continue
        for chosen in itertools.product(*options):
            times = [
                cost.group_time_ms(d, [inst.lengths[i] for i in g], st)
                for (d, st), g in zip(chosen, groups, strict=True)
            ]
            degs = [d for d, _ in chosen]
            for mbs in set_partitions(list(range(len(groups)))):
                if any(sum(degs[g] for g in mb) > N for mb in mbs):
                    continue
                total = sum(max(times[g] for g in mb) for mb in mbs) / 1000.0
                best[len(mbs)] = min(best.get(len(mbs), math.inf), total)
    return best


@st.composite
def tiny_instances(draw, max_n: int = 4, gpus: tuple[int, ...] = (2, 4)) -> Instance:
    """Random tiny instances where degrees, memory and micro-batching all matter."""
    n = draw(st.integers(1, max_n))
    N = draw(st.sampled_from(gpus))
    per_node = draw(st.sampled_from([p for p in (1, 2, 4) if N % p == 0]))
    tokens = draw(st.integers(4, 12))
    lengths = draw(st.lists(st.integers(1, tokens * N), min_size=n, max_size=n))
    alpha1 = draw(st.sampled_from([0.0, 0.01, 0.2]))
    beta1 = draw(st.sampled_from([0.0, 5.0, 40.0]))
    bw = draw(st.sampled_from([(4.0, 2.0, 0.5), (50.0, 40.0, 1.0), (0.5, 0.5, 0.5)]))
    return tiny_instance(
        lengths, gpus=N, per_node=per_node, tokens=tokens, alpha1=alpha1, beta1=beta1, bw=bw
    )


@st.composite
def tiny_tabulated(draw, max_n: int = 4) -> Instance:
    """Tiny instances of a tabulated cost model with two strategies per degree (made-up times)."""
    n = draw(st.integers(1, max_n))
    N = draw(st.sampled_from([2, 4]))
    tokens = draw(st.integers(4, 10))
    lengths = draw(st.lists(st.integers(1, tokens * N), min_size=n, max_size=n))
    types = [(1, "ulysses")]
    for d in (2, 4):
        if d <= N:
            types += [(d, "ulysses"), (d, "ring")]
    rate = st.floats(0.05, 2.0, allow_nan=False)
    rows = []
    for d, _ in types:  # non-decreasing times at lengths 1 and 64
        first, slope = draw(rate) / d, draw(rate) / d
        rows.append((first, first + 63 * slope))
    fixed = draw(st.sampled_from([0.0, 3.0, 20.0]))
    cost = TabulatedCost(
        name="tiny-tab",
        grid=(1, 64),
        types=tuple(types),
        time_ms=tuple(rows),
        fixed=(fixed,) * len(types),
        activation_mb_per_token=1.0,
        model_states_mb=0.0,
        static_strategy="ring",
    )
    cluster = Cluster(gpus=N, gpus_per_node=2, memory_mb=float(tokens))
    return Instance("tab", lengths, cluster, cost)
