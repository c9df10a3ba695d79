"""Shape of the per-layer problems: relevant experts, duplicate count rows, tokens per expert-step."""

from planner.offload import mip
from planner.offload.generate import generate

for seed in (1,):
    inst = generate("llada2-mini", steps=32, seed=seed)
    print(
        "caps",
        inst.capacity,
        "cost",
        [a.shape for a in inst.cost_arrays],
        "copy us",
        inst.copy_s * 1e6,
    )
    for ly in range(inst.layers):
        u = mip.relevant_experts(inst, ly)
        c = inst.counts[:, ly, u].T  # [experts, steps]
        rows = {tuple(r) for r in c}
        used = c > 0
        nuse = used.sum(1)
        single = (nuse == 1).sum()
        # per step: experts with tokens
        per_step = used.sum(0)
        print(
            ly,
            "relevant",
            len(u),
            "distinct rows",
            len(rows),
            "single-use",
            single,
            "used/step min/mean/max",
            per_step.min(),
            per_step.mean().round(1),
            per_step.max(),
            "always used",
            (nuse == 32).sum(),
        )
