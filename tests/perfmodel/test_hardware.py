"""GPUs and clusters: catalog, cluster strings, TOML pools, errors."""

from __future__ import annotations

import re

import pytest

from planner.core.errors import InputError
from planner.perfmodel.hardware import GpuSpec, get_gpu, gpu_catalog, parse_cluster


def test_catalog_figures():
    a100, h100 = get_gpu("A100"), get_gpu("H100")
    assert a100.peak_flops("bf16") == 312e12 and h100.peak_flops("bf16") == 989e12
    assert a100.nvlink_bw == 300e9 and h100.nvlink_bw == 450e9
    assert a100.nic_bw == 25e9 and h100.nic_bw == 50e9
    assert get_gpu("H200").memory_gib == 141 and get_gpu("B200").hbm_tb_s == 8.0
    assert get_gpu("B200").peak_flops("fp4") > get_gpu("B200").peak_flops("fp8")
    assert all(g.price_per_gpu_hour >= 0 for g in gpu_catalog().values())


def test_a100_has_no_fp8():
    assert not get_gpu("A100").supports("fp8")
    with pytest.raises(InputError, match="does not support fp8"):
        get_gpu("A100").peak_flops("fp8")


def test_cluster_strings():
    c = parse_cluster("1024xH100")
    assert c.total_gpus == 1024 and c.homogeneous and c.gpu.name == "H100-SXM"
    assert parse_cluster("H100x16").total_gpus == 16
    mixed = parse_cluster("H100:16,A100:32")
    assert [p.count for p in mixed.pools] == [16, 32] and not mixed.homogeneous
    assert parse_cluster("H100:8,H100:8").total_gpus == 16  # same pool merged
    assert parse_cluster("16xA100", gpus_per_node=4).pools[0].gpus_per_node == 4


@pytest.mark.parametrize("text", ["", "H100", "lots of H100", "0xH100", "16x"])
def test_bad_cluster_strings(text):
    with pytest.raises(InputError):
        parse_cluster(text)


def test_unknown_gpu_lists_closest():
    with pytest.raises(InputError, match="closest: H100"):
        parse_cluster("8xH1000")


