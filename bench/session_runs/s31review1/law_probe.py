"""Probe: the fp8-law on RTX PRO 6000 vs the roofline, FP4 / FP8, M sweep (s31review1)."""

from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.kernels import fp8_law_applies, fp8_law_efficiency, gemm_time

for gname, precs in (
    ("RTX-PRO-6000", ("fp4", "fp8", "bf16")),
    ("H100-SXM", ("fp8",)),
    ("B200", ("fp4", "fp8")),
):
    gpu = get_gpu(gname)
    for p in precs:
        print(
            gname, p, "applies", fp8_law_applies(gpu, p), "E", round(fp8_law_efficiency(gpu, p), 4)
        )
        prev = 0
        for m in (1, 8, 16, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 65536):
            n, k = 8192, 8192
            law = gemm_time(gpu, float(m), n, k, p, fp8_law=True, hbm_efficiency=0.95)
            roof = gemm_time(gpu, float(m), n, k, p, hbm_efficiency=0.95)
            tf = 2 * m * n * k / law / 1e12
            assert law >= prev
            prev = law
            print(
                f"  m={m:6d} law {law * 1e6:9.2f} us ({tf:7.1f} TF/s)  roof {roof * 1e6:9.2f} us  law/roof {law / roof:5.2f}"
            )
