"""How much the safe LP bounds lose against HiGHS's LP objectives, and what they cost.

Every call of ``planner.core.lp_bound.highs_lp_bound`` made by the sites is recorded (HiGHS's
objective, the safe bound, the CPU seconds of the safe bound, whether the perturbed re-solve
ran), on the benchmarks' instances:

* offload ``prepare`` (LP relaxation + RENS) of every layer of llada2-mini seed 1 (32 steps,
  per-layer budget, as ``bench/offload_mip.py``), and of 4 layers with ``overlap=True``
  (whose hide columns have cost -1 and no upper bound: the re-solve path);
* offload Lagrangian layer LPs (``coupled.LayerLP``) of the global-budget instance (budget
  19 * 129), 3 multiplier vectors each for 6 layers;
* serve: ``solve_lp`` of ``instances/serve/fleet-3x3.toml`` for 3 models x 2 modes.

Usage (from the worktree root)::

    PYTHONPATH=. nice -n 10 .venv/bin/python bench/session_runs/s14dual/measure.py \
        > bench/session_runs/s14dual/measure.jsonl
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

import planner.core.lp_bound as lpb
import planner.core.mip as core_mip
from planner.offload import coupled
from planner.offload import mip as off_mip
from planner.offload.generate import generate

ROOT = Path(__file__).resolve().parents[3]
RECORDS: list[dict] = []
SITE = {"name": ""}
_original = lpb.highs_lp_bound
_perturbed = lpb._anchored


def recording(h, *, time_limit: float = 10.0):
    obj = h.getInfo().objective_function_value
    ran = {"resolve": False}

    def spy(*a, **k):
        ran["resolve"] = True
        return _perturbed(*a, **k)

    lpb._anchored = spy
    c0 = time.process_time()
    value = _original(h, time_limit=time_limit)
    cpu = time.process_time() - c0
    lpb._anchored = _perturbed
    RECORDS.append(
        {
            "site": SITE["name"],
            "columns": h.getNumCol(),
            "rows": h.getNumRow(),
            "objective": obj,
            "safe": value,
            "rel_loss": None if value is None else (obj - value) / max(abs(obj), 1e-12),
            "safe_cpu_s": round(cpu, 4),
            "resolve": ran["resolve"],
        }
    )
    return value


for module in (core_mip, off_mip, coupled):
    module.highs_lp_bound = recording


def lp_cpu(fn):
    c0 = time.process_time()
    out = fn()
    return out, time.process_time() - c0


def offload() -> None:
    inst = generate("llada2-mini", steps=32, seed=1)
    for layer in range(inst.layers):
        SITE["name"] = f"offload prepare layer {layer}"
        _, cpu = lp_cpu(
            lambda layer=layer: off_mip.prepare(
                inst, [layer], capacity=inst.capacity, global_budget=False, overlap=False,
                time_limit=60, start=None,
            )
        )  # fmt: skip
        RECORDS[-1]["site_cpu_s"] = round(cpu, 3)
        print(json.dumps(RECORDS[-1]), flush=True)
    over = generate("llada2-mini", steps=32, seed=1, overlap=True)
    SITE["name"] = "offload prepare overlap layers 0-3"
    _, cpu = lp_cpu(
        lambda: off_mip.prepare(
            over, [0, 1, 2, 3], capacity=over.capacity, global_budget=False, overlap=True,
            time_limit=120, start=None,
        )
    )  # fmt: skip
    RECORDS[-1]["site_cpu_s"] = round(cpu, 3)
    print(json.dumps(RECORDS[-1]), flush=True)
    glob = generate("llada2-mini", steps=32, seed=1, global_budget=19 * 129)
    rng = np.random.default_rng(0)
    for layer in range(0, glob.layers, 3):
        lp = coupled.LayerLP(glob, layer, seed=0)
        for k in range(3):
            SITE["name"] = f"offload Lagrangian layer {layer} lambda {k}"
            lam = rng.uniform(0, 200.0, size=glob.steps) if k else np.zeros(glob.steps)
            _, cpu = lp_cpu(lambda lp=lp, lam=lam: lp.solve(lam, 60))
            RECORDS[-1]["site_cpu_s"] = round(cpu, 3)
            print(json.dumps(RECORDS[-1]), flush=True)


def serve() -> None:
    from planner.perfmodel.readers import load_model
    from planner.serve import read
    from planner.serve.candidates import candidates
    from planner.serve.instance import ServingConstraints
    from planner.serve.mip import solve_lp

    (base,) = read(ROOT / "instances" / "serve" / "fleet-3x3.toml")
    for model in ("llama-3.1-8b", "llama-3.1-70b", "mixtral-8x7b"):
        for mode in ("off", "allow"):
            problem = replace(
                base, name=f"{model}/{mode}", model=load_model(model),
                constraints=ServingConstraints(disaggregation=mode),
            )  # fmt: skip
            usable = [c for c in candidates(problem) if c.usable]
            SITE["name"] = f"serve fleet {model} {mode}"
            _, cpu = lp_cpu(lambda p=problem, u=usable: solve_lp(p, u, time_limit=60, threads=1))
            RECORDS[-1]["site_cpu_s"] = round(cpu, 3)
            print(json.dumps(RECORDS[-1]), flush=True)


if __name__ == "__main__":
    print(json.dumps({"load_before": os.getloadavg()}), flush=True)
    serve()
    offload()
    losses = [r["rel_loss"] for r in RECORDS if r["rel_loss"] is not None]
    print(
        json.dumps(
            {
                "records": len(RECORDS),
                "no_bound": sum(r["safe"] is None for r in RECORDS),
                "max_rel_loss": max(losses),
                "resolves": sum(r["resolve"] for r in RECORDS),
                "safe_cpu_s_total": round(sum(r["safe_cpu_s"] for r in RECORDS), 3),
                "site_cpu_s_total": round(sum(r.get("site_cpu_s", 0) for r in RECORDS), 3),
                "load_after": os.getloadavg(),
            }
        ),
        flush=True,
    )
