"""Measured streaming bandwidth as a fraction of the datasheet figure, GDDR vs HBM (s30gddr).

One tool on every GPU where possible: RRZE's gpu-stream (github te42kyfo/gpu-benches @1c36d509,
``gpu-stream/<gpu>.txt``; double-precision kernels, 1 GiB arrays, occupancy scanned by a
shared-memory spoiler, two blocks of 32-1024 threads per SM). Each figure is the largest value
of its kernel column over the occupancy scan, at the file line given. Datasheet bandwidths:
NVIDIA's L40 (864 GB/s), A40 (696), H100 PCIe (2,000 on the H100 datasheet; 5 HBM2e stacks at
3.19 Gbps give 2,039), H200 (4,800), A100 80GB (SXM 2,039; PCIe 1,935: the file does not say
which). A second tool for the fitted H100 SXM: nvbandwidth ``device_local_copy`` 1,519 GB/s
copied = 3,038 GB/s of traffic (Hugging Face "smol training playbook",
huggingfacetb-smol-training-playbook.hf.space, the NVBandwidth section) of 3,350.

    python bench/session_runs/s30gddr/stream_fractions.py > stream_fractions.md
"""

#: gpu -> (memory, datasheet GB/s, {kernel: (GB/s, line of gpu-stream/<file>.txt)}, file)
GPU_STREAM = {
    "L40": (
        "GDDR6",
        864.0,
        {"init": (846, 4), "read": (844, 9), "scale": (816, 7), "triad": (803, 13)},
        "l40",
    ),
    "A40": (
        "GDDR6",
        696.0,
        {"init": (679, 5), "read": (679, 14), "scale": (658, 11), "triad": (663, 8)},
        "a40",
    ),
    "H100 PCIe": (
        "HBM2e",
        2000.0,
        {"init": (2018, 20), "read": (1942, 33), "scale": (1704, 33), "triad": (1832, 33)},
        "h100_pcie",
    ),
    "A100 80GB": (
        "HBM2e",
        2039.0,
        {"init": (1897, 17), "read": (1769, 33), "scale": (1732, 33), "triad": (1759, 33)},
        "a100_80",
    ),
    "H200": (
        "HBM3e",
        4800.0,
        {"init": (3898, 20), "read": (2756, 33), "scale": (3165, 33), "triad": (3534, 33)},
        "h200",
    ),
}
KERNELS = ("init", "read", "scale", "triad")


def main() -> None:
    print("| GPU | memory | datasheet GB/s | " + " | ".join(KERNELS) + " | best |")
    print("|---|---|---|" + "---|" * (len(KERNELS) + 1))
    for gpu, (mem, peak, cols, _f) in GPU_STREAM.items():
        fr = [cols[k][0] / peak for k in KERNELS]
        print(
            f"| {gpu} | {mem} | {peak:,.0f} | "
            + " | ".join(f"{x:.3f}" for x in fr)
            + f" | {max(fr):.3f} |"
        )
    print(
        "\nnvbandwidth device_local_copy, H100 SXM (HBM3): 2 x 1,519 / 3,350 = "
        f"{2 * 1519 / 3350:.3f}"
    )
    l40, h200 = GPU_STREAM["L40"], GPU_STREAM["H200"]
    for k in ("read", "init"):
        r = (l40[2][k][0] / l40[1]) / (h200[2][k][0] / h200[1])
        print(f"ratio L40 / H200 ({k}): {r:.3f}")


if __name__ == "__main__":
    main()