def test_toml_pools(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(
        'name = "mix"\ninter_pool_gbit_s = 100\n'
        '[[pool]]\ngpu = "H100"\ncount = 16\nprice_per_gpu_hour = 2.0\n'
        '[[pool]]\nname = "slow"\ngpu = { base = "A100", nic_gbit_s = 100 }\ncount = 8\n'
    )
    c = parse_cluster(path)
    assert c.total_gpus == 24 and c.pools[0].gpu.price_per_gpu_hour == 2.0
    assert c.pools[1].label == "slow" and c.pools[1].gpu.nic_gbit_s == 100
    assert c.inter_pool_bw() == 100e9 / 8


def test_toml_errors_name_the_field(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[[pool]]\ngpu = "H100"\n')
    with pytest.raises(InputError, match="count"):
        parse_cluster(path)
    path.write_text('[[pool]]\ngpu = "H100"\ncount = 8\nspeed = 3\n')
    with pytest.raises(InputError, match="speed"):
        parse_cluster(path)


@pytest.mark.parametrize(
    ("toml", "needle"),
    [
        ('[[pool]]\ngpu = "H100"\ncount = 8\nnic_gbit_s = nan\n', "pool[0]: field 'nic_gbit_s'"),
        ('[[pool]]\ngpu = "H100"\ncount = 8\nprice_per_gpu_hour = inf\n', "price_per_gpu_hour"),
        ('[[pool]]\ngpu = "H100"\ncount = -1\n', "pool[0]: field 'count' must be a positive"),
        (
            '[[pool]]\ngpu = { base = "A100", hbm_tb_s = nan }\ncount = 8\n',
            "pool[0].gpu: GPU A100-80GB*: field 'hbm_tb_s' must be finite",
        ),
        (
            '[[pool]]\ngpu = { base = "A100", tflops = { bf16 = inf } }\ncount = 8\n',
            "field 'tflops.bf16' must be finite",
        ),
        ('[[pool]]\ngpu = "H10O"\ncount = 8\n', "pool[0]: unknown GPU 'H10O'"),
        (
            'inter_pool_gbit_s = nan\n[[pool]]\ngpu = "H100"\ncount = 8\n'
            '[[pool]]\ngpu = "A100"\ncount = 8\n',
            "inter_pool_gbit_s must be positive, got nan",
        ),
        (
            '[[pool]]\nname = "a"\ngpu = "H100"\ncount = 8\n'
            '[[pool]]\nname = "a"\ngpu = "A100"\ncount = 8\n',
            "pool name 'a' used twice",
        ),
    ],
)
def test_toml_bad_values_name_the_file_and_field(tmp_path, toml, needle):
    """NaN / inf are rejected (TOML reads them), and every message starts with the file."""
    path = tmp_path / "c.toml"
    path.write_text(toml)
    with pytest.raises(InputError) as exc:
        parse_cluster(path)
    assert str(exc.value).startswith(str(path)) and needle in str(exc.value), exc.value


def test_round_trip():
    c = parse_cluster("H100:16,A100:32")
    from planner.perfmodel.hardware import ClusterSpec

    assert ClusterSpec.from_dict(c.to_dict()).total_gpus == 48


def test_new_catalog_entries():
    h800, h100 = get_gpu("H800"), get_gpu("H100")
    assert h800.nvlink_bw == 200e9 and h800.peak_flops("fp8") == h100.peak_flops("fp8")
    assert get_gpu("A800").nvlink_gb_s == 400 and not get_gpu("A800").supports("fp8")
    assert get_gpu("H20").peak_flops("bf16") == 148e12
    assert get_gpu("GB200").gpus_per_node == 72 and get_gpu("GB300").nic_gbit_s == 800
    assert get_gpu("B300").peak_flops("fp4") > get_gpu("B200").peak_flops("fp4")
    for name, arch in (("MI300X", "CDNA3"), ("MI325X", "CDNA3"), ("MI355X", "CDNA4")):
        assert get_gpu(name).architecture == arch and get_gpu(name).supports("fp8")
    # driver-reported capacity below the datasheet figure where one was found
    assert h100.usable_bytes == pytest.approx(81559 * 2**20)
    assert get_gpu("B200").usable_bytes < get_gpu("B200").memory_bytes
    # the runtime's total (torch.cuda.mem_get_info) is below the driver's, else the driver's
    assert h100.runtime_bytes == pytest.approx(79.22 * 2**30)
    assert h100.runtime_bytes < h100.usable_bytes
    assert get_gpu("H200").runtime_bytes < get_gpu("H200").usable_bytes
    assert get_gpu("B200").runtime_bytes == get_gpu("B200").usable_bytes
    assert get_gpu("MI300X").runtime_bytes == get_gpu("MI300X").memory_bytes


def test_pcie_inference_gpus_carry_their_driver_totals():
    # 48 / 96 GB are GiB of GDDR: NVML reports 46068 MiB on an L40S (ECC on) and 97887 MiB on
    # an RTX PRO 6000, the CUDA runtime 94.97 GiB on the latter (models/hardware TOMLs)
    l40s, rtx = get_gpu("L40S"), get_gpu("RTX-PRO-6000")
    assert l40s.usable_bytes == 46068 * 2**20 and l40s.memory_gib == 48
    assert rtx.usable_bytes == 97887 * 2**20 and rtx.memory_gib == 96
    assert rtx.runtime_bytes == pytest.approx(94.97 * 2**30)
    # every catalog GPU: runtime total <= driver total <= capacity (the memory breakdown's
    # "reserved" share is capacity less what the engine sizes from)
    for gpu in gpu_catalog().values():
        assert gpu.runtime_bytes <= gpu.usable_bytes <= gpu.memory_bytes, gpu.name


def test_rtx_pro_6000_is_the_server_editions_bandwidth():
    # The catalog's RTX PRO 6000 is the Server Edition (the part of the trtllm_rtxpro rows):
    # NVIDIA's Server Edition page prints 1,597 GB/s, the 512-bit bus at the 12,481 MHz memory
    # clock the Server cards hold (voipmonitor/rtx6kpro @29f3863a); 1,792 GB/s is the
    # Workstation Edition's 28 Gbps, which the catalog held until the thirtieth session.
    rtx = get_gpu("RTX-PRO-6000")
    assert rtx.hbm_bw == pytest.approx(512 / 8 * 2 * 12_481e6, rel=1e-3)
    assert rtx.hbm_bw < 512 / 8 * 28e9


def test_runtime_memory_is_checked_and_belongs_to_its_part():
    from planner.core.errors import InputError
    from planner.perfmodel.hardware import GpuSpec

    h100 = get_gpu("H100").to_dict()
    assert GpuSpec.from_dict(h100).runtime_memory_gib == 79.22
    with pytest.raises(InputError, match="runtime_memory_gib"):
        GpuSpec.from_dict({**h100, "runtime_memory_gib": 79.9})  # above the driver's 79.65
    # a part with other memory inherits neither driver figure; one naming its own keeps it
    bigger = GpuSpec.from_dict({"base": "H100", "memory_gib": 96})
    assert bigger.runtime_bytes == bigger.usable_bytes == 96 * 2**30
    own = GpuSpec.from_dict({"base": "H100", "memory_gib": 96, "runtime_memory_gib": 95.0})
    assert own.runtime_bytes == 95 * 2**30
    same = GpuSpec.from_dict({"base": "H100", "price_per_gpu_hour": 1.0})
    assert same.runtime_bytes == get_gpu("H100").runtime_bytes
    # restating the base's own capacity keeps its measured figures
    restated = GpuSpec.from_dict({"base": "H100", "memory_gib": 80})
    assert restated.runtime_bytes == get_gpu("H100").runtime_bytes
    assert restated.usable_bytes == get_gpu("H100").usable_bytes


def test_network_table_and_oversubscription(tmp_path):
    from planner.perfmodel import comm

    path = tmp_path / "c.toml"
    path.write_text(
        '[[pool]]\ngpu = "H100"\ncount = 1024\n'
        '[network]\nfabric = "roce-400"\ntopology = "rail-optimized"\n'
        "oversubscription = 7\nnonblocking_gpus = 256\n"
    )
    c = parse_cluster(path)
    gpu = c.gpu
    assert gpu.network == "roce-400/rail-optimized" and gpu.oversubscription == 7
    fab = comm.fabric_of(gpu)
    # a ring inside the non-blocking domain (16 nodes) runs at the NIC rate, beyond it 7x slower
    inside = comm.all_reduce(1e9, 16, 1, fab)
    outside = comm.all_reduce(1e9, 64, 1, fab)
    plain = comm.all_reduce(1e9, 64, 1, comm.fabric_of(get_gpu("H100")))
    assert outside > 5 * plain and inside < 1.2 * comm.all_reduce(
        1e9, 16, 1, comm.fabric_of(h100 := get_gpu("H100"))
    )
    assert h100.network == ""


@pytest.mark.parametrize(
    "network, match",
    [
        ({"fabric": "ib-qdr"}, "unknown network"),
        ({"fabric": "ib-ndr", "topology": "torus"}, "topology"),
        ({"fabric": "ib-ndr", "speed": 1}, "speed"),
    ],
)
def test_bad_network(network, match):
    with pytest.raises(InputError, match=match):
        parse_cluster({"pool": [{"gpu": "H100", "count": 8}], "network": network})


def test_headroom_is_below_capacity():
    from planner.perfmodel.memory import GIB, default_headroom_gib, training_capacity

    h100 = get_gpu("H100")
    assert 3 < default_headroom_gib(h100) < 5
    assert training_capacity(h100) == pytest.approx(
        h100.usable_bytes - default_headroom_gib(h100) * GIB
    )
    assert training_capacity(h100, 0.0) == h100.usable_bytes


def test_a_users_gpu_table_goes_where_a_catalog_name_goes(tmp_path):
    from planner.core.paths import models_dir

    text = (models_dir() / "hardware" / "h800.toml").read_text()
    mine = tmp_path / "my_gpu.toml"
    text = re.sub(r"^aliases = .*$", "", text, flags=re.M)  # the catalog keeps its names
    mine.write_text(text.replace('name = "H800"', 'name = "Mine"'))
    for spec in (f"64x{mine}", f"{mine}:64", f"H100:8,{mine}:56"):
        c = parse_cluster(spec)
        assert c.total_gpus == 64 and c.pools[-1].gpu.name == "Mine", spec
        assert c.pools[-1].gpu.nvlink_gb_s == 400
    cluster = tmp_path / "cluster.toml"
    cluster.write_text(f'[[pool]]\ngpu = "{mine}"\ncount = 16\n')
    assert parse_cluster(str(cluster)).pools[0].gpu.name == "Mine"
    with pytest.raises(InputError, match="a GPU table, not a cluster"):
        parse_cluster(str(mine))
    # the reverse mix-up said "missing field 'name'"
    for spec in (f"64x{cluster}", f"{cluster}:64"):
        with pytest.raises(InputError, match=r"cluster\.toml: a cluster TOML, not a GPU table"):
            parse_cluster(spec)


_GPU = 'name = "G"\nmemory_gib = 80\nhbm_tb_s = 3.0\nnvlink_gb_s = 600\nnic_gbit_s = 400\n'


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ("gpus_per_node = 1.5", "gpus_per_node"),  # was cut to 1
        ("gpus_per_node = inf", "gpus_per_node"),  # was OverflowError
        ("sms = true", "sms"),  # was 1
        ("sms = -1", "sms"),  # was kept
        ("nonblocking_gpus = nan", "nonblocking_gpus"),  # was ValueError
        ("hbm_tb_s = true", "hbm_tb_s"),  # was 1.0 TB/s
        ("nic_efficiency = true", "nic_efficiency"),  # was 1.0
        ('price_per_gpu_hour = "2"', "price_per_gpu_hour"),
    ],
)
def test_a_gpu_table_with_a_wrong_kind_names_the_field(tmp_path, line, field):
    """s17audit: these reached int() / float() and were silently cut or raised."""
    text = _GPU.replace("hbm_tb_s = 3.0\n", "") if line.startswith("hbm") else _GPU
    path = tmp_path / "g.toml"
    path.write_text(f"{text}{line}\n[tflops]\nbf16 = 800\n")
    with pytest.raises(InputError, match=rf"g\.toml: field '{field}'"):
        parse_cluster(f"8x{path}")


