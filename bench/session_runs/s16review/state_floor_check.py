"""s16review: s16utrain's state floor (model_state_total / n) against the busiest stage's
weights + gradients + optimizer of plans on catalog models (tied embeddings, MTP, MoE, LoRA).

    PYTHONPATH=/work/wt/s16utrain python bench/session_runs/s16review/state_floor_check.py
"""

import itertools
from dataclasses import replace

from planner.perfmodel.options import Software
from planner.train.api import make_problem
from planner.train.evaluate import verify
from planner.train.explain import model_state_total
from planner.train.instance import TrainingPlan
from planner.train.step_time import balanced_stage_layers, estimate

CASES = [
    ("gpt-1.7b", "16xH100"),  # tied embeddings
    ("llama-3.1-8b", "16xH100"),
    ("deepseek-v3", "256xH100"),  # MTP, MoE, dense first layers
    ("mixtral-8x7b", "64xH100"),
]
worst = None
checked = 0
for name, cluster in CASES:
    try:
        base = make_problem(name, cluster, global_batch=256, seq_len=4096)
    except Exception as exc:  # a model not in the catalog
        print(name, "skipped:", exc)
        continue
    for sw in (Software(), Software(lora_rank=16)):
        prob = replace(base, software=sw)
        total = model_state_total(prob)
        m = prob.model
        eps = [e for e in (1, 8, 32) if not m.is_moe or m.num_experts % e == 0] if m.is_moe else [1]
        for tp, pp, dp, ep, zero in itertools.product(
            (1, 8), (1, 2, 4, 16), (1, 2, 16), eps, (0, 1, 3)
        ):
            if tp * pp * dp > prob.gpu_budget or (m.is_moe and (dp * tp) % ep):
                continue
            if zero >= 2 and pp > 1:
                continue
            plan = TrainingPlan(
                tp=tp,
                pp=pp,
                dp=dp,
                ep=ep,
                zero=zero,
                sequence_parallel=tp > 1,
                stage_layers=balanced_stage_layers(m.layers, pp),
            )
            bad = [
                v
                for v in verify(prob, plan)
                if "memory" not in v and "GiB" not in v and "batch" not in v
            ]
            if bad:
                continue
            try:
                est = estimate(prob, plan)
            except Exception as exc:
                print("estimate failed", name, plan.short(), exc)
                continue
            busiest = max(
                st.memory.weights + st.memory.gradients + st.memory.optimizer for st in est.stages
            )
            ratio = busiest / (total / plan.gpus)
            checked += 1
            if worst is None or ratio < worst[0]:
                worst = (ratio, name, plan.short(), sw.lora_rank)
print("checked", checked, "plans; smallest busiest / floor ratio", worst)
