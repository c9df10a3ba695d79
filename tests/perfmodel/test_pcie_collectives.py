"""Collectives of PCIe-only nodes (s19pcie): NCCL's ring at the measured PCIe ring rates."""

from __future__ import annotations

import pytest

from planner.core.errors import InputError
from planner.perfmodel import comm
from planner.perfmodel.hardware import GpuSpec, get_gpu

MIB = 1024**2


def test_inference_gpus_are_pcie_only_and_nvlink_gpus_are_not():
    for name in ("L4", "L40S", "A10G", "RTX-PRO-6000"):
        assert get_gpu(name).pcie_only, name
        assert comm.fabric_of(get_gpu(name)).pcie, name
    for name in ("H100-SXM", "A100-80G", "B200", "MI300X"):
        assert not get_gpu(name).pcie_only, name


def test_all_reduce_over_pcie_runs_nccls_ring_at_the_measured_rates():
    # 8 x L40S: a ring over both sockets at 20.75 GB/s, 4 x L40S one socket's ring at 25.46
    # GB/s (FlashInfer PR #4870's measurements), each ring step 1.74 us (NCCL over PCIe)
    fab = comm.fabric_of(get_gpu("L40S"))
    size = 4 * MIB
    eight = comm.one_shot_all_reduce(size, 8, 8, fab)
    assert eight == pytest.approx(2 * 7 / 8 * size / 20.75e9 + 14 * 24.35e-6 / 14, rel=1e-9)
    four = comm.one_shot_all_reduce(size, 4, 8, fab)
    assert four == pytest.approx(2 * 3 / 4 * size / 25.46e9 + 6 * 24.35e-6 / 14, rel=1e-9)
    # the training model's ring all-reduce sees the same rates
    assert comm.all_reduce(size, 8, 8, fab) == pytest.approx(eight, rel=1e-9)


def test_pcie_all_reduce_is_slower_than_the_x16_link_at_the_nvlink_efficiency():
    # what the model priced before: the link's 32 GB/s at the fitted NVLink efficiency (0.95)
    gpu = get_gpu("L40S")
    fab = comm.fabric_of(gpu)
    size = 8 * MIB
    old = 10e-6 + 2 * 7 / 8 * size / (gpu.nvlink_bw * 0.95)
    assert comm.one_shot_all_reduce(size, 8, 8, fab) > 1.4 * old
    # a pipeline hand-off is one hop alone: 26.26 GB/s
    assert comm.p2p(size, fab, same_node=True) == pytest.approx(size / 26.26e9 + 24.35e-6 / 14)


def test_nvlink_all_reduce_is_unchanged():
    fab = comm.fabric_of(get_gpu("H100-SXM"))
    size = 4 * MIB
    expected = comm.ALLREDUCE_LATENCY_S + 2 * 7 / 8 * size / fab.intra
    assert comm.one_shot_all_reduce(size, 8, 8, fab) == pytest.approx(expected, rel=1e-12)
    assert comm.collective_latency(8, 8, fab) == comm.ALLREDUCE_LATENCY_S


def test_pcie_only_must_be_a_boolean():
    base = get_gpu("L40S").to_dict()
    assert GpuSpec.from_dict(base).pcie_only
    with pytest.raises(InputError, match="pcie_only"):
        GpuSpec.from_dict({**base, "pcie_only": "yes"})
    nvlink = GpuSpec.from_dict({"base": "H100-SXM", "name": "H100-PCIe-like", "pcie_only": True})
    assert nvlink.pcie_only and comm.fabric_of(nvlink).pcie


def test_a_gpu_table_with_a_non_boolean_pcie_only_names_the_file_and_field(tmp_path):
    from planner.perfmodel.hardware import parse_cluster

    path = tmp_path / "g.toml"
    path.write_text(
        'name = "G"\nmemory_gib = 48\nhbm_tb_s = 0.9\nnvlink_gb_s = 64\nnic_gbit_s = 50\n'
        "pcie_only = 1\n[tflops]\nbf16 = 300\n"
    )
    with pytest.raises(InputError, match=r"g\.toml: field 'pcie_only'"):
        parse_cluster(f"8x{path}")
