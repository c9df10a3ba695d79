"""DualPipe's rank placement (stage r and its mirror p - 1 - r on one rank) in the stage model."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.perfmodel.hardware import Pool, get_gpu
from planner.perfmodel.memory import dualpipe_partner, in_flight_microbatches, paired_memory
from planner.perfmodel.options import DEEPSEEK_V3
from planner.perfmodel.stage import TrainingStep, pipeline_time, rank_cost, stage_cost

from .test_options import _step as options_step


def _step(**kw) -> TrainingStep:
    return options_step(**{"tp": 1, "pp": 4, "software": DEEPSEEK_V3, **kw})


def dualpipe_order(pp: int, rank: int, chunks: int) -> list[tuple[str, int]]:
    """Forward ("F") and backward ("B") passes of one rank, with their phase, in the order of
    deepseek-ai/DualPipe ``dualpipe.py`` ``step`` (steps 1-8; weight passes carry no
    activations of their own here)."""
    half, hr = pp // 2, min(rank, pp - 1 - rank)
    out = [("F", 0)] * ((half - hr - 1) * 2)  # step 1: nF0
    out += [("F", 0), ("F", 1)] * (hr + 1)  # step 2: nF0F1
    out += [("B", 1), ("F", 1)] * (half - hr - 1)  # step 3: nB1W1F1
    out += [("F", 0), ("B", 1), ("F", 1), ("B", 0)] * (chunks // 2 - pp + hr + 1)  # step 4
    out += [("B", 1), ("F", 1), ("B", 0)] * (half - hr - 1)  # step 5: nB1F1B0
    out += [("B", 1), ("B", 0)] * (hr + 1)  # step 6: nB1B0
    out += [("B", 0)] * (half - hr - 1)  # step 7: nWB0
    return out


def simulated_peaks(pp: int, chunks: int) -> list[tuple[int, int]]:
    """Peak live forward activations of (stage r, stage pp - 1 - r) on every rank ``r``: a
    forward adds one microbatch to its module, a backward frees one; phase 0 is module 0 (the
    rank's own stage, ``example_dualpipe.py`` line 138) on the first half of the ranks and
    module 1 on the second (``phase ^= is_in_second_half``, line 68)."""
    out = []
    for rank in range(pp):
        second = int(rank >= pp // 2)
        live, peak = [0, 0], [0, 0]
        for kind, phase in dualpipe_order(pp, rank, chunks):
            module = phase ^ second
            live[module] += 1 if kind == "F" else -1
            peak[module] = max(peak[module], live[module])
        assert live == [0, 0]
        out.append((peak[0], peak[1]))
    return out


@pytest.mark.parametrize("pp", [2, 4, 8, 16])
def test_in_flight_counts_follow_the_dualpipe_schedule(pp):
    m = 2 * pp + 4
    for rank, (own, mirror) in enumerate(simulated_peaks(pp, m)):
        k = dualpipe_partner(rank, pp)
        assert own == in_flight_microbatches(rank, pp, m, schedule="dualpipe")
        assert mirror == in_flight_microbatches(k, pp, m, schedule="dualpipe")
        assert own + mirror == pp + 1  # DeepSeek-V3 report, Table 2


def test_schedule_needs_even_pp_and_no_interleaving():
    assert _step().schedule == "dualpipe"
    assert _step(pp=3).schedule == "1f1b"
    assert _step(interleave=2).schedule == "interleaved"
    assert _step(software=replace(DEEPSEEK_V3, ep_overlap="a2a")).schedule == "1f1b"
    # dualpipe.py line 333: an even number of microbatches, at least 2 pp
    assert _step(microbatches=8).schedule == "dualpipe"
    assert _step(microbatches=6).schedule == "1f1b"
    assert _step(microbatches=9).schedule == "1f1b"


@settings(max_examples=25, deadline=None)
@given(n_a=st.integers(1, 4), n_b=st.integers(1, 4), fa=st.integers(1, 8), fb=st.integers(1, 8))
def test_rank_cost_is_the_mean_time_and_both_stages_memory(n_a, n_b, fa, fb):
    step, pool = _step(), Pool(get_gpu("H800"), 64, "H800")
    a = stage_cost(step, pool, n_a, 0, True, False)
    b = stage_cost(step, pool, n_b, 0, False, True)
    r = rank_cost(a, fa, b, fb)
    assert r.micro == pytest.approx((a.micro + b.micro) / 2)
    assert sum(v for _k, v in r.parts) == pytest.approx(r.micro)
    both = a.memory.total(fa) + b.memory.total(fb)
    assert r.memory.total(1.0) == pytest.approx(both - min(a.memory.work, b.memory.work))
    assert r.memory.weights == pytest.approx(a.memory.weights + b.memory.weights)
    assert r.optimizer == pytest.approx(a.optimizer + b.optimizer)
    assert paired_memory(a.memory, fa, b.memory, fb) == r.memory


def test_pipeline_prices_the_largest_rank():
    # stages of 1 and 3 units, mirrored in pairs (0, 3) and (1, 2): both ranks at 2
    u = [1.0, 3.0, 1.0, 3.0]
    ranks = [(u[j] + u[dualpipe_partner(j, 4)]) / 2 for j in range(4)]
    m = 16
    assert pipeline_time(max(ranks), sum(u), m, 4, 1, "dualpipe") == pytest.approx((m + 2 / 3) * 2)
    assert pipeline_time(max(u), sum(u), m, 4, 1) == pytest.approx((m - 1) * 3 + 8)
