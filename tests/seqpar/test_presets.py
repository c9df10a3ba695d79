"""FlexSP's published constants, and the numbers that follow from them."""

from __future__ import annotations

import pytest

from planner.core.errors import InputError
from planner.seqpar.heuristics import static_degree_index
from planner.seqpar.presets import PRESETS, get_preset

from .strategies import preset_instance


def test_7b_on_64_gpus_holds_6141_tokens_per_gpu():
    p = get_preset("flexsp-7b")
    cost, cluster = p.cost(), p.cluster(64)
    assert cost.model_states_per_gpu_mb(64) == 1792.0  # 7 x 16 GB / 64 in 1024-MB GB
    assert cost.tokens_per_gpu(cluster) == 6141  # floor((30,720 - 1,792) / 4.71)
    inst = preset_instance([100], gpus=64)
    cap = dict(zip(inst.tables.degrees.tolist(), inst.tables.capacity.tolist(), strict=True))
    assert cap[32] == 196_512  # just short of 196,608
    # a 192K context therefore needs d = 64: that is the static baseline's degree
    inst = preset_instance([100], gpus=64, max_len=196_608)
    assert int(inst.tables.degrees[static_degree_index(inst)]) == 64


def test_published_coefficients():
    p7, p13, p30 = (get_preset(k) for k in ("flexsp-7b", "13b", "flexsp-30b"))
    assert (p7.alpha1, p7.alpha2, p7.beta1) == (5.128e-6, 0.18396, 629.36)
    assert (p13.alpha1, p13.alpha2, p13.beta1) == (9.285e-6, 0.30602, 1132.6)
    assert (p30.alpha1, p30.alpha2, p30.beta1) == (15.43e-6, 0.80357, 2789.4)
    c = p7.cost()
    assert c.a2a_bytes_per_token == 4 * 2 * 32 * 4096 * 2  # 2 MiB per token
    assert dict(c.alltoall_gb_s) == {2: 119.5, 4: 104.1, 8: 96.5, 16: 10.3, 32: 5.9, 64: 4.9}
    assert c.bandwidth(128) == 4.9 and c.beta2 == 0.0 and c.heads is None
    assert p7.cluster(64).gpus_per_node == 8 and p7.cluster(64).memory_mb == 30 * 1024
    # all-to-all of a 4096-token sequence at d = 8: 2 MiB * 4096 / 8 at 96.5 GiB/s
    assert c.comm_ms_per_token(8) * 4096 == pytest.approx(2 * 4096 / 8 / 96.5 / 1024 * 1000)


def test_unknown_preset_lists_known():
    with pytest.raises(InputError, match="flexsp-7b"):
        get_preset("gpt-7b-ish")
    assert set(PRESETS) == {"flexsp-7b", "flexsp-13b", "flexsp-30b"}
