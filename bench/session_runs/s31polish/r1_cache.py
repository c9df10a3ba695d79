"""The dstack R1 vLLM replica's KV cache (free GiB, tokens) under the non-torch constants before
(0.13 + 0.28 per peer) and after (0.05 + 0.29) s31polish's refit; the engine and model of its
public rows.

Usage: PYTHONPATH=. .venv/bin/python bench/session_runs/s31polish/r1_cache.py
"""

import planner.perfmodel.vllm_memory as vm
from planner.perfmodel.calibration.serving_public import PUBLIC_SERVING_ROWS
from planner.perfmodel.memory import GIB
from planner.perfmodel.stage import EngineModel, ReplicaConfig
from planner.serve import make_problem

row = next(r for r in PUBLIC_SERVING_ROWS if r.source == "dstack_r1" and "/vllm/" in r.id)
for label, base, peer in (("before", 0.13, 0.28), ("after", 0.05, 0.29)):
    vm.VLLM_NON_TORCH_BASE_GIB, vm.VLLM_NON_TORCH_PER_PEER_GIB = base, peer
    problem = make_problem(  # as planner.serve.public.simulated_run builds it
        row.model,
        f"{row.gpu}:{row.tp * row.ep}",
        prompt_tokens=float(row.input_tokens),
        output_tokens=float(row.output_tokens),
        precision=row.precision,
        kv_precision=row.kv_precision,
        engine=row.engine,
    )
    pool = problem.inventory.pools[0]
    em = EngineModel(
        problem.model,
        ReplicaConfig(pool.gpu, row.tp, 1, row.ep),
        problem.precision,
        problem.kv_precision_name,
        engine=problem.engine_on(pool.gpu),
    )
    print(
        f"{label}: {row.id} non-torch {base} + {peer} per peer: free GiB "
        f"{em.free_bytes / GIB:.3f}, KV tokens {em.kv_tokens:,.0f}"
    )
