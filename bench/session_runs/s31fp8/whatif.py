"""What-if runs of bench/serve_public.py (no model change committed through this script).

    PYTHONPATH=. python bench/session_runs/s31fp8/whatif.py VARIANT -- [serve_public args]

VARIANT
    base     the tree as it is
    law      every TensorRT-LLM engine takes ``fp8-law`` (Hopper FP8 GEMMs at the DeepGEMM law),
             not only trtllm-bench's PyTorch-flow rows
    lawc     as law, the law's weight stream at the fitted serving weight_stream_efficiency
    nofactor Hopper FP8 GEMMs of every serving engine without the training-fitted
             ``fp8_gemm_factor`` (roofline at gemm_efficiency_hopper of the FP8 peak)
"""

import runpy
import sys

from planner.perfmodel import engines, kernels

variant = sys.argv[1]
args = sys.argv[sys.argv.index("--") + 1 :]

if variant == "law":
    post = engines.Engine.__post_init__

    def __post_init__(self):
        post(self)
        if self.name == "trtllm":
            object.__setattr__(self, "fp8_gemm_law", True)

    engines.Engine.__post_init__ = __post_init__
elif variant == "nofactor":
    eff = kernels.gemm_efficiency

    def gemm_efficiency(gpu, precision="bf16", tuned_training=False, tuned_serving=False):
        e = eff(gpu, precision, tuned_training, tuned_serving)
        if gpu.architecture == "Hopper" and kernels.scaled_gemms(precision):
            e /= kernels.constants.FITTED["fp8_gemm_factor"]
        return e

    kernels.gemm_efficiency = gemm_efficiency
    kernels.gemm_rates.cache_clear()
elif variant == "lawc":
    # every TensorRT-LLM engine on the law, the law's traffic term at the serving model's
    # fitted weight_stream_efficiency instead of the table's 0.665
    post = engines.Engine.__post_init__

    def __post_init__(self):
        post(self)
        if self.name == "trtllm":
            object.__setattr__(self, "fp8_gemm_law", True)

    engines.Engine.__post_init__ = __post_init__
    law = kernels.fp8_law_constants()
    law = {**law, "stream_efficiency": kernels.constants.FITTED["weight_stream_efficiency"]}
    kernels.fp8_law_constants = lambda: law
elif variant != "base":
    raise SystemExit(f"unknown variant {variant}")
sys.argv = ["bench/serve_public.py", *args]
runpy.run_path("bench/serve_public.py", run_name="__main__")
