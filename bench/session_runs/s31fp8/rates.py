"""FP8 GEMM rates (TFLOP/s) the model prices at Llama 70B / 8B prefill shapes on H100 / H200:
the fitted roofline (training-fitted gemm_efficiency_hopper x fp8_gemm_factor), the serving
roofline without the factor (s31fp8, serving=True) and the
DeepGEMM law (fp8-law), against DeepGEMM's table where the shape is in it."""

from planner.perfmodel import constants, kernels
from planner.perfmodel.hardware import get_gpu

F = constants.FITTED
print(
    "gemm_efficiency_hopper",
    F["gemm_efficiency_hopper"],
    "fp8_gemm_factor",
    F["fp8_gemm_factor"],
    "gemm_half_dim",
    F["gemm_half_dim"],
)
SHAPES = {
    "70B TP1": [(10240, 8192), (8192, 8192), (57344, 8192), (8192, 28672)],
    "70B TP2": [(5120, 8192), (8192, 4096), (28672, 8192), (8192, 14336)],
    "8B TP1": [(6144, 4096), (4096, 4096), (28672, 4096), (4096, 14336)],
    "DeepGEMM 4096x7168": [(4096, 7168)],
    "DeepGEMM 7168x16384": [(7168, 16384)],
}
for gname in ("H100-SXM", "H200"):
    gpu = get_gpu(gname)
    for label, shapes in SHAPES.items():
        for m in (256, 1024, 2048, 4096, 8192, 16384):
            flops = sum(2 * m * n * k for n, k in shapes)
            t_roof = sum(kernels.gemm_time(gpu, m, n, k, "fp8") for n, k in shapes)
            t_law = sum(kernels.gemm_time(gpu, m, n, k, "fp8", fp8_law=True) for n, k in shapes)
            t_srv = sum(kernels.gemm_time(gpu, m, n, k, "fp8", serving=True) for n, k in shapes)
            print(
                f"{gname:8s} {label:20s} M={m:6d} roofline {flops / t_roof / 1e12:6.0f}"
                f"  serving {flops / t_srv / 1e12:6.0f}  law {flops / t_law / 1e12:6.0f}"
            )
