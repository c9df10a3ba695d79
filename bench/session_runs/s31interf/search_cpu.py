"""CPU seconds of fresh capacity searches (colocated, decode), to compare two trees."""

import time

from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.readers import load_model
from planner.perfmodel.stage import EngineModel, ReplicaConfig
from planner.serve.capacity import RoleModel
from planner.serve.slo import SLO
from planner.serve.traffic import Traffic, parse_lengths

T = Traffic(None, parse_lengths("exp:800", what="p"), parse_lengths("exp:200", what="o"))
t0 = time.process_time()
n = 0
for model, gpu, prec in (
    ("llama-3.1-8b", "H100", "fp8"),
    ("qwen3-30b-a3b", "H100", "bf16"),
    ("llama-3.1-70b", "H100", "fp8"),
):
    for tp in (1, 2, 4):
        eng = EngineModel(load_model(model), ReplicaConfig(get_gpu(gpu), tp), prec)
        for chunk in (512, 2048, 8192):
            for role in ("both", "decode"):
                RoleModel(eng, role, T, SLO(0.8, 0.03, 0.99), chunk=chunk).capacity()
                n += 1
print(f"{n} capacity searches: {time.process_time() - t0:.2f} CPU s")