@pytest.mark.parametrize("value", ["nan", "inf", "1.5"])
def test_a_network_table_needs_an_integral_nonblocking_domain(tmp_path, value):
    path = tmp_path / "c.toml"
    path.write_text(f'[network]\nnonblocking_gpus = {value}\n[[pool]]\ngpu = "H100"\ncount = 8\n')
    with pytest.raises(InputError, match="nonblocking_gpus must be an integer >= 0"):
        parse_cluster(str(path))


def test_a_cluster_files_gpu_table_is_read_beside_it(tmp_path, monkeypatch, capsys):
    """``gpu = "my_gpu.toml"`` in a pool was read from the working directory: the cluster file
    failed anywhere but in its own folder ("no such file"), and ``--out my_gpu.toml`` run from
    there replaced the GPU table (s17audit)."""
    from planner.cli import main
    from planner.core.paths import models_dir
    from planner.perfmodel.hardware import inventory_files

    folder = tmp_path / "site"
    folder.mkdir()
    text = (models_dir() / "hardware" / "h800.toml").read_text()
    text = re.sub(r"^aliases = .*$", "", text, flags=re.M)
    gpu = folder / "my_gpu.toml"
    gpu.write_text(text.replace('name = "H800"', 'name = "Mine"'))
    cluster = folder / "cluster.toml"
    cluster.write_text('[[pool]]\ngpu = "my_gpu.toml"\ncount = 16\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert parse_cluster(str(cluster)).pools[0].gpu.name == "Mine"
    assert gpu in inventory_files(str(cluster))
    monkeypatch.chdir(folder)
    before = gpu.read_bytes()
    with pytest.raises(SystemExit) as exit_:
        main(
            ["plan", "train", "--model", "llama-3.1-8b", "--gpus", "cluster.toml", "-B", "16",
             "-s", "1024", "-t", "5", "--out", "my_gpu.toml"]
        )  # fmt: skip
    assert exit_.value.code == 2 and gpu.read_bytes() == before
    assert "refusing to overwrite an input file" in capsys.readouterr().err


def test_the_readmes_cluster_toml_reads_with_a_gpu_table_of_the_listed_fields(tmp_path):
    """The README's cluster TOML and GPU table fields (a new user had only
    instances/train/clusters/ to copy from): the example must read as written."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    block = re.search(r"```toml\n(name = \"my-lab\".*?)```", readme, re.S)
    assert block is not None
    (tmp_path / "my-lab.toml").write_text(block.group(1))
    (tmp_path / "my_gpu.toml").write_text(
        'name = "MyGPU-96"\narchitecture = "Hopper"\nmemory_gib = 96\nhbm_tb_s = 4.0\n'
        "nvlink_gb_s = 900\nnic_gbit_s = 400\ngpus_per_node = 8\nprice_per_gpu_hour = 2.5\n"
        "[tflops]\nbf16 = 900\nfp8 = 1800\n"
    )
    cluster = parse_cluster(str(tmp_path / "my-lab.toml"))
    assert [(p.gpu.name, p.count) for p in cluster.pools] == [("H100-SXM", 32), ("MyGPU-96", 32)]
    assert cluster.pools[1].gpu.nic_gbit_s == 200


def test_a_gpu_table_without_a_bf16_peak_is_refused_when_read():
    # an fp8-only [tflops] failed inside the step model: "GPU X does not support bf16" (s31user)
    data = {
        "name": "Fp8Only",
        "memory_gib": 80,
        "hbm_tb_s": 3.0,
        "nvlink_gb_s": 400,
        "nic_gbit_s": 400,
        "tflops": {"fp8": 1000},
    }
    with pytest.raises(InputError, match=r"my\.toml: missing field 'tflops\.bf16'"):
        GpuSpec.from_dict(data, where="my.toml")
    assert GpuSpec.from_dict({**data, "tflops": {"bf16": 500, "fp8": 1000}}).supports("fp8")
