"""Per-step breakdown of the model's DeepSeek-R1 decode step for the dstack vLLM / SGLang rows."""
import numpy as np
from planner.serve.api import make_problem
from planner.perfmodel.stage import EngineModel, ReplicaConfig
from planner.perfmodel import constants
import planner.perfmodel.stage as st

def show(engine, tp, ep, b, ctx=3600):
    p = make_problem("deepseek-v3", f"H200:{tp*ep}", qps=None, prompt_tokens=3200.0, output_tokens=800.0,
                     precision="fp8", kv_precision="bf16", engine=engine)
    gpu = p.inventory.pools[0].gpu
    cfg = ReplicaConfig(gpu, tp, 1, ep) if True else None
    em = EngineModel(p.model, cfg, "fp8", "bf16", engine=p.engine)
    N = np.array([float(b)])
    dense, moe = em.layer_times(N)
    s, mx = em.gpu_time(N, b, ctx)
    tot = em.base_time(N, b, ctx)
    print(engine, f"tp{tp} ep{ep} b{b}: dense {dense[0]*1e6:.0f}us moe {moe[0]*1e6:.0f}us gpu {s[0]*1e3:.2f}ms step {tot[0]*1e3:.2f}ms small {em.small_kernels*1e6:.1f}us moe_fixed {em.moe_fixed*1e6:.0f}us")
    m, sh = em.model, em.shapes
    print("  attn gemms", em._gemm_sum(N, sh.attention, precision=em.attn_precision)[0]*1e6,
          "shared", em._gemm_sum(N, sh.shared)[0]*1e6, "router", em._gemm(N, *sh.router)[0]*1e6)
    print("  shapes attention", sh.attention, "expert", sh.expert, "shared", sh.shared)

import inspect
print(inspect.signature(ReplicaConfig))
for b in (4, 8, 16, 32, 64, 128):
    show("vllm:0.7.4,tokens=163840", 8, 1, b)
for b in (1, 2, 4, 8, 16):
    show("sglang:0.4.3,tokens=4096", 1, 8, b)
print({k: v for k, v in constants.FITTED.items()})

def mem(engine, tp, ep):
    p = make_problem("deepseek-v3", f"H200:{tp*ep}", qps=None, prompt_tokens=3200.0, output_tokens=800.0,
                     precision="fp8", kv_precision="bf16", engine=engine)
    em = EngineModel(p.model, ReplicaConfig(p.inventory.pools[0].gpu, tp, 1, ep), "fp8", "bf16", engine=p.engine)
    print(engine, {k: round(v, 2) for k, v in em.memory_breakdown().items()}, "kv tokens", round(em.kv_tokens), "kv B/token", em.kv_bytes_per_token)
mem("vllm:0.7.4,tokens=163840", 8, 1)
mem("sglang:0.4.3,tokens=4096", 1, 8)
